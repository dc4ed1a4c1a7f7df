#!/bin/sh
# scripts/bench.d/report.py on a fixed run directory (bench-report/: meta.json +
# runs.jsonl) must print bench-report/table.expect and write valid results.json
# and results.csv.  FERRY_GOLDEN_UPDATE=1 rewrites the expectation.  TAP output.
srcdir=${abs_srcdir:-$(cd "$(dirname "$0")" && pwd)}
top=$(cd "$srcdir/../.." && pwd)
if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 not installed"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$srcdir/bench-report/meta.json" "$srcdir/bench-report/runs.jsonl" "$work/"
BENCH_NO_CHART=1 python3 "$top/scripts/bench.d/report.py" "$work" | sed '$d' >"$work/table.out" 2>&1
rc=$?
exp=$srcdir/bench-report/table.expect
[ "${FERRY_GOLDEN_UPDATE:-0}" = 1 ] && cp "$work/table.out" "$exp"
if [ $rc -eq 0 ] && diff -u "$exp" "$work/table.out" >"$work/diff"; then
	echo "ok 1 - table"
else
	echo "not ok 1 - table"
	sed 's/^/# /' "$work/diff"
fi
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["cells"] and d["targets"]' "$work/results.json"; then
	echo "ok 2 - results.json"
else
	echo "not ok 2 - results.json"
fi
if [ "$(wc -l <"$work/results.csv")" -eq 10 ]; then
	echo "ok 3 - results.csv has a header and 9 cells"
else
	echo "not ok 3 - results.csv: $(wc -l <"$work/results.csv") lines"
fi
echo "1..3"
