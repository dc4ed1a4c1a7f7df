#!/usr/bin/env bash
# tests/daemon/lab_two_node.sh - a 2-node cluster as pcs sets one up (corosync two_node: 1 and
# wait_for_all, per-node fence delay so node1 wins a fence race), split in two: each half stays
# quorate for corosync, so only ferryd's ledger keeps a VM from running twice.  Prints TAP.
# Run by tests/daemon/lab_suite.sh on a lab of its own (scripts/lab up 2).
#
#   1  corosync runs two_node and ferryd knows it
#   2  web1 runs on node2 through pcs (ocf:ferry:vm, ledger on)
#   3  split with fencing failing: both halves quorate for corosync, both ledgers grant
#      nothing (a VM nobody holds is refused on either side, with the reason)
#   4  throughout the split web1 runs on one node only (census every 0.5 s)
#   5  fencing works again: one node fences the other (node1 usually), the survivor's ledger
#      takes over: web1 runs there once (restarted once if it ran on the fenced node)
#   6  the fenced node comes back and takes the survivor's ledger
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/tap.sh"
. "$TOP/tests/labtest.sh"
IPC=${IPCCALL:-$TOP/tests/daemon/ipccall}
SAVE=$SHARED/save
VM=tn-web1

x() { timeout 60 "$LAB" exec "$@"; }
flog() { cat "$FERRY_LAB_DIR/state/nodes/$1/log/ferryd.out" 2>/dev/null; }
status_json() { x "$1" ferryctl --json status 2>/dev/null; }
now_ms() { date +%s%3N; }

# copies: on how many nodes VM's vCPUs run (the lab's census, which asks a suspect's nodes twice)
copies() {
	"$LAB" census --json 2>/dev/null |
		jq -r --arg v "$VM" '[.vms[] | select(.name == $v) | (.running_on | length)] | max // 0'
}

# ---- 1: two_node --------------------------------------------------------------------------
synced_quorate() { status_json "$1" | jq -e '.synced and .quorate' >/dev/null; }
wait_until 60 synced_quorate node1 && wait_until 60 synced_quorate node2
q=$(x node1 corosync-quorumtool -s 2>/dev/null)
if grep -q '2Node' <<<"$q" && grep -q 'WaitForAll' <<<"$q" &&
	flog node1 | grep -q 'two_node cluster (wait_for_all)'; then
	tap_ok "corosync runs two_node with wait_for_all, and ferryd says so"
else
	tap_fail "two_node not in force: $(grep -i flags <<<"$q")"
fi

# ---- 2: a VM on node2 -----------------------------------------------------------------------
OFF=
if create_vm "$VM" node2; then
	tap_ok "$VM runs on node2 (pcs, ocf:ferry:vm, ledger on)"
else
	tap_fail "$VM did not start on node2: $(pcs_ status 2>&1 | grep "$VM")"
fi
b0=$(boots "$VM")

# census in the background for the whole split: every 0.5 s, the most copies seen
census_loop() {
	local max=0 c
	while [ ! -e "$SHARED/tn-census.stop" ]; do
		c=$(copies)
		[[ $c =~ ^[0-9]+$ ]] && [ "$c" -gt "$max" ] && max=$c
		echo "$max" >"$SHARED/tn-census.max"
		sleep 0.5
	done
}
rm -f "$SHARED/tn-census.stop" "$SHARED/tn-census.max"
census_loop &
census_pid=$!

# ---- 3: split with fencing failing ------------------------------------------------------------
"$LAB" fence fail >/dev/null
"$LAB" isolate node2 >/dev/null
t_split=$(now_ms)
alone() { status_json "$1" | jq -e --argjson n "$2" '.synced and ([.nodes[] | select(.member)] | length == 1) and ([.nodes[] | select(.nodeid == $n and .member == false)] | length == 1)' >/dev/null; }
wait_until 60 alone node1 2 || tap_diag "node1 still sees node2 after 60 s"
wait_until 60 alone node2 1 || tap_diag "node2 still sees node1 after 60 s"
U9=$(python3 -c 'import uuid; print(uuid.uuid4())')
q1=$(x node1 corosync-quorumtool -s 2>/dev/null | sed -n 's/^Quorate: *//p')
q2=$(x node2 corosync-quorumtool -s 2>/dev/null | sed -n 's/^Quorate: *//p')
a1=$(x node1 "$IPC" acquire tn-web9 "$U9")
r1=$?
a2=$(x node2 "$IPC" acquire tn-web9 "$U9")
r2=$?
n1=$(status_json node1 | jq -r .note)
tap_diag "corosync quorate: node1 $q1, node2 $q2; node1: $a1 (rc $r1); node2: $a2 (rc $r2)"
tap_diag "node1 ferryctl status: $n1"
if [[ $q1 == Yes && $q2 == Yes && $r1 == 5 && $r2 == 5 && $a1 == *"not fenced yet"* &&
	$a2 == *"not fenced yet"* && $n1 == *two_node* ]]; then
	tap_ok "split: both halves quorate for corosync, neither ledger grants (waiting for the peer's fence)"
