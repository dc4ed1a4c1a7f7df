#!/bin/sh
# Golden tests of the prediction engine: every scenarios/NAME.scenario is run
# through predict-scenario (text, then --json) and compared with
# scenarios/NAME.expect.  FERRY_GOLDEN_UPDATE=1 rewrites the .expect files
# (review the diff before committing it).  TAP output.
srcdir=${abs_srcdir:-$(cd "$(dirname "$0")" && pwd)}
builddir=${abs_builddir:-$srcdir}
tool=$builddir/predict-scenario
n=0
failed=0
# The --json form must parse (python3's json module when present).
json_check() {
	if "$tool" --json "$1" >"$got.json"; then
		if command -v python3 >/dev/null 2>&1 &&
			! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$got.json"; then
			echo "json: invalid"
		else
			echo "json: ok"
		fi
	else
		echo "json: exit $?"
	fi
	rm -f "$got.json"
}
for sc in "$srcdir"/scenarios/*.scenario; do
	name=$(basename "$sc" .scenario)
	exp=$srcdir/scenarios/$name.expect
	n=$((n + 1))
	got=$(mktemp)
	{ "$tool" "$sc"; echo "exit $?"; json_check "$sc"; } >"$got" 2>&1
	if [ "${FERRY_GOLDEN_UPDATE:-0}" = 1 ]; then
		cp "$got" "$exp"
		echo "ok $n - $name # updated"
	elif [ ! -f "$exp" ]; then
		echo "not ok $n - $name: no $name.expect (run with FERRY_GOLDEN_UPDATE=1)"
		failed=$((failed + 1))
	elif diff -u "$exp" "$got" >"$got.diff"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		sed 's/^/# /' "$got.diff"
		failed=$((failed + 1))
	fi
	rm -f "$got" "$got.diff"
done
echo "1..$n"
[ "$failed" -eq 0 ]
