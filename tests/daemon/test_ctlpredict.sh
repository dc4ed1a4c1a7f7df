#!/bin/sh
# test_ctlpredict.sh - `ferryctl predict` against libvirt's test:///default
# driver (its running domain "test"): the text and JSON output, the inputs'
# provenance, the bandwidth of a recorded move, the constants calibrated from
# recorded moves (or not), the save-dir probe and its
# cache, the policy from the VM's resource in a CIB file (CIB_file: the
# cluster's CIB is never read here) or ferry's defaults, and the exit codes.
# TAP.
top_builddir=${top_builddir:-../..}
ctl=$top_builddir/tools/ferryctl
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ferry-ctlpredict-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/save"
FERRY_MOVES_LOG=$tmp/moves.jsonl
FERRY_PROBE_CACHE_DIR=$tmp/cache
# no CIB unless a test gives one: the "cannot read the CIB" fallback
CIB_file=$tmp/no-cib.xml
export FERRY_MOVES_LOG FERRY_PROBE_CACHE_DIR CIB_file
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
check "text: the moves log read" has "^history: 1 record in $FERRY_MOVES_LOG$"
check "text: constants where history is short" has "^  QEMU start       restore_setup_ms              420  constant: no successful quick move records it$"
check "text: the probe file is gone" test -z "$(ls -A "$tmp/save")"
check "text: the policy, and no CIB" has "^policy: max_downtime_ms=100 downtime_steps=200,400,800 save_dir=$tmp/save (--save-dir; otherwise ferry's defaults: cannot read the CIB: .*; check CIB_file or CIB_shadow)$"

"$ctl" --json predict test --connect test:///default --target node3 --save-dir "$tmp/save" \
	--dirty-seconds 0 --max-downtime 50 >"$tmp/out" 2>"$tmp/err"
check "json: exit 0" test $? -eq 0
check "json: one line" test "$(wc -l <"$tmp/out")" -eq 1
check "json: provenance" has '"net":{"value":209715200,"source":"history","how":"live move of web9 to node2 at [^"]* (none to the target yet)"}'
check "json: probe from the cache" has '"save_write":{"value":[0-9]*,"source":"cached"'
check "json: the limit given" has '"max_downtime_ms":50,"downtime_steps_ms":\[200,400,800\]'
check "json: the prediction" has '"prediction":{"input":{"mem_bytes":2147483648,'
check "json: the policy" has "\"policy\":{\"max_downtime_ms\":50,\"downtime_steps\":\[200,400,800\],\"save_dir\":\"$tmp/save\",\"resource\":null,\"from\":\"--max-downtime, --save-dir; otherwise ferry's defaults: cannot read the CIB: "
if command -v jq >/dev/null 2>&1; then
	check "json: valid" jq -e '.sampled.dirty.value == null and .prediction.auto == "live" and .policy.max_downtime_ms == 50' "$tmp/out"
fi

# the VM's resource in a CIB: "test" is vm-test's config file's domain name
cib() { # cib FILE RESOURCE-XML...: a CIB with these resources
	f=$1
	shift
	{
		echo '<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">'
		echo '<configuration><crm_config/><nodes/><resources>'
		printf '%s\n' "$@"
		echo '</resources><constraints/></configuration><status/></cib>'
	} >"$f"
}
prim() { # prim ID PARAM=VALUE...: an ocf:ferry:vm primitive
	id=$1
	shift
	printf '<primitive id="%s" class="ocf" provider="ferry" type="vm"><instance_attributes id="%s-ia">' "$id" "$id"
	for kv in "$@"; do
		printf '<nvpair id="%s-%s" name="%s" value="%s"/>' "$id" "${kv%%=*}" "${kv%%=*}" "${kv#*=}"
	done
	printf '</instance_attributes></primitive>'
}
printf '<domain type="test"><name>test</name></domain>\n' >"$tmp/test.xml"
printf '<domain type="test"><name>db</name></domain>\n' >"$tmp/db.xml"
cib "$tmp/cib.xml" "$(prim vm-db config="$tmp/db.xml" max_downtime_ms=50)" \
	"$(prim vm-test config="$tmp/test.xml" max_downtime_ms=300 downtime_steps=200,600 save_dir="$tmp/save")"
