# tests/labtest.sh - helpers shared by the integration and e2e suites (sourced).
# They drive ferry the way a user does: through scripts/lab, the agent and pcs.
# shellcheck shell=bash
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
LAB=$TOP/scripts/lab
export FERRY_LAB_DIR=${FERRY_LAB_DIR:-/var/tmp/ferry-lab}
SHARED=$FERRY_LAB_DIR/shared
# the suites write their lab-up logs here before the lab exists (a fresh machine)
mkdir -p "$SHARED" 2>/dev/null || true
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

# stop_bg PIDFILE: SIGTERM the process and wait (up to 5 s) until it has exited.
stop_bg() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null
	wait_until 5 sh -c "! kill -0 $pid"
	rm -f "$1"
}

# hb_stop NAME: stops hbwatch and leaves its final JSON in $SHARED/hb-NAME.json.
hb_stop() { stop_bg "$SHARED/hb-$1.pid"; }

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
	local a
	a=$(hb_lines "$1")
	sleep 1
	wait_until 3 sh -c "[ \"\$(jq -r .lines '$SHARED/hb-$1.status' 2>/dev/null || echo 0)\" -gt '$a' ]"
}

# census_clean: scripts/lab census exits 1 when any VM runs vCPUs on two nodes.
census_clean() {
	"$LAB" census >"$SHARED/census.last" 2>&1
}

# --- driving the lab cluster as a user would (pcs, crm_resource) -----------------------
OFF=${OFF:-}   # the node currently powered off, if any

live_node() {
	local n
	for n in node1 node2 node3; do [ "$n" != "$OFF" ] && { echo $n; return; }; done
}
on() { "$LAB" exec "$(live_node)" "$@"; }
pcs_() { on pcs "$@"; }

# where RSC: the node RSC runs on (empty if stopped or unknown)
where() {
	on crm_resource --locate --resource "$1" 2>/dev/null | sed -n 's/.*is running on: \([a-z0-9]*\).*/\1/p' | head -n1
}

# settle [SECONDS]: wait until the cluster has no pending actions.
settle() { on crm_resource --wait --timeout="${1:-120}" >/dev/null 2>&1; }

# wait_on RSC NODE SECONDS
wait_on() {
	local deadline=$(($(date +%s) + $3))
	while [ "$(date +%s)" -lt $deadline ]; do
		[ "$(where "$1")" = "$2" ] && return 0
		sleep 0.5
	done
	return 1
}

ip_of() { awk -v n="$1" '$1 == n { print "10.98.0." $2 }' "$SHARED/vms/ips"; }

# client_start NAME: a client in the client namespace holds a TCP connection to the guest.
client_start() {
	local name=$1
	rm -f "$SHARED/tcp-$name.status" "$SHARED/tcp-$name.json"
	"$LAB" exec client "$GUEST/hbclient" --status "$SHARED/tcp-$name.status" "$(ip_of "$name")" 7777 \
		>"$SHARED/tcp-$name.json" 2>"$SHARED/tcp-$name.err" &
	echo $! >"$SHARED/tcp-$name.pid"
	wait_until 30 sh -c "jq -e '.connected == true' '$SHARED/tcp-$name.status'"
}

# client_stop NAME: ends the TCP client; its final JSON is in $SHARED/tcp-NAME.json.
client_stop() { stop_bg "$SHARED/tcp-$1.pid"; }

tcp_get() {
	local f=$SHARED/tcp-$1.json
	[ -s "$f" ] || f=$SHARED/tcp-$1.status
	jq -r ".$2" "$f" 2>/dev/null
}

# boots VM: how many times the guest booted (its serial log says FERRY-BOOT once per boot).  Not
# anchored at the line start: a power cut can end the log in the middle of a heartbeat line, and
# the next boot's first line is then appended to it.
boots() { grep -o 'FERRY-BOOT name=' "$SHARED/serial/$1.log" 2>/dev/null | wc -l; }
# booted_since VM N: the guest booted more than N times (for wait_until)
booted_since() { [ "$(boots "$1")" -gt "$2" ]; }

