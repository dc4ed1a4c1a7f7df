/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ledgersync.c - the ledger's configuration changes and sync round: every
 * new configuration drops quorum, every member multicasts a snapshot of its
 * replicated state (ledger_state_msg, in chunks), and when every member's
 * state is in, the best one is taken whole (ledger.h has the rule, the code
 * below its reasons); then a quorum report for that very ring makes the
 * replica quorate (ledger_apply_quorum, with two_node's hold).  Pure, part of
 * the ledger module (ledger-int.h); ledger.c calls it, it calls only
 * ledgerbase.c.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger-int.h"
#include "ledger.h"
#include "ledgerblob.h"
#include "ledgermsg.h"

/* ---- configuration change and the sync round ---- */

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

void
ledgersync_peers_reset(struct ledger *l)
{
	for (size_t i = 0; i < LEDGER_MAX_NODES; i++) {
		free(l->peers[i].data);
		memset(&l->peers[i], 0, sizeof(l->peers[i]));
	}
}

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
		ledgerbase_note(l,
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
		ledgersync_peers_reset(l);
		free(l->snap);
		l->snap = NULL;
		return -E2BIG;
	}
	memcpy(sorted, members, n_members * sizeof(uint32_t));
	qsort(sorted, n_members, sizeof(uint32_t), cmp_u32);
	for (size_t i = 0; i < n_members; i++) {
		if (sorted[i] == 0 || (i > 0 && sorted[i] == sorted[i - 1])) {
			/* the membership is unknown: stop deciding until the next one */
			ledgerbase_note(l,
			                "ring %" PRIu64 ": invalid member list, refusing requests",
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
	ledgersync_peers_reset(l);
	for (size_t i = 0; i < n_members; i++)
		l->peers[i].node = sorted[i];
	/* every member is up now, even if this ring never syncs: remember it
	 * for the snapshot of the next ring (a two_node peer that came back
	 * after its fence and left again before a sync is not fenced by that
	 * fence; the state this replaces at the sync knows the members anyway).
	 * No eviction for it here: the sync makes room if it must. */
	for (size_t i = 0; i < n_members; i++) {
		struct ledger_noderec *nr = ledgerbase_node_get(&l->st, sorted[i]);

		if (nr == NULL && l->st.n_nodes < l->lim.max_nodes)
			nr = ledgerbase_node_add(l, sorted[i]);

		if (nr != NULL && nr->seen_ms < time_ms)
			nr->seen_ms = time_ms;
	}
	format_ids(ids, sizeof(ids), sorted, n_members);
	ledgerbase_note(l, "ring %" PRIu64 ": members%s; syncing", ring_seq, ids);
	if (r < 0) {
		ledgerbase_note(
		        l, "ring %" PRIu64 ": cannot snapshot the state (%d), refusing requests",
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
	const struct ledger_noderec *n = ledgerbase_node_get(st, of);

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

	if (ledgerbase_rstate_alloc(&sa, &l->lim) < 0)
		return false;
	if (ledgerbase_rstate_alloc(&sb, &l->lim) < 0) {
		ledgerbase_rstate_release(&sa);
		return false;
	}
	if (ledgerblob_parse(a->data, a->total_len, &l->lim, &sa) == 0 &&
	    ledgerblob_parse(b->data, b->total_len, &l->lim, &sb) == 0) {
		int64_t a_fenced_b = fenced_at(&sa, b->node), b_fenced_a = fenced_at(&sb, a->node);
		bool a_knows = a_fenced_b > fenced_at(&sb, b->node);
		bool b_knows = b_fenced_a > fenced_at(&sa, a->node);

		r = a_knows && (!b_knows || a_fenced_b > b_fenced_a);
	}
	ledgerbase_rstate_release(&sb);
	ledgerbase_rstate_release(&sa);
	return r;
}

/*
 * two_node: each half of a split is quorate for corosync.  When the peer is
 * out of votequorum's view, this half may change nothing until a fence of
 * the peer newer than the last time it was known up has been accepted (or
 * the peer is back).  Returns the peer's id while that holds, else 0.
 */
uint32_t
ledgersync_two_node_hold(const struct ledger *l)
{
	const struct ledger_quorum *q = &l->quorum;
	const struct ledger_noderec *n;

	if (!l->quorum_reported || !q->quorate || !q->two_node || q->peer_in_view || q->peer == 0 ||
	    ledger_is_member(l, q->peer))
		return 0;
	n = ledgerbase_node_get((struct ledger_rstate *)&l->st, q->peer);
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
	n = ledgerbase_node_add(l, q->peer);
	if (n == NULL || n->seen_ms >= q->time_ms)
		return false;
	n->seen_ms = q->time_ms;
	return true;
}

void
ledgersync_become_quorate(struct ledger *l, uint32_t reporter)
{
	l->quorate = true;
	l->st.epoch++;
	ledgerbase_note(l,
	                "ring %" PRIu64 ": quorate (reported by node %" PRIu32 "), epoch %" PRIu64,
	                l->ring, reporter, l->st.epoch);
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
			ledgerbase_note(l,
			                "ring %" PRIu64 ": node %" PRIu32 " and node %" PRIu32
			                " hold two branches of one history (epoch %" PRIu64
			                " and %" PRIu64 "); node %" PRIu32
			                "'s holds the later fence of the other's node: it wins",
			                l->ring, p->node, best->node, p->epoch, best->epoch,
			                p->node);
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
		ledgerbase_note(l, "ring %" PRIu64 ": sync not completed: %s; refusing requests",
		                l->ring, l->blocked_why);
		return 0;
	}

	if (sync_ms < 0)
		sync_ms = 0;
	l->sync_ms = sync_ms;
	memset(&tmp, 0, sizeof(tmp));
	if (best != NULL) {
		if (ledgerbase_rstate_alloc(&tmp, &l->lim) < 0)
			return -ENOMEM;
		if (ledgerblob_parse(best->data, best->total_len, &l->lim, &tmp) == 0) {
			/* orphan status before, against the winner's own membership */
			ledgerbase_rstate_copy(&l->st, &tmp);
			l->lost = false; /* it has the group's state now */
		} else {
			best = NULL; /* validated on receipt; cannot happen */
		}
		ledgerbase_rstate_release(&tmp);
	}
	if (best != NULL)
		ledgerbase_note(l,
		                "ring %" PRIu64 ": synced from node %" PRIu32 " (%s, epoch %" PRIu64
		                ", seq %" PRIu64 "), %zu of %zu states valid",
		                l->ring, best->node,
		                best->was_quorate ? "was quorate" : "was not quorate", best->epoch,
		                best->seq, n_states, l->n_members);
	else
		ledgerbase_note(l, "ring %" PRIu64 ": synced, no valid state received, keeping own",
		                l->ring);

	/* orphan status as the winner saw it (its own ring's members) */
	memcpy(prev, l->st.members, l->st.n_members * sizeof(uint32_t));
	n_prev = l->st.n_members;
	for (size_t i = 0; i < l->st.n_vms; i++) {
		const struct ledger_vmrec *v = &l->st.vms[i];

		was_orphan[i] = false;
		if (v->state == LEDGER_VM_RUNNING || v->state == LEDGER_VM_RESTORING)
			was_orphan[i] = !ledgerbase_id_in(prev, n_prev, v->owner);
		else if (v->state == LEDGER_VM_MIGRATING)
			was_orphan[i] = !ledgerbase_id_in(prev, n_prev, v->owner) ||
			                !ledgerbase_id_in(prev, n_prev, v->target);
	}

	/* node table: who left, who joined, relative to the winner's ring */
	for (size_t i = 0; i < n_prev; i++) {
		if (ledgerbase_id_in(l->members, l->n_members, prev[i]))
			continue;
		struct ledger_noderec *n = ledgerbase_node_add(l, prev[i]);
		if (n == NULL) {
			ledgerbase_note(l, "node %" PRIu32 ": left, node table full, ignoring",
			                prev[i]);
			continue;
		}
		n->left_ms = sync_ms;
		ledgerbase_note(l, "node %" PRIu32 ": left at %" PRId64, prev[i], sync_ms);
	}
	for (size_t i = 0; i < l->n_members; i++) {
		struct ledger_noderec *n;

		if (!ledgerbase_id_in(prev, n_prev, l->members[i]))
			ledgerbase_note(l, "node %" PRIu32 ": joined", l->members[i]);
		n = ledgerbase_node_add(l, l->members[i]);
		if (n == NULL)
			ledgerbase_note(l, "node %" PRIu32 ": node table full, ignoring",
			                l->members[i]);
		else if (n->seen_ms < sync_ms)
			n->seen_ms = sync_ms;
	}
	memcpy(l->st.members, l->members, l->n_members * sizeof(uint32_t));
	l->st.n_members = l->n_members;

	l->synced = true;
	for (size_t i = 0; i < l->st.n_vms; i++) {
		const struct ledger_vmrec *v = &l->st.vms[i];
		bool now = ledgerbase_vm_orphaned(l, v);

		if (now && !was_orphan[i] && v->state != LEDGER_VM_MIGRATING)
			ledgerbase_note(l, "vm %s: orphaned (%s on node %" PRIu32 ", which left)",
			                v->name, ledger_vm_state_name(v->state), v->owner);
		else if (now && !was_orphan[i])
			ledgerbase_note(l,
			                "vm %s: orphaned (migrating from node %" PRIu32
			                " to node %" PRIu32 ", node %" PRIu32 " left)",
			                v->name, v->owner, v->target,
			                ledger_is_member(l, v->owner) ? v->target : v->owner);
		else if (!now && was_orphan[i])
			ledgerbase_note(l, "vm %s: no longer orphaned (its nodes are back)",
			                v->name);
	}
	for (size_t i = 0; i < l->st.n_vms; i++) {
		const struct ledger_vmrec *v = &l->st.vms[i];

		if (ledgerbase_vm_orphaned(l, v) && was_orphan[i])
			ledgerbase_note(l, "vm %s: still orphaned", v->name);
	}
	ledgersync_peers_reset(l);
	free(l->snap);
	l->snap = NULL;
	l->snap_len = 0;
	quorum_seen(l);
	if (l->quorum_reported && l->quorum_yes && ledgersync_two_node_hold(l) == 0)
		ledgersync_become_quorate(l, l->quorum_reporter);
	else if (l->quorum_reported && l->quorum_yes)
		ledgerbase_note(l,
		                "ring %" PRIu64 ": two_node, node %" PRIu32
		                " is out of the quorum view: "
		                "nothing changes here until it is fenced",
		                l->ring, ledgersync_two_node_hold(l));
	return 1;
}

/* Validates a completed state blob (it may become the winner). */
static bool
state_blob_valid(const struct ledger *l, const struct peer *p)
{
	struct ledger_rstate tmp;
	bool ok;

	if (ledgerbase_rstate_alloc(&tmp, &l->lim) < 0)
		return false;
	ok = ledgerblob_parse(p->data, p->total_len, &l->lim, &tmp) == 0 && tmp.epoch == p->epoch &&
	     tmp.seq == p->seq;
	ledgerbase_rstate_release(&tmp);
	return ok;
}

int
ledgersync_apply_state(struct ledger *l, uint32_t sender, const struct ledgermsg_state *s)
{
	struct peer *p = NULL;

	if (!l->have_ring || s->ring_seq != l->ring) {
		ledgerbase_note(l,
		                "node %" PRIu32 ": state for ring %" PRIu64 " is stale, ignoring",
		                sender, s->ring_seq);
		return 0;
	}
	if (l->synced) {
		ledgerbase_note(l, "node %" PRIu32 ": state after the sync round, ignoring",
		                sender);
		return 0;
	}
	for (size_t i = 0; i < l->n_members; i++)
		if (l->peers[i].node == sender)
			p = &l->peers[i];
	if (p == NULL) {
		ledgerbase_note(l, "node %" PRIu32 ": state from a non-member, ignoring", sender);
		return 0;
	}
	if (p->done) {
		ledgerbase_note(l, "node %" PRIu32 ": duplicate state, ignoring", sender);
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
		ledgerbase_note(l, "node %" PRIu32 ": lost its state, takes the group's", sender);
	else if (p->done && !p->valid)
		ledgerbase_note(l, "node %" PRIu32 ": malformed state, ignoring", sender);
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
		ledgerbase_note(l,
		                "node %" PRIu32 ": quorum report for ring %" PRIu64
		                " is stale, ignoring",
		                sender, q->ring_seq);
		return 0;
	}
	if (!ledger_is_member(l, sender)) {
		ledgerbase_note(l, "node %" PRIu32 ": quorum report from a non-member, ignoring",
		                sender);
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
		ledgerbase_note(
		        l, "ring %" PRIu64 ": node %" PRIu32 " reports %s (applied when synced)",
		        l->ring, sender, what);
		return l->round_waiting ? finish_sync(l) : 0;
	}
	seen = quorum_seen(l);
	hold = ledgersync_two_node_hold(l);
	if (q->quorate && hold == 0 && !l->quorate) {
		ledgersync_become_quorate(l, sender);
		return 1;
	}
	if ((!q->quorate || hold != 0) && l->quorate) {
		l->quorate = false;
		if (hold != 0)
			ledgerbase_note(l,
			                "ring %" PRIu64 ": not quorate (reported by node %" PRIu32
			                ": two_node, node %" PRIu32
			                " is out of the quorum view and not fenced)",
			                l->ring, sender, hold);
		else
			ledgerbase_note(
			        l, "ring %" PRIu64 ": not quorate (reported by node %" PRIu32 ")",
			        l->ring, sender);
		return seen ? 1 : 0;
	}
	ledgerbase_note(l, "ring %" PRIu64 ": node %" PRIu32 " reports %s, no change", l->ring,
	                sender, what);
	return seen ? 1 : 0;
}
