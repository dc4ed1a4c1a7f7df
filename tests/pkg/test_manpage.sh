#!/usr/bin/env bash
# test_manpage.sh - ocf_ferry_vm(7), made from the built agent's meta-data by
# doc/ocf2man.xsl, documents every parameter and action and renders without a
# warning from man/groff.  TAP; run alone: top_srcdir=. top_builddir=. tests/pkg/test_manpage.sh
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
# shellcheck source=tests/tap.sh
. "$top_srcdir/tests/tap.sh"
agent=$top_builddir/agents/vm-full
if ! command -v xsltproc >/dev/null; then
	tap_skip "ocf_ferry_vm(7)" "xsltproc missing (apt-get install xsltproc)"
	tap_done
	exit
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

generate() {
	"$agent" meta-data >"$tmp/md.xml" || { echo "$agent meta-data failed"; return 1; }
	xsltproc --nonet --novalid --stringparam date 2026-01 --stringparam version 9.9 \
		"$top_srcdir/doc/ocf2man.xsl" "$tmp/md.xml" >"$tmp/page.7" || return 1
	head -3 "$tmp/page.7" | grep -q '^\.TH OCF_FERRY_VM 7 "2026-01" "ferry 9.9"' ||
		{ echo "bad .TH line: $(sed -n 2p "$tmp/page.7")"; return 1; }
}
tap_check "ocf2man.xsl turns the agent's meta-data into a page" generate

every_name() {
	local kind=$1 n missing=0
	for n in $(xsltproc --nonet --novalid /dev/stdin "$tmp/md.xml" <<XSL
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text"/>
<xsl:template match="/"><xsl:for-each select="//$kind"><xsl:value-of select="concat(@name, ' ')"/></xsl:for-each></xsl:template>
</xsl:stylesheet>
XSL
	); do
		# shellcheck disable=SC2001 # roff writes "-" as "\-"
		grep -qx "\.B $(sed 's/-/\\\\-/g' <<<"$n")\( .*\)\?" "$tmp/page.7" || { echo "$kind $n is not in the page"; missing=1; }
	done
	return $missing
}
tap_check "every parameter has an entry" every_name parameter
tap_check "every action has an entry" every_name action

renders() {
	local warn
	command -v man >/dev/null || { echo "man missing"; return 1; }
	warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$tmp/page.7" 2>&1 >/dev/null)
	[ -z "$warn" ] || { echo "$warn"; return 1; }
}
if command -v man >/dev/null; then
	tap_check "man renders it without a warning" renders
else
	tap_skip "man renders it without a warning" "man-db missing"
fi

built() {
	[ -f "$top_builddir/doc/ocf_ferry_vm.7" ] || { echo "the build did not make doc/ocf_ferry_vm.7"; return 1; }
	grep -q '^\.SH PARAMETERS' "$top_builddir/doc/ocf_ferry_vm.7"
}
tap_check "the build made doc/ocf_ferry_vm.7" built
tap_done
