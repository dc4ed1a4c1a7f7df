/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ledgerglue.c - the seam between ferryd's adapters and the pure ledger
 * (ledger.h / ledgermsg.h, owned by the ledger's authors).  The drains are
 * gluedrain.c's (ledgerglue-int.h: what the two files share).
 *
 * In:  CPG deliveries, membership values (configuration changes, quorum),
 *      agent and ferryctl requests, all handed in by ferryd.c.
 * Out: through struct ledgerglue_ops (ledgerglue.h): CPG messages, IPC
 *      answers, fencing-history questions, the persisted ledger and the
 *      move records; and ledger decision lines in the log and the
 *      decision log file.  The glue calls no adapter itself.
 *
 * An agent's request is encoded as a ledger message and multicast in agreed
 * order; the answer is the ledger's decision for that message when it comes
 * back to us (same sender, same req_id), so the requester sees exactly the
 * decision every other replica made.  Requests without an answer after
 * LEDGERGLUE_REQ_TIMEOUT_MS are answered "unavailable".
 *
 * Configuration ids: the rule that gives every configuration the same
 * increasing id on every member (ring seq, and a CONFIG message for a
 * CPG-only change) is cfgid.c's, pure and in the simulator's loop; the glue
 * hands it corosync's events and the CONFIGs delivered (ledgermsg.c's
 * "FGLU" message), and does what it decides: ledger_confchg() and the sync
 * round, or multicast a CONFIG.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <qb/qblog.h>
#include <qb/qbutil.h>

#include <ferry/movekind.h>

#include "cfgid.h"
#include "ledger.h"
#include "ledgerblob.h"
#include "ledgerglue-int.h"
#include "ledgerglue.h"
#include "ledgermsg.h"

/* status and virtwatch use the ledger's state values as FERRY_VM_* */
_Static_assert((int)LEDGER_VM_STOPPED == (int)FERRY_VM_STOPPED &&
                       (int)LEDGER_VM_RUNNING == (int)FERRY_VM_RUNNING &&
                       (int)LEDGER_VM_MIGRATING == (int)FERRY_VM_MIGRATING &&
                       (int)LEDGER_VM_SAVED == (int)FERRY_VM_SAVED &&
                       (int)LEDGER_VM_RESTORING == (int)FERRY_VM_RESTORING &&
                       (int)_LEDGER_VM_STATE_MAX == (int)_FERRY_VM_STATE_MAX,
               "ledger and IPC VM states agree");

#define LEDGERGLUE_DECISION_LOG_MAX (16u * 1024u * 1024u) /* then rotated to .old */
#define LEDGERGLUE_TICK_MS          1000u

/* Where id is in ids[0..n), or n. */
static size_t
ledgerglue_id_index(const uint32_t *ids, size_t n, uint32_t id)
{
	size_t i;

	for (i = 0; i < n && ids[i] != id; i++)
		;
	return i;
}

static void
ledgerglue_fence_recheck(struct ledgerglue *g, uint32_t node)
{
	if (ledgerglue_id_index(g->fence_recheck, g->n_fence_recheck, node) < g->n_fence_recheck)
		return;
	if (g->n_fence_recheck < FERRYD_MAX_MEMBERS)
		g->fence_recheck[g->n_fence_recheck++] = node;
}

