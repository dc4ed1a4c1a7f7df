#!/bin/sh
# test_ctlimport.sh - `ferryctl import` on a recorded CIB (CIB_file: the
# cluster's CIB is never read or written here): the refusals the CIB alone
# answers, with their exit codes, the usage errors, and --all's selection.
# What needs ferryd, libvirt and the agent is in tests/e2e/run (section 12).
# TAP.
top_builddir=${top_builddir:-../..}
top_srcdir=${top_srcdir:-../..}
ctl=$top_builddir/tools/ferryctl
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ferry-ctlimport-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
if ! command -v cibadmin >/dev/null 2>&1 || ! command -v crm_resource >/dev/null 2>&1; then
	echo "1..0 # SKIP Pacemaker's cibadmin and crm_resource are not installed"
	exit 0
fi
cp "$top_srcdir/tests/daemon/import/cib.xml" "$tmp/cib.xml"
cp "$tmp/cib.xml" "$tmp/cib.orig"
CIB_file=$tmp/cib.xml
export CIB_file

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
ko() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { # check NAME COMMAND...
	name=$1
	shift
	if "$@"; then ok "$name"; else ko "$name"; fi
}
run() { "$ctl" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
err_has() { grep -q -- "$1" "$tmp/err"; }
out_has() { grep -q -- "$1" "$tmp/out"; }

run import
check "usage: no resource: exit 2" test $rc -eq 2
run import web1 web2
check "usage: two resources: exit 2" test $rc -eq 2
run import --all web1
check "usage: --all with a resource: exit 2" test $rc -eq 2
run import web1 --frobnicate
check "usage: unknown option: exit 2" test $rc -eq 2
check "usage: unknown option named" err_has "unknown option --frobnicate"

run import nope --dry-run
check "unknown resource: exit 1" test $rc -eq 1
check "unknown resource: said" err_has "no primitive nope in the CIB"
run import dummy --dry-run
check "another agent: exit 1" test $rc -eq 1
check "another agent: said" err_has "resource dummy is ocf:heartbeat:Dummy, not ocf:heartbeat:VirtualDomain"
run import fvm
check "ocf:ferry:vm already: exit 0" test $rc -eq 0
check "ocf:ferry:vm already: said" out_has "resource fvm is ocf:ferry:vm already; nothing to do"
run import web4 --dry-run
check "pending migration: exit 1" test $rc -eq 1
check "pending migration: said" err_has "resource web4: migrate_to (a migration) is in progress on node1; wait"
run import web5 --dry-run
check "in a clone: refused" err_has "resource web5 is inside clone vdc"

# past the CIB's own refusals, ferryd is asked: here there is none
if "$ctl" status >/dev/null 2>&1; then
	ok "# SKIP a ferryd answers on this machine: the unreachable case is not testable"
else
	run import web1 --dry-run
	check "no ferryd: exit 3" test $rc -eq 3
	check "no ferryd: said" err_has "ferryd must run on every node before an import"
	run import --all --dry-run
	check "--all: the selection, in CIB order" out_has "^import --all: 6 ocf:heartbeat:VirtualDomain resources in the CIB: web1 web2 web3 web4 web5 web6$"
	check "--all: no ferryd: exit 3" test $rc -eq 3
fi
check "nothing written to the CIB" cmp -s "$tmp/cib.xml" "$tmp/cib.orig"
echo "1..$n"
