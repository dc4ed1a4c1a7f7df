#!/bin/sh
# test_format.sh - every C file of the tree is formatted by its .clang-format (one TAP line per
# file that is not, with the first differences).  The formatting is pinned to clang-format 14,
# Debian 12's (scripts/deps installs it): other versions format a few constructs differently,
# so with another version, or none, the check is skipped and says why.  Fix a finding with
# `clang-format -i FILE`.  TAP; run alone: top_srcdir=. tests/pkg/test_format.sh
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top_srcdir" || exit 1
if ! command -v clang-format >/dev/null 2>&1; then
	echo "1..0 # SKIP clang-format is not installed (scripts/deps installs it)"
	exit 0
fi
v=$(clang-format --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
if [ "$v" != 14 ]; then
	echo "1..0 # SKIP clang-format ${v:-of unknown version} here; the tree is formatted by version 14 (Debian 12)"
	exit 0
fi
if [ -e .git ] && command -v git >/dev/null 2>&1; then
	files=$(git ls-files '*.c' '*.h')
else
	files=$(find agents daemon include lib scripts tests tools -name '*.[ch]' | sort)
fi
n=0
bad=0
for f in $files; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		bad=$((bad + 1))
		n=$((n + 1))
		echo "not ok $n - $f is not formatted by .clang-format (clang-format -i $f)"
		clang-format "$f" | diff "$f" - | head -8 | sed 's/^/#   /'
	fi
done
n=$((n + 1))
count=$(echo "$files" | wc -w)
if [ $bad = 0 ]; then
	echo "ok $n - all $count C files are formatted by .clang-format"
else
	echo "not ok $n - $bad of $count C files are not formatted by .clang-format"
fi
echo "1..$n"
[ $bad = 0 ]
