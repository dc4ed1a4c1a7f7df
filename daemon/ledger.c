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
 *
 * The ledger is three files, one module (ledger-int.h has struct ledger):
 * this one (life cycle, requests, fence confirmations, move records, drains,
 * delivery), ledgersync.c (configuration changes, the sync round, quorum
 * reports) and ledgerbase.c (the decision log, the node table, scratch
 * states), each calling only the ones after it.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger-int.h"
#include "ledger.h"
#include "ledgerblob.h"
#include "ledgermsg.h"

/* ---- helpers ---- */

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
	ret->orphaned = ledgerbase_vm_orphaned(l, v);
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
	ledgerbase_note(l, "vm %s: %s -> %s (%s%s%s)", v->name, ledger_vm_state_name(from),
	                ledger_vm_state_name(to), detail, why != NULL ? "; " : "",
	                why != NULL ? why : "");
}

/* ---- life cycle ---- */

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
	ledgersync_peers_reset(l);
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
	return l->synced ? ledgersync_two_node_hold(l) : 0;
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
	if (l->synced && !l->quorate && ledgersync_two_node_hold(l) != 0) {
		snprintf(buf, len,
		         "two_node: node %" PRIu32 " is out of the quorum view and not fenced yet",
		         ledgersync_two_node_hold(l));
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

int
ledger_load(struct ledger *l, const char *buf, size_t len)
{
	struct ledger_rstate tmp;
	int r;

	if (l == NULL || buf == NULL)
		return -EINVAL;
	if (l->have_ring)
		return -EBUSY;
	if (ledgerbase_rstate_alloc(&tmp, &l->lim) < 0)
		return -ENOMEM;
	r = ledgerblob_parse(buf, len, &l->lim, &tmp);
	if (r == 0)
		ledgerbase_rstate_copy(&l->st, &tmp);
	ledgerbase_rstate_release(&tmp);
	return r;
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

	if (ledgerbase_vm_orphaned(c->l, v)) {
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
		if (!ledgerbase_vm_orphaned(c->l, v) &&
		    (v->owner == c->sender || v->target == c->sender))
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
	if (!l->quorate && ledgersync_two_node_hold(l) != 0)
		return refuse(c, LEDGER_R_NOT_QUORATE,
		              "ring %" PRIu64 ": two_node, node %" PRIu32 " not fenced yet",
		              l->ring, ledgersync_two_node_hold(l));
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
	ledgerbase_note(l, "vm %s: new, uuid %s", v->name, v->uuid);
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
		ledgerbase_note(l, "#- node %" PRIu32 " %s vm %s%s: refused, %s (%s)", sender,
		                ledger_op_name(r->op), name, args, ledger_reason_name(reason),
		                c.why);
	else if (d.verdict == LEDGER_GRANTED && r->op == LEDGER_OP_SAVE && reason == LEDGER_R_OK)
		ledgerbase_note(
		        l, "#%" PRIu64 " node %" PRIu32 " %s vm %s: granted, image gen %" PRIu64,
		        d.seq, sender, ledger_op_name(r->op), name, d.gen);
	else if (d.verdict == LEDGER_GRANTED)
		ledgerbase_note(l, "#%" PRIu64 " node %" PRIu32 " %s vm %s%s: granted%s", d.seq,
		                sender, ledger_op_name(r->op), name, args,
		                reason == LEDGER_R_ALREADY ? ", already" : "");
	else
		ledgerbase_note(l, "#%" PRIu64 " node %" PRIu32 " %s vm %s%s: refused, %s (%s)",
		                d.seq, sender, ledger_op_name(r->op), name, args,
		                ledger_reason_name(reason), c.why);
	ledgerbase_log_flush(l);
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
		ledgerbase_note(
		        l, "#- node %" PRIu32 " fence node %" PRIu32 " at %" PRId64 ": refused, %s",
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
	hold = ledgersync_two_node_hold(l);
	if (!l->quorate && (hold == 0 || node != hold)) {
		reason = LEDGER_R_NOT_QUORATE;
	} else if (!ledger_is_member(l, sender)) {
		reason = LEDGER_R_NOT_MEMBER;
	} else if (node == 0 || fenced_at_ms < 0) {
		reason = LEDGER_R_INVALID;
	} else if ((n = ledgerbase_node_add(l, node)) == NULL) {
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
		ledgerbase_note(l,
		                "#%" PRIu64 " node %" PRIu32 " fence node %" PRIu32 " at %" PRId64
		                ": accepted%s",
		                d.seq, sender, node, fenced_at_ms,
		                reason == LEDGER_R_ALREADY ? ", already" : why);
	else
		ledgerbase_note(l,
		                "#%" PRIu64 " node %" PRIu32 " fence node %" PRIu32 " at %" PRId64
		                ": refused, %s%s",
		                d.seq, sender, node, fenced_at_ms, ledger_reason_name(reason), why);
	if (reason == LEDGER_R_OK) {
		n->fenced_ms = fenced_at_ms;
		for (i = 0; i < l->st.n_vms; i++)
			if (fence_hold(&l->st.vms[i], node, fenced_at_ms) == FENCE_HOLD_ENDED)
				fence_release(l, &l->st.vms[i], node, fenced_at_ms);
		if (hold != 0 && !l->quorate && ledgersync_two_node_hold(l) == 0)
			ledgersync_become_quorate(l, l->quorum_reporter);
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
		ledgerbase_note(l, "#- node %" PRIu32 " move record while syncing, ignoring",
		                sender);
		return 0;
	}
	l->st.seq++;
	v = vm_by_uuid(&l->st, m->uuid);
	if (v == NULL || strcmp(v->name, m->name) != 0) {
		ledgerbase_note(l, "#%" PRIu64 " node %" PRIu32 " move vm %s: unknown vm, ignoring",
		                l->st.seq, sender,
		                ledger_valid_name(m->name) ? m->name : "(invalid)");
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
	ledgerbase_note(l,
	                "#%" PRIu64 " node %" PRIu32 " move vm %s: %s from node %" PRIu32
	                " to node %" PRIu32 ", %s, downtime %s, total %s",
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
 * after the peer's fence (ledgersync_two_node_hold() keeps quorate false till then).
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
			ledgerbase_note(l,
			                "drain %" PRIu32 " of %s: runner node %" PRIu32
			                " left, no other member to take over",
			                d->id, d->node, d->runner);
		else
			ledgerbase_note(l,
			                "drain %" PRIu32 " of %s: runner node %" PRIu32
			                " -> node %" PRIu32,
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
		ledgerbase_note(l, "#- node %" PRIu32 " drain %s: refused, %s", sender,
		                ledger_drain_op_name(m->op), c.why);
	else if (r == 0)
		ledgerbase_note(l, "#%" PRIu64 " node %" PRIu32 " drain %" PRIu64 " %s: %s", d.seq,
		                sender, d.gen, ledger_drain_op_name(m->op), c.what);
	else if (d.gen == 0)
		ledgerbase_note(l, "#%" PRIu64 " node %" PRIu32 " drain %s: refused, %s", d.seq,
		                sender, ledger_drain_op_name(m->op), c.why);
	else
		ledgerbase_note(l,
		                "#%" PRIu64 " node %" PRIu32 " drain %" PRIu64 " %s: refused, %s",
		                d.seq, sender, d.gen, ledger_drain_op_name(m->op), c.why);
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
	return ledgersync_apply_state(l, sender, &m->u.state);
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
	ledgerbase_note(l, "node %" PRIu32 ": message type %u not handled, ignoring", sender,
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
		ledgerbase_note(l, "node %" PRIu32 ": malformed message (%zu bytes, %s), dropped",
		                sender, len, ledgermsg_strerror(r));
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
