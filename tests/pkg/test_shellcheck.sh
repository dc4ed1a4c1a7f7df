#!/usr/bin/env bash
# test_shellcheck.sh - every shell script of the tree is clean under `shellcheck -x`, run from
# the top of the tree (so `# shellcheck source=tests/tap.sh` resolves).  A script is a file whose
# first line is a sh/bash/dash shebang, or a *.sh file (the sourced helpers carry a
# `# shellcheck shell=` directive instead of a shebang).  The list is made here, so a new script
# is checked without being registered: git ls-files in a git checkout, else every file under
# scripts/ tests/ agents/ doc/ .ci/.  One TAP line per script; a failing one shows its findings
# as comments.  A finding that is not one (a function called indirectly, splitting that is
# wanted) gets `# shellcheck disable=SCxxxx # why` on the line above.
# TAP; run alone: top_srcdir=. tests/pkg/test_shellcheck.sh
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/tap.sh
. "$top_srcdir/tests/tap.sh"

if ! command -v shellcheck >/dev/null 2>&1; then
	echo "1..0 # SKIP shellcheck is not installed"
	exit 0
fi
cd "$top_srcdir" || exit 99

# candidates: the tree's files, one per line, relative to the top
candidates() {
	local git_top
	git_top=$(git rev-parse --show-toplevel 2>/dev/null) &&
		[ "$(cd "$git_top" && pwd -P)" = "$(pwd -P)" ] &&
		git ls-files && return
	find scripts tests agents doc .ci -type f 2>/dev/null | sed 's|^\./||'
}

# is_shell FILE: a *.sh file, or one whose first line is a sh/bash/dash shebang
is_shell() {
	local line
	case $1 in *.sh) return 0 ;; esac
	IFS= read -r line <"$1" 2>/dev/null || return 1
	[[ $line =~ ^#![[:space:]]*[^[:space:]]*/(env[[:space:]]+)?(sh|bash|dash)([[:space:]]|$) ]]
}

scripts=()
while IFS= read -r f; do
	[ -f "$f" ] && is_shell "$f" && scripts+=("$f")
done < <(candidates | LC_ALL=C sort -u)

if [ ${#scripts[@]} -eq 0 ]; then
	tap_fail "no shell script found under $top_srcdir"
	tap_done
	exit
fi
for f in "${scripts[@]}"; do
	if out=$(shellcheck -x -f gcc -- "$f" 2>&1); then
		tap_ok "$f"
	else
		tap_fail "$f"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
done
tap_done
