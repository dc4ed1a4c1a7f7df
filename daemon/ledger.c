/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ledger.c - the replicated VM-ownership ledger: a pure state machine.
 *
 * Inputs: configuration changes and messages in agreed order.  Outputs:
 * decisions (callback) and one deterministic log line per applied input
 * (callback).  See ledger.h for the adapter's side of the contract.
 *
 * Replicated state ("rstate": what ledger_serialize() writes and the sync
 * round transfers): epoch, seq, the members of the ring it was last synced
 * in, the node table (when each node was last seen leaving and last fenced)
 * and the VMs.  Everything else (current ring, quorum, sync buffers) is
 * local to this replica and rebuilt from the inputs.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "ledgerblob.h"
#include "ledgermsg.h"

/* ---- data (the replicated part: ledgerblob.h) ---- */

struct peer {
	uint32_t node;
	bool started;
	bool done;
	bool valid;
	bool have_header; /* was_quorate, epoch, seq are the sender's */
	bool no_state;    /* the sender lost its state */
	bool was_quorate;
	uint64_t epoch;
	uint64_t seq;
	int64_t time_ms;
	uint32_t total_len;
	uint32_t got;
	char *data;
};

struct ledger {
	struct ledger_limits lim;
	struct ledger_rstate st;

	/* local to this replica */
	bool have_ring;
	uint64_t ring;
	uint32_t members[LEDGER_MAX_NODES]; /* sorted */
	size_t n_members;
	bool synced;
	bool quorum_reported;
	bool quorum_yes;
	uint32_t quorum_reporter;
	struct ledger_quorum quorum; /* the last report for this ring */
	bool quorate;
	bool lost;          /* this replica's state was lost (unusable file): never "new" */
	bool snap_lost;     /* ... as it was when the round started */
	bool blocked;       /* the sync round ended without a state that may be taken */
	bool round_waiting; /* every state is in; the quorum report decides (a lost member) */
	char blocked_why[160];
	bool snap_was_quorate;
	bool overfull;   /* the current ring has more members than max_nodes */
	int64_t sync_ms; /* agreed time of the last sync: the latest member clock */
	char *snap;
	size_t snap_len;
	uint64_t snap_epoch;
	uint64_t snap_seq;
	struct peer peers[LEDGER_MAX_NODES]; /* one per member, same order */

	ledger_log_fn log_fn;
	void *log_data;
	bool deferring; /* while a request is decided: its lines follow the verdict */
	int n_deferred;
	char deferred[4][512];
	ledger_decision_fn decision_fn;
	void *decision_data;
};

static uint32_t two_node_hold(const struct ledger *l);

/* ---- logging (the decision log) ---- */

