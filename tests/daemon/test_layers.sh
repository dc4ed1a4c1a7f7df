#!/bin/sh
# test_layers.sh - ferryd's layers (scripts/check-layers) on the built daemon: its include
# graph and the calls between its objects.  TAP.
top_srcdir=${top_srcdir:-../..}
top_builddir=${top_builddir:-../..}
exec "$top_srcdir/scripts/check-layers" --tap "$top_srcdir/daemon" "$top_builddir/daemon"
