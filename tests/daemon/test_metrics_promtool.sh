#!/bin/sh
# test_metrics_promtool.sh - Prometheus' own checker accepts ferryd's metrics: every golden
# file of test_metrics (tests/daemon/metrics/*.prom) through `promtool check metrics`
# (Debian package prometheus; scripts/deps installs it).  TAP; skips without promtool.
set -u
dir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/daemon/metrics
if ! command -v promtool >/dev/null 2>&1; then
	echo "1..0 # SKIP promtool not installed (apt-get install prometheus; scripts/deps)"
	exit 0
fi
set -- "$dir"/*.prom
echo "1..$#"
i=0
fail=0
for f in "$@"; do
	i=$((i + 1))
	if out=$(promtool check metrics <"$f" 2>&1); then
		echo "ok $i - promtool check metrics ${f##*/}"
	else
		echo "not ok $i - promtool check metrics ${f##*/}"
		printf '%s\n' "$out" | sed 's/^/# /'
		fail=1
	fi
done
exit $fail