__attribute__((format(printf, 2, 3))) static void
note(const struct ledger *l, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (l->log_fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (l->deferring && l->n_deferred < 4) {
		memcpy(((struct ledger *)l)->deferred[l->n_deferred], line, sizeof(line));
		((struct ledger *)l)->n_deferred++;
		return;
	}
	l->log_fn(line, l->log_data);
}

static void
log_flush(struct ledger *l)
{
	l->deferring = false;
	for (int i = 0; i < l->n_deferred; i++)
		if (l->log_fn != NULL)
			l->log_fn(l->deferred[i], l->log_data);
	l->n_deferred = 0;
}

/* ---- helpers ---- */

static bool
id_in(const uint32_t *ids, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

bool
ledger_is_member(const struct ledger *l, uint32_t node)
{
	return l != NULL && l->have_ring && node != 0 && id_in(l->members, l->n_members, node);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* Canonical libvirt form: 8-4-4-4-12 lower-case hex. */

static struct ledger_vmrec *
vm_by_uuid(const struct ledger_rstate *st, const char *uuid)
{
	for (size_t i = 0; i < st->n_vms; i++)
		if (strcmp(st->vms[i].uuid, uuid) == 0)
			return &st->vms[i];
	return NULL;
}

static struct ledger_vmrec *
vm_by_name(const struct ledger_rstate *st, const char *name)
{
	for (size_t i = 0; i < st->n_vms; i++)
		if (strcmp(st->vms[i].name, name) == 0)
			return &st->vms[i];
	return NULL;
}

static struct ledger_noderec *
node_get(struct ledger_rstate *st, uint32_t id)
{
	for (size_t i = 0; i < st->n_nodes; i++)
		if (st->nodes[i].id == id)
			return &st->nodes[i];
	return NULL;
}

/*
 * Makes room in a full node table: the entry of a node that is not a member
 * and that no VM names (owner or migration target) can go, the one that
 * left first.  False when every entry is still needed.
 */
static bool
node_evict(struct ledger *l)
{
	struct ledger_rstate *st = &l->st;
	size_t best = SIZE_MAX;

	for (size_t i = 0; i < st->n_nodes; i++) {
		const struct ledger_noderec *n = &st->nodes[i];
		bool used = id_in(l->members, l->n_members, n->id);

		for (size_t j = 0; j < st->n_vms && !used; j++)
			used = st->vms[j].owner == n->id || st->vms[j].target == n->id;
		if (used)
			continue;
		if (best == SIZE_MAX || n->left_ms < st->nodes[best].left_ms)
			best = i;
	}
	if (best == SIZE_MAX)
		return false;
	note(l, "node %" PRIu32 ": forgotten (node table full)", st->nodes[best].id);
	memmove(&st->nodes[best], &st->nodes[best + 1],
	        (st->n_nodes - best - 1) * sizeof(st->nodes[0]));
	st->n_nodes--;
	return true;
}

/* Adds a node table entry (sorted).  NULL when the table is full of nodes
 * that are still needed. */
static struct ledger_noderec *
node_add(struct ledger *l, uint32_t id)
{
	struct ledger_rstate *st = &l->st;
	struct ledger_noderec *n = node_get(st, id);
	size_t i;

	if (n != NULL)
		return n;
	if (st->n_nodes >= l->lim.max_nodes && !node_evict(l))
		return NULL;
	for (i = 0; i < st->n_nodes && st->nodes[i].id < id; i++)
		;
	memmove(&st->nodes[i + 1], &st->nodes[i], (st->n_nodes - i) * sizeof(st->nodes[0]));
	st->nodes[i] =
	        (struct ledger_noderec){.id = id, .left_ms = -1, .fenced_ms = -1, .seen_ms = -1};
	st->n_nodes++;
	return &st->nodes[i];
}

/* Is a holder of this VM outside the membership? */
static bool
vm_orphaned(const struct ledger *l, const struct ledger_vmrec *v)
{
	if (v->state == LEDGER_VM_RUNNING || v->state == LEDGER_VM_RESTORING)
		return !ledger_is_member(l, v->owner);
	if (v->state == LEDGER_VM_MIGRATING)
		return !ledger_is_member(l, v->owner) || !ledger_is_member(l, v->target);
	return false;
}

static void
vm_info(const struct ledger *l, const struct ledger_vmrec *v, struct ledger_vm_info *ret)
{
	memset(ret, 0, sizeof(*ret));
	memcpy(ret->uuid, v->uuid, sizeof(ret->uuid));
	memcpy(ret->name, v->name, sizeof(ret->name));
	ret->state = v->state;
	ret->owner = v->owner;
	ret->target = v->target;
	ret->mode = v->mode;
	ret->gen = v->gen;
	ret->orphaned = vm_orphaned(l, v);
	ret->change_seq = v->change_seq;
	ret->change_ms = v->change_ms;
	ret->has_move = v->has_move;
	ret->last_move = v->move;
}

/* ---- the one transition function ---- */

/*
 * Every VM state change goes through here and is logged as
 * "vm NAME: OLD -> NEW (detail)".  owner/target are the new holders.
 */
static void
vm_transition(struct ledger *l, struct ledger_vmrec *v, enum ledger_vm_state to, uint32_t owner,
              uint32_t target, int64_t time_ms, const char *why)
{
	char detail[160];
	enum ledger_vm_state from = v->state;

	switch (to) {
	case LEDGER_VM_RUNNING:
		snprintf(detail, sizeof(detail), "on node %" PRIu32, owner);
		break;
	case LEDGER_VM_MIGRATING:
		snprintf(detail, sizeof(detail), "%s from node %" PRIu32 " to node %" PRIu32,
		         ledger_mode_name(v->mode), owner, target);
		break;
	case LEDGER_VM_SAVED:
		snprintf(detail, sizeof(detail), "image gen %" PRIu64, v->gen);
		break;
	case LEDGER_VM_RESTORING:
		snprintf(detail, sizeof(detail), "image gen %" PRIu64 " on node %" PRIu32, v->gen,
		         owner);
		break;
	case LEDGER_VM_STOPPED:
	default:
		snprintf(detail, sizeof(detail), "gen %" PRIu64, v->gen);
		break;
	}
	if (to != LEDGER_VM_MIGRATING)
		target = 0;
	if (to == LEDGER_VM_STOPPED || to == LEDGER_VM_SAVED)
		owner = 0;
	if ((to == LEDGER_VM_RUNNING || to == LEDGER_VM_RESTORING) &&
	    (from == LEDGER_VM_STOPPED || from == LEDGER_VM_SAVED || v->owner != owner))
		v->since_ms = time_ms > l->sync_ms ? time_ms : l->sync_ms;
	if (to == LEDGER_VM_MIGRATING)
		v->target_since_ms = time_ms > l->sync_ms ? time_ms : l->sync_ms;
	v->state = to;
	v->owner = owner;
	v->target = target;
	v->change_seq = l->st.seq;
	v->change_ms = time_ms;
	note(l, "vm %s: %s -> %s (%s%s%s)", v->name, ledger_vm_state_name(from),
	     ledger_vm_state_name(to), detail, why != NULL ? "; " : "", why != NULL ? why : "");
}

/* ---- life cycle ---- */

static void
peers_reset(struct ledger *l)
{
	for (size_t i = 0; i < LEDGER_MAX_NODES; i++) {
		free(l->peers[i].data);
		memset(&l->peers[i], 0, sizeof(l->peers[i]));
	}
}

struct ledger *
ledger_new(const struct ledger_limits *limits)
{
	struct ledger *l;
	struct ledger_limits lim = {LEDGER_MAX_VMS, LEDGER_MAX_NODES};

	if (limits != NULL)
		lim = *limits;
	if (lim.max_vms == 0 || lim.max_vms > LEDGER_MAX_VMS || lim.max_nodes == 0 ||
	    lim.max_nodes > LEDGER_MAX_NODES)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->lim = lim;
	l->st.vms = calloc(lim.max_vms, sizeof(struct ledger_vmrec));
	l->st.drains = calloc(LEDGER_MAX_DRAINS, sizeof(struct ledger_drain));
	if (l->st.vms == NULL || l->st.drains == NULL)
		return ledger_free(l);
	return l;
}

struct ledger *
ledger_free(struct ledger *l)
{
	if (l == NULL)
		return NULL;
	peers_reset(l);
	free(l->snap);
	free(l->st.vms);
	free(l->st.drains);
	free(l);
	return NULL;
}

void
ledger_set_log(struct ledger *l, ledger_log_fn fn, void *userdata)
{
	l->log_fn = fn;
	l->log_data = userdata;
}

void
ledger_set_decision_cb(struct ledger *l, ledger_decision_fn fn, void *userdata)
{
	l->decision_fn = fn;
	l->decision_data = userdata;
}

void
ledger_set_lost(struct ledger *l)
{
	if (l != NULL && !l->have_ring)
		l->lost = true;
}

bool
ledger_is_lost(const struct ledger *l)
{
	return l->lost;
}

uint32_t
ledger_fence_wanted(const struct ledger *l)
{
	return l->synced ? two_node_hold(l) : 0;
}

bool
ledger_blocked_why(const struct ledger *l, char *buf, size_t len)
{
	if (len > 0)
		buf[0] = '\0';
	if (!l->synced && l->blocked) {
		snprintf(buf, len, "%s", l->blocked_why);
		return true;
	}
	if (l->synced && !l->quorate && two_node_hold(l) != 0) {
		snprintf(buf, len,
		         "two_node: node %" PRIu32 " is out of the quorum view and not fenced yet",
		         two_node_hold(l));
		return true;
	}
	return false;
}

bool
ledger_is_quorate(const struct ledger *l)
{
	return l->quorate;
}

bool
ledger_is_synced(const struct ledger *l)
{
	return l->synced;
}

uint64_t
ledger_epoch(const struct ledger *l)
{
	return l->st.epoch;
}

uint64_t
ledger_seq(const struct ledger *l)
{
	return l->st.seq;
}

uint64_t
ledger_ring(const struct ledger *l)
{
	return l->ring;
}

size_t
ledger_vm_count(const struct ledger *l)
{
	return l->st.n_vms;
}

int
ledger_vm_get(const struct ledger *l, size_t idx, struct ledger_vm_info *ret)
{
	if (l == NULL || ret == NULL)
		return -EINVAL;
	if (idx >= l->st.n_vms)
		return -ENOENT;
	vm_info(l, &l->st.vms[idx], ret);
	return 0;
}

int
ledger_vm_find(const struct ledger *l, const char *uuid, struct ledger_vm_info *ret)
{
	const struct ledger_vmrec *v;

	if (l == NULL || uuid == NULL || ret == NULL)
		return -EINVAL;
	v = vm_by_uuid(&l->st, uuid);
	if (v == NULL)
		return -ENOENT;
	vm_info(l, v, ret);
	return 0;
}

/* ---- persistence (the format: ledgerblob.c) ---- */

int
ledger_serialize(const struct ledger *l, char **ret_buf, size_t *ret_len)
{
	if (l == NULL || ret_buf == NULL || ret_len == NULL)
		return -EINVAL;
	return ledgerblob_write(&l->st, ret_buf, ret_len);
}

static void
rstate_copy(struct ledger_rstate *dst, const struct ledger_rstate *src)
{
	struct ledger_vmrec *vms = dst->vms;
	struct ledger_drain *drains = dst->drains;

	*dst = *src;
	dst->vms = vms;
	dst->drains = drains;
	memcpy(dst->vms, src->vms, src->n_vms * sizeof(struct ledger_vmrec));
	memcpy(dst->drains, src->drains, src->n_drains * sizeof(struct ledger_drain));
}

/* A scratch state to parse into: 0 or -ENOMEM. */
static int
rstate_alloc(struct ledger_rstate *tmp, const struct ledger_limits *lim)
{
	memset(tmp, 0, sizeof(*tmp));
	tmp->vms = calloc(lim->max_vms, sizeof(struct ledger_vmrec));
	tmp->drains = calloc(LEDGER_MAX_DRAINS, sizeof(struct ledger_drain));
	if (tmp->vms == NULL || tmp->drains == NULL) {
		free(tmp->vms);
		free(tmp->drains);
		return -ENOMEM;
	}
	return 0;
}

static void
rstate_release(struct ledger_rstate *tmp)
{
	free(tmp->vms);
	free(tmp->drains);
	tmp->vms = NULL;
	tmp->drains = NULL;
}

int
ledger_load(struct ledger *l, const char *buf, size_t len)
{
	struct ledger_rstate tmp;
	int r;

	if (l == NULL || buf == NULL)
		return -EINVAL;
	if (l->have_ring)
		return -EBUSY;
	if (rstate_alloc(&tmp, &l->lim) < 0)
		return -ENOMEM;
	r = ledgerblob_parse(buf, len, &l->lim, &tmp);
	if (r == 0)
		rstate_copy(&l->st, &tmp);
	rstate_release(&tmp);
	return r;
}

/* ---- configuration change and the sync round ---- */

static void
format_ids(char *buf, size_t size, const uint32_t *ids, size_t n)
{
	size_t o = 0;

	buf[0] = '\0';
	if (n == 0) {
		snprintf(buf, size, " -");
		return;
	}
	for (size_t i = 0; i < n && o < size; i++) {
		int w = snprintf(buf + o, size - o, " %" PRIu32, ids[i]);
		if (w < 0)
			break;
		o += (size_t)w;
	}
}

int
ledger_confchg(struct ledger *l, uint64_t ring_seq, const uint32_t *members, size_t n_members,
               int64_t time_ms)
{
	uint32_t sorted[LEDGER_MAX_NODES];
	char ids[LEDGER_MAX_NODES * 12];
	int r;

	if (l == NULL || (members == NULL && n_members > 0))
		return -EINVAL;
	/* an equal ring is a CPG change inside one totem ring (a ferryd restarted
	 * while corosync stayed up): a new sync round all the same */
	if (l->have_ring && ring_seq < l->ring)
		return -ESTALE;
	if (n_members > l->lim.max_nodes) {
		/* cannot track it: refuse everything until the membership shrinks */
		note(l,
		     "ring %" PRIu64 ": %zu members, more than the limit of %" PRIu32
		     ", refusing requests",
		     ring_seq, n_members, l->lim.max_nodes);
		l->snap_was_quorate = l->quorate || (l->overfull && l->snap_was_quorate);
		l->have_ring = true;
		l->overfull = true;
		l->blocked = false;
		l->round_waiting = false;
		l->ring = ring_seq;
		l->n_members = 0;
		l->synced = false;
		l->quorate = false;
		l->quorum_reported = false;
		peers_reset(l);
		free(l->snap);
		l->snap = NULL;
		return -E2BIG;
	}
	memcpy(sorted, members, n_members * sizeof(uint32_t));
	qsort(sorted, n_members, sizeof(uint32_t), cmp_u32);
	for (size_t i = 0; i < n_members; i++) {
		if (sorted[i] == 0 || (i > 0 && sorted[i] == sorted[i - 1])) {
			/* the membership is unknown: stop deciding until the next one */
			note(l, "ring %" PRIu64 ": invalid member list, refusing requests",
			     ring_seq);
			l->synced = false;
			l->quorate = false;
			return -EINVAL;
		}
	}

	/* snapshot what this node sends in the sync round; without it the
	 * round never completes, which refuses everything (safe) */
	free(l->snap);
	l->snap = NULL;
	r = ledgerblob_write(&l->st, &l->snap, &l->snap_len);
	if (r < 0)
		l->snap = NULL;
	/* after an overfull ring, the last ring this state was quorate in counts */
	l->snap_was_quorate = l->quorate || (l->overfull && l->snap_was_quorate);
	l->snap_epoch = l->st.epoch;
	l->snap_seq = l->st.seq;
	l->snap_lost = l->lost;

	l->have_ring = true;
	l->overfull = false;
	l->blocked = false;
	l->round_waiting = false;
	memset(&l->quorum, 0, sizeof(l->quorum));
	l->ring = ring_seq;
	memcpy(l->members, sorted, n_members * sizeof(uint32_t));
	l->n_members = n_members;
	l->synced = false;
	l->quorate = false;
	l->quorum_reported = false;
	l->quorum_yes = false;
	peers_reset(l);
	for (size_t i = 0; i < n_members; i++)
		l->peers[i].node = sorted[i];
	/* every member is up now, even if this ring never syncs: remember it
	 * for the snapshot of the next ring (a two_node peer that came back
	 * after its fence and left again before a sync is not fenced by that
	 * fence; the state this replaces at the sync knows the members anyway).
	 * No eviction for it here: the sync makes room if it must. */
	for (size_t i = 0; i < n_members; i++) {
		struct ledger_noderec *nr = node_get(&l->st, sorted[i]);

		if (nr == NULL && l->st.n_nodes < l->lim.max_nodes)
			nr = node_add(l, sorted[i]);

		if (nr != NULL && nr->seen_ms < time_ms)
			nr->seen_ms = time_ms;
	}
	format_ids(ids, sizeof(ids), sorted, n_members);
	note(l, "ring %" PRIu64 ": members%s; syncing", ring_seq, ids);
	if (r < 0) {
		note(l, "ring %" PRIu64 ": cannot snapshot the state (%d), refusing requests",
		     ring_seq, r);
		return r;
	}
	return 0;
}

int
ledger_state_msg(struct ledger *l, int64_t time_ms, uint32_t idx, void *buf, size_t len,
                 size_t *ret_len)
{
	struct ledgermsg_state s;
	size_t n_chunks, off;
	int r;

	if (l == NULL || ret_len == NULL)
		return -EINVAL;
	if (!l->have_ring || l->snap == NULL)
		return -EAGAIN;
	n_chunks = l->snap_len == 0 ? 1
	                            : (l->snap_len + LEDGERMSG_CHUNK_MAX - 1) / LEDGERMSG_CHUNK_MAX;
	if (idx >= n_chunks)
		return -ENOENT;
	off = (size_t)idx * LEDGERMSG_CHUNK_MAX;
	memset(&s, 0, sizeof(s));
	s.ring_seq = l->ring;
	s.time_ms = time_ms;
	s.epoch = l->snap_epoch;
	s.seq = l->snap_seq;
	s.was_quorate = l->snap_was_quorate;
	s.no_state = l->snap_lost;
	s.total_len = (uint32_t)l->snap_len;
	s.offset = (uint32_t)off;
	s.chunk_len = (uint32_t)(l->snap_len - off > LEDGERMSG_CHUNK_MAX ? LEDGERMSG_CHUNK_MAX
	                                                                 : l->snap_len - off);
	s.data = (const uint8_t *)l->snap + off;
	r = ledgermsg_encode_state(&s, buf, len, ret_len);
	if (r < 0)
		return r;
	return idx + 1 < n_chunks ? 1 : 0;
}

/* Is a's state newer than b's?  was quorate, then epoch, then seq.  Equal
 * ranks come from one group's agreed history: the same state. */
static bool
peer_outranks(const struct peer *a, const struct peer *b)
{
	if (a->was_quorate != b->was_quorate)
		return a->was_quorate;
	if (a->epoch != b->epoch)
		return a->epoch > b->epoch;
	return a->seq > b->seq;
}

/* Does candidate a beat b?  Its rank, then the lowest id. */
static bool
peer_beats(const struct peer *a, const struct peer *b)
{
	if (peer_outranks(a, b) || peer_outranks(b, a))
		return peer_outranks(a, b);
	return a->node < b->node;
}

/* The fence of node `of` that st records, -1 when none. */
static int64_t
fenced_at(struct ledger_rstate *st, uint32_t of)
{
	const struct ledger_noderec *n = node_get(st, of);

	return n != NULL ? n->fenced_ms : -1;
}

/*
 * Does a's state end a fork that b's state is the other branch of?
 *
 * Ranks (was quorate, epoch, seq) order the states of one history.  In
 * two_node there can be two: each half of a split becomes quorate alone once
 * it has fenced the other, so after a crash, a reboot and a second split
 * both halves have stepped on from the same epoch apart, and their epochs
 * and seqs say nothing about each other.  A fence tells them apart: it is
 * accepted by a quorate group, so every later state of that history holds
 * it.  When a holds a fence of b's node that b's own state does not, b's
 * history stopped before that fence (b's node was killed by it) or b is
 * behind a; either way a is newer.  When each holds a fence of the other
 * that the other lacks, the later fence ended the other branch.
 */
static bool
fork_supersedes(const struct ledger *l, const struct peer *a, const struct peer *b)
{
	struct ledger_rstate sa, sb;
	bool r = false;

	if (rstate_alloc(&sa, &l->lim) < 0)
		return false;
	if (rstate_alloc(&sb, &l->lim) < 0) {
		rstate_release(&sa);
		return false;
	}
	if (ledgerblob_parse(a->data, a->total_len, &l->lim, &sa) == 0 &&
	    ledgerblob_parse(b->data, b->total_len, &l->lim, &sb) == 0) {
		int64_t a_fenced_b = fenced_at(&sa, b->node), b_fenced_a = fenced_at(&sb, a->node);
		bool a_knows = a_fenced_b > fenced_at(&sb, b->node);
		bool b_knows = b_fenced_a > fenced_at(&sa, a->node);

		r = a_knows && (!b_knows || a_fenced_b > b_fenced_a);
	}
	rstate_release(&sb);
	rstate_release(&sa);
	return r;
}

/*
 * two_node: each half of a split is quorate for corosync.  When the peer is
 * out of votequorum's view, this half may change nothing until a fence of
 * the peer newer than the last time it was known up has been accepted (or
 * the peer is back).  Returns the peer's id while that holds, else 0.
 */
static uint32_t
two_node_hold(const struct ledger *l)
{
	const struct ledger_quorum *q = &l->quorum;
	const struct ledger_noderec *n;

	if (!l->quorum_reported || !q->quorate || !q->two_node || q->peer_in_view || q->peer == 0 ||
	    ledger_is_member(l, q->peer))
		return 0;
	n = node_get((struct ledger_rstate *)&l->st, q->peer);
	if (n != NULL && n->fenced_ms >= 0 && n->fenced_ms > n->seen_ms)
		return 0;
	return q->peer;
}

/* The reported peer is up (in the view): remember when. */
static bool
quorum_seen(struct ledger *l)
{
	const struct ledger_quorum *q = &l->quorum;
	struct ledger_noderec *n;

	if (!l->quorum_reported || !q->two_node || !q->peer_in_view || q->peer == 0)
		return false;
	n = node_add(l, q->peer);
	if (n == NULL || n->seen_ms >= q->time_ms)
		return false;
	n->seen_ms = q->time_ms;
	return true;
}

static void
become_quorate(struct ledger *l, uint32_t reporter)
{
	l->quorate = true;
	l->st.epoch++;
	note(l, "ring %" PRIu64 ": quorate (reported by node %" PRIu32 "), epoch %" PRIu64, l->ring,
	     reporter, l->st.epoch);
}

static int
finish_sync(struct ledger *l)
{
	struct ledger_rstate tmp;
	struct peer *best = NULL;
	int64_t sync_ms = -1;
	uint32_t prev[LEDGER_MAX_NODES];
	size_t n_prev;
	bool was_orphan[LEDGER_MAX_VMS];
	size_t n_states = 0, n_quorate_states = 0;
	const struct peer *lost = NULL;

	for (size_t i = 0; i < l->n_members; i++) {
		struct peer *p = &l->peers[i];

		if (p->time_ms > sync_ms)
			sync_ms = p->time_ms;
		if (p->no_state && lost == NULL)
			lost = p;
		if (!p->valid || p->no_state)
			continue;
		n_states++;
		if (p->epoch > 0)
			n_quorate_states++;
		if (best == NULL || peer_beats(p, best))
			best = p;
	}
	/* of two branches of a forked history (two_node), the later wins */
	for (size_t i = 0; i < l->n_members && best != NULL; i++) {
		struct peer *p = &l->peers[i];

		if (p != best && p->valid && !p->no_state && fork_supersedes(l, p, best)) {
			note(l,
			     "ring %" PRIu64 ": node %" PRIu32 " and node %" PRIu32
			     " hold two branches of one history (epoch %" PRIu64 " and %" PRIu64
			     "); node %" PRIu32
			     "'s holds the later fence of the other's node: it wins",
			     l->ring, p->node, best->node, p->epoch, best->epoch, p->node);
			best = p;
		}
	}
	/*
	 * The best valid state may be taken only if no member could hold a
	 * newer one.  A member whose malformed state outranks it could: the
	 * round then decides nothing (until the next configuration).  So could
	 * a member that lost its state, unless the best state comes straight
	 * from the last quorate configuration (was quorate: nothing changed
	 * anywhere since) or the members with state that went through a
	 * quorate configuration are a majority of the nodelist: then one of
	 * them was in the lost member's last quorate configuration (two
	 * majorities meet) and has its state.  That count needs the quorum
	 * report, which may come after the last state: wait for it.
	 */
	l->round_waiting = false;
	for (size_t i = 0; i < l->n_members && !l->blocked; i++) {
		const struct peer *p = &l->peers[i];

		if (!p->valid && !p->no_state && p->have_header &&
		    (best == NULL || peer_outranks(p, best))) {
			l->blocked = true;
			snprintf(l->blocked_why, sizeof(l->blocked_why),
			         "node %" PRIu32
			         " sent a malformed state that outranks every valid one",
			         p->node);
		}
	}
	if (!l->blocked && lost != NULL && (best == NULL || !best->was_quorate)) {
		if (!l->quorum_reported) {
			l->round_waiting = true;
			return 0;
		}
		if (l->quorum.expected == 0 || n_quorate_states * 2 <= l->quorum.expected) {
			l->blocked = true;
			snprintf(l->blocked_why, sizeof(l->blocked_why),
			         "node %" PRIu32 " lost its ledger state; waiting for nodes of the "
			         "last quorate configuration (%zu of %u nodes with state here)",
			         lost->node, n_quorate_states, (unsigned)l->quorum.expected);
		}
	}
	if (l->blocked) {
		note(l, "ring %" PRIu64 ": sync not completed: %s; refusing requests", l->ring,
		     l->blocked_why);
		return 0;
	}

	if (sync_ms < 0)
		sync_ms = 0;
	l->sync_ms = sync_ms;
	memset(&tmp, 0, sizeof(tmp));
	if (best != NULL) {
		if (rstate_alloc(&tmp, &l->lim) < 0)
			return -ENOMEM;
		if (ledgerblob_parse(best->data, best->total_len, &l->lim, &tmp) == 0) {
			/* orphan status before, against the winner's own membership */
			rstate_copy(&l->st, &tmp);
			l->lost = false; /* it has the group's state now */
		} else {
			best = NULL; /* validated on receipt; cannot happen */
		}
		rstate_release(&tmp);
	}
	if (best != NULL)
		note(l,
		     "ring %" PRIu64 ": synced from node %" PRIu32 " (%s, epoch %" PRIu64
		     ", seq %" PRIu64 "), %zu of %zu states valid",
		     l->ring, best->node, best->was_quorate ? "was quorate" : "was not quorate",
		     best->epoch, best->seq, n_states, l->n_members);
	else
		note(l, "ring %" PRIu64 ": synced, no valid state received, keeping own", l->ring);

	/* orphan status as the winner saw it (its own ring's members) */
	memcpy(prev, l->st.members, l->st.n_members * sizeof(uint32_t));
	n_prev = l->st.n_members;
	for (size_t i = 0; i < l->st.n_vms; i++) {
		const struct ledger_vmrec *v = &l->st.vms[i];

		was_orphan[i] = false;
		if (v->state == LEDGER_VM_RUNNING || v->state == LEDGER_VM_RESTORING)
			was_orphan[i] = !id_in(prev, n_prev, v->owner);
		else if (v->state == LEDGER_VM_MIGRATING)
			was_orphan[i] =
			        !id_in(prev, n_prev, v->owner) || !id_in(prev, n_prev, v->target);
	}

	/* node table: who left, who joined, relative to the winner's ring */
	for (size_t i = 0; i < n_prev; i++) {
		if (id_in(l->members, l->n_members, prev[i]))
			continue;
		struct ledger_noderec *n = node_add(l, prev[i]);
		if (n == NULL) {
			note(l, "node %" PRIu32 ": left, node table full, ignoring", prev[i]);
			continue;
		}
		n->left_ms = sync_ms;
		note(l, "node %" PRIu32 ": left at %" PRId64, prev[i], sync_ms);
	}
	for (size_t i = 0; i < l->n_members; i++) {
		struct ledger_noderec *n;

		if (!id_in(prev, n_prev, l->members[i]))
			note(l, "node %" PRIu32 ": joined", l->members[i]);
		n = node_add(l, l->members[i]);
		if (n == NULL)
			note(l, "node %" PRIu32 ": node table full, ignoring", l->members[i]);
		else if (n->seen_ms < sync_ms)
			n->seen_ms = sync_ms;
	}
	memcpy(l->st.members, l->members, l->n_members * sizeof(uint32_t));
	l->st.n_members = l->n_members;

	l->synced = true;
	for (size_t i = 0; i < l->st.n_vms; i++) {
		const struct ledger_vmrec *v = &l->st.vms[i];
		bool now = vm_orphaned(l, v);

		if (now && !was_orphan[i] && v->state != LEDGER_VM_MIGRATING)
			note(l, "vm %s: orphaned (%s on node %" PRIu32 ", which left)", v->name,
			     ledger_vm_state_name(v->state), v->owner);
		else if (now && !was_orphan[i])
			note(l,
			     "vm %s: orphaned (migrating from node %" PRIu32 " to node %" PRIu32
			     ", node %" PRIu32 " left)",
			     v->name, v->owner, v->target,
			     ledger_is_member(l, v->owner) ? v->target : v->owner);
		else if (!now && was_orphan[i])
			note(l, "vm %s: no longer orphaned (its nodes are back)", v->name);
	}
	for (size_t i = 0; i < l->st.n_vms; i++) {
		const struct ledger_vmrec *v = &l->st.vms[i];

		if (vm_orphaned(l, v) && was_orphan[i])
			note(l, "vm %s: still orphaned", v->name);
	}
	peers_reset(l);
	free(l->snap);
	l->snap = NULL;
	l->snap_len = 0;
	quorum_seen(l);
	if (l->quorum_reported && l->quorum_yes && two_node_hold(l) == 0)
		become_quorate(l, l->quorum_reporter);
	else if (l->quorum_reported && l->quorum_yes)
		note(l,
		     "ring %" PRIu64 ": two_node, node %" PRIu32 " is out of the quorum view: "
		     "nothing changes here until it is fenced",
		     l->ring, two_node_hold(l));
	return 1;
}

/* Validates a completed state blob (it may become the winner). */
static bool
state_blob_valid(const struct ledger *l, const struct peer *p)
{
	struct ledger_rstate tmp;
	bool ok;

	if (rstate_alloc(&tmp, &l->lim) < 0)
		return false;
	ok = ledgerblob_parse(p->data, p->total_len, &l->lim, &tmp) == 0 && tmp.epoch == p->epoch &&
	     tmp.seq == p->seq;
	rstate_release(&tmp);
	return ok;
}

static int
apply_state(struct ledger *l, uint32_t sender, const struct ledgermsg_state *s)
{
	struct peer *p = NULL;

	if (!l->have_ring || s->ring_seq != l->ring) {
		note(l, "node %" PRIu32 ": state for ring %" PRIu64 " is stale, ignoring", sender,
		     s->ring_seq);
		return 0;
	}
	if (l->synced) {
		note(l, "node %" PRIu32 ": state after the sync round, ignoring", sender);
		return 0;
	}
	for (size_t i = 0; i < l->n_members; i++)
		if (l->peers[i].node == sender)
			p = &l->peers[i];
	if (p == NULL) {
		note(l, "node %" PRIu32 ": state from a non-member, ignoring", sender);
		return 0;
	}
	if (p->done) {
		note(l, "node %" PRIu32 ": duplicate state, ignoring", sender);
		return 0;
	}
	if (!p->started) {
		p->have_header = true;
		p->no_state = s->no_state;
		p->was_quorate = s->was_quorate;
		p->epoch = s->epoch;
		p->seq = s->seq;
		p->time_ms = s->time_ms;
		if (s->offset != 0 || s->total_len == 0) {
			p->done = true;
			p->valid = false;
		} else {
			p->data = calloc(1, s->total_len);
			if (p->data == NULL)
				return -ENOMEM;
			p->started = true;
			p->total_len = s->total_len;
		}
	} else if (s->offset != p->got || s->total_len != p->total_len || s->epoch != p->epoch ||
	           s->seq != p->seq || s->was_quorate != p->was_quorate) {
		p->done = true;
		p->valid = false;
	}
	if (!p->done) {
		memcpy(p->data + p->got, s->data, s->chunk_len);
		p->got += s->chunk_len;
		if (p->got == p->total_len) {
			p->done = true;
			p->valid = state_blob_valid(l, p);
		}
	}
	if (p->done && p->no_state)
		note(l, "node %" PRIu32 ": lost its state, takes the group's", sender);
	else if (p->done && !p->valid)
		note(l, "node %" PRIu32 ": malformed state, ignoring", sender);
	if (p->time_ms < s->time_ms)
		p->time_ms = s->time_ms;

	for (size_t i = 0; i < l->n_members; i++)
		if (!l->peers[i].done)
			return 0;
	return finish_sync(l);
}

int
ledger_apply_quorum(struct ledger *l, uint32_t sender, const struct ledger_quorum *q)
{
	char what[96];
	uint32_t hold;
	bool seen;

	if (l == NULL || q == NULL)
		return -EINVAL;
	if (!l->have_ring || q->ring_seq != l->ring) {
		note(l, "node %" PRIu32 ": quorum report for ring %" PRIu64 " is stale, ignoring",
		     sender, q->ring_seq);
		return 0;
	}
	if (!ledger_is_member(l, sender)) {
		note(l, "node %" PRIu32 ": quorum report from a non-member, ignoring", sender);
		return 0;
	}
	l->quorum_reported = true;
	l->quorum_yes = q->quorate;
	l->quorum_reporter = sender;
	l->quorum = *q;
	if (!q->quorate)
		snprintf(what, sizeof(what), "not quorate");
	else if (q->two_node)
		snprintf(what, sizeof(what), "quorate, two_node, node %" PRIu32 " %s the view",
		         q->peer, q->peer_in_view ? "in" : "out of");
	else
		snprintf(what, sizeof(what), "quorate");
	if (!l->synced) {
		note(l, "ring %" PRIu64 ": node %" PRIu32 " reports %s (applied when synced)",
		     l->ring, sender, what);
		return l->round_waiting ? finish_sync(l) : 0;
	}
	seen = quorum_seen(l);
	hold = two_node_hold(l);
	if (q->quorate && hold == 0 && !l->quorate) {
		become_quorate(l, sender);
		return 1;
	}
	if ((!q->quorate || hold != 0) && l->quorate) {
		l->quorate = false;
		if (hold != 0)
			note(l,
			     "ring %" PRIu64 ": not quorate (reported by node %" PRIu32
			     ": two_node, node %" PRIu32
			     " is out of the quorum view and not fenced)",
			     l->ring, sender, hold);
		else
			note(l, "ring %" PRIu64 ": not quorate (reported by node %" PRIu32 ")",
			     l->ring, sender);
		return seen ? 1 : 0;
	}
	note(l, "ring %" PRIu64 ": node %" PRIu32 " reports %s, no change", l->ring, sender, what);
	return seen ? 1 : 0;
}

/* ---- requests ---- */

struct req_ctx {
	struct ledger *l;
	uint32_t sender;
	const struct ledger_request *r;
	struct ledger_vmrec *v;
	char why[sizeof(((struct ledger_decision *)0)->why)]; /* detail of a refusal */
};

static enum ledger_reason refuse(struct req_ctx *c, enum ledger_reason reason, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static enum ledger_reason
refuse(struct req_ctx *c, enum ledger_reason reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return reason;
}

/* Why someone other than the sender cannot take the VM over. */
static enum ledger_reason
refuse_held(struct req_ctx *c)
{
	const struct ledger_vmrec *v = c->v;

	if (vm_orphaned(c->l, v)) {
		if (v->state == LEDGER_VM_MIGRATING)
			return refuse(c, LEDGER_R_ORPHANED,
			              "migrating from node %" PRIu32 " to node %" PRIu32
			              ", a node left and is not fenced",
			              v->owner, v->target);
		return refuse(c, LEDGER_R_ORPHANED,
		              "%s on node %" PRIu32 ", which left and is not fenced",
		              ledger_vm_state_name(v->state), v->owner);
	}
	if (v->state == LEDGER_VM_MIGRATING)
		return refuse(c, LEDGER_R_OWNED_ELSEWHERE,
		              "migrating from node %" PRIu32 " to node %" PRIu32, v->owner,
		              v->target);
	return refuse(c, LEDGER_R_OWNED_ELSEWHERE, "%s on node %" PRIu32,
	              ledger_vm_state_name(v->state), v->owner);
}

static enum ledger_reason
refuse_not_owner(struct req_ctx *c)
{
	const struct ledger_vmrec *v = c->v;

	if (v->state == LEDGER_VM_STOPPED || v->state == LEDGER_VM_SAVED)
		return refuse(c, LEDGER_R_BAD_STATE, "%s", ledger_vm_state_name(v->state));
	if (v->state == LEDGER_VM_MIGRATING) {
		if (v->owner == c->sender || v->target == c->sender)
			return refuse(c, LEDGER_R_BAD_STATE, "migration in progress");
		return refuse(c, LEDGER_R_NOT_OWNER,
		              "migrating from node %" PRIu32 " to node %" PRIu32, v->owner,
		              v->target);
	}
	if (v->state == LEDGER_VM_RESTORING && v->owner == c->sender)
		return refuse(c, LEDGER_R_BAD_STATE, "restore of image gen %" PRIu64 " in progress",
		              v->gen);
	return refuse(c, LEDGER_R_NOT_OWNER, "%s on node %" PRIu32, ledger_vm_state_name(v->state),
	              v->owner);
}

/*
 * One end of a migration no longer holds the VM (it released it, or it was
 * fenced): the other end keeps it.  A quick move's image may have been
 * restored by the target, so it counts as spent either way.
 */
static void
migrating_drop(struct ledger *l, struct ledger_vmrec *v, uint32_t node, int64_t time_ms,
               const char *what)
{
	char w[96];

	if (v->mode == LEDGER_MODE_QUICK)
		v->gen++;
	if (v->owner == node) {
		int64_t tsince = v->target_since_ms;

		snprintf(w, sizeof(w), "source node %" PRIu32 " %s, the target may hold it", node,
		         what);
		vm_transition(l, v, LEDGER_VM_RUNNING, v->target, 0, time_ms, w);
		v->since_ms = tsince;
	} else {
		snprintf(w, sizeof(w), "target node %" PRIu32 " %s", node, what);
		vm_transition(l, v, LEDGER_VM_RUNNING, v->owner, 0, time_ms, w);
	}
}

static enum ledger_reason
op_acquire(struct req_ctx *c)
{
	struct ledger_vmrec *v = c->v;
	int64_t t = c->r->time_ms;

	switch (v->state) {
	case LEDGER_VM_STOPPED:
		vm_transition(c->l, v, LEDGER_VM_RUNNING, c->sender, 0, t, NULL);
		return LEDGER_R_OK;
	case LEDGER_VM_SAVED:
		v->gen++; /* a fresh start: the saved image must never be restored */
		vm_transition(c->l, v, LEDGER_VM_RUNNING, c->sender, 0, t,
		              "fresh start, saved image discarded");
		return LEDGER_R_OK;
	case LEDGER_VM_RUNNING:
		if (v->owner == c->sender) {
			/*
			 * The owner (re)starts it, e.g. after a reboot that a
			 * fence confirmation not yet delivered caused: it holds
			 * the VM from now on, so that late confirmation must
			 * not release this run of it.
			 */
			int64_t now = t > c->l->sync_ms ? t : c->l->sync_ms;

			if (now > v->since_ms)
				v->since_ms = now;
			return LEDGER_R_ALREADY;
		}
		return refuse_held(c);
	case LEDGER_VM_RESTORING:
		if (v->owner == c->sender)
			return refuse_not_owner(c);
		return refuse_held(c);
	case LEDGER_VM_MIGRATING:
	default:
		if (!vm_orphaned(c->l, v) && (v->owner == c->sender || v->target == c->sender))
			return refuse(c, LEDGER_R_BAD_STATE, "migration in progress");
		return refuse_held(c);
	}
}

static enum ledger_reason
op_restore(struct req_ctx *c)
{
	struct ledger_vmrec *v = c->v;
	uint64_t g = c->r->gen;

	if (g < v->gen)
		return refuse(c, LEDGER_R_STALE_GENERATION,
		              "image gen %" PRIu64 ", current gen %" PRIu64, g, v->gen);
	if (g > v->gen)
		return refuse(c, LEDGER_R_UNKNOWN_GENERATION,
		              "image gen %" PRIu64 ", current gen %" PRIu64, g, v->gen);
	if (v->state == LEDGER_VM_RESTORING && v->owner == c->sender)
		return LEDGER_R_ALREADY; /* the same restore asked again */
	if (v->state != LEDGER_VM_SAVED) {
		if (v->state == LEDGER_VM_STOPPED)
			return refuse(c, LEDGER_R_BAD_STATE, "stopped, no saved image");
		if (v->owner == c->sender && v->state == LEDGER_VM_RUNNING)
			return refuse(c, LEDGER_R_BAD_STATE, "already running on node %" PRIu32,
			              v->owner);
		return refuse_held(c);
	}
	/* held by the sender from now on, but the image is consumed only when
	 * the restored copy runs (restore-commit): a restore that fails before
	 * the guest ran gives it back (restore-abort) */
	vm_transition(c->l, v, LEDGER_VM_RESTORING, c->sender, 0, c->r->time_ms, NULL);
	return LEDGER_R_OK;
}

static enum ledger_reason
op_restore_commit(struct req_ctx *c)
{
	struct ledger_vmrec *v = c->v;

	if (v->state == LEDGER_VM_RUNNING && v->owner == c->sender)
		return LEDGER_R_ALREADY;
	if (v->state != LEDGER_VM_RESTORING || v->owner != c->sender)
		return refuse(c, v->owner == c->sender ? LEDGER_R_BAD_STATE : LEDGER_R_NOT_OWNER,
		              "not restoring here (%s, node %" PRIu32 ")",
		              ledger_vm_state_name(v->state), v->owner);
	v->gen++; /* the image is consumed */
	vm_transition(c->l, v, LEDGER_VM_RUNNING, c->sender, 0, c->r->time_ms,
	              "restored, image consumed");
	return LEDGER_R_OK;
}

static enum ledger_reason
op_restore_abort(struct req_ctx *c)
{
	struct ledger_vmrec *v = c->v;

	if (v->state == LEDGER_VM_SAVED)
		return LEDGER_R_ALREADY;
	if (v->state == LEDGER_VM_MIGRATING && v->mode == LEDGER_MODE_QUICK &&
	    v->owner == c->sender) {
		/* the source of a quick move found its image restored nowhere
		 * (still unconsumed in the store) and no copy running: the
		 * image of this generation is the VM again */
		vm_transition(c->l, v, LEDGER_VM_SAVED, 0, 0, c->r->time_ms,
		              "quick move failed on both ends, image kept");
		return LEDGER_R_OK;
	}
	if (v->state != LEDGER_VM_RESTORING || v->owner != c->sender)
		return refuse(c, v->owner == c->sender ? LEDGER_R_BAD_STATE : LEDGER_R_NOT_OWNER,
		              "not restoring here (%s, node %" PRIu32 ")",
		              ledger_vm_state_name(v->state), v->owner);
	vm_transition(c->l, v, LEDGER_VM_SAVED, 0, 0, c->r->time_ms,
	              "restore failed before the guest ran, image kept");
	return LEDGER_R_OK;
}

static enum ledger_reason
op_release(struct req_ctx *c)
{
	struct ledger_vmrec *v = c->v;

	switch (v->state) {
	case LEDGER_VM_STOPPED:
	case LEDGER_VM_SAVED:
		return LEDGER_R_ALREADY;
	case LEDGER_VM_RUNNING:
		if (v->owner != c->sender)
			return refuse_not_owner(c);
		vm_transition(c->l, v, LEDGER_VM_STOPPED, 0, 0, c->r->time_ms, "released");
		return LEDGER_R_OK;
	case LEDGER_VM_RESTORING:
		if (v->owner != c->sender)
			return refuse_not_owner(c);
		/* the restored copy may have run: the image is spent */
		v->gen++;
		vm_transition(c->l, v, LEDGER_VM_STOPPED, 0, 0, c->r->time_ms,
		              "released while restoring, image consumed");
		return LEDGER_R_OK;
	case LEDGER_VM_MIGRATING:
	default:
		if (v->owner != c->sender && v->target != c->sender)
			return refuse_not_owner(c);
		/* one end of a migration says it has no copy (its stop after a
		 * failed or timed-out move): the other end may hold it */
		migrating_drop(c->l, v, c->sender, c->r->time_ms, "released");
		return LEDGER_R_OK;
	}
}

static enum ledger_reason
op_migrate_begin(struct req_ctx *c)
{
	struct ledger_vmrec *v = c->v;
	uint32_t to = c->r->target;

	if (v->state == LEDGER_VM_MIGRATING && v->owner == c->sender && v->target == to &&
	    v->mode == c->r->mode)
		return LEDGER_R_ALREADY;
	if (v->state != LEDGER_VM_RUNNING || v->owner != c->sender)
		return refuse_not_owner(c);
	if (to == 0 || to == c->sender)
		return refuse(c, LEDGER_R_INVALID, "target node %" PRIu32, to);
	if (!ledger_is_member(c->l, to))
		return refuse(c, LEDGER_R_NOT_MEMBER, "target node %" PRIu32 " is not a member",
		              to);
	v->mode = c->r->mode;
	vm_transition(c->l, v, LEDGER_VM_MIGRATING, c->sender, to, c->r->time_ms, NULL);
	return LEDGER_R_OK;
}

/* Only the source ends a migration (commit or abort). */
static enum ledger_reason
refuse_not_source(struct req_ctx *c)
{
	const struct ledger_vmrec *v = c->v;

	if (v->state == LEDGER_VM_MIGRATING)
		return refuse(c, LEDGER_R_NOT_OWNER,
		              "migrating from node %" PRIu32 " to node %" PRIu32
		              ", only the source ends it",
		              v->owner, v->target);
	return refuse_not_owner(c);
}

static enum ledger_reason
op_migrate_commit(struct req_ctx *c)
{
	struct ledger_vmrec *v = c->v;

	if (v->state != LEDGER_VM_MIGRATING || v->owner != c->sender) {
		if (v->state == LEDGER_VM_RUNNING && v->owner == c->sender)
			return refuse(c, LEDGER_R_BAD_STATE, "not migrating");
		return refuse_not_source(c);
	}
	if (!ledger_is_member(c->l, v->target))
		return refuse(c, LEDGER_R_TARGET_LOST, "target node %" PRIu32 " left", v->target);
	if (v->mode == LEDGER_MODE_QUICK)
		v->gen++; /* the image written and restored by the move is consumed */
	int64_t tsince = v->target_since_ms;
	vm_transition(c->l, v, LEDGER_VM_RUNNING, v->target, 0, c->r->time_ms, "migrated");
	v->since_ms = tsince; /* the target may have held it since the begin */
	return LEDGER_R_OK;
}

static enum ledger_reason
op_migrate_abort(struct req_ctx *c)
{
	struct ledger_vmrec *v = c->v;

	if (v->state == LEDGER_VM_RUNNING && v->owner == c->sender)
		return LEDGER_R_ALREADY;
	if (v->state != LEDGER_VM_MIGRATING || v->owner != c->sender)
		return refuse_not_source(c);
	/* a target out of reach may have taken the guest over just as it went
	 * away: it keeps its claim until it is fenced or says it has no copy */
	if (!ledger_is_member(c->l, v->target))
		return refuse(c, LEDGER_R_TARGET_LOST,
		              "target node %" PRIu32 " left and may hold it until it is fenced",
		              v->target);
	vm_transition(c->l, v, LEDGER_VM_RUNNING, c->sender, 0, c->r->time_ms, "migration aborted");
	return LEDGER_R_OK;
}

static enum ledger_reason
op_save(struct req_ctx *c)
{
	struct ledger_vmrec *v = c->v;

	if (v->state != LEDGER_VM_RUNNING || v->owner != c->sender)
		return refuse_not_owner(c);
	v->gen++;
	vm_transition(c->l, v, LEDGER_VM_SAVED, 0, 0, c->r->time_ms, NULL);
	return LEDGER_R_OK;
}

static enum ledger_reason
op_force_release(struct req_ctx *c)
{
	struct ledger_vmrec *v = c->v;
	char why[64];

	if (v->state == LEDGER_VM_STOPPED || v->state == LEDGER_VM_SAVED)
		return LEDGER_R_ALREADY;
	if (v->state == LEDGER_VM_RESTORING ||
	    (v->state == LEDGER_VM_MIGRATING && v->mode == LEDGER_MODE_QUICK))
		v->gen++; /* a restored copy may have run: its image is spent */
	snprintf(why, sizeof(why), "forced by admin on node %" PRIu32, c->sender);
	vm_transition(c->l, v, LEDGER_VM_STOPPED, 0, 0, c->r->time_ms, why);
	return LEDGER_R_OK;
}

typedef enum ledger_reason (*op_fn)(struct req_ctx *c);

static const op_fn op_handlers[] = {
        [LEDGER_OP_ACQUIRE] = op_acquire,
        [LEDGER_OP_RESTORE] = op_restore,
        [LEDGER_OP_RELEASE] = op_release,
        [LEDGER_OP_MIGRATE_BEGIN] = op_migrate_begin,
        [LEDGER_OP_MIGRATE_COMMIT] = op_migrate_commit,
        [LEDGER_OP_MIGRATE_ABORT] = op_migrate_abort,
        [LEDGER_OP_SAVE] = op_save,
        [LEDGER_OP_FORCE_RELEASE] = op_force_release,
        [LEDGER_OP_RESTORE_COMMIT] = op_restore_commit,
        [LEDGER_OP_RESTORE_ABORT] = op_restore_abort,
};
_Static_assert(sizeof(op_handlers) / sizeof(op_handlers[0]) == LEDGER_OP_FENCE,
               "a handler per request op");

/* Common checks; may create the VM (ACQUIRE). */
static enum ledger_reason
request_prepare(struct req_ctx *c)
{
	struct ledger *l = c->l;
	const struct ledger_request *r = c->r;
	struct ledger_vmrec *v;
	size_t i;

	if (!ledger_valid_uuid(r->uuid) || !ledger_valid_name(r->name))
		return refuse(c, LEDGER_R_INVALID, "bad vm name or uuid");
	if (r->time_ms < 0)
		return refuse(c, LEDGER_R_INVALID, "negative time");
	if (!l->synced && l->blocked)
		return refuse(c, LEDGER_R_SYNCING, "ring %" PRIu64 ": %s", l->ring, l->blocked_why);
	if (!l->synced)
		return refuse(c, LEDGER_R_SYNCING, "ring %" PRIu64, l->ring);
	if (!l->quorate && two_node_hold(l) != 0)
		return refuse(c, LEDGER_R_NOT_QUORATE,
		              "ring %" PRIu64 ": two_node, node %" PRIu32 " not fenced yet",
		              l->ring, two_node_hold(l));
	if (!l->quorate)
		return refuse(c, LEDGER_R_NOT_QUORATE, "ring %" PRIu64, l->ring);
	if (!ledger_is_member(l, c->sender))
		return refuse(c, LEDGER_R_NOT_MEMBER, "sender");
	v = vm_by_uuid(&l->st, r->uuid);
	if (v != NULL) {
		if (strcmp(v->name, r->name) != 0)
			return refuse(c, LEDGER_R_NAME_MISMATCH, "uuid known as %s", v->name);
		c->v = v;
		return LEDGER_R_OK;
	}
	if (r->op != LEDGER_OP_ACQUIRE)
		return refuse(c, LEDGER_R_UNKNOWN_VM, "uuid %s", r->uuid);
	v = vm_by_name(&l->st, r->name);
	if (v != NULL)
		return refuse(c, LEDGER_R_NAME_IN_USE, "name has uuid %s", v->uuid);
	if (l->st.n_vms >= l->lim.max_vms)
		return refuse(c, LEDGER_R_TOO_MANY_VMS, "limit %" PRIu32, l->lim.max_vms);
	for (i = 0; i < l->st.n_vms && strcmp(l->st.vms[i].name, r->name) < 0; i++)
		;
	memmove(&l->st.vms[i + 1], &l->st.vms[i], (l->st.n_vms - i) * sizeof(struct ledger_vmrec));
	v = &l->st.vms[i];
	memset(v, 0, sizeof(*v));
	memcpy(v->uuid, r->uuid, sizeof(v->uuid));
	memcpy(v->name, r->name, sizeof(v->name));
	v->state = LEDGER_VM_STOPPED;
	v->change_seq = l->st.seq;
	v->change_ms = r->time_ms;
	l->st.n_vms++;
	note(l, "vm %s: new, uuid %s", v->name, v->uuid);
	c->v = v;
	return LEDGER_R_OK;
}

static void
emit(struct ledger *l, struct ledger_decision *d)
{
	if (l->decision_fn != NULL)
		l->decision_fn(d, l->decision_data);
}

int
ledger_apply_request(struct ledger *l, uint32_t sender, const struct ledger_request *r,
                     struct ledger_decision *ret)
{
	struct req_ctx c;
	struct ledger_decision d;
	enum ledger_reason reason;
	char name[LEDGER_NAME_MAX];
	char args[96] = "";

	if (l == NULL || r == NULL || (unsigned)r->op >= LEDGER_OP_FENCE ||
	    (unsigned)r->mode >= _LEDGER_MODE_MAX)
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	c.l = l;
	c.sender = sender;
	c.r = r;
	/* while syncing the replicas' states differ: no agreed seq to give */
	if (l->synced)
		l->st.seq++;
	l->deferring = true;
	l->n_deferred = 0;
	reason = request_prepare(&c);
	if (reason == LEDGER_R_OK)
		reason = op_handlers[r->op](&c);

	memset(&d, 0, sizeof(d));
	d.op = r->op;
	d.sender = sender;
	d.req_id = r->req_id;
	d.seq = l->synced ? l->st.seq : 0;
	d.reason = reason;
	d.verdict = reason == LEDGER_R_OK || reason == LEDGER_R_ALREADY ? LEDGER_GRANTED
	                                                                : LEDGER_REFUSED;
	if (c.v != NULL) {
		d.gen = c.v->gen;
		d.owner = c.v->owner;
	}
	if (d.verdict == LEDGER_REFUSED)
		memcpy(d.why, c.why, sizeof(d.why));
	/* a printable name for the log even when the request's is bad */
	snprintf(name, sizeof(name), "%s", ledger_valid_name(r->name) ? r->name : "(invalid)");
	if (r->op == LEDGER_OP_RESTORE)
		snprintf(args, sizeof(args), " gen %" PRIu64, r->gen);
	else if (r->op == LEDGER_OP_MIGRATE_BEGIN)
		snprintf(args, sizeof(args), " to node %" PRIu32 " %s", r->target,
		         ledger_mode_name(r->mode));
	l->deferring = false;
	if (!l->synced)
		note(l, "#- node %" PRIu32 " %s vm %s%s: refused, %s (%s)", sender,
		     ledger_op_name(r->op), name, args, ledger_reason_name(reason), c.why);
	else if (d.verdict == LEDGER_GRANTED && r->op == LEDGER_OP_SAVE && reason == LEDGER_R_OK)
		note(l, "#%" PRIu64 " node %" PRIu32 " %s vm %s: granted, image gen %" PRIu64,
		     d.seq, sender, ledger_op_name(r->op), name, d.gen);
	else if (d.verdict == LEDGER_GRANTED)
		note(l, "#%" PRIu64 " node %" PRIu32 " %s vm %s%s: granted%s", d.seq, sender,
		     ledger_op_name(r->op), name, args,
		     reason == LEDGER_R_ALREADY ? ", already" : "");
	else
		note(l, "#%" PRIu64 " node %" PRIu32 " %s vm %s%s: refused, %s (%s)", d.seq, sender,
		     ledger_op_name(r->op), name, args, ledger_reason_name(reason), c.why);
	log_flush(l);
	emit(l, &d);
	if (ret != NULL)
		*ret = d;
	return l->synced ? 1 : 0; /* seq changed */
}

/* ---- fence confirmations ---- */

/*
 * What a fence of `node` completed at `fenced_at_ms` ends: a VM the node
 * held since before the fence.  Membership is not consulted: corosync sees a
 * node leave a token timeout after it died, ferryd records the leave when it
 * has synced, and Pacemaker may fence a node it still sees (on-fail=fence),
 * so a fence can come before the leave; and a node rebooted by the fence may
 * be back before anyone reads the history.  What it acquired after the fence
 * has a newer `since` and is not touched.
 */
enum fence_hold {
	FENCE_HOLD_NONE,
	FENCE_HOLD_ENDED, /* held since before the fence: released by it */
	FENCE_HOLD_NEWER, /* acquired after the fence: not its business */
};

static enum fence_hold
fence_hold(const struct ledger_vmrec *v, uint32_t node, int64_t fenced_at_ms)
{
	if ((v->state == LEDGER_VM_RUNNING || v->state == LEDGER_VM_RESTORING) && v->owner == node)
		return v->since_ms < fenced_at_ms ? FENCE_HOLD_ENDED : FENCE_HOLD_NEWER;
	if (v->state == LEDGER_VM_MIGRATING && v->owner == node)
		return v->since_ms < fenced_at_ms ? FENCE_HOLD_ENDED : FENCE_HOLD_NEWER;
	if (v->state == LEDGER_VM_MIGRATING && v->target == node)
		return v->target_since_ms < fenced_at_ms ? FENCE_HOLD_ENDED : FENCE_HOLD_NEWER;
	return FENCE_HOLD_NONE;
}

static void
fence_release(struct ledger *l, struct ledger_vmrec *v, uint32_t node, int64_t fenced_at_ms)
{
	char w[96];

	if (v->state == LEDGER_VM_RUNNING) {
		snprintf(w, sizeof(w), "node %" PRIu32 " fenced", node);
		vm_transition(l, v, LEDGER_VM_STOPPED, 0, 0, fenced_at_ms, w);
	} else if (v->state == LEDGER_VM_RESTORING) {
		v->gen++; /* the restored copy may have run before the fence */
		snprintf(w, sizeof(w), "node %" PRIu32 " fenced while restoring, image consumed",
		         node);
		vm_transition(l, v, LEDGER_VM_STOPPED, 0, 0, fenced_at_ms, w);
	} else {
		migrating_drop(l, v, node, fenced_at_ms, "fenced");
	}
}

int
ledger_apply_fence(struct ledger *l, uint32_t sender, uint32_t node, int64_t fenced_at_ms,
                   int64_t time_ms, struct ledger_decision *ret)
{
	struct ledger_decision d;
	struct ledger_noderec *n = NULL;
	enum ledger_reason reason = LEDGER_R_OK;
	size_t ended = 0, newer = 0, i;
	const struct ledger_vmrec *first_newer = NULL;
	char why[160] = "";
	uint32_t hold;

	(void)time_ms;
	if (l == NULL)
		return -EINVAL;
	if (!l->synced) {
		note(l, "#- node %" PRIu32 " fence node %" PRIu32 " at %" PRId64 ": refused, %s",
		     sender, node, fenced_at_ms, ledger_reason_name(LEDGER_R_SYNCING));
		memset(&d, 0, sizeof(d));
		d.op = LEDGER_OP_FENCE;
		d.sender = sender;
		d.verdict = LEDGER_REFUSED;
		d.reason = LEDGER_R_SYNCING;
		emit(l, &d);
		if (ret != NULL)
			*ret = d;
		return 0;
	}
	l->st.seq++;
	for (i = 0; node != 0 && i < l->st.n_vms; i++) {
		enum fence_hold h = fence_hold(&l->st.vms[i], node, fenced_at_ms);

		if (h == FENCE_HOLD_ENDED)
			ended++;
		else if (h == FENCE_HOLD_NEWER && newer++ == 0)
			first_newer = &l->st.vms[i];
	}
	hold = two_node_hold(l);
	if (!l->quorate && (hold == 0 || node != hold)) {
		reason = LEDGER_R_NOT_QUORATE;
	} else if (!ledger_is_member(l, sender)) {
		reason = LEDGER_R_NOT_MEMBER;
	} else if (node == 0 || fenced_at_ms < 0) {
		reason = LEDGER_R_INVALID;
	} else if ((n = node_add(l, node)) == NULL) {
		reason = LEDGER_R_INVALID;
		snprintf(why, sizeof(why), " (node table full)");
	} else if (fenced_at_ms <= n->fenced_ms) {
		reason = LEDGER_R_ALREADY;
	}
	if (reason == LEDGER_R_OK && newer > 0)
		snprintf(why, sizeof(why), ", keeps %s (held since %" PRId64 ", after it)",
		         first_newer->name,
		         first_newer->owner == node ? first_newer->since_ms
		                                    : first_newer->target_since_ms);
	else if (reason == LEDGER_R_OK && ended == 0)
		snprintf(why, sizeof(why), ", it held nothing");
	memset(&d, 0, sizeof(d));
	d.op = LEDGER_OP_FENCE;
	d.sender = sender;
	d.seq = l->st.seq;
	d.reason = reason;
	d.verdict = reason == LEDGER_R_OK || reason == LEDGER_R_ALREADY ? LEDGER_GRANTED
	                                                                : LEDGER_REFUSED;
	if (d.verdict == LEDGER_GRANTED)
		note(l,
		     "#%" PRIu64 " node %" PRIu32 " fence node %" PRIu32 " at %" PRId64
		     ": accepted%s",
		     d.seq, sender, node, fenced_at_ms,
		     reason == LEDGER_R_ALREADY ? ", already" : why);
	else
		note(l,
		     "#%" PRIu64 " node %" PRIu32 " fence node %" PRIu32 " at %" PRId64
		     ": refused, %s%s",
		     d.seq, sender, node, fenced_at_ms, ledger_reason_name(reason), why);
	if (reason == LEDGER_R_OK) {
		n->fenced_ms = fenced_at_ms;
		for (i = 0; i < l->st.n_vms; i++)
			if (fence_hold(&l->st.vms[i], node, fenced_at_ms) == FENCE_HOLD_ENDED)
				fence_release(l, &l->st.vms[i], node, fenced_at_ms);
		if (hold != 0 && !l->quorate && two_node_hold(l) == 0)
			become_quorate(l, l->quorum_reporter);
	}
	emit(l, &d);
	if (ret != NULL)
		*ret = d;
	return 1;
}

/* ---- move records ---- */

int
ledger_apply_move(struct ledger *l, uint32_t sender, const struct ledger_move *m)
{
	struct ledger_vmrec *v;

	if (l == NULL || m == NULL)
		return -EINVAL;
	if (!l->synced) {
		note(l, "#- node %" PRIu32 " move record while syncing, ignoring", sender);
		return 0;
	}
	l->st.seq++;
	v = vm_by_uuid(&l->st, m->uuid);
	if (v == NULL || strcmp(v->name, m->name) != 0) {
		note(l, "#%" PRIu64 " node %" PRIu32 " move vm %s: unknown vm, ignoring", l->st.seq,
		     sender, ledger_valid_name(m->name) ? m->name : "(invalid)");
		return 1;
	}
	v->has_move = true;
	v->move = *m;
	v->move.error[sizeof(v->move.error) - 1] = '\0';
	/* only -1 means unknown: keep the blob parseable */
	if (v->move.start_ms < 0)
		v->move.start_ms = -1;
	if (v->move.total_ms < 0)
		v->move.total_ms = -1;
	if (v->move.downtime_ms < 0)
		v->move.downtime_ms = -1;
	if (v->move.guest_gap_ms < 0)
		v->move.guest_gap_ms = -1;
	if (v->move.bytes < 0)
		v->move.bytes = -1;
	char dt[32] = "unknown", tt[32] = "unknown";

	if (v->move.downtime_ms >= 0)
		snprintf(dt, sizeof(dt), "%" PRId64 " ms", v->move.downtime_ms);
	if (v->move.total_ms >= 0)
		snprintf(tt, sizeof(tt), "%" PRId64 " ms", v->move.total_ms);
	note(l,
	     "#%" PRIu64 " node %" PRIu32 " move vm %s: %s from node %" PRIu32 " to node %" PRIu32
	     ", %s, downtime %s, total %s",
	     l->st.seq, sender, v->name, ledger_mode_name(m->mode), m->from, m->to,
	     ledger_move_result_name(m->result), dt, tt);
	return 1;
}

/* ---- maintenance drains ----
 *
 * A drain record is replicated state like a VM: any member of a quorate,
 * synced ring may submit or cancel one; only its runner records progress.
 * The runner is the lowest member that is not the drained node; it is
 * given (and taken over when it leaves) only where the ledger may change
 * anything at all: synced and quorate, which in a two_node split means only
 * after the peer's fence (two_node_hold() keeps quorate false till then).
 */

static bool
drain_active(const struct ledger_drain *d)
{
	return d->state == LEDGER_DRAIN_SCHEDULED || d->state == LEDGER_DRAIN_RUNNING;
}

static struct ledger_drain *
drain_by_id(struct ledger *l, uint32_t id)
{
	for (size_t i = 0; i < l->st.n_drains; i++)
		if (l->st.drains[i].id == id)
			return &l->st.drains[i];
	return NULL;
}

static uint32_t
drain_pick_runner(const struct ledger *l, const struct ledger_drain *d)
{
	for (size_t i = 0; i < l->n_members; i++)
		if (l->members[i] != d->node_id)
			return l->members[i];
	return 0;
}

/* Gives every active drain a runner that is a member; true when one changed. */
static bool
drains_assign(struct ledger *l)
{
	bool changed = false;

	if (!l->synced || !l->quorate)
		return false;
	for (size_t i = 0; i < l->st.n_drains; i++) {
		struct ledger_drain *d = &l->st.drains[i];
		uint32_t r;

		if (!drain_active(d) || (d->runner != 0 && ledger_is_member(l, d->runner)))
			continue;
		r = drain_pick_runner(l, d);
		if (r == d->runner)
			continue;
		if (r == 0)
			note(l,
			     "drain %" PRIu32 " of %s: runner node %" PRIu32
			     " left, no other member to take over",
			     d->id, d->node, d->runner);
		else
			note(l, "drain %" PRIu32 " of %s: runner node %" PRIu32 " -> node %" PRIu32,
			     d->id, d->node, d->runner, r);
		d->runner = r;
		changed = true;
	}
	return changed;
}

/* Pending (and, when running_too, running) steps end as skipped with why. */
static void
drain_skip_rest(struct ledger_drain *d, const char *why, int64_t time_ms)
{
	for (uint32_t i = 0; i < d->n_steps; i++) {
		struct ledger_drain_step *st = &d->steps[i];

		if (st->state != LEDGER_STEP_PENDING)
			continue;
		st->state = LEDGER_STEP_SKIPPED;
		st->end_ms = time_ms;
		snprintf(st->result, sizeof(st->result), "%s", why);
	}
}

/* undrain: a step back to the node for every VM the last drain moved. */
static int
drain_fill_undrain(struct ledger *l, struct ledger_drain *u, char *why, size_t why_len)
{
	const struct ledger_drain *last = NULL;

	for (size_t i = 0; i < l->st.n_drains; i++) {
		const struct ledger_drain *d = &l->st.drains[i];

		if (d->kind == LEDGER_DRAIN_DRAIN && strcmp(d->node, u->node) == 0 &&
		    (d->state == LEDGER_DRAIN_DONE || d->state == LEDGER_DRAIN_WINDOW_END ||
		     d->state == LEDGER_DRAIN_CANCELLED))
			last = d;
	}
	if (last == NULL) {
		snprintf(why, why_len, "no finished drain of %s to undo", u->node);
		return -ENOENT;
	}
	u->n_steps = 0;
	for (uint32_t i = 0; i < last->n_steps; i++) {
		const struct ledger_drain_step *s = &last->steps[i];
		struct ledger_drain_step *n = &u->steps[u->n_steps];

		if (s->state != LEDGER_STEP_DONE || s->to[0] == '\0')
			continue;
		memset(n, 0, sizeof(*n));
		memcpy(n->resource, s->resource, sizeof(n->resource));
		memcpy(n->vm, s->vm, sizeof(n->vm));
		n->kind = s->kind;
		n->pred_gap_ms = s->pred_gap_ms;
		n->pred_duration_ms = s->pred_duration_ms;
		n->wave = u->n_steps / u->parallel;
		memcpy(n->target, u->node, sizeof(n->target));
		memcpy(n->from, s->to, sizeof(n->from)); /* where the drain put it */
		u->n_steps++;
	}
	return 0;
}

struct drain_ctx {
	struct ledger *l;
	uint32_t sender;
	const struct ledger_drain_msg *m;
	struct ledger_drain *d;
	char what[96];
	char why[160];
};

__attribute__((format(printf, 2, 3))) static int
drain_refuse(struct drain_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return -EPERM;
}

static int
dop_submit(struct drain_ctx *c)
{
	struct ledger *l = c->l;
	struct ledger_drain *d, rec;
	uint32_t next_id = 1;
	size_t slot;

	if (c->m->record == NULL ||
	    ledgerblob_drain_parse(c->m->record, c->m->record_len, &rec) < 0)
		return drain_refuse(c, "malformed drain record");
	if (rec.parallel == 0 || rec.node_id == 0)
		return drain_refuse(c, "bad parallel or node id");
	for (size_t i = 0; i < l->st.n_drains; i++) {
		d = &l->st.drains[i];
		if (d->id >= next_id)
			next_id = d->id + 1;
		if (drain_active(d) && strcmp(d->node, rec.node) == 0)
			return drain_refuse(c, "%s of %s is already %s (drain %" PRIu32 ")",
			                    ledger_drain_kind_name(d->kind), d->node,
			                    ledger_drain_state_name(d->state), d->id);
	}
	if (rec.kind == LEDGER_DRAIN_UNDRAIN &&
	    drain_fill_undrain(l, &rec, c->why, sizeof(c->why)) < 0)
		return -EPERM;
	if (l->st.n_drains >= LEDGER_MAX_DRAINS) {
		/* make room: the oldest finished record goes */
		for (slot = 0; slot < l->st.n_drains && drain_active(&l->st.drains[slot]); slot++)
			;
		if (slot == l->st.n_drains)
			return drain_refuse(c, "%d drains active", LEDGER_MAX_DRAINS);
		memmove(&l->st.drains[slot], &l->st.drains[slot + 1],
		        (l->st.n_drains - slot - 1) * sizeof(struct ledger_drain));
		l->st.n_drains--;
	}
	d = &l->st.drains[l->st.n_drains++];
	*d = rec;
	d->id = next_id;
	d->created_ms = c->m->time_ms;
	d->start_ms = d->end_ms = -1;
	d->state = LEDGER_DRAIN_SCHEDULED;
	d->requester = c->sender;
	d->note[0] = '\0';
	for (uint32_t i = 0; i < d->n_steps; i++) {
		struct ledger_drain_step *st = &d->steps[i];

		st->state = LEDGER_STEP_PENDING;
		st->start_ms = st->end_ms = -1;
		st->to[0] = '\0';
		st->result[0] = '\0';
		if (d->kind == LEDGER_DRAIN_DRAIN)
			memcpy(st->from, d->node, sizeof(st->from));
	}
	d->runner = drain_pick_runner(l, d);
	c->d = d;
	snprintf(c->what, sizeof(c->what),
	         "%s of %s, %" PRIu32 " vms, at %" PRId64 ", runner node %" PRIu32,
	         ledger_drain_kind_name(d->kind), d->node, d->n_steps, d->at_ms, d->runner);
	return 0;
}

static int
dop_runner_check(struct drain_ctx *c)
{
	c->d = drain_by_id(c->l, c->m->id);
	if (c->d == NULL)
		return drain_refuse(c, "no drain %" PRIu32, c->m->id);
	if (c->d->runner != c->sender)
		return drain_refuse(c, "node %" PRIu32 " is its runner", c->d->runner);
	return 0;
}

static struct ledger_drain_step *
dop_step(struct drain_ctx *c)
{
	if (c->m->step >= c->d->n_steps) {
		drain_refuse(c, "no step %" PRIu32, c->m->step);
		return NULL;
	}
	return &c->d->steps[c->m->step];
}

static int
dop_start(struct drain_ctx *c)
{
	if (dop_runner_check(c) < 0)
		return -EPERM;
	if (c->d->state != LEDGER_DRAIN_SCHEDULED)
		return drain_refuse(c, "%s", ledger_drain_state_name(c->d->state));
	c->d->state = LEDGER_DRAIN_RUNNING;
	c->d->start_ms = c->m->time_ms;
	snprintf(c->what, sizeof(c->what), "started");
	return 0;
}

static int
dop_step_begin(struct drain_ctx *c)
{
	struct ledger_drain_step *st;

	if (dop_runner_check(c) < 0)
		return -EPERM;
	st = dop_step(c);
	if (st == NULL)
		return -EPERM;
	if (c->d->state != LEDGER_DRAIN_RUNNING || st->state != LEDGER_STEP_PENDING)
		return drain_refuse(c, "drain %s, step %s", ledger_drain_state_name(c->d->state),
		                    ledger_step_state_name(st->state));
	st->state = LEDGER_STEP_RUNNING;
	st->start_ms = c->m->time_ms;
	if (c->m->node[0] != '\0')
		memcpy(st->from, c->m->node, sizeof(st->from));
	snprintf(c->what, sizeof(c->what), "vm %s: moving from %s", st->vm,
	         st->from[0] != '\0' ? st->from : "?");
	return 0;
}

static int
dop_step_end(struct drain_ctx *c)
{
	struct ledger_drain_step *st;
	enum ledger_step_state to = (enum ledger_step_state)c->m->state;

	if (dop_runner_check(c) < 0)
		return -EPERM;
	st = dop_step(c);
	if (st == NULL)
		return -EPERM;
	if (to != LEDGER_STEP_DONE && to != LEDGER_STEP_FAILED && to != LEDGER_STEP_SKIPPED)
		return drain_refuse(c, "bad step result");
	/* a move in flight when the drain was cancelled still gets its end */
	if ((c->d->state != LEDGER_DRAIN_RUNNING && c->d->state != LEDGER_DRAIN_CANCELLED) ||
	    (st->state != LEDGER_STEP_RUNNING &&
	     !(st->state == LEDGER_STEP_PENDING && to == LEDGER_STEP_SKIPPED)))
		return drain_refuse(c, "drain %s, step %s", ledger_drain_state_name(c->d->state),
		                    ledger_step_state_name(st->state));
	st->state = to;
	st->end_ms = c->m->time_ms;
	memcpy(st->to, c->m->node, sizeof(st->to));
	memcpy(st->result, c->m->text, sizeof(st->result));
	snprintf(c->what, sizeof(c->what), "vm %s: %s, on %s", st->vm, ledger_step_state_name(to),
	         st->to[0] != '\0' ? st->to : "?");
	return 0;
}

static int
dop_finish(struct drain_ctx *c)
{
	enum ledger_drain_state to = (enum ledger_drain_state)c->m->state;

	if (dop_runner_check(c) < 0)
		return -EPERM;
	if (to != LEDGER_DRAIN_DONE && to != LEDGER_DRAIN_WINDOW_END)
		return drain_refuse(c, "bad final state");
	if (!drain_active(c->d))
		return drain_refuse(c, "%s", ledger_drain_state_name(c->d->state));
	for (uint32_t i = 0; i < c->d->n_steps; i++)
		if (c->d->steps[i].state == LEDGER_STEP_RUNNING)
			return drain_refuse(c, "vm %s still moving", c->d->steps[i].vm);
	drain_skip_rest(c->d, to == LEDGER_DRAIN_WINDOW_END ? "window ended" : "not moved",
	                c->m->time_ms);
	c->d->state = to;
	c->d->end_ms = c->m->time_ms;
	memcpy(c->d->note, c->m->text, sizeof(c->d->note));
	snprintf(c->what, sizeof(c->what), "%s", ledger_drain_state_name(to));
	return 0;
}

static int
dop_cancel(struct drain_ctx *c)
{
	c->d = drain_by_id(c->l, c->m->id);
	if (c->d == NULL)
		return drain_refuse(c, "no drain %" PRIu32, c->m->id);
	if (!drain_active(c->d))
		return drain_refuse(c, "already %s", ledger_drain_state_name(c->d->state));
	drain_skip_rest(c->d, "cancelled", c->m->time_ms);
	c->d->state = LEDGER_DRAIN_CANCELLED;
	c->d->end_ms = c->m->time_ms;
	memcpy(c->d->note, c->m->text, sizeof(c->d->note));
	snprintf(c->what, sizeof(c->what), "cancelled");
	return 0;
}

typedef int (*dop_fn)(struct drain_ctx *c);

static const dop_fn dop_handlers[] = {
        [LEDGER_DOP_SUBMIT] = dop_submit,         [LEDGER_DOP_START] = dop_start,
        [LEDGER_DOP_STEP_BEGIN] = dop_step_begin, [LEDGER_DOP_STEP_END] = dop_step_end,
        [LEDGER_DOP_FINISH] = dop_finish,         [LEDGER_DOP_CANCEL] = dop_cancel,
};
_Static_assert(sizeof(dop_handlers) / sizeof(dop_handlers[0]) == _LEDGER_DOP_MAX,
               "one handler per drain op");

int
ledger_apply_drain(struct ledger *l, uint32_t sender, const struct ledger_drain_msg *m,
                   struct ledger_decision *ret)
{
	struct drain_ctx c;
	struct ledger_decision d;
	int r;

	if (l == NULL || m == NULL || (unsigned)m->op >= _LEDGER_DOP_MAX)
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	c.l = l;
	c.sender = sender;
	c.m = m;
	if (l->synced)
		l->st.seq++;
	if (!l->synced)
		r = drain_refuse(&c, "syncing");
	else if (m->time_ms < 0)
		r = drain_refuse(&c, "negative time");
	else if (!l->quorate)
		r = drain_refuse(&c, "not quorate");
	else if (!ledger_is_member(l, sender))
		r = drain_refuse(&c, "sender not a member");
	else
		r = dop_handlers[m->op](&c);

	memset(&d, 0, sizeof(d));
	d.op = LEDGER_OP_DRAIN;
	d.sender = sender;
	d.req_id = m->req_id;
	d.seq = l->synced ? l->st.seq : 0;
	d.verdict = r == 0 ? LEDGER_GRANTED : LEDGER_REFUSED;
	d.reason = r == 0 ? LEDGER_R_OK : LEDGER_R_BAD_STATE;
	d.gen = c.d != NULL ? c.d->id : m->id;
	if (r != 0)
		memcpy(d.why, c.why, sizeof(d.why));
	if (!l->synced)
		note(l, "#- node %" PRIu32 " drain %s: refused, %s", sender,
		     ledger_drain_op_name(m->op), c.why);
	else if (r == 0)
		note(l, "#%" PRIu64 " node %" PRIu32 " drain %" PRIu64 " %s: %s", d.seq, sender,
		     d.gen, ledger_drain_op_name(m->op), c.what);
	else if (d.gen == 0)
		note(l, "#%" PRIu64 " node %" PRIu32 " drain %s: refused, %s", d.seq, sender,
		     ledger_drain_op_name(m->op), c.why);
	else
		note(l, "#%" PRIu64 " node %" PRIu32 " drain %" PRIu64 " %s: refused, %s", d.seq,
		     sender, d.gen, ledger_drain_op_name(m->op), c.why);
	emit(l, &d);
	if (ret != NULL)
		*ret = d;
	return l->synced ? 1 : 0;
}

size_t
ledger_drain_count(const struct ledger *l)
{
	return l != NULL ? l->st.n_drains : 0;
}

const struct ledger_drain *
ledger_drain_get(const struct ledger *l, size_t idx)
{
	if (l == NULL || idx >= l->st.n_drains)
		return NULL;
	return &l->st.drains[idx];
}

const struct ledger_drain *
ledger_drain_find(const struct ledger *l, uint32_t id)
{
	return l != NULL ? drain_by_id((struct ledger *)l, id) : NULL;
}

/* ---- delivery: one handler per message type, then the unknown one ---- */

static int
deliver_request(struct ledger *l, uint32_t sender, const struct ledgermsg *m)
{
	return ledger_apply_request(l, sender, &m->u.req, NULL);
}

static int
deliver_quorum(struct ledger *l, uint32_t sender, const struct ledgermsg *m)
{
	return ledger_apply_quorum(l, sender, &m->u.quorum);
}

static int
deliver_fence(struct ledger *l, uint32_t sender, const struct ledgermsg *m)
{
	return ledger_apply_fence(l, sender, m->u.fence.node, m->u.fence.fenced_at_ms,
	                          m->u.fence.time_ms, NULL);
}

static int
deliver_state(struct ledger *l, uint32_t sender, const struct ledgermsg *m)
{
	return apply_state(l, sender, &m->u.state);
}

static int
deliver_move(struct ledger *l, uint32_t sender, const struct ledgermsg *m)
{
	return ledger_apply_move(l, sender, &m->u.move);
}

static int
deliver_drain(struct ledger *l, uint32_t sender, const struct ledgermsg *m)
{
	return ledger_apply_drain(l, sender, &m->u.drain, NULL);
}

static int
deliver_unknown(struct ledger *l, uint32_t sender, const struct ledgermsg *m)
{
	note(l, "node %" PRIu32 ": message type %u not handled, ignoring", sender,
	     (unsigned)m->type);
	return -EOPNOTSUPP;
}

typedef int (*deliver_fn)(struct ledger *l, uint32_t sender, const struct ledgermsg *m);

static const struct {
	enum ledgermsg_type type;
	deliver_fn fn;
} deliver_table[] = {
        {LEDGERMSG_ACQUIRE, deliver_request},
        {LEDGERMSG_RESTORE, deliver_request},
        {LEDGERMSG_RELEASE, deliver_request},
        {LEDGERMSG_MIGRATE_BEGIN, deliver_request},
        {LEDGERMSG_MIGRATE_COMMIT, deliver_request},
        {LEDGERMSG_MIGRATE_ABORT, deliver_request},
        {LEDGERMSG_SAVE, deliver_request},
        {LEDGERMSG_FORCE_RELEASE, deliver_request},
        {LEDGERMSG_RESTORE_COMMIT, deliver_request},
        {LEDGERMSG_RESTORE_ABORT, deliver_request},
        {LEDGERMSG_QUORUM, deliver_quorum},
        {LEDGERMSG_FENCE, deliver_fence},
        {LEDGERMSG_STATE, deliver_state},
        {LEDGERMSG_MOVE, deliver_move},
        {LEDGERMSG_DRAIN, deliver_drain},
        {0, deliver_unknown}, /* must stay last */
};

int
ledger_deliver(struct ledger *l, uint32_t sender, const void *buf, size_t len)
{
	struct ledgermsg m;
	size_t i, n = sizeof(deliver_table) / sizeof(deliver_table[0]);
	int r;

	if (l == NULL)
		return -EINVAL;
	r = ledgermsg_decode(buf, len, &m);
	if (r < 0) {
		note(l, "node %" PRIu32 ": malformed message (%zu bytes, %s), dropped", sender, len,
		     ledgermsg_strerror(r));
		return r;
	}
	for (i = 0; i + 1 < n; i++)
		if (deliver_table[i].type == m.type)
			break;
	r = deliver_table[i].fn(l, sender, &m);
	/* whatever made the ledger able to act again may leave a drain without
	 * its runner: give it one, at the same point on every replica */
	if (drains_assign(l) && r == 0)
		r = 1;
	return r;
}
