#!/bin/sh
# Golden tests of the drain planner (lib/drainplan.c): every
# scenarios/NAME.scenario is run through drain-scenario (text, then --json,
# both recorded) and compared with scenarios/NAME.expect by tests/golden.sh.
# FERRY_GOLDEN_UPDATE=1 rewrites the .expect files (review the diff before
# committing it).  One scenario alone: golden.sh NAME (or
# DRAIN_SCENARIO=NAME make check).  TAP output.
srcdir=${abs_srcdir:-$(cd "$(dirname "$0")" && pwd)}
builddir=${abs_builddir:-$srcdir}
# shellcheck source=tests/golden.sh
. "$srcdir/../golden.sh"
golden_run "$builddir/drain-scenario" "$srcdir/scenarios" 1 "${1:-${DRAIN_SCENARIO:-}}"
