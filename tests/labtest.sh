# tests/labtest.sh - helpers shared by the integration and e2e suites (sourced).
# They drive ferry the way a user does: through scripts/lab, the agent and pcs.
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
LAB=$TOP/scripts/lab
export FERRY_LAB_DIR=${FERRY_LAB_DIR:-/var/tmp/ferry-lab}
SHARED=$FERRY_LAB_DIR/shared
AGENT=/usr/lib/ocf/resource.d/ferry/vm
GUEST=$SHARED/guest

# labtest_require: prints a reason and returns 1 when this machine cannot run a lab.
labtest_require() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "needs root (network namespaces, mounts)"
		return 1
	fi
	if ! unshare --mount --net true 2>/dev/null; then
		echo "cannot create namespaces here (unshare --mount --net failed)"
		return 1
	fi
	if [ ! -x "$AGENT" ]; then
		echo "agent not installed at $AGENT (run scripts/build as root)"
		return 1
	fi
	return 0
}

# wait_until SECONDS CMD...: polls CMD every 0.2 s; 0 as soon as it succeeds.
wait_until() {
	local deadline=$(($(date +%s%N) + $1 * 1000000000))
	shift
	while [ "$(date +%s%N)" -lt $deadline ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# hb_start NAME: follows NAME's serial log with hbwatch in the background.
hb_start() {
	local name=$1
	rm -f "$SHARED/hb-$name.status"
	"$GUEST/hbwatch" --status "$SHARED/hb-$name.status" "$SHARED/serial/$name.log" \
		>"$SHARED/hb-$name.json" 2>"$SHARED/hb-$name.err" &
	echo $! >"$SHARED/hb-$name.pid"
	wait_until 5 test -s "$SHARED/hb-$name.status"
}

# hb_stop NAME: stops hbwatch and leaves its final JSON in $SHARED/hb-NAME.json.
hb_stop() {
	local name=$1 pid
	pid=$(cat "$SHARED/hb-$name.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$SHARED/hb-$name.pid"
}

# hb_get NAME KEY: a field of the last hbwatch report (final JSON, else the live status).
hb_get() {
	local f=$SHARED/hb-$1.json
	[ -s "$f" ] || f=$SHARED/hb-$1.status
	jq -r ".$2" "$f"
}

# hb_lines NAME: heartbeat lines seen so far (live).
hb_lines() {
	jq -r '.lines' "$SHARED/hb-$1.status" 2>/dev/null || echo 0
}

# hb_advancing NAME: true when new heartbeat lines arrive within 3 s.
hb_advancing() {
	local a b
	a=$(hb_lines "$1")
	sleep 1
	wait_until 3 sh -c "[ \"\$(jq -r .lines '$SHARED/hb-$1.status' 2>/dev/null || echo 0)\" -gt '$a' ]"
}

# census_clean: scripts/lab census exits 1 when any VM runs vCPUs on two nodes.
census_clean() {
	"$LAB" census >"$SHARED/census.last" 2>&1
}
