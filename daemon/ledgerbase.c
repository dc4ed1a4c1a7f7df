/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ledgerbase.c - what the ledger's files share (ledger-int.h): the decision
 * log, the membership test, the node table and scratch states.  The bottom of
 * the ledger module: it calls neither ledger.c nor ledgersync.c.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger-int.h"
#include "ledger.h"

/* ---- logging (the decision log) ---- */

__attribute__((format(printf, 2, 3))) void
ledgerbase_note(const struct ledger *l, const char *fmt, ...)
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

void
ledgerbase_log_flush(struct ledger *l)
{
	l->deferring = false;
	for (int i = 0; i < l->n_deferred; i++)
		if (l->log_fn != NULL)
			l->log_fn(l->deferred[i], l->log_data);
	l->n_deferred = 0;
}

/* ---- helpers ---- */

bool
ledgerbase_id_in(const uint32_t *ids, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

bool
ledger_is_member(const struct ledger *l, uint32_t node)
{
	return l != NULL && l->have_ring && node != 0 &&
	       ledgerbase_id_in(l->members, l->n_members, node);
}

struct ledger_noderec *
ledgerbase_node_get(struct ledger_rstate *st, uint32_t id)
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
		bool used = ledgerbase_id_in(l->members, l->n_members, n->id);

		for (size_t j = 0; j < st->n_vms && !used; j++)
			used = st->vms[j].owner == n->id || st->vms[j].target == n->id;
		if (used)
			continue;
		if (best == SIZE_MAX || n->left_ms < st->nodes[best].left_ms)
			best = i;
	}
	if (best == SIZE_MAX)
		return false;
	ledgerbase_note(l, "node %" PRIu32 ": forgotten (node table full)", st->nodes[best].id);
	memmove(&st->nodes[best], &st->nodes[best + 1],
	        (st->n_nodes - best - 1) * sizeof(st->nodes[0]));
	st->n_nodes--;
	return true;
}

/* Adds a node table entry (sorted).  NULL when the table is full of nodes
 * that are still needed. */
struct ledger_noderec *
ledgerbase_node_add(struct ledger *l, uint32_t id)
{
	struct ledger_rstate *st = &l->st;
	struct ledger_noderec *n = ledgerbase_node_get(st, id);
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
bool
ledgerbase_vm_orphaned(const struct ledger *l, const struct ledger_vmrec *v)
{
	if (v->state == LEDGER_VM_RUNNING || v->state == LEDGER_VM_RESTORING)
		return !ledger_is_member(l, v->owner);
	if (v->state == LEDGER_VM_MIGRATING)
		return !ledger_is_member(l, v->owner) || !ledger_is_member(l, v->target);
	return false;
}

/* ---- scratch states (a parsed blob before it is taken) ---- */

void
ledgerbase_rstate_copy(struct ledger_rstate *dst, const struct ledger_rstate *src)
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
int
ledgerbase_rstate_alloc(struct ledger_rstate *tmp, const struct ledger_limits *lim)
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

void
ledgerbase_rstate_release(struct ledger_rstate *tmp)
{
	free(tmp->vms);
	free(tmp->drains);
	tmp->vms = NULL;
	tmp->drains = NULL;
}
