#!/bin/sh
# test_ctldrain.sh - `ferryctl drain NODE --plan` (tools/ctldrain.c) against
# a recorded 3-node CIB (drain/three-nodes.xml, see drain/README.md) through
# CIB_file: Pacemaker's own tools (cibadmin, crm_mon, crm_attribute,
# crm_simulate) run offline on copies of it, no cluster needed.  The VM
# "test" is sampled in libvirt's test:///default driver, the others are
# estimated from their configured memory.  Checks the plan (golden text:
# drain/three-nodes.plan.expect; FERRY_GOLDEN_UPDATE=1 rewrites it), the
# JSON, the options, that the CIB is unchanged, and every refusal's message
# and exit code.  TAP.  One case alone: test_ctldrain.sh CASE (the names
# below, e.g. test_ctldrain.sh standby).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
ctl=$top_builddir/tools/ferryctl
data=$top_srcdir/tests/daemon/drain
only=${1:-}
for t in crm_simulate crm_mon cibadmin crm_attribute; do
	if ! command -v "$t" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$t" ]; then
		echo "1..0 # SKIP $t (Pacemaker's tools) is not installed"
		exit 0
	fi
done
PATH=$PATH:/usr/sbin:/sbin
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ferry-ctldrain-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/conf" "$tmp/work"
for v in web1:1024 db1:2048 big1:3500 pinned1:256 app2:512; do
	printf "<domain type='kvm'><name>%s</name><memory unit='MiB'>%s</memory></domain>\n" \
		"${v%%:*}" "${v#*:}" >"$tmp/conf/${v%%:*}.xml"
done
printf "<domain type='test'><name>test</name><memory unit='KiB'>1048576</memory></domain>\n" \
	>"$tmp/conf/test.xml"
sed "s|@CONFDIR@|$tmp/conf|g" "$data/three-nodes.xml" >"$tmp/cib.xml"
# no history and no save-dir probe: the predictions are the engine's a-priori ones
FERRY_MOVES_LOG=$tmp/moves.jsonl
FERRY_PROBE_CACHE_DIR=$tmp/cache
CIB_file=$tmp/cib.xml
# and no ferryd: the cluster overhead is the a-priori one, even where a ferryd runs
FERRY_IPC_SERVICE=ferry-ctldrain-test-none
export FERRY_MOVES_LOG FERRY_PROBE_CACHE_DIR CIB_file PATH FERRY_IPC_SERVICE
: >"$FERRY_MOVES_LOG"

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
err_has() { grep -q -- "$1" "$tmp/err"; }
plan() { # plan ARGS...: ferryctl drain ARGS (sampling through test:///default), exit in $rc
	TMPDIR=$tmp/work "$ctl" drain "$@" --connect test:///default --dirty-seconds 0 \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
}
want() { [ -z "$only" ] || [ "$only" = "$1" ]; }
# a copy of the CIB changed by one crm_attribute call
variant() { # variant FILE crm_attribute-ARGS...
	f=$1
	shift
	cp "$tmp/cib.xml" "$f"
	CIB_file=$f crm_attribute "$@" >/dev/null 2>&1
}

if want text; then
	before=$(cksum <"$tmp/cib.xml")
	plan node1 --plan
	check "text: exit 0" test "$rc" -eq 0
	check "text: the CIB is unchanged" test "$(cksum <"$tmp/cib.xml")" = "$before"
	check "text: no temporary files left" test -z "$(ls -A "$tmp/work")"
	check "text: parallel from migration-limit" has "parallel 2 (migration-limit=2 in crm_config)"
	check "text: priority first" has "^    1    1  web1  *web1  *node2  *live  *10 "
	check "text: quick from the resource" has "^    2    1  db1  *db1  *node2  *quick "
	check "text: auto decided by prediction, sampled" has "vm-test: auto: live: "
	check "text: estimated from configured memory" has "web1: estimated from configured memory"
	check "text: utilization blocks big1" has "big1  *big1  *no node can take it (utilization memory=3500 fits no other node)"
	check "text: the pin blocks pinned1" has "pinned1  *pinned1  *no node can take it (pinned to node1 by pin-pinned1; banned from node2, node3)"
	check "text: other resources and their targets" has "ip1  *ocf:heartbeat:IPaddr2  *-> node3"
	check "text: a stopped other resource" has "dummy1  *ocf:pacemaker:Dummy  *-> stopped"
	check "text: node2's VM is not drained" test "$(grep -c app2 "$tmp/out")" -eq 0
	check "text: refused without --force" has "^the drain would be refused: 2 VMs cannot move"
	check "text: a plan changes nothing" has "^this is a plan: nothing was changed$"
	if [ "${FERRY_GOLDEN_UPDATE:-0}" = 1 ]; then
		cp "$tmp/out" "$data/three-nodes.plan.expect"
	fi
	if diff -u "$data/three-nodes.plan.expect" "$tmp/out" >"$tmp/diff"; then
		ok "text: as drain/three-nodes.plan.expect"
	else
		ko "text: as drain/three-nodes.plan.expect"
		sed 's/^/# /' "$tmp/diff"
	fi