else
	tap_fail "split: a ledger granted or gave another reason"
fi
sleep 5 # the split goes on while Pacemaker's fencing keeps failing

# ---- 5: fencing works again ---------------------------------------------------------------------
# Both halves keep asking to fence the other.  Which one wins depends on whose attempt is in
# flight when fencing works again (node2's attempts on node1 carry the 5 s delay, so one of them
# may well be the first to succeed; Pacemaker applies pcmk_delay_base to an operation's first
# attempt, not to its retries): either way the survivor's ledger must take over, once.  Both
# cannot be cut: the lab's power switch takes one command at a time, and a cut node's command
# is lost with it (agents/fence_ferrylab), as with a PDU that allows one session.
"$LAB" fence ok >/dev/null
is_off() { [ -e "$FERRY_LAB_DIR/state/nodes/$1/off" ]; }
one_off() { is_off node1 || is_off node2; }
if ! wait_until 90 one_off; then
	tap_diag "Pacemaker did not retry the fence within 90 s; fencing node2 from node1 by hand"
	x node1 stonith_admin --fence node2 --timeout 60 >/dev/null 2>&1
fi
if is_off node1; then OFF=node1 S=node2 SID=2; else OFF=node2 S=node1 SID=1; fi
t_fenced=$(now_ms)
owner_is_s() { status_json "$S" | jq -e --arg v "$VM" --argjson n "$SID" '.quorate and ([.vms[] | select(.name == $v and .owner == $n)] | length == 1)' >/dev/null; }
expect_boots=0
[ "$S" = node1 ] && expect_boots=1 # web1 ran on node2: a restart elsewhere boots it afresh
booted_enough() { [ "$(($(boots "$VM") - b0))" -ge "$expect_boots" ]; }
if one_off && wait_until 120 owner_is_s && wait_on "$VM" "$S" 120 && wait_until 90 booted_enough; then
	sleep 3
	nb=$(($(boots "$VM") - b0))
	conf=$(flog "$S" | grep -c "node $((3 - SID)): fence confirmation sent")
	tap_diag "$OFF fenced $((t_fenced - t_split)) ms after the split; $VM owned by $S, boots since: $nb"
	if [ "$nb" = "$expect_boots" ] && [ "$conf" -ge 1 ]; then
		tap_ok "after $OFF's fence $S's ledger takes over: $VM runs on $S once ($nb fresh boots)"
	else
		tap_fail "$VM booted $nb times (expected $expect_boots); fence confirmations sent by $S: $conf"
	fi
else
	tap_fail "no recovery after the fence: off: node1 $(is_off node1 && echo yes || echo no), node2 $(is_off node2 && echo yes || echo no); $VM on '$(where "$VM")', ledger on $S: $(status_json "$S" | jq -c --arg v "$VM" '.vms[] | select(.name == $v)')"
fi

touch "$SHARED/tn-census.stop"
wait $census_pid 2>/dev/null
max=$(cat "$SHARED/tn-census.max" 2>/dev/null || echo "?")
if [ "$max" = 1 ]; then
	tap_ok "census during the split and the recovery: $VM never ran on two nodes"
else
	tap_fail "census: $VM ran on $max nodes at once"
fi

# ---- 6: the fenced node comes back --------------------------------------------------------------
L=$OFF
"$LAB" heal node2 >/dev/null 2>&1
if "$LAB" poweron "$L" >/dev/null 2>&1 && OFF= && wait_until 90 synced_quorate "$L" &&
	[ "$(status_json "$L" | jq -c '.vms')" = "$(status_json "$S" | jq -c '.vms')" ]; then
	tap_ok "$L back: it took $S's ledger ($VM owned by $S)"
else
	tap_fail "$L back: ledgers differ: $S $(status_json "$S" | jq -c '.vms') $L $(status_json "$L" | jq -c '.vms')"
fi
OFF=
tap_done