# last_move NODE VM: the last moves.jsonl record for VM on NODE
last_move() {
	"$LAB" exec "$1" sh -c "grep '\"vm\":\"$2\"' /var/lib/ferry/moves.jsonl 2>/dev/null | tail -n1"
}

# guest_up_s VM: how long the guest has been beating, from its last heartbeat's counter (10 ms each)
guest_up_s() { tail -n 200 "$SHARED/serial/$1.log" 2>/dev/null | awk '$1 == "HB" { c = $3 } END { print int(c / 100) }'; }
guest_settled() { [ "$(guest_up_s "$1")" -ge 15 ]; }

# long_live_copy_keeps_memory: the lab's QEMU keeps a TCG guest's memory through a long live copy
# (a capped one).  QEMU before 9.0 loses the pages a TCG guest writes between two bitmap syncs
# (README, "Why busy TCG guests panic"), and a copy capped to take 13 s gives even a quiet guest
# the time to write some: a CI run saw the capped web3 of e2e 13 panic right after its move.
long_live_copy_keeps_memory() {
	local major
	major=$("$LAB" stack 2>/dev/null | sed -n 's/.*QEMU \([0-9]*\)\..*/\1/p' | head -n1)
	[ "${major:-0}" -ge 9 ]
}

# settle_guests VM...: waits (30 s at most each) until every VM's guest has run 15 s, as
# begin_move does for one
settle_guests() {
	local v
	for v in "$@"; do
		wait_until 30 guest_settled "$v" || echo "# $v has beaten only $(guest_up_s "$v") s before its move"
	done
}

# resets_diag NAME VM: the heartbeat counter resets of VM (hb_start .. hb_stop) and the guest's
# last console lines, for a failed memory check
resets_diag() {
	tap_diag "$1: $2 resets $(hb_get "$2" resets | tr -d ' \n') (stayed_back false: one line out of place)"
	grep -av '^HB ' "$SHARED/serial/$2.log" | tail -8 | sed "s/^/#   $2 serial: /"
}

# begin_move VM: starts the measurements of one move; sets B0 (boot count) and T0 (ns).
# A guest still booting (its first ~15 s under TCG) writes memory fast, and QEMU 7.2's TCG loses
# pages a guest writes during a live copy (README): two lab runs saw such a young guest panic
# right after its live move.  Moves start once the guest has run 15 s, as a user's long-running
# guest would have.
begin_move() {
	settle_guests "$1"
	hb_start "$1"
	client_start "$1" || echo "# client could not connect to $1 before the move"
	# shellcheck disable=SC2034 # B0 and T0 are read by the sourcing suites (tests/e2e/run)
	B0=$(boots "$1")
	# shellcheck disable=SC2034 # read by the sourcing suites, like B0
	T0=$(date +%s%N)
}

# create_vm NAME NODE [PARAM=VALUE ...]: a 128 MiB ocf:ferry:vm resource started on NODE; @IP@
# in a parameter is replaced by the guest's address (e.g. probe_address=@IP@)
# VM_XML_OPTS (e.g. "--touch 48") goes to `scripts/lab vm xml`; VM_CMDLINE_EXTRA is added to the
# guest's kernel command line (e.g. acpi=off); VM_SAVE_DIR replaces $SAVE as the VM's save_dir.
create_vm() {
	local name=$1 node=$2 a params=()
	shift 2
	# shellcheck disable=SC2086
	"$LAB" vm xml "$name" --mem 128 ${VM_XML_OPTS:-} >/dev/null
	[ -n "${VM_CMDLINE_EXTRA:-}" ] && sed -i "s|</cmdline>| $VM_CMDLINE_EXTRA</cmdline>|" "$SHARED/vms/$name.xml"
	for a in "$@"; do params+=("${a//@IP@/$(ip_of "$name")}"); done
	pcs_ resource create "$name" ocf:ferry:vm config="$SHARED/vms/$name.xml" \
		remote_uri='qemu+tcp://%n/system' save_dir="${VM_SAVE_DIR:-$SAVE}" shutdown_timeout=10 "${params[@]}" \
		op monitor interval=10s timeout=30s meta allow-migrate=true --disabled >/dev/null &&
		pcs_ constraint location "$name" prefers "$node=50" >/dev/null &&
		pcs_ resource enable "$name" >/dev/null &&
		wait_on "$name" "$node" 120 &&
		wait_until 90 grep -q '^HB ' "$SHARED/serial/$name.log"
}

