#!/bin/sh
# test_cycles.sh - no circle in the calls between the objects of lib/, agents/, daemon/ and
# tools/ (scripts/check-cycles on the built tree).  TAP.
top_srcdir=${top_srcdir:-../..}
top_builddir=${top_builddir:-../..}
exec "$top_srcdir/scripts/check-cycles" --tap "$top_builddir/lib" "$top_builddir/agents" \
	"$top_builddir/daemon" "$top_builddir/tools"