static void
ledgerglue_decision_log_open(struct ledgerglue *g)
{
	struct stat st;

	if (g->cfg->decision_log[0] == '\0')
		return;
	g->decision_fd =
	        open(g->cfg->decision_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (g->decision_fd < 0) {
		qb_log(LOG_WARNING, "ledger: cannot open %s (%s), decision lines only in the log",
		       g->cfg->decision_log, strerror(errno));
		return;
	}
	g->decision_bytes = fstat(g->decision_fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* One line per applied input, in agreed order: the same on every member of
 * a configuration, so the files of two nodes can be compared. */
static void
ledgerglue_log(const char *line, void *userdata)
{
	struct ledgerglue *g = userdata;
	char old[PATH_MAX + 8];
	struct iovec iov[2];
	ssize_t n;

	qb_log(LOG_NOTICE, "ledger: %s", line);
	if (g == NULL || g->decision_fd < 0)
		return;
	if (g->decision_bytes > LEDGERGLUE_DECISION_LOG_MAX) {
		close(g->decision_fd);
		g->decision_fd = -1;
		snprintf(old, sizeof(old), "%s.old", g->cfg->decision_log);
		if (rename(g->cfg->decision_log, old) < 0)
			qb_log(LOG_WARNING, "ledger: cannot rotate %s: %s", g->cfg->decision_log,
			       strerror(errno));
		ledgerglue_decision_log_open(g);
		if (g->decision_fd < 0)
			return;
	}
	iov[0].iov_base = (void *)line;
	iov[0].iov_len = strlen(line);
	iov[1].iov_base = (void *)"\n";
	iov[1].iov_len = 1;
	n = writev(g->decision_fd, iov, 2);
	if (n > 0)
		g->decision_bytes += (uint64_t)n;
}

static void
ledgerglue_persist(struct ledgerglue *g)
{
	char *blob = NULL;
	size_t len = 0;
	int r;

	r = ledger_serialize(g->l, &blob, &len);
	if (r == 0)
		r = g->ops->ledger_save(g->ctx, blob, len);
	if (r < 0)
		qb_log(LOG_ERR, "ledger: cannot persist to %s/%s: %s", g->cfg->state_dir,
		       PERSIST_LEDGER_FILE, strerror(-r));
	free(blob);
}

static enum ferry_ipc_verdict
ledgerglue_verdict(const struct ledger_decision *dec)
{
	if (dec->verdict == LEDGER_GRANTED)
		return FERRY_VERDICT_GRANTED;
	switch (dec->reason) {
	case LEDGER_R_SYNCING:
		return FERRY_VERDICT_UNAVAILABLE;
	case LEDGER_R_NOT_QUORATE:
		return FERRY_VERDICT_NO_QUORUM;
	case LEDGER_R_OWNED_ELSEWHERE:
		return FERRY_VERDICT_OWNED;
	case LEDGER_R_ORPHANED:
		return FERRY_VERDICT_ORPHANED;
	case LEDGER_R_UNKNOWN_VM:
		return FERRY_VERDICT_UNKNOWN_VM;
	case LEDGER_R_STALE_GENERATION:
	case LEDGER_R_UNKNOWN_GENERATION:
		return FERRY_VERDICT_STALE;
	case LEDGER_R_BAD_STATE:
	case LEDGER_R_NOT_OWNER:
	case LEDGER_R_TARGET_LOST:
		return FERRY_VERDICT_BAD_STATE;
	default:
		return FERRY_VERDICT_REFUSED;
	}
}

static void
ledgerglue_answer(struct ledgerglue *g, uint64_t token, enum ferry_ipc_verdict v, uint32_t owner,
                  uint64_t gen, const char *reason)
{
	struct ferry_ipc_vm_rsp rsp;

	memset(&rsp, 0, sizeof(rsp));
	rsp.verdict = v;
	rsp.owner_nodeid = owner;
	rsp.generation = gen;
	snprintf(rsp.reason, sizeof(rsp.reason), "%s", reason);
	g->ops->reply(g->ctx, token, &rsp, sizeof(rsp));
}

static void
ledgerglue_decision(const struct ledger_decision *dec, void *userdata)
{
	struct ledgerglue *g = userdata;
	struct ledgerglue_pending *p = NULL;
	char reason[FERRY_IPC_REASON_LEN];
	size_t i;

	/* another node started or restored a VM: if it also runs here, it is
	 * now foreign (e.g. a wrong force release); virtwatch decides */
	if (dec->verdict == LEDGER_GRANTED && dec->owner != g->m.local_nodeid &&
	    (dec->op == LEDGER_OP_ACQUIRE || dec->op == LEDGER_OP_RESTORE))
		g->ops->vm_scan(g->ctx);
	if (dec->sender != g->m.local_nodeid)
		return;
	if (dec->op == LEDGER_OP_FENCE && dec->verdict != LEDGER_GRANTED) {
		g->n_fence_sent = 0; /* the next poll sends it again */
		return;
	}
	for (i = 0; i < LEDGERGLUE_MAX_PENDING; i++)
		if (g->pending[i].req_id == dec->req_id && dec->req_id != 0)
			p = &g->pending[i];
	if (p == NULL)
		return;
	if (dec->op == LEDGER_OP_DRAIN) {
		if (dec->verdict == LEDGER_GRANTED)
			snprintf(reason, sizeof(reason), "drain %" PRIu64 " accepted", dec->gen);
		else
			snprintf(reason, sizeof(reason), "refused: %s", dec->why);
		ledgerglue_drain_answer(g, p->token,
		                        dec->verdict == LEDGER_GRANTED ? FERRY_VERDICT_GRANTED
		                                                       : FERRY_VERDICT_REFUSED,
		                        (uint32_t)dec->gen, reason);
		memset(p, 0, sizeof(*p));
		return;
	}
	if (dec->verdict == LEDGER_GRANTED)
		snprintf(reason, sizeof(reason), "%s granted (%s), generation %" PRIu64,
		         ledger_op_name(dec->op), ledger_reason_name(dec->reason), dec->gen);
	else if (dec->owner != 0)
		snprintf(reason, sizeof(reason),
		         "%s refused: %s: %s (owner node %" PRIu32 " %s, generation %" PRIu64 ")",
		         ledger_op_name(dec->op), ledger_reason_name(dec->reason), dec->why,
		         dec->owner, ledgerglue_node(g, dec->owner), dec->gen);
	else
		snprintf(reason, sizeof(reason), "%s refused: %s: %s (generation %" PRIu64 ")",
		         ledger_op_name(dec->op), ledger_reason_name(dec->reason), dec->why,
		         dec->gen);
	if (dec->verdict == LEDGER_GRANTED &&
	    (dec->op == LEDGER_OP_ACQUIRE || dec->op == LEDGER_OP_RESTORE))
		g->ops->vm_set_rsc(g->ctx, p->uuid, p->rsc);
	ledgerglue_answer(g, p->token, ledgerglue_verdict(dec), dec->owner, dec->gen, reason);
	memset(p, 0, sizeof(*p));
}

static void
ledgerglue_send_quorum(struct ledgerglue *g)
{
	struct ledger_quorum q;
	unsigned char buf[LEDGERMSG_MAX_LEN];
	size_t len = 0;
	int r;

	if (!g->m.membership_known || g->cfgid.applied == 0)
		return;
	if (!cfgid_quorum_current(&g->cfgid, g->m.ring_seq, g->m.quorum_ring)) {
		qb_log(LOG_DEBUG, "ledger: quorum known for ring %" PRIu64 ", not %" PRIu64 " yet",
		       g->m.quorum_ring, cfgid_ring(g->cfgid.applied));
		return;
	}
	memset(&q, 0, sizeof(q));
	q.ring_seq = g->cfgid.applied;
	q.time_ms = ledgerglue_now_ms();
	q.quorate = g->m.quorate;
	q.peer = membership_two_node_peer(&g->m);
	q.two_node = q.peer != 0;
	q.wait_for_all = g->m.wait_for_all;
	q.peer_in_view = q.peer != 0 && membership_in_view(&g->m, q.peer);
	q.expected = (uint16_t)g->m.n_names;
	r = ledgermsg_encode_quorum(&q, buf, sizeof(buf), &len);
	if (r == 0)
		r = g->ops->send(g->ctx, buf, len);
	if (r < 0)
		qb_log(LOG_ERR, "ledger: cannot send the quorum report: %s", strerror(-r));
}

/* A new configuration for the ledger: members (sorted, unique), our state,
 * and our view of quorum. */
static void
ledgerglue_apply_config(struct ledgerglue *g, uint64_t cfg_id)
{
	uint32_t members[FERRYD_MAX_MEMBERS];
	unsigned char *buf;
	size_t n, len;
	int64_t now = ledgerglue_now_ms();
	uint32_t idx;
	int r;

	n = cfgid_members(g->m.members, g->m.n_members, members);
	r = ledger_confchg(g->l, cfg_id, members, n, now);
	if (r == -ESTALE) {
		qb_log(LOG_INFO,
		       "ledger: configuration %" PRIu64 ".%" PRIu64 " overtaken, ignoring",
		       cfgid_ring(cfg_id), cfgid_sub(cfg_id));
		return;
	}
	if (r < 0) {
		qb_log(LOG_ERR, "ledger: configuration %" PRIu64 " (%zu members) refused: %s",
		       cfg_id, n, strerror(-r));
		return;
	}
	qb_log(LOG_NOTICE,
	       "ledger: configuration %" PRIu64 ".%" PRIu64 " with %zu members, syncing",
	       cfgid_ring(cfg_id), cfgid_sub(cfg_id), n);
	cfgid_applied(&g->cfgid, cfg_id);
	g->was_synced = false;
	ledgerglue_persist(g);
	buf = calloc(1, LEDGERMSG_MAX_LEN);
	if (buf == NULL)
		return;
	for (idx = 0;; idx++) {
		r = ledger_state_msg(g->l, now, idx, buf, LEDGERMSG_MAX_LEN, &len);
		if (r < 0) {
			qb_log(LOG_ERR, "ledger: cannot build state message %u: %s", idx,
			       strerror(-r));
			break;
		}
		if (g->ops->send(g->ctx, buf, len) < 0)
			break;
		if (r == 0)
			break;
	}
	free(buf);
	ledgerglue_send_quorum(g);
}

/* What the configuration-id rule (cfgid.c) sees of our membership value. */
static struct cfgid_view
ledgerglue_cfgid_view(const struct ledgerglue *g)
{
	return (struct cfgid_view){
	        .local_nodeid = g->m.local_nodeid,
	        .members = g->m.members,
	        .n_members = g->m.n_members,
	        .joined = g->m.joined,
	        .n_joined = g->m.n_joined,
	        .ring_seq = g->m.ring_seq,
	        .totem_seen = g->m.totem_seen,
	};
}

/* Does what the rule decided. */
static void
ledgerglue_cfgid_do(struct ledgerglue *g, const struct cfgid_decision *d)
{
	unsigned char buf[sizeof(struct ledgermsg_cfgid_wire)];
	size_t len = 0;
	int r;

	switch (d->action) {
	case CFGID_APPLY:
		ledgerglue_apply_config(g, d->cfg_id);
		break;
	case CFGID_ANNOUNCE:
		r = ledgermsg_encode_cfgid(d->cfg_id, buf, sizeof(buf), &len);
		if (r == 0)
			r = g->ops->send(g->ctx, buf, len);
		if (r < 0) {
			qb_log(LOG_ERR, "ledger: cannot announce configuration %" PRIu64 ": %s",
			       d->cfg_id, strerror(-r));
			return;
		}
		cfgid_announced(&g->cfgid, d->cfg_id);
		break;
	default:
		break;
	}
}

void
ledgerglue_confchg(struct ledgerglue *g, const struct membership *m)
{
	struct cfgid_view v;
	struct cfgid_decision d;

	if (g == NULL)
		return;
	g->m = *m;
	if (!g->m.membership_known)
		return;
	for (size_t i = 0; i < g->m.n_joined; i++)
		ledgerglue_fence_recheck(g, g->m.joined[i]);
	v = ledgerglue_cfgid_view(g);
	if (cfgid_confchg(&g->cfgid, &v, &d) == 0)
		ledgerglue_cfgid_do(g, &d);
}

void
ledgerglue_totem_confchg(struct ledgerglue *g, const struct membership *m, bool initial)
{
	struct cfgid_view v;
	struct cfgid_decision d;

	if (g == NULL)
		return;
	g->m = *m;
	if (!g->m.membership_known)
		return;
	v = ledgerglue_cfgid_view(g);
	if (cfgid_totem(&g->cfgid, &v, initial, &d) == 0)
		ledgerglue_cfgid_do(g, &d);
}

/* Returns true if msg was the configuration-id rule's CONFIG (handled or
 * dropped here), false for any other message. */
static bool
ledgerglue_own_message(struct ledgerglue *g, uint32_t nodeid, const void *msg, size_t len)
{
	struct cfgid_decision d;
	uint64_t cfg_id = 0;
	int r;

	r = ledgermsg_decode_cfgid(msg, len, &cfg_id);
	if (r == -ENOMSG)
		return false;
	if (r == -EBADMSG && len != sizeof(struct ledgermsg_cfgid_wire)) {
		qb_log(LOG_WARNING, "node %" PRIu32 ": glue message of %zu bytes, dropped", nodeid,
		       len);
		return true;
	}
	if (r < 0) {
		qb_log(LOG_WARNING, "node %" PRIu32 ": glue message (%s), dropped", nodeid,
		       ledgermsg_strerror(r));
		return true;
	}
	if (cfgid_received(&g->cfgid, cfg_id, &d) == 0)
		ledgerglue_cfgid_do(g, &d);
	return true;
}

void
ledgerglue_quorum(struct ledgerglue *g, const struct membership *m)
{
	if (g == NULL)
		return;
	g->m = *m;
	ledgerglue_send_quorum(g);
}

void
ledgerglue_deliver(struct ledgerglue *g, uint32_t nodeid, uint32_t pid, const void *msg, size_t len)
{
	struct ledgermsg m;
	struct ferry_ipc_move rec;
	bool is_move, is_drain;
	int r;

	(void)pid;
	if (g == NULL)
		return;
	if (ledgerglue_own_message(g, nodeid, msg, len))
		return;
	is_drain = false;
	is_move = false;
	if (ledgermsg_decode(msg, len, &m) == 0) {
		if (m.type == LEDGERMSG_PROGRESS) { /* not ledger state */
			ledgerglue_progress_note(g, &m.u.progress);
			return;
		}
		is_move = m.type == LEDGERMSG_MOVE;
		is_drain = m.type == LEDGERMSG_DRAIN;
	}
	r = ledger_deliver(g->l, nodeid, msg, len);
	if (r < 0) {
		qb_log(LOG_WARNING, "node %" PRIu32 ": dropped a %zu-byte message: %s", nodeid, len,
		       strerror(-r));
		return;
	}
	if (r > 0)
		ledgerglue_persist(g);
	if (is_drain || r > 0)
		ledgerglue_drain_act(g);
	if (is_move) {
		memset(&rec, 0, sizeof(rec));
		snprintf(rec.vm, sizeof(rec.vm), "%s", m.u.move.name);
		snprintf(rec.uuid, sizeof(rec.uuid), "%s", m.u.move.uuid);
		snprintf(rec.from, sizeof(rec.from), "%s", ledgerglue_node(g, m.u.move.from));
		snprintf(rec.to, sizeof(rec.to), "%s", ledgerglue_node(g, m.u.move.to));
		snprintf(rec.mode, sizeof(rec.mode), "%s", ledger_mode_name(m.u.move.mode));
		snprintf(rec.result, sizeof(rec.result), "%s",
		         ledger_move_result_name(m.u.move.result));
		snprintf(rec.error, sizeof(rec.error), "%s", m.u.move.error);
		rec.start_unix_ms = m.u.move.start_ms;
		rec.total_ms = m.u.move.total_ms;
		rec.downtime_ms = m.u.move.downtime_ms;
		rec.guest_gap_ms = m.u.move.guest_gap_ms;
		rec.bytes = m.u.move.bytes;
		g->ops->move_recorded(g->ctx, &rec);
	}
	if (g->lost_marked && ledger_is_synced(g->l) && !ledger_is_lost(g->l)) {
		r = g->ops->lost_clear(g->ctx);
		if (r < 0)
			qb_log(LOG_ERR, "ledger: cannot remove %s/%s: %s", g->cfg->state_dir,
			       PERSIST_LOST_FILE, strerror(-r));
		else
			qb_log(LOG_NOTICE,
			       "ledger: state taken from the cluster, lost state cleared");
		g->lost_marked = r < 0;
	}
	if (!g->was_synced && ledger_is_synced(g->l)) {
		g->was_synced = true;
		qb_log(LOG_NOTICE,
		       "ledger: synced (ring %" PRIu64 ", epoch %" PRIu64 ", %zu VMs, %s)",
		       ledger_ring(g->l), ledger_epoch(g->l), ledger_vm_count(g->l),
		       ledger_is_quorate(g->l) ? "quorate" : "not quorate");
		g->ops->vm_scan(g->ctx);
	}
}

/* ---- requests from the local agent and ferryctl ------------------------ */

/* Finds a VM by UUID or, failing that, by name. */
static int
ledgerglue_find(struct ledgerglue *g, const char *uuid_or_name, struct ledger_vm_info *ret)
{
	size_t i, n = ledger_vm_count(g->l);

	if (ledger_vm_find(g->l, uuid_or_name, ret) == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (ledger_vm_get(g->l, i, ret) == 0 && strcmp(ret->name, uuid_or_name) == 0)
			return 0;
	return -ENOENT;
}

void
ledgerglue_request(struct ledgerglue *g, uint64_t token, const struct ferry_ipc_vm_req *in)
{
	struct ferry_ipc_vm_req req = *in;
	struct ledger_request lr;
	struct ledger_vm_info info;
	struct ledgerglue_pending *p;
	unsigned char buf[LEDGERMSG_MAX_LEN];
	char why[FERRY_IPC_REASON_LEN];
	size_t len = 0;
	int r;

	req.vm[sizeof(req.vm) - 1] = '\0';
	req.uuid[sizeof(req.uuid) - 1] = '\0';
	req.rsc[sizeof(req.rsc) - 1] = '\0';
	req.peer[sizeof(req.peer) - 1] = '\0';
	if (g == NULL || !g->m.membership_known) {
		ledgerglue_answer(g, token, FERRY_VERDICT_UNAVAILABLE, 0, 0,
		                  "ferryd has not joined the cluster yet");
		return;
	}
	memset(&lr, 0, sizeof(lr));
	switch (req.hdr.qb.id) {
	case FERRY_IPC_ACQUIRE:
		lr.op = req.mode == FERRY_ACQUIRE_RESTORE ? LEDGER_OP_RESTORE : LEDGER_OP_ACQUIRE;
		lr.gen = req.generation;
		break;
	case FERRY_IPC_RELEASE:
		lr.op = LEDGER_OP_RELEASE;
		break;
	case FERRY_IPC_MIGRATE_BEGIN:
		lr.op = LEDGER_OP_MIGRATE_BEGIN;
		lr.mode = req.mode == FERRY_MIGRATE_QUICK ? LEDGER_MODE_QUICK : LEDGER_MODE_LIVE;
		if (membership_nodeid_by_name(&g->m, req.peer, &lr.target) < 0) {
			snprintf(why, sizeof(why), "unknown target node '%s'", req.peer);
			ledgerglue_answer(g, token, FERRY_VERDICT_REFUSED, 0, 0, why);
			return;
		}
		break;
	case FERRY_IPC_MIGRATE_COMMIT:
		lr.op = LEDGER_OP_MIGRATE_COMMIT;
		break;
	case FERRY_IPC_MIGRATE_ABORT:
		lr.op = LEDGER_OP_MIGRATE_ABORT;
		break;
	case FERRY_IPC_SAVE:
		lr.op = LEDGER_OP_SAVE;
		break;
	case FERRY_IPC_RESTORE_COMMIT:
		lr.op = LEDGER_OP_RESTORE_COMMIT;
		break;
	case FERRY_IPC_RESTORE_ABORT:
		lr.op = LEDGER_OP_RESTORE_ABORT;
		break;
	case FERRY_IPC_FORCE_RELEASE:
		lr.op = LEDGER_OP_FORCE_RELEASE;
		/* ferryctl gives a name or a UUID in vm */
		if (req.uuid[0] == '\0') {
			if (ledgerglue_find(g, req.vm, &info) < 0) {
				snprintf(why, sizeof(why), "no VM '%s' in the ledger", req.vm);
				ledgerglue_answer(g, token, FERRY_VERDICT_REFUSED, 0, 0, why);
				return;
			}
			snprintf(req.uuid, sizeof(req.uuid), "%s", info.uuid);
			snprintf(req.vm, sizeof(req.vm), "%s", info.name);
		}
		qb_log(LOG_NOTICE, "vm %s: force release requested by an administrator", req.vm);
		break;
	default:
		ledgerglue_answer(g, token, FERRY_VERDICT_REFUSED, 0, 0, "unsupported request");
		return;
	}
	if (strlen(req.vm) >= sizeof(lr.name) || strlen(req.uuid) >= sizeof(lr.uuid)) {
		ledgerglue_answer(g, token, FERRY_VERDICT_REFUSED, 0, 0,
		                  "VM name or UUID too long for the ledger");
		return;
	}
	snprintf(lr.name, sizeof(lr.name), "%s", req.vm);
	snprintf(lr.uuid, sizeof(lr.uuid), "%s", req.uuid);
	lr.req_id = ++g->next_req_id;
	lr.time_ms = ledgerglue_now_ms();
	p = ledgerglue_pending_new(g);
	if (p == NULL) {
		ledgerglue_answer(g, token, FERRY_VERDICT_UNAVAILABLE, 0, 0,
		                  "too many requests in flight");
		return;
	}
	r = ledgermsg_encode_request(&lr, buf, sizeof(buf), &len);
	if (r == 0)
		r = g->ops->send(g->ctx, buf, len);
	if (r < 0) {
		snprintf(why, sizeof(why), "cannot send the request to the cluster: %s",
		         strerror(-r));
		ledgerglue_answer(g, token, FERRY_VERDICT_UNAVAILABLE, 0, 0, why);
		return;
	}
	p->req_id = lr.req_id;
	p->token = token;
	p->op = lr.op;
	p->deadline_ns = qb_util_nano_current_get() +
	                 (uint64_t)LEDGERGLUE_REQ_TIMEOUT_MS * QB_TIME_NS_IN_MSEC;
	snprintf(p->uuid, sizeof(p->uuid), "%s", req.uuid);
	snprintf(p->rsc, sizeof(p->rsc), "%s", req.rsc);
}

/*
 * A RECORD_MOVE's kind and result, by movekind.h's names (the wire's text,
 * ipcproto.h): 0, or -EINVAL for a name this ferryd does not know.  The
 * ledger records a live move that fell back to quick as quick.
 */
static int
ledgerglue_move_kind(const struct ferry_ipc_move *m, enum ledger_mode *ret_mode,
                     enum ledger_move_result *ret_result)
{
	enum ferry_move_kind k;
	enum ferry_move_result r;
	enum ledger_mode mode = LEDGER_MODE_LIVE;

	if (ferry_move_kind_from_name(m->mode, &k) != 0 ||
	    ferry_move_result_from_name(m->result, &r) != 0)
		return -EINVAL;
	switch (k) {
	case FERRY_MOVE_LIVE:
		mode = LEDGER_MODE_LIVE;
		break;
	case FERRY_MOVE_QUICK:
	case FERRY_MOVE_LIVE_QUICK:
		mode = LEDGER_MODE_QUICK;
		break;
	case FERRY_MOVE_RESTART:
		mode = LEDGER_MODE_RESTART;
		break;
	case _FERRY_MOVE_KIND_MAX:
		return -EINVAL;
	}
	*ret_mode = mode;
	*ret_result = (enum ledger_move_result)r;
	return 0;
}

void
ledgerglue_record_move(struct ledgerglue *g, uint64_t token, const struct ferry_ipc_move *in)
{
	struct ferry_ipc_move m = *in;
	struct ledger_move lm;
	unsigned char buf[LEDGERMSG_MAX_LEN];
	char why[FERRY_IPC_REASON_LEN];
	size_t len = 0;
	int r;

	m.vm[sizeof(m.vm) - 1] = m.uuid[sizeof(m.uuid) - 1] = '\0';
	m.from[sizeof(m.from) - 1] = m.to[sizeof(m.to) - 1] = '\0';
	m.mode[sizeof(m.mode) - 1] = m.result[sizeof(m.result) - 1] = '\0';
	m.error[sizeof(m.error) - 1] = '\0';
	memset(&lm, 0, sizeof(lm));
	if (strlen(m.vm) >= sizeof(lm.name) || strlen(m.uuid) >= sizeof(lm.uuid)) {
		ledgerglue_answer(g, token, FERRY_VERDICT_REFUSED, 0, 0,
		                  "bad move record (name or UUID)");
		return;
	}
	r = ledgerglue_move_kind(&m, &lm.mode, &lm.result);
	if (r < 0) {
		/* an agent of a newer build, or a broken one: never stored blindly */
		snprintf(why, sizeof(why), "unknown move mode \"%s\" or result \"%s\"", m.mode,
		         m.result);
		qb_log(LOG_WARNING, "vm %s: move record refused: %s (%s)",
		       ledger_valid_name(m.vm) ? m.vm : "(invalid)", why, strerror(-r));
		ledgerglue_answer(g, token, FERRY_VERDICT_REFUSED, 0, 0, why);
		return;
	}
	snprintf(lm.name, sizeof(lm.name), "%s", m.vm);
	snprintf(lm.uuid, sizeof(lm.uuid), "%s", m.uuid);
	if (membership_nodeid_by_name(&g->m, m.from, &lm.from) < 0)
		lm.from = 0;
	if (membership_nodeid_by_name(&g->m, m.to, &lm.to) < 0)
		lm.to = 0;
	lm.start_ms = m.start_unix_ms;
	lm.total_ms = m.total_ms;
	lm.downtime_ms = m.downtime_ms;
	lm.guest_gap_ms = m.guest_gap_ms;
	lm.bytes = m.bytes;
	snprintf(lm.error, sizeof(lm.error), "%s", m.error);
	r = ledgermsg_encode_move(&lm, buf, sizeof(buf), &len);
	if (r == 0)
		r = g->ops->send(g->ctx, buf, len);
	if (r < 0)
		ledgerglue_answer(g, token, FERRY_VERDICT_UNAVAILABLE, 0, 0,
		                  "cannot send the move record to the cluster");
	else
		ledgerglue_answer(g, token, FERRY_VERDICT_GRANTED, 0, 0, "move recorded");
}

/* ---- timers: request deadlines, fence confirmations --------------------- */

static bool
ledgerglue_fence_already_sent(struct ledgerglue *g, uint32_t nodeid, int64_t at_ms)
{
	size_t i;

	for (i = 0; i < g->n_fence_sent; i++) {
		if (g->fence_sent[i].nodeid != nodeid)
			continue;
		if (g->fence_sent[i].fenced_at_ms >= at_ms)
			return true;
		g->fence_sent[i].fenced_at_ms = at_ms;
		return false;
	}
	if (g->n_fence_sent < FERRYD_MAX_MEMBERS) {
		g->fence_sent[g->n_fence_sent].nodeid = nodeid;
		g->fence_sent[g->n_fence_sent].fenced_at_ms = at_ms;
		g->n_fence_sent++;
	}
	return false;
}

/* Does the fencing history need reading for this holder of a VM? */
static bool
ledgerglue_fence_wanted(struct ledgerglue *g, uint32_t node, bool orphaned)
{

	if (node == 0)
		return false;
	if (orphaned && !membership_is_member(&g->m, node))
		return true;
	return ledgerglue_id_index(g->fence_recheck, g->n_fence_recheck, node) < g->n_fence_recheck;
}

static void
ledgerglue_fence_rechecked(struct ledgerglue *g, uint32_t node)
{
	size_t i = ledgerglue_id_index(g->fence_recheck, g->n_fence_recheck, node);

	if (i < g->n_fence_recheck)
		g->fence_recheck[i] = g->fence_recheck[--g->n_fence_recheck];
}

/* Reads the fencing history for node and sends its newest fence unless it
 * went out already.  Returns fencehist's answer (< 0: not read). */
static int
ledgerglue_fence_send(struct ledgerglue *g, uint32_t node)
{
	unsigned char buf[LEDGERMSG_MAX_LEN];
	const char *name = membership_node_name(&g->m, node);
	int64_t when_ms = 0;
	size_t len = 0;
	int r, e;

	if (name == NULL)
		return -ENOENT;
	r = g->ops->fenced_after(g->ctx, name, 0, &when_ms);
	if (r <= 0 || ledgerglue_fence_already_sent(g, node, when_ms))
		return r;
	e = ledgermsg_encode_fence(node, when_ms, ledgerglue_now_ms(), buf, sizeof(buf), &len);
	if (e == 0)
		e = g->ops->send(g->ctx, buf, len);
	if (e == 0)
		qb_log(LOG_NOTICE,
		       "node %" PRIu32 ": fence confirmation sent (%s fenced at %" PRId64 " ms)",
		       node, name, when_ms);
	return r;
}

/*
 * Only the lowest member asks the fencer: one confirmation per fence, for
 * the holders of orphaned VMs and for holders that just came back (a fence
 * that rebooted a node ends what it held, even once it is a member again).
 * The ledger decides what a fence ends; this only reports the newest one.
 */
static void
ledgerglue_fence_poll(struct ledgerglue *g)
{
	struct ledger_vm_info info;
	uint32_t asked[FERRYD_MAX_MEMBERS];
	size_t i, n_asked = 0, n = ledger_vm_count(g->l);

	for (i = 0; i < g->m.n_members; i++)
		if (g->m.members[i] < g->m.local_nodeid)
			return;
	if (ledger_fence_wanted(g->l) != 0) {
		ledgerglue_fence_send(g, ledger_fence_wanted(g->l));
		return;
	}
	if (!ledger_is_synced(g->l) || !ledger_is_quorate(g->l))
		return;
	for (i = 0; i < n; i++) {
		uint32_t holders[2];

		if (ledger_vm_get(g->l, i, &info) < 0)
			continue;
		if (info.state != LEDGER_VM_RUNNING && info.state != LEDGER_VM_MIGRATING &&
		    info.state != LEDGER_VM_RESTORING)
			continue;
		holders[0] = info.owner;
		holders[1] = info.state == LEDGER_VM_MIGRATING ? info.target : 0;
		for (size_t k = 0; k < 2; k++) {
			uint32_t node = holders[k];

			if (!ledgerglue_fence_wanted(g, node, info.orphaned))
				continue;
			if (ledgerglue_id_index(asked, n_asked, node) < n_asked ||
			    n_asked == FERRYD_MAX_MEMBERS)
				continue;
			asked[n_asked++] = node;
			if (ledgerglue_fence_send(g, node) >= 0 &&
			    membership_is_member(&g->m, node))
				ledgerglue_fence_rechecked(g, node);
		}
	}
	/* joined nodes that hold nothing need no reading */
	for (i = 0; i < g->n_fence_recheck;) {
		if (ledgerglue_id_index(asked, n_asked, g->fence_recheck[i]) == n_asked)
			g->fence_recheck[i] = g->fence_recheck[--g->n_fence_recheck];
		else
			i++;
	}
}

static void
ledgerglue_tick(void *data)
{
	struct ledgerglue *g = data;
	uint64_t now = qb_util_nano_current_get();
	size_t i;

	for (i = 0; i < LEDGERGLUE_MAX_PENDING; i++) {
		if (g->pending[i].req_id == 0 || g->pending[i].deadline_ns > now)
			continue;
		ledgerglue_answer(g, g->pending[i].token, FERRY_VERDICT_UNAVAILABLE, 0, 0,
		                  "no decision from the cluster in time");
		memset(&g->pending[i], 0, sizeof(g->pending[i]));
	}
	if (now - g->last_fence_poll_ns >= (uint64_t)g->cfg->fence_poll_ms * QB_TIME_NS_IN_MSEC) {
		g->last_fence_poll_ns = now;
		ledgerglue_fence_poll(g);
	}
	ledgerglue_drain_act(g);
	ledgerglue_progress_tick(g);
	qb_loop_timer_add(g->loop, QB_LOOP_LOW, (uint64_t)LEDGERGLUE_TICK_MS * QB_TIME_NS_IN_MSEC,
	                  g, ledgerglue_tick, &g->tick_timer);
}

/* ---- views -------------------------------------------------------------- */

int
ledgerglue_vm_lookup(struct ledgerglue *g, const char *uuid, uint32_t *ret_owner,
                     uint32_t *ret_state, uint32_t *ret_peer)
{
	struct ledger_vm_info info;

	if (g == NULL)
		return -EAGAIN;
	if (ledger_vm_find(g->l, uuid, &info) < 0)
		return -ENOENT;
	*ret_owner = info.owner;
	*ret_state = (uint32_t)info.state;
	*ret_peer = info.target;
	return 0;
}

static void
ledgerglue_fill_vm(struct ledgerglue *g, const struct ledger_vm_info *in,
                   struct ferry_ipc_vm_info *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->vm, sizeof(out->vm), "%s", in->name);
	snprintf(out->uuid, sizeof(out->uuid), "%s", in->uuid);
	out->state = (uint32_t)in->state;
	out->flags = in->orphaned ? FERRY_VMF_ORPHANED : 0;
	out->owner_nodeid = in->owner;
	out->peer_nodeid = in->target;
	out->mode = in->mode == LEDGER_MODE_QUICK ? FERRY_MIGRATE_QUICK : FERRY_MIGRATE_LIVE;
	out->generation = in->gen;
	out->changed_unix_ms = in->change_ms;
	if (in->has_move)
		snprintf(out->last_move, sizeof(out->last_move), "%s %s->%s %s %" PRId64 " ms",
		         ledger_mode_name(in->last_move.mode),
		         ledgerglue_node(g, in->last_move.from),
		         ledgerglue_node(g, in->last_move.to),
		         ledger_move_result_name(in->last_move.result), in->last_move.downtime_ms);
}

ssize_t
ledgerglue_status(struct ledgerglue *g, void *buf, size_t len)
{
	struct ferry_ipc_status_rsp *s = buf;
	struct ferry_ipc_vm_info *vi;
	struct ledger_vm_info info;
	size_t i, j, n, off = sizeof(*s);

	if (len < sizeof(*s))
		return -ENOBUFS;
	memset(s, 0, sizeof(*s));
	s->local_nodeid = g->m.local_nodeid;
	s->quorate = g != NULL && ledger_is_quorate(g->l) ? 1 : 0;
	s->ring_seq = g->m.ring_seq;
	s->ring_nodeid = g->m.ring_nodeid;
	for (i = 0; i < g->m.n_names && s->n_nodes < FERRY_IPC_MAX_NODES; i++) {
		s->nodes[s->n_nodes].nodeid = g->m.names[i].nodeid;
		s->nodes[s->n_nodes].member = membership_is_member(&g->m, g->m.names[i].nodeid);
		snprintf(s->nodes[s->n_nodes].name, FERRY_IPC_NODE_LEN, "%s", g->m.names[i].name);
		s->n_nodes++;
	}
	for (i = 0; i < g->m.n_members && s->n_nodes < FERRY_IPC_MAX_NODES; i++) {
		for (j = 0; j < s->n_nodes; j++)
			if (s->nodes[j].nodeid == g->m.members[i])
				break;
		if (j < s->n_nodes)
			continue;
		s->nodes[s->n_nodes].nodeid = g->m.members[i];
		s->nodes[s->n_nodes].member = 1;
		s->n_nodes++;
	}
	if (g == NULL)
		return (ssize_t)off;
	s->synced = ledger_is_synced(g->l) ? 1 : 0;
	s->config_id = g->cfgid.applied;
	if (!ledger_blocked_why(g->l, s->note, sizeof(s->note)) && ledger_is_lost(g->l))
		snprintf(s->note, sizeof(s->note),
		         "this node's ledger state is lost (%s in the state directory); it "
		         "takes the state of a node of the last quorate configuration",
		         PERSIST_LOST_FILE);
	n = ledger_vm_count(g->l);
	for (i = 0; i < n; i++) {
		if (off + sizeof(*vi) > len) {
			s->truncated = 1;
			break;
		}
		if (ledger_vm_get(g->l, i, &info) < 0)
			continue;
		vi = (struct ferry_ipc_vm_info *)((char *)buf + off);
		ledgerglue_fill_vm(g, &info, vi);
		off += sizeof(*vi);
		s->n_vms++;
	}
	return (ssize_t)off;
}

ssize_t
ledgerglue_dump(struct ledgerglue *g, void *buf, size_t len)
{
	struct ferry_ipc_dump_rsp *r = buf;
	char *blob = NULL;
	size_t blob_len = 0;
	int e;

	if (g == NULL)
		return -EAGAIN;
	e = ledger_serialize(g->l, &blob, &blob_len);
	if (e < 0)
		return e;
	if (sizeof(*r) + blob_len > len) {
		free(blob);
		return -EMSGSIZE;
	}
	memset(r, 0, sizeof(*r));
	r->blob_len = (uint32_t)blob_len;
	r->n_vms = (uint32_t)ledger_vm_count(g->l);
	memcpy((char *)buf + sizeof(*r), blob, blob_len);
	free(blob);
	return (ssize_t)(sizeof(*r) + blob_len);
}

/* ---- life cycle ---------------------------------------------------------- */

/*
 * The persisted ledger.  A missing file is a new node.  A file that cannot
 * be read or parsed is not: its state may have been the newest in the
 * cluster, so it is set aside and this node joins as "no state" (the ledger
 * then waits for a member that comes from the last quorate configuration),
 * marked on disk so that a restart does not forget it.
 */
static void
ledgerglue_load(struct ledgerglue *g)
{
	const char *dir = g->cfg->state_dir;
	char aside[PATH_MAX] = "", why[PATH_MAX + 128];
	void *blob = NULL;
	size_t len = 0;
	int r;

	g->lost_marked = g->ops->lost_marked(g->ctx);
	r = g->ops->ledger_load(g->ctx, LEDGER_STATE_MAX, &blob, &len);
	if (r == 0) {
		r = ledger_load(g->l, blob, len);
		free(blob);
		if (r == 0)
			qb_log(LOG_NOTICE, "ledger: loaded %zu VMs from %s/%s",
			       ledger_vm_count(g->l), dir, PERSIST_LEDGER_FILE);
	}
	if (r < 0 && r != -ENOENT) {
		int e = g->ops->ledger_set_aside(g->ctx, ledgerglue_now_ms(), aside, sizeof(aside));

		snprintf(why, sizeof(why), "%s/%s was unusable (%s)%s%s\n", dir,
		         PERSIST_LEDGER_FILE, strerror(-r), aside[0] != '\0' ? "; kept as " : "",
		         aside);
		qb_log(LOG_ERR,
		       "ledger: %s/%s is unusable (%s)%s%s; joining without state, "
		       "the ledger waits for a node of the last quorate configuration",
		       dir, PERSIST_LEDGER_FILE, strerror(-r), e == 0 ? ", kept as " : "",
		       e == 0 ? aside : "");
		e = g->ops->lost_mark(g->ctx, why);
		if (e < 0)
			qb_log(LOG_ERR, "ledger: cannot write %s/%s: %s", dir, PERSIST_LOST_FILE,
			       strerror(-e));
		g->lost_marked = true;
	}
	if (g->lost_marked) {
		ledger_set_lost(g->l);
		qb_log(LOG_WARNING,
		       "ledger: this node's ledger state is lost (%s/%s): it takes the "
		       "cluster's state, never starts as a new node",
		       dir, PERSIST_LOST_FILE);
	}
}

int
ledgerglue_start(qb_loop_t *loop, const struct config *cfg, const struct ledgerglue_ops *ops,
                 void *ctx, struct ledgerglue **ret)
{
	struct ledgerglue *g;

	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return -ENOMEM;
	g->l = ledger_new(NULL);
	if (g->l == NULL) {
		free(g);
		return -ENOMEM;
	}
	g->loop = loop;
	g->cfg = cfg;
	g->ops = ops;
	g->ctx = ctx;
	g->decision_fd = -1;
	ledgerglue_decision_log_open(g);
	ledger_set_log(g->l, ledgerglue_log, g);
	ledger_set_decision_cb(g->l, ledgerglue_decision, g);
	ledgerglue_load(g);
	qb_loop_timer_add(g->loop, QB_LOOP_LOW, (uint64_t)LEDGERGLUE_TICK_MS * QB_TIME_NS_IN_MSEC,
	                  g, ledgerglue_tick, &g->tick_timer);
	*ret = g;
	return 0;
}

struct ledgerglue *
ledgerglue_stop(struct ledgerglue *g)
{
	if (g == NULL)
		return NULL;
	qb_loop_timer_del(g->loop, g->tick_timer);
	ledger_free(g->l);
	if (g->decision_fd >= 0)
		close(g->decision_fd);
	free(g);
	return NULL;
}