fi

if want json; then
	before=$(cksum <"$tmp/cib.xml")
	"$ctl" --json drain node1 --plan --connect test:///default --dirty-seconds 0 >"$tmp/out" 2>"$tmp/err"
	check "json: exit 0" test $? -eq 0
	check "json: one line" test "$(wc -l <"$tmp/out")" -eq 1
	check "json: the CIB is unchanged" test "$(cksum <"$tmp/cib.xml")" = "$before"
	check "json: refused without force" has '"force":false,"refused_without_force":true,"changed":false}$'
	check "json: others" has '"others":\[{"resource":"ip1","agent":"ocf:heartbeat:IPaddr2","target":"node3"},{"resource":"dummy1","agent":"ocf:pacemaker:Dummy","target":null}\]'
	if command -v python3 >/dev/null 2>&1; then
		check "json: valid, 3 moves, 2 blocked, sampled 1" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
p = d["plan"]
assert d["node"] == "node1" and d["sampled"] == 1 and d["estimated"] == 4, d
assert [m["resource"] for m in p["moves"]] == ["web1", "db1", "vm-test"], p
assert [b["resource"] for b in p["blocked"]] == ["big1", "pinned1"], p
assert p["parallel"] == 2 and p["waves"] == 2
assert p["predicted_ms"] == max(m["predicted_end_ms"] for m in p["moves"])
' "$tmp/out"
	fi
fi

if want parallel; then
	plan node1 --plan --parallel 1
	check "parallel 1: exit 0" test "$rc" -eq 0
	check "parallel 1: from the option" has "parallel 1 (--parallel)"
	check "parallel 1: three waves" has "^plan: 3 moves in 3 waves (parallel 1, order default), 2 blocked$"
	plan node1 --plan --parallel 3
	check "parallel 3: one wave" has "^plan: 3 moves in 1 wave (parallel 3, order default), 2 blocked$"
	variant "$tmp/nolimit.xml" --type crm_config --name migration-limit --delete
	CIB_file=$tmp/nolimit.xml plan node1 --plan
	check "no migration-limit: parallel 1" has "parallel 1 (default 1 (no migration-limit in crm_config))"
fi

if want order; then
	plan node1 --plan --order largest-first
	check "order largest-first: exit 0" test "$rc" -eq 0
	check "order largest-first: db1 (2 GiB) first" has "^    1    1  db1 "
	plan node1 --plan --order smallest-gap-first
	check "order smallest-gap-first: db1 (quick) last" has "^    3    2  db1 "
fi

if want move; then
	plan node1 --plan --move quick
	check "move quick: exit 0" test "$rc" -eq 0
	check "move quick: every move quick" test "$(grep -c '  quick  ' "$tmp/out")" -eq 3
	check "move quick: said in the header" has "; move: quick$"
	plan node1 --plan --move auto
	check "move auto: web1 decided by prediction" has "web1: estimated from configured memory; auto: "
fi

if want force; then
	plan node1 --plan --force
	check "force: exit 0" test "$rc" -eq 0
	check "force: says what happens to the blocked" has "^--force: the others are drained and Pacemaker stops the 2 VMs"
fi