# keep_logs SUITE: when a check failed, copy every node's daemon and agent logs (Pacemaker,
# corosync, libvirt and QEMU, ferryd's output and decision log, the moves log) and the guests'
# serial logs to $FERRY_TEST_LOGS/SUITE (default: the lab dir's logs/), before `lab down`
# removes them.  Prints where they went.
keep_logs() {
	local suite=$1 dst nd n
	[ "${TAP_FAILED:-0}" -gt 0 ] || return 0
	dst=${FERRY_TEST_LOGS:-$FERRY_LAB_DIR/logs}/$suite
	rm -rf "$dst" && mkdir -p "$dst" || return 0
	for nd in "$FERRY_LAB_DIR"/state/nodes/*/; do
		[ -d "$nd" ] || continue
		n=$(basename "$nd")
		mkdir -p "$dst/$n"
		cp -a "$nd/log" "$dst/$n/out" 2>/dev/null
		for d in var-log-pacemaker var-log-cluster var-log-libvirt var-lib-ferry; do
			[ -d "$nd/root/$d" ] && cp -a "$nd/root/$d" "$dst/$n/$d" 2>/dev/null
		done
	done
	cp -a "$SHARED/serial" "$dst/serial" 2>/dev/null
	tap_diag "logs of the failed run kept in $dst"
}

# uuid_of VM: the UUID in VM's domain XML (the lab's shared vms/ dir)
uuid_of() { sed -n 's:.*<uuid>\(.*\)</uuid>.*:\1:p' "$SHARED/vms/$1.xml"; }

# qemu_on VM NODE: pid of VM's QEMU in NODE's network namespace (any state), or nothing.  Faster
# than the census (no libvirt): for catching a short moment such as a restore in progress.
qemu_on() {
	local ino p
	ino=$(cat "$FERRY_LAB_DIR/state/nodes/$2/netns.ino" 2>/dev/null) || return 1
	for p in $(pgrep -f -- "-uuid $(uuid_of "$1")"); do
		[ "$(stat -L -c %i "/proc/$p/ns/net" 2>/dev/null)" = "$ino" ] && { echo "$p"; return 0; }
	done
	return 1
}

# copy_in_progress NODE VM MIN_MIB: VM's migration job on NODE has copied at least MIN_MIB and has
# memory left to copy (virsh domjobinfo); prints the job's figures on one line
copy_in_progress() {
	local j done_b left_b
	j=$("$LAB" virsh "$1" domjobinfo "$2" 2>/dev/null) || return 1
	printf '%s\n' "$j" | grep -q '^Job type: *Unbounded' || return 1
	done_b=$(printf '%s\n' "$j" | awk -F': *' '/^Memory processed:/ { split($2, a, " "); v = a[1]; u = a[2]
		m = (u == "KiB") ? 1024 : (u == "MiB") ? 1048576 : (u == "GiB") ? 1073741824 : 1; printf "%d", v * m }')
	left_b=$(printf '%s\n' "$j" | awk -F': *' '/^Memory remaining:/ { split($2, a, " "); v = a[1]; u = a[2]
		m = (u == "KiB") ? 1024 : (u == "MiB") ? 1048576 : (u == "GiB") ? 1073741824 : 1; printf "%d", v * m }')
	[ "${done_b:-0}" -ge $(($3 * 1048576)) ] && [ "${left_b:-0}" -gt 0 ] || return 1
	echo "copied $((done_b / 1048576)) MiB, $((left_b / 1048576)) MiB left ($(printf '%s\n' "$j" | awk -F': *' '/^Memory bandwidth:/ { print $2 }'))"
}
