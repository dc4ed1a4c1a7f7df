#!/bin/sh
# Golden scenarios of the ledger: every scenarios/NNN-name/events is replayed
# by test_scenario and its decision log compared with log.expect.
#   FERRY_GOLDEN_UPDATE=1 make check     rewrites every log.expect
#   sh test_golden.sh 012                only the scenarios matching 012
# Output is TAP; a failing scenario shows its diff as comments.
set -u
src=${abs_srcdir:-$(cd "$(dirname "$0")" && pwd)}
bin=${abs_builddir:-$(pwd)}/test_scenario
filter=${1:-}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

# shellcheck disable=SC2012 # scenario dirs are NNN-name (no blanks); ls gives nothing when none
dirs=$(ls -d "$src"/scenarios/*/ 2>/dev/null | sort)
n=0
for d in $dirs; do
	case "$(basename "$d")" in *"$filter"*) n=$((n + 1)) ;; esac
done
echo "1..$n"
[ "$n" -gt 0 ] || exit 0
i=0
fail=0
for d in $dirs; do
	name=$(basename "$d")
	case "$name" in *"$filter"*) ;; *) continue ;; esac
	i=$((i + 1))
	out="$tmp/$name.log"
	"$bin" "$d/events" >"$out" 2>"$tmp/$name.err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "not ok $i - $name (runner exit $rc)"
		sed 's/^/# /' "$tmp/$name.err"
		fail=1
		continue
	fi
	if [ "${FERRY_GOLDEN_UPDATE:-0}" = 1 ]; then
		cp "$out" "$d/log.expect"
		echo "ok $i - $name # updated log.expect"
		continue
	fi
	if [ ! -f "$d/log.expect" ]; then
		echo "not ok $i - $name (no log.expect; FERRY_GOLDEN_UPDATE=1 writes it)"
		fail=1
	elif diff -u "$d/log.expect" "$out" >"$tmp/$name.diff"; then
		echo "ok $i - $name"
	else
		echo "not ok $i - $name"
		sed 's/^/# /' "$tmp/$name.diff"
		fail=1
	fi
done
exit $fail
