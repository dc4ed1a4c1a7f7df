# tests/tap.sh - a few TAP helpers for the shell suites (integration, e2e).
# Source it; call tap_ok / tap_fail / tap_skip / tap_check; tap_done at the end.
# shellcheck shell=bash
TAP_N=0
TAP_FAILED=0

tap_ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $*"
}

tap_fail() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $*"
}

tap_skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP ${2:-}"
}

# tap_todo NAME REASON: a known failure, not yet fixed (TAP's TODO: reported, not counted as
# a failure; scripts/test lists it as XFAIL in its summary).
tap_todo() {
	TAP_N=$((TAP_N + 1))
	echo "not ok $TAP_N - $1 # TODO ${2:-}"
}

tap_diag() {
	echo "# $*"
}

# tap_check NAME CMD...: runs CMD, ok if it exits 0; its output is shown as diagnostics on failure.
tap_check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$name"
	else
		tap_fail "$name"
		printf '%s\n' "$out" | tail -20 | sed 's/^/#   /'
	fi
}

tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}
