#!/usr/bin/env bash
# test_fence_ferrylab.sh - the lab's fence agent (agents/fence_ferrylab) on a fake lab
# directory: its power switch takes one command at a time, and a node that has itself been
# cut cannot cut another (so a 2-node split never ends with both nodes off).  No node is
# really powered off: the fake target's namespace inode matches no process.
# TAP; run alone: top_srcdir=. tests/agent/test_fence_ferrylab.sh
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/tap.sh
. "$top_srcdir/tests/tap.sh"
agent=$top_srcdir/agents/fence_ferrylab
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the caller's node: nodeA, whose namespace is this test's own; nodeB: no process has it
mkdir -p "$tmp/state/nodes/nodeA" "$tmp/state/nodes/nodeB"
stat -L -c %i /proc/self/ns/net >"$tmp/state/nodes/nodeA/netns.ino"
echo 1 >"$tmp/state/nodes/nodeB/netns.ino"
fence() { printf 'action=off\nplug=%s\nlab_dir=%s\n' "$1" "$tmp" | "$agent"; }

cuts_other() {
	rm -f "$tmp/state/nodes/nodeB/off"
	fence nodeB && [ -e "$tmp/state/nodes/nodeB/off" ]
}
tap_check "a node that is on powers another off" cuts_other

cut_caller_refused() {
	local out
	rm -f "$tmp/state/nodes/nodeB/off"
	date >"$tmp/state/nodes/nodeA/off"
	out=$(fence nodeB 2>&1) && { echo "succeeded: $out"; return 1; }
	rm -f "$tmp/state/nodes/nodeA/off"
	echo "$out"
	[[ $out == *"nodeA, which asked to power off nodeB, has itself been powered off"* ]] &&
		[ ! -e "$tmp/state/nodes/nodeB/off" ]
}
tap_check "a node already cut cannot power another off (its command is lost)" cut_caller_refused

one_at_a_time() {
	rm -f "$tmp/state/nodes/nodeB/off" "$tmp/released"
	(
		flock 9
		touch "$tmp/held"
		sleep 1
		touch "$tmp/released"
	) 9>"$tmp/state/power.lock" &
	while [ ! -e "$tmp/held" ]; do sleep 0.05; done
	fence nodeB || return 1
	# the switch was busy: the cut waited until the other command let go of it
	[ -e "$tmp/released" ] || echo "powered off while the switch was busy with another command"
	[ -e "$tmp/released" ]
	local rc=$?
	wait
	return $rc
}
tap_check "the power switch takes one command at a time" one_at_a_time
tap_done
