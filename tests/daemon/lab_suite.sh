#!/usr/bin/env bash
# tests/daemon/lab_suite.sh - the README's test command runs ferryd's lab checks through this:
# a fresh 3-node lab, tests/daemon/lab_ferryd.sh (TAP), and the lab torn down again.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/tap.sh"
. "$TOP/tests/labtest.sh"

if ! why=$(labtest_require); then
	tap_skip "ferryd lab suite" "$why"
	tap_done
	exit 0
fi
if [ ! -x /usr/sbin/ferryd ] || [ ! -x "$TOP/tests/daemon/ipccall" ]; then
	tap_skip "ferryd lab suite" "ferryd or tests/daemon/ipccall not built (run scripts/build as root)"
	tap_done
	exit 0
fi
trap '"$LAB" down >/dev/null 2>&1' EXIT
"$LAB" down >/dev/null 2>&1
if ! "$LAB" up 3 >"$FERRY_LAB_DIR/ferryd-lab-up.log" 2>&1 || ! "$LAB" guest build >/dev/null 2>&1; then
	tap_fail "lab up 3 for the ferryd checks"
	tail -20 "$FERRY_LAB_DIR/ferryd-lab-up.log" | sed 's/^/#   /'
	tap_done
	exit 1
fi
bash "$TOP/tests/daemon/lab_ferryd.sh"
rc=$?
[ $rc -eq 0 ] || TAP_FAILED=1 keep_logs ferryd
# lab_ferryd.sh leaves the node it fenced powered off
"$LAB" down >/dev/null 2>&1

# A 2-node cluster as pcs sets one up (two_node), split in two: a lab of its own.
if ! "$LAB" up 2 >"$FERRY_LAB_DIR/two-node-lab-up.log" 2>&1; then
	echo "not ok - lab up 2 for the two_node checks"
	tail -20 "$FERRY_LAB_DIR/two-node-lab-up.log" | sed 's/^/#   /'
	exit 1
fi
bash "$TOP/tests/daemon/lab_two_node.sh"
rc2=$?
[ $rc2 -eq 0 ] || TAP_FAILED=1 keep_logs two-node
[ $rc -eq 0 ] && [ $rc2 -eq 0 ]
# the EXIT trap takes the lab down
