#!/bin/sh
# test_ctlpredict.sh - `ferryctl predict` against libvirt's test:///default
# driver (its running domain "test"): the text and JSON output, the inputs'
# provenance, the bandwidth of a recorded move, the save-dir probe and its
# cache, and the exit codes.  TAP.
top_builddir=${top_builddir:-../..}
ctl=$top_builddir/tools/ferryctl
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ferry-ctlpredict-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/save"
FERRY_MOVES_LOG=$tmp/moves.jsonl
FERRY_PROBE_CACHE_DIR=$tmp/cache
export FERRY_MOVES_LOG FERRY_PROBE_CACHE_DIR
printf '%s\n' '{"vm":"web9","to":"node2","mode":"live","result":"ok","start_unix_ms":1795000000000,"net_bps":209715200}' >"$FERRY_MOVES_LOG"

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
ko() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { # check NAME COMMAND...
	name=$1
	shift
	if "$@"; then ok "$name"; else ko "$name"; fi
}
has() { grep -q -- "$1" "$tmp/out"; }

"$ctl" predict test --connect test:///default --target node2 --save-dir "$tmp/save" \
	--dirty-seconds 0 >"$tmp/out" 2>"$tmp/err"
check "text: exit 0" test $? -eq 0
check "text: memory from libvirt" has "memory  *2048.0 MiB  *measured libvirt domain info"
check "text: bandwidth from the recorded move" has "migration bw  *200.0 MiB/s  *history  *live move of web9 to node2"
check "text: touched assumed, and why" has "touched  *?  *assumed  *all memory: no QEMU pid file"
check "text: save dir probed now" has "save write bw .*measured  *probe of $tmp/save now"
check "text: the moves side by side" has "^  quick  *yes"
check "text: the engine's inputs" has "migration bw     200.0 MiB/s$"
check "text: the auto choice" has "^auto: live"
check "text: the probe file is gone" test -z "$(ls -A "$tmp/save")"

"$ctl" --json predict test --connect test:///default --target node3 --save-dir "$tmp/save" \
	--dirty-seconds 0 --max-downtime 50 >"$tmp/out" 2>"$tmp/err"
check "json: exit 0" test $? -eq 0
check "json: one line" test "$(wc -l <"$tmp/out")" -eq 1
check "json: provenance" has '"net":{"value":209715200,"source":"history","how":"live move of web9 to node2 at [^"]* (none to the target yet)"}'
check "json: probe from the cache" has '"save_write":{"value":[0-9]*,"source":"cached"'
check "json: the limit given" has '"max_downtime_ms":50,"downtime_steps_ms":\[200,400,800\]'
check "json: the prediction" has '"prediction":{"input":{"mem_bytes":2147483648,'
if command -v jq >/dev/null 2>&1; then
	check "json: valid" jq -e '.sampled.dirty.value == null and .prediction.auto == "live"' "$tmp/out"
fi

"$ctl" predict nosuch --connect test:///default >"$tmp/out" 2>&1
check "a VM not here: exit 7" test $? -eq 7
check "a VM not here: says so" has "nosuch is not defined on this node"
"$ctl" predict test --connect test:///default --downtime-steps 300,200 >"$tmp/out" 2>&1
check "bad steps: usage" test $? -eq 2
"$ctl" predict test --connect test:///default --dirty-seconds 61 >"$tmp/out" 2>&1
check "too many dirty seconds: usage" test $? -eq 2
"$ctl" predict >"$tmp/out" 2>&1
check "no VM: usage" test $? -eq 2
"$ctl" predict test --connect test:///nowhere >"$tmp/out" 2>&1
check "no libvirt: error" test $? -eq 1

echo "1..$n"
[ "$fails" -eq 0 ]
