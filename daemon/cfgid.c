/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cfgid.c - the configuration-id rule (see cfgid.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfgid.h"

static const char *const cfgid_action_names[] = {
        [CFGID_NONE] = "none",
        [CFGID_APPLY] = "apply",
        [CFGID_ANNOUNCE] = "announce",
};
_Static_assert(sizeof(cfgid_action_names) / sizeof(cfgid_action_names[0]) == _CFGID_ACTION_MAX,
               "a name for every action");

const char *
cfgid_action_name(enum cfgid_action a)
{
	if ((unsigned)a >= _CFGID_ACTION_MAX)
		return "unknown";
	return cfgid_action_names[a];
}

uint64_t
cfgid_ring(uint64_t cfg_id)
{
	return cfg_id >> CFGID_SHIFT;
}

uint64_t
cfgid_sub(uint64_t cfg_id)
{
	return cfg_id & ((UINT64_C(1) << CFGID_SHIFT) - 1);
}

static uint64_t
cfgid_ring_cfg(const struct cfgid_view *v)
{
	return v->ring_seq << CFGID_SHIFT;
}

static bool
cfgid_joined(const struct cfgid_view *v, uint32_t nodeid)
{
	for (size_t i = 0; i < v->n_joined; i++)
		if (v->joined[i] == nodeid)
			return true;
	return false;
}

uint32_t
cfgid_lowest_old(const struct cfgid_view *v)
{
	uint32_t lowest = 0;

	if (v == NULL)
		return 0;
	for (size_t i = 0; i < v->n_members; i++) {
		uint32_t id = v->members[i];

		if (!cfgid_joined(v, id) && (lowest == 0 || id < lowest))
			lowest = id;
	}
	return lowest;
}

static bool
cfgid_view_ok(const struct cfgid_view *v)
{
	return v != NULL && v->local_nodeid != 0 && (v->members != NULL || v->n_members == 0) &&
	       (v->joined != NULL || v->n_joined == 0);
}

int
cfgid_confchg(const struct cfgid *c, const struct cfgid_view *v, struct cfgid_decision *ret)
{
	struct cfgid_decision d = {CFGID_NONE, 0};
	uint32_t lowest_old;

	if (c == NULL || !cfgid_view_ok(v) || ret == NULL)
		return -EINVAL;
	lowest_old = cfgid_lowest_old(v);
	if (lowest_old == 0) {
		/* nobody was here before: all fresh, all agree on the ring's id
		 * (once the initial totem configuration told us the ring) */
		if (v->totem_seen)
			d = (struct cfgid_decision){CFGID_APPLY, cfgid_ring_cfg(v)};
	} else if (lowest_old == v->local_nodeid) {
		uint64_t next = c->applied > c->announced ? c->applied : c->announced;

		if (next < cfgid_ring_cfg(v))
			next = cfgid_ring_cfg(v);
		d = (struct cfgid_decision){CFGID_ANNOUNCE, next + 1};
	}
	/* else: wait for the CONFIG of lowest_old */
	*ret = d;
	return 0;
}

int
cfgid_totem(const struct cfgid *c, const struct cfgid_view *v, bool initial,
            struct cfgid_decision *ret)
{
	struct cfgid_decision d = {CFGID_NONE, 0};

	if (c == NULL || !cfgid_view_ok(v) || ret == NULL)
		return -EINVAL;
	/* the ring we joined in: if others were already in the group, their
	 * CONFIG decides; if not, the CPG change waited for this */
	if (!(initial && cfgid_lowest_old(v) != 0) && cfgid_ring_cfg(v) > c->applied)
		d = (struct cfgid_decision){CFGID_APPLY, cfgid_ring_cfg(v)};
	*ret = d;
	return 0;
}

int
cfgid_received(const struct cfgid *c, uint64_t cfg_id, struct cfgid_decision *ret)
{
	if (c == NULL || ret == NULL)
		return -EINVAL;
	/* everyone applies it; one that a newer configuration overtook is
	 * refused by the ledger, on every member alike */
	*ret = (struct cfgid_decision){CFGID_APPLY, cfg_id};
	return 0;
}

void
cfgid_applied(struct cfgid *c, uint64_t cfg_id)
{
	if (c != NULL)
		c->applied = cfg_id;
}

void
cfgid_announced(struct cfgid *c, uint64_t cfg_id)
{
	if (c != NULL)
		c->announced = cfg_id;
}

bool
cfgid_quorum_current(const struct cfgid *c, uint64_t ring_seq, uint64_t quorum_ring)
{
	return c != NULL && c->applied != 0 && quorum_ring == ring_seq &&
	       ring_seq == cfgid_ring(c->applied);
}

static int
cfgid_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

size_t
cfgid_members(const uint32_t *in, size_t n, uint32_t *out)
{
	size_t k = 0;

	if (in == NULL || out == NULL || n == 0)
		return 0;
	if (in != out)
		memmove(out, in, n * sizeof(*out));
	qsort(out, n, sizeof(*out), cfgid_cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || out[i] != out[k - 1])
			out[k++] = out[i];
	return k;
}
