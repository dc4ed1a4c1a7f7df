#!/usr/bin/env bash
# test_debian.sh - debian/ agrees with the tree: the changelog's version is configure's, the
# control file names what ferry needs (debhelper compat 13, one binary package "ferry"), the
# files debian/*.install take exist, every GPL-2.0-or-later source is in copyright's GPL
# stanza, and `make install` (what the package ships) has the agent, its front, ferryd with
# its unit and Pacemaker's drop-in, ferryctl, the man pages with ocf_ferry_vm(7) and the
# completion - and not the lab's fence agent.  TAP; run alone: top_srcdir=. top_builddir=. tests/pkg/test_debian.sh
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
# shellcheck source=tests/tap.sh
. "$top_srcdir/tests/tap.sh"
deb=$top_srcdir/debian

field() { # field FILE NAME: the first paragraph's field (continuation lines joined)
	awk -v f="$2" 'BEGIN { IGNORECASE = 1 } /^$/ && seen { exit }
		$0 ~ "^" f ":" { seen = 1; sub("^[^:]*: *", ""); v = $0; next }
		seen && /^[ \t]/ { v = v " " $0; next } seen { exit } END { print v }' "$1"
}

changelog_version() {
	local v want=${PACKAGE_VERSION:-}
	v=$(cd "$top_srcdir" && dpkg-parsechangelog -S Version) || return 1
	[ -n "$want" ] || want=$(sed -n 's/^AC_INIT(\[ferry\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
	[ "$v" = "$want" ] || { echo "debian/changelog says $v, configure.ac $want: add a changelog entry (dch -v $want)"; return 1; }
}
if command -v dpkg-parsechangelog >/dev/null; then
	tap_check "debian/changelog's version is configure's" changelog_version
else
	tap_skip "debian/changelog's version is configure's" "dpkg-parsechangelog missing (dpkg-dev)"
fi

control() {
	local bd
	bd=$(field "$deb/control" Build-Depends)
	grep -q 'debhelper-compat (= 13)' <<<"$bd" || { echo "Build-Depends lacks debhelper-compat (= 13): $bd"; return 1; }
	[ ! -e "$deb/compat" ] || { echo "debian/compat and debhelper-compat both set the level: remove debian/compat"; return 1; }
	[ "$(grep -c '^Package:' "$deb/control")" = 1 ] || { echo "expected one binary package"; return 1; }
	grep -qx 'Package: ferry' "$deb/control" || { echo "the binary package must be 'ferry'"; return 1; }
	# what configure.ac's PKG_CHECK_MODULES need, by their -dev packages
	for p in libvirt-dev libqb-dev libcpg-dev libquorum-dev libcmap-dev libvotequorum-dev \
		pacemaker-dev libxml2-dev xsltproc; do
		grep -q "\b$p\b" <<<"$bd" || { echo "Build-Depends lacks $p"; return 1; }
	done
	[ -x "$deb/rules" ] || { echo "debian/rules is not executable"; return 1; }
	[ "$(cat "$deb/source/format")" = "3.0 (native)" ] || { echo "debian/source/format: not 3.0 (native)"; return 1; }
}
tap_check "debian/control: compat 13, one package 'ferry', the build dependencies" control

install_sources() {
	local f src
	for f in "$deb"/*.install; do
		while read -r src _; do
			[ -n "$src" ] || continue
			[ -e "$top_srcdir/$src" ] || [ -e "$top_builddir/$src" ] ||
				{ echo "${f##*/}: $src does not exist"; return 1; }
		done <"$f"
	done
}
tap_check "debian/*.install: every file they take exists" install_sources

copyright_gpl() {
	local pats f p ok bad=0
	pats=$(awk '/^Files:/ { files = $0; sub(/^Files: */, "", files); grab = 1; next }
		grab && /^ / { files = files " " $0; next }
		grab { grab = 0 } /^License: GPL-2\+$/ && files != "" { print files } /^$/ { files = "" }' "$deb/copyright")
	[ -n "$pats" ] || { echo "debian/copyright has no GPL-2+ Files stanza"; return 1; }
	while IFS= read -r f; do
		ok=0
		for p in $pats; do
			# shellcheck disable=SC2053 # p is a glob on purpose
			[[ $f == $p ]] && { ok=1; break; }
		done
		[ $ok = 1 ] || { echo "$f is GPL-2.0-or-later but not in debian/copyright's GPL-2+ stanza"; bad=1; }
	done < <(cd "$top_srcdir" && git ls-files 2>/dev/null | grep -E '\.(c|h)$' | xargs grep -l 'SPDX-License-Identifier: GPL-2.0-or-later' 2>/dev/null)
	return $bad
}
if git -C "$top_srcdir" rev-parse >/dev/null 2>&1; then
	tap_check "debian/copyright covers every GPL-2.0-or-later file" copyright_gpl
else
	tap_skip "debian/copyright covers every GPL-2.0-or-later file" "not a git tree"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
shipped() {
	local f prefix
	prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
	make -s -C "$top_builddir" install DESTDIR="$tmp" >"$tmp.log" 2>&1 || { tail "$tmp.log"; return 1; }
	for f in lib/ocf/resource.d/ferry/vm sbin/ferryd sbin/ferryctl \
		lib/systemd/system/ferryd.service lib/systemd/system/pacemaker.service.d/ferry.conf \
		share/man/man8/ferryd.8 share/man/man8/ferryctl.8 share/man/man5/ferryd.conf.5 \
		share/bash-completion/completions/ferryctl; do
		[ -e "$tmp$prefix/$f" ] || { echo "make install does not install $prefix/$f"; return 1; }
	done
	[ -n "$(find "$tmp" -name vm-full -perm -u+x)" ] || { echo "the full agent vm-full is not installed"; return 1; }
	if [ -n "$(command -v xsltproc)" ]; then
		[ -e "$tmp$prefix/share/man/man7/ocf_ferry_vm.7" ] || { echo "ocf_ferry_vm(7) is not installed"; return 1; }
	fi
	[ -z "$(find "$tmp" -name 'fence_ferrylab*')" ] || { echo "the lab's fence agent must not be installed"; return 1; }
}
if [ -f "$top_builddir/Makefile" ]; then
	tap_check "make install ships agent, front, ferryd, unit, drop-in, ferryctl, man pages, completion; no fence_ferrylab" shipped
else
	tap_skip "make install ships what the package needs" "no configured tree at $top_builddir"
fi
rm -f "$tmp.log"
tap_done
