# shellcheck shell=sh
# tests/golden.sh - the golden-file runner of the pure engines' scenario tests
# (tests/predict, tests/drain).  Source it, then:
#
#   golden_run TOOL SCENARIOS JSON NAME
#
# runs every SCENARIOS/NAME.scenario through TOOL (text, then --json) and
# compares the output with SCENARIOS/NAME.expect; TAP output, returns non-zero
# when one differs.  The --json form must parse (python3's json module when
# present); JSON=1 also records that JSON in the .expect, JSON=0 only whether
# it parsed.  NAME, when not empty, runs that one scenario alone.
# FERRY_GOLDEN_UPDATE=1 rewrites the .expect files (review the diff before
# committing it).

# golden_json TOOL SCENARIO JSON TMP: the --json part of a scenario's output
# (TMP: a file name it may use).
golden_json() {
	if "$1" --json "$2" >"$4"; then
		if [ "$3" = 1 ]; then
			cat "$4"
		fi
		if command -v python3 >/dev/null 2>&1 &&
			! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$4"; then
			echo "json: invalid"
		else
			echo "json: ok"
		fi
	else
		echo "json: exit $?"
	fi
	rm -f "$4"
}

golden_run() {
	tool=$1
	dir=$2
	json=$3
	only=$4
	n=0
	failed=0
	for sc in "$dir"/*.scenario; do
		name=$(basename "$sc" .scenario)
		if [ -n "$only" ] && [ "$name" != "$only" ]; then
			continue
		fi
		exp=$dir/$name.expect
		n=$((n + 1))
		got=$(mktemp)
		{
			"$tool" "$sc"
			echo "exit $?"
			golden_json "$tool" "$sc" "$json" "$got.json"
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
		return 0
	fi
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
