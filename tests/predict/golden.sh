#!/bin/sh
# Golden tests of the prediction engine: every scenarios/NAME.scenario is run
# through predict-scenario (text, then --json: whether it parses) and
# compared with scenarios/NAME.expect by tests/golden.sh.
# FERRY_GOLDEN_UPDATE=1 rewrites the .expect files (review the diff before
# committing it).  One scenario alone: golden.sh NAME (or
# PREDICT_SCENARIO=NAME make check).  TAP output.
srcdir=${abs_srcdir:-$(cd "$(dirname "$0")" && pwd)}
builddir=${abs_builddir:-$srcdir}
# shellcheck source=tests/golden.sh
. "$srcdir/../golden.sh"
golden_run "$builddir/predict-scenario" "$srcdir/scenarios" 0 "${1:-${PREDICT_SCENARIO:-}}"
