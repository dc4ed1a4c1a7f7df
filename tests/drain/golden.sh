#!/bin/sh
# Golden tests of the drain planner (lib/drainplan.c): every
# scenarios/NAME.scenario is run through drain-scenario (text, then --json)
# and compared with scenarios/NAME.expect.  FERRY_GOLDEN_UPDATE=1 rewrites
# the .expect files (review the diff before committing it).  One scenario
# alone: golden.sh NAME (or DRAIN_SCENARIO=NAME make check).  TAP output.
srcdir=${abs_srcdir:-$(cd "$(dirname "$0")" && pwd)}
builddir=${abs_builddir:-$srcdir}
tool=$builddir/drain-scenario
only=${1:-${DRAIN_SCENARIO:-}}
n=0
failed=0
# The --json form must parse (python3's json module when present).
json_check() {
	if "$tool" --json "$1" >"$got.json"; then
		cat "$got.json"
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
	if [ -n "$only" ] && [ "$name" != "$only" ]; then
		continue
	fi
	exp=$srcdir/scenarios/$name.expect
	n=$((n + 1))
	got=$(mktemp)
	{
		"$tool" "$sc"
		echo "exit $?"
		json_check "$sc"
	} >"$got" 2>&1
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
if [ "$n" -eq 0 ]; then
	echo "1..0 # SKIP no scenario named ${only:-anything}"
	exit 0
fi
echo "1..$n"
[ "$failed" -eq 0 ]
