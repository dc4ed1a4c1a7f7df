#!/usr/bin/env bash
# test_completion.sh - ferryctl's bash completion (doc/gen-completion, from `ferryctl --help`)
# completes every subcommand the built ferryctl lists and each one's options, and picks up a
# subcommand as soon as the usage text has it.  TAP; run alone: top_srcdir=. top_builddir=. tests/pkg/test_completion.sh
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
# shellcheck source=tests/tap.sh
. "$top_srcdir/tests/tap.sh"
gen=$top_srcdir/doc/gen-completion
ctl=$top_builddir/tools/ferryctl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

complete_words() { # complete_words FILE WORD...: what completing the last WORD offers
	local file=$1
	shift
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ferryctl; echo "${COMPREPLY[*]}"' _ "$file" "$@"
}

subcommands() {
	local got c
	"$gen" "$ctl" >"$tmp/ferryctl" || return 1
	got=$(complete_words "$tmp/ferryctl" ferryctl "")
	for c in $("$ctl" --help | sed -n 's/^\(Usage:\)\? *ferryctl \(\[[^]]*\] \)*\([a-z][a-z-]*\).*/\3/p' | sort -u); do
		grep -qw -- "$c" <<<"$got" || { echo "subcommand $c is not completed (got: $got)"; return 1; }
	done
	[ -n "$got" ]
}
tap_check "every subcommand of ferryctl --help is completed" subcommands

options() {
	local got
	got=$(complete_words "$tmp/ferryctl" ferryctl predict web1 --)
	for o in --target --save-dir --connect; do
		grep -qw -- "$o" <<<"$got" || { echo "predict: $o not offered (got: $got)"; return 1; }
	done
	got=$(complete_words "$tmp/ferryctl" ferryctl release --)
	grep -qw -- --force <<<"$got" || { echo "release: --force not offered (got: $got)"; return 1; }
}
tap_check "a subcommand's options are completed" options

new_subcommand() {
	cat >"$tmp/fakectl" <<'FAKE'
#!/bin/sh
cat <<'USAGE'
Usage: ferryctl [--json] status
       ferryctl drain [--dry-run] [--timeout S] NODE
       ferryctl undrain NODE
       ferryctl import RSC [--dry-run]
       ferryctl import --all [--dry-run]
USAGE
FAKE
	chmod +x "$tmp/fakectl"
	"$gen" "$tmp/fakectl" >"$tmp/fake" || return 1
	got=$(complete_words "$tmp/fake" ferryctl "")
	for c in status drain undrain import; do
		grep -qw -- "$c" <<<"$got" || { echo "$c not completed (got: $got)"; return 1; }
	done
	got=$(complete_words "$tmp/fake" ferryctl import --)
	for o in --dry-run --all; do
		grep -qw -- "$o" <<<"$got" || { echo "import: $o not offered (got: $got)"; return 1; }
	done
}
tap_check "a subcommand added to the usage text (drain, undrain, import) is completed" new_subcommand

no_usage() {
	printf '#!/bin/sh\necho nothing here\n' >"$tmp/empty"
	chmod +x "$tmp/empty"
	! "$gen" "$tmp/empty" >/dev/null 2>"$tmp/err" && grep -q 'no subcommand' "$tmp/err"
}
tap_check "a usage text without subcommands is an error, not an empty completion" no_usage
tap_done