if want refusals; then
	plan node9 --plan
	check "unknown node: exit 2" test "$rc" -eq 2
	check "unknown node: the nodes named" err_has "drain node9: node node9 is not in the cluster's configuration; its nodes are: node1, node2, node3"
	plan node1 --plan --parallel 0
	check "parallel 0: exit 2" test "$rc" -eq 2
	check "parallel 0: why" err_has "parallel 0: give the number of moves at once, a whole number from 1 to 64"
	plan node1 --plan --parallel two
	check "parallel not a number: exit 2" test "$rc" -eq 2
	plan node1 --plan --order biggest
	check "unknown order: exit 2" test "$rc" -eq 2
	check "unknown order: the orders named" err_has "order biggest: unknown; use default, priority, smallest-gap-first or largest-first"
	plan node1 --plan --move teleport
	check "unknown move: exit 2" test "$rc" -eq 2
	check "unknown move: the moves named" err_has "move teleport: unknown; use live, quick or auto"
	plan node1 </dev/null
	check "no --plan, VMs that cannot move: refused, exit 5" test "$rc" -eq 5
	check "no --plan, VMs that cannot move: says --force" err_has "Add --force"
	plan node1 --force </dev/null
	check "no --plan, no terminal, no --yes: exit 2" test "$rc" -eq 2
	check "no --plan, no terminal, no --yes: asks for --yes" err_has "add --yes"
	plan node1 --force --yes --at "2020-01-01 10:00"
	check "--at in the past: exit 2" test "$rc" -eq 2
	check "--at in the past: says so" err_has "is in the past"
	plan node1 --force --yes --at "tomorrow"
	check "--at malformed: exit 2" test "$rc" -eq 2
	check "--at malformed: the format named" err_has 'give "YYYY-MM-DD HH:MM"'
	plan node1 --force --yes --window 2h
	check "--window without --at: exit 2" test "$rc" -eq 2
	plan node2 --yes --at "2099-01-01 10:00" --window 1s
	check "--window shorter than the drain: refused, exit 5" test "$rc" -eq 5
	check "--window shorter than the drain: says so" err_has "longer than --window 1s"
	plan node1 --force --yes --at "2099-01-01 10:00" --window 1x
	check "--window malformed: exit 2" test "$rc" -eq 2
	plan --plan
	check "no node: exit 2" test "$rc" -eq 2
	plan node1 node2 --plan
	check "two nodes: exit 2" test "$rc" -eq 2
fi

if want standby; then
	variant "$tmp/standby.xml" --node node1 --name standby --update on
	CIB_file=$tmp/standby.xml plan node1 --plan
	check "node in standby: exit 2" test "$rc" -eq 2
	check "node in standby: why" err_has "node node1 is already in standby"
fi

if want last-node; then
	variant "$tmp/last.xml" --node node2 --name standby --update on
	CIB_file=$tmp/last.xml crm_attribute --node node3 --name standby --update on >/dev/null 2>&1
	CIB_file=$tmp/last.xml plan node1 --plan
	check "last node: exit 2" test "$rc" -eq 2
	check "last node: why" err_has "node node1 is the last node online and out of standby"
fi

if want no-cib; then
	CIB_file=$tmp/none.xml plan node1 --plan
	check "no CIB: exit 1" test "$rc" -eq 1
	check "no CIB: says so" err_has "cannot read the CIB: cibadmin failed.*check CIB_file"
fi

if want rsc-defaults; then
	sed 's|</constraints>|</constraints><rsc_defaults><meta_attributes id="rd"><nvpair id="rd-p" name="priority" value="3"/></meta_attributes></rsc_defaults>|' \
		"$tmp/cib.xml" >"$tmp/defaults.xml"
	CIB_file=$tmp/defaults.xml plan node1 --plan
	check "rsc_defaults: exit 0" test "$rc" -eq 0
	check "rsc_defaults: priority inherited" has "^    3    2  vm-test  *test  *node3  *live  *3 "
	check "rsc_defaults: the resource's own wins" has "^    1    1  web1  *web1  *node2  *live  *10 "
fi

if want empty-node; then
	plan node3 --plan
	check "node without VMs: exit 0" test "$rc" -eq 0
	check "node without VMs: an empty plan" has "^plan: 0 moves in 0 waves"
fi

if [ "$n" -eq 0 ]; then
	echo "1..0 # SKIP no case named $only"
	exit 0
fi
echo "1..$n"
[ "$fails" -eq 0 ]