CIB_file=$tmp/cib.xml "$ctl" predict test --connect test:///default --dirty-seconds 0 >"$tmp/out" 2>"$tmp/err"
check "cib: exit 0" test $? -eq 0
check "cib: the resource's policy, steps above the limit" has "^policy: max_downtime_ms=300 downtime_steps=600 save_dir=$tmp/save (resource vm-test in the CIB)$"
check "cib: the engine uses it" has "^  downtime target  300 ms, steps 600$"
check "cib: its save_dir probed" has "save write bw .*probe of $tmp/save"
check "cib: no warning" test ! -s "$tmp/err"
CIB_file=$tmp/cib.xml "$ctl" --json predict test --connect test:///default --dirty-seconds 0 \
	--max-downtime 50 --downtime-steps none >"$tmp/out" 2>"$tmp/err"
check "cib: flags win" has "\"policy\":{\"max_downtime_ms\":50,\"downtime_steps\":\[\],\"save_dir\":\"$tmp/save\",\"resource\":\"vm-test\",\"from\":\"--max-downtime, --downtime-steps; otherwise resource vm-test in the CIB\"}"
cib "$tmp/cib.xml" "$(prim vm-db config="$tmp/db.xml" max_downtime_ms=50)"
CIB_file=$tmp/cib.xml "$ctl" predict test --connect test:///default --dirty-seconds 0 >"$tmp/out" 2>"$tmp/err"
check "cib: no resource, defaults" has "^policy: max_downtime_ms=100 downtime_steps=200,400,800 save_dir=none (ferry's defaults: no ocf:ferry:vm resource for test in the CIB)$"
cib "$tmp/cib.xml" "$(prim test max_downtime_ms=fast downtime_steps=400)"
CIB_file=$tmp/cib.xml "$ctl" predict test --connect test:///default --dirty-seconds 0 >"$tmp/out" 2>"$tmp/err"
check "cib: an unparsable value: exit 0" test $? -eq 0
check "cib: an unparsable value: the default" has "^policy: max_downtime_ms=100 downtime_steps=400 save_dir=none (resource test in the CIB)$"
check "cib: an unparsable value: warned" grep -q "^ferryctl: warning: resource test: max_downtime_ms=fast is not a whole number" "$tmp/err"

# calibration: the moves log read once gives the bandwidth and the constants.
# Quick moves from this node (its host name, as ferryctl knows it) to node2:
# three with phases (pair scope), one failed (ignored).
host=$(hostname)
qrec() { # qrec RESULT RESTORE_MS: a quick move $host -> node2, 400 MiB raw image
	printf '{"vm":"web8","from":"%s","to":"node2","mode":"quick","result":"%s","start_unix_ms":1795000100000,"bytes":419430400,"image_ms":800,"save_ms":810,"restore_ms":%s,"restore_read_ms":500,"downtime_ms":%s,"guest_gap_ms":%s,"image_format":"raw"}\n' \
		"$host" "$1" "$2" $((810 + $2 + 10)) $((810 + $2 + 40))
}
{ qrec ok 1100; qrec ok 1200; qrec failed 9000; qrec ok 1150; } >>"$FERRY_MOVES_LOG"
"$ctl" predict test --connect test:///default --target node2 --dirty-seconds 0 >"$tmp/out" 2>"$tmp/err"
check "history: exit 0" test $? -eq 0
check "history: the log read" has "^history: 5 records in $FERRY_MOVES_LOG$"
check "history: QEMU start from the pair" has "^  QEMU start       restore_setup_ms              650  history: 3 quick moves $host->node2$"
check "history: save rate from the pair" has "^  save rate        save_stream_bps         524288000  history: 3 quick moves $host->node2$"
check "history: live gap stays a constant" has "^  live gap extra   live_gap_extra_ms              40  constant: no successful live move records it$"
check "history: the engine uses it" has "^  restore_setup_ms         650$"
"$ctl" --json predict test --connect test:///default --target node3 --dirty-seconds 0 >"$tmp/out" 2>"$tmp/err"
check "history json: node scope for the save (from this node)" has "\"save_stream_bps\":{\"value\":524288000,\"source\":\"history\",\"scope\":\"node\",\"samples\":3,\"how\":\"history: 3 quick moves from $host\"}"
check "history json: cluster scope for the restore (nothing to node3)" has "\"restore_setup_ms\":{\"value\":650,\"source\":\"history\",\"scope\":\"cluster\""
if command -v jq >/dev/null 2>&1; then
	check "history json: valid, and the engine's constants follow" jq -e '.calibration.records == 5 and .prediction.params.restore_setup_ms == 650 and .calibration.live_gap_extra_ms.source == "constant"' "$tmp/out"
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
