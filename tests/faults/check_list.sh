#!/bin/sh
# tests/faults/check_list.sh - make check: the runner parses (bash -n), lists its cases, each
# case it lists has a function, and it refuses an unknown case.  TAP.
dir=$(cd "$(dirname "$0")" && pwd)
run=$dir/run
n=0
fail=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
bash -n "$run"; t $? "tests/faults/run parses"
list=$(bash "$run" --list); t $? "tests/faults/run --list"
cases=$(printf '%s\n' "$list" | awk '{ print $1 }')
[ "$(printf '%s\n' "$cases" | grep -c .)" -ge 10 ]; t $? "at least 10 cases listed ($(printf '%s\n' "$cases" | grep -c .))"
missing=""
for c in $cases; do grep -q "^case_$c() {" "$run" || missing="$missing $c"; done
[ -z "$missing" ]; t $? "every listed case has its function${missing:+ (missing:$missing)}"
bash "$run" no-such-case >/dev/null 2>&1; [ $? = 2 ]; t $? "an unknown case is refused (exit 2)"
echo "1..$n"
exit $fail
