/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_cfgid.c - cmocka tests of the configuration-id rule (daemon/cfgid.c).
 *
 *   test_cfgid [NAME]    every case, or only those matching NAME
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cfgid.h"

#define R(ring) ((uint64_t)(ring) << CFGID_SHIFT)

static uint32_t members[8], joined[8];

/* node local's view: members and joined given as 0-terminated lists */
static struct cfgid_view
view(uint32_t local, uint64_t ring, bool totem_seen, const uint32_t *m, const uint32_t *j)
{
	struct cfgid_view v = {.local_nodeid = local, .ring_seq = ring, .totem_seen = totem_seen};

	for (v.n_members = 0; m != NULL && m[v.n_members] != 0; v.n_members++)
		members[v.n_members] = m[v.n_members];
	for (v.n_joined = 0; j != NULL && j[v.n_joined] != 0; v.n_joined++)
		joined[v.n_joined] = j[v.n_joined];
	v.members = members;
	v.joined = joined;
	return v;
}

static void
assert_decision(const struct cfgid_decision *d, enum cfgid_action a, uint64_t id)
{
	assert_string_equal(cfgid_action_name(d->action), cfgid_action_name(a));
	assert_int_equal(d->cfg_id, id);
}

static void
test_ids(void **state)
{
	(void)state;
	assert_int_equal(cfgid_ring(R(8) | 2), 8);
	assert_int_equal(cfgid_sub(R(8) | 2), 2);
	assert_int_equal(cfgid_sub(R(9)), 0);
	assert_int_equal(cfgid_ring(UINT64_MAX), UINT64_MAX >> CFGID_SHIFT);
	assert_string_equal(cfgid_action_name(CFGID_NONE), "none");
	assert_string_equal(cfgid_action_name(CFGID_APPLY), "apply");
	assert_string_equal(cfgid_action_name(CFGID_ANNOUNCE), "announce");
	assert_string_equal(cfgid_action_name(_CFGID_ACTION_MAX), "unknown");
	assert_string_equal(cfgid_action_name((enum cfgid_action) - 1), "unknown");
}

static void
test_lowest_old(void **state)
{
	struct cfgid_view v;

	(void)state;
	v = view(2, 8, true, (uint32_t[]){3, 1, 2, 0}, (uint32_t[]){1, 0});
	assert_int_equal(cfgid_lowest_old(&v), 2);
	v = view(2, 8, true, (uint32_t[]){3, 1, 2, 0}, (uint32_t[]){3, 1, 2, 0});
	assert_int_equal(cfgid_lowest_old(&v), 0);
	v = view(2, 8, true, (uint32_t[]){3, 1, 2, 0}, NULL);
	assert_int_equal(cfgid_lowest_old(&v), 1);
	v = view(2, 8, true, NULL, NULL);
	assert_int_equal(cfgid_lowest_old(&v), 0);
	assert_int_equal(cfgid_lowest_old(NULL), 0);
}

/* Everyone just joined: each applies the ring's id, once it knows the ring. */
static void
test_confchg_all_fresh(void **state)
{
	struct cfgid c = {0};
	struct cfgid_decision d = {CFGID_ANNOUNCE, 99};
	struct cfgid_view v;

	(void)state;
	v = view(1, 5, false, (uint32_t[]){1, 2, 0}, (uint32_t[]){1, 2, 0});
	assert_int_equal(cfgid_confchg(&c, &v, &d), 0);
	assert_decision(&d, CFGID_NONE, 0); /* the initial totem configuration will */
	v.totem_seen = true;
	assert_int_equal(cfgid_confchg(&c, &v, &d), 0);
	assert_decision(&d, CFGID_APPLY, R(5));
}

/* The lowest of the members that were there announces the next id. */
static void
test_confchg_lowest_old_announces(void **state)
{
	struct cfgid c = {0};
	struct cfgid_decision d;
	struct cfgid_view v;

	(void)state;
	v = view(2, 8, true, (uint32_t[]){1, 2, 3, 0}, (uint32_t[]){1, 0});
	/* nothing applied yet in this ring: the ring's id + 1 */
	c.applied = R(7) | 4;
	assert_int_equal(cfgid_confchg(&c, &v, &d), 0);
	assert_decision(&d, CFGID_ANNOUNCE, R(8) | 1);
	/* above the applied id */
	c.applied = R(8) | 3;
	assert_int_equal(cfgid_confchg(&c, &v, &d), 0);
	assert_decision(&d, CFGID_ANNOUNCE, R(8) | 4);
	/* above an announced one that has not come back (yet) */
	c.announced = R(8) | 6;
	assert_int_equal(cfgid_confchg(&c, &v, &d), 0);
	assert_decision(&d, CFGID_ANNOUNCE, R(8) | 7);
	/* the others wait for it: a joiner and an old member */
	v = view(1, 8, true, (uint32_t[]){1, 2, 3, 0}, (uint32_t[]){1, 0});
	assert_int_equal(cfgid_confchg(&c, &v, &d), 0);
	assert_decision(&d, CFGID_NONE, 0);
	v = view(3, 8, true, (uint32_t[]){1, 2, 3, 0}, (uint32_t[]){1, 0});
	assert_int_equal(cfgid_confchg(&c, &v, &d), 0);
	assert_decision(&d, CFGID_NONE, 0);
	/* a node left: nobody joined, the lowest remaining announces */
	v = view(1, 8, true, (uint32_t[]){1, 3, 0}, NULL);
	assert_int_equal(cfgid_confchg(&c, &v, &d), 0);
	assert_decision(&d, CFGID_ANNOUNCE, R(8) | 7);
}

/* A new totem ring applies its id directly; never an older or equal one. */
static void
test_totem(void **state)
{
	struct cfgid c = {0};
	struct cfgid_decision d;
	struct cfgid_view v;

	(void)state;
	v = view(1, 9, true, (uint32_t[]){1, 2, 0}, NULL);
	c.applied = R(8) | 3;
	assert_int_equal(cfgid_totem(&c, &v, false, &d), 0);
	assert_decision(&d, CFGID_APPLY, R(9));
	c.applied = R(9);
	assert_int_equal(cfgid_totem(&c, &v, false, &d), 0);
	assert_decision(&d, CFGID_NONE, 0);
	c.applied = R(9) | 1; /* a CONFIG of this ring came first */
	assert_int_equal(cfgid_totem(&c, &v, false, &d), 0);
	assert_decision(&d, CFGID_NONE, 0);
}

/* The initial totem configuration after a join: the others' CONFIG decides,
 * unless nobody was there. */
static void
test_totem_initial(void **state)
{
	struct cfgid c = {0};
	struct cfgid_decision d;
	struct cfgid_view v;

	(void)state;
	v = view(3, 8, true, (uint32_t[]){1, 2, 3, 0}, (uint32_t[]){3, 0});
	assert_int_equal(cfgid_totem(&c, &v, true, &d), 0);
	assert_decision(&d, CFGID_NONE, 0);
	v = view(3, 8, true, (uint32_t[]){3, 0}, (uint32_t[]){3, 0});
	assert_int_equal(cfgid_totem(&c, &v, true, &d), 0);
	assert_decision(&d, CFGID_APPLY, R(8));
	/* before the CPG change (no members yet): nothing old, apply the ring */
	v = view(3, 8, true, NULL, NULL);
	assert_int_equal(cfgid_totem(&c, &v, true, &d), 0);
	assert_decision(&d, CFGID_APPLY, R(8));
}

static void
test_received(void **state)
{
	struct cfgid c = {.applied = R(8) | 5};
	struct cfgid_decision d;

	(void)state;
	/* applied by everyone, an older one too: the ledger refuses it alike */
	assert_int_equal(cfgid_received(&c, R(8) | 6, &d), 0);
	assert_decision(&d, CFGID_APPLY, R(8) | 6);
	assert_int_equal(cfgid_received(&c, R(8) | 2, &d), 0);
	assert_decision(&d, CFGID_APPLY, R(8) | 2);
}

static void
test_feedback(void **state)
{
	struct cfgid c = {0};

	(void)state;
	cfgid_applied(&c, R(3) | 1);
	cfgid_announced(&c, R(3) | 2);
	assert_int_equal(c.applied, R(3) | 1);
	assert_int_equal(c.announced, R(3) | 2);
	cfgid_applied(NULL, 1);
	cfgid_announced(NULL, 1);
}

static void
test_quorum_current(void **state)
{
	struct cfgid c = {0};

	(void)state;
	assert_false(cfgid_quorum_current(&c, 0, 0)); /* nothing applied */
	c.applied = R(8) | 2;
	assert_true(cfgid_quorum_current(&c, 8, 8));
	assert_false(cfgid_quorum_current(&c, 8, 7)); /* the value of the old ring */
	assert_false(cfgid_quorum_current(&c, 9, 9)); /* confchg of ring 9 not applied */
	assert_false(cfgid_quorum_current(NULL, 8, 8));
}

static void
test_members(void **state)
{
	uint32_t in[] = {5, 1, 3, 1, 5, 2}, out[6];

	(void)state;
	assert_int_equal(cfgid_members(in, 6, out), 4);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 2);
	assert_int_equal(out[2], 3);
	assert_int_equal(out[3], 5);
	assert_int_equal(cfgid_members(in, 6, in), 4); /* in place */
	assert_memory_equal(in, out, 4 * sizeof(uint32_t));
	assert_int_equal(cfgid_members(in, 0, out), 0);
	assert_int_equal(cfgid_members(NULL, 3, out), 0);
}

static void
test_errors(void **state)
{
	struct cfgid c = {0};
	struct cfgid_decision d = {CFGID_ANNOUNCE, 42};
	struct cfgid_view v = view(0, 8, true, (uint32_t[]){1, 0}, NULL);

	(void)state;
	assert_int_equal(cfgid_confchg(&c, &v, &d), -EINVAL); /* no local node id */
	assert_int_equal(cfgid_totem(&c, &v, false, &d), -EINVAL);
	v.local_nodeid = 1;
	v.members = NULL;
	assert_int_equal(cfgid_confchg(&c, &v, &d), -EINVAL);
	v.members = members;
	assert_int_equal(cfgid_confchg(NULL, &v, &d), -EINVAL);
	assert_int_equal(cfgid_confchg(&c, NULL, &d), -EINVAL);
	assert_int_equal(cfgid_confchg(&c, &v, NULL), -EINVAL);
	assert_int_equal(cfgid_totem(&c, &v, false, NULL), -EINVAL);
	assert_int_equal(cfgid_received(NULL, 1, &d), -EINVAL);
	assert_int_equal(cfgid_received(&c, 1, NULL), -EINVAL);
	/* out-parameter untouched on failure */
	assert_decision(&d, CFGID_ANNOUNCE, 42);
}

/*
 * Three ferryds start one after the other while corosync stays in ring 8
 * (what test_glue's staggered start does through the glue): node 2 alone
 * applies 8.0; node 1 joins, node 2 announces 8.1; node 3 joins, node 1
 * (now the lowest old member) announces 8.2; everyone applies each CONFIG.
 */
static struct cfgid nodes[4];

static void
apply_all(const uint32_t *who, uint64_t id)
{
	for (; *who != 0; who++) {
		struct cfgid_decision d;

		assert_int_equal(cfgid_received(&nodes[*who], id, &d), 0);
		assert_decision(&d, CFGID_APPLY, id);
		cfgid_applied(&nodes[*who], d.cfg_id);
	}
}

static void
test_staggered_start(void **state)
{
	struct cfgid_decision d;
	struct cfgid_view v;

	(void)state;
	memset(nodes, 0, sizeof(nodes));
	/* node 2: CPG join (alone), then its initial totem configuration */
	v = view(2, 8, false, (uint32_t[]){2, 0}, (uint32_t[]){2, 0});
	assert_int_equal(cfgid_confchg(&nodes[2], &v, &d), 0);
	assert_decision(&d, CFGID_NONE, 0);
	v.totem_seen = true;
	assert_int_equal(cfgid_totem(&nodes[2], &v, true, &d), 0);
	assert_decision(&d, CFGID_APPLY, R(8));
	cfgid_applied(&nodes[2], d.cfg_id);
	/* node 1 joins */
	v = view(2, 8, true, (uint32_t[]){1, 2, 0}, (uint32_t[]){1, 0});
	assert_int_equal(cfgid_confchg(&nodes[2], &v, &d), 0);
	assert_decision(&d, CFGID_ANNOUNCE, R(8) | 1);
	cfgid_announced(&nodes[2], d.cfg_id);
	v.local_nodeid = 1;
	v.totem_seen = false;
	assert_int_equal(cfgid_confchg(&nodes[1], &v, &d), 0);
	assert_decision(&d, CFGID_NONE, 0);
	v.totem_seen = true;
	assert_int_equal(cfgid_totem(&nodes[1], &v, true, &d), 0);
	assert_decision(&d, CFGID_NONE, 0);
	apply_all((uint32_t[]){1, 2, 0}, R(8) | 1);
	/* node 3 joins */
	v = view(1, 8, true, (uint32_t[]){1, 2, 3, 0}, (uint32_t[]){3, 0});
	assert_int_equal(cfgid_confchg(&nodes[1], &v, &d), 0);
	assert_decision(&d, CFGID_ANNOUNCE, R(8) | 2);
	cfgid_announced(&nodes[1], d.cfg_id);
	v.local_nodeid = 2;
	assert_int_equal(cfgid_confchg(&nodes[2], &v, &d), 0);
	assert_decision(&d, CFGID_NONE, 0);
	apply_all((uint32_t[]){1, 2, 3, 0}, R(8) | 2);
	for (int i = 1; i <= 3; i++)
		assert_int_equal(nodes[i].applied, R(8) | 2);
}

/*
 * A partition heals into ring 12: each side saw the other join, so the
 * lowest of each side announces; the totem change gives everyone 12.0 at
 * one point, then both CONFIGs come in one order and both are applied by
 * every member (the same ids on each: the rule is the same everywhere).
 */
static void
test_merge(void **state)
{
	struct cfgid_decision d1, d3, d;
	struct cfgid_view v;

	(void)state;
	memset(nodes, 0, sizeof(nodes));
	nodes[1].applied = nodes[2].applied = R(10) | 1; /* side 1 2 */
	nodes[3].applied = R(11);                        /* side 3 */
	v = view(1, 12, true, (uint32_t[]){1, 2, 3, 0}, (uint32_t[]){3, 0});
	assert_int_equal(cfgid_confchg(&nodes[1], &v, &d1), 0);
	assert_decision(&d1, CFGID_ANNOUNCE, R(12) | 1);
	v = view(3, 12, true, (uint32_t[]){1, 2, 3, 0}, (uint32_t[]){1, 2, 0});
	assert_int_equal(cfgid_confchg(&nodes[3], &v, &d3), 0);
	assert_decision(&d3, CFGID_ANNOUNCE, R(12) | 1);
	v = view(2, 12, true, (uint32_t[]){1, 2, 3, 0}, (uint32_t[]){3, 0});
	assert_int_equal(cfgid_confchg(&nodes[2], &v, &d), 0);
	assert_decision(&d, CFGID_NONE, 0);
	for (uint32_t i = 1; i <= 3; i++) {
		v.local_nodeid = i;
		assert_int_equal(cfgid_totem(&nodes[i], &v, false, &d), 0);
		assert_decision(&d, CFGID_APPLY, R(12));
		cfgid_applied(&nodes[i], d.cfg_id);
	}
	apply_all((uint32_t[]){1, 2, 3, 0}, d1.cfg_id);
	apply_all((uint32_t[]){1, 2, 3, 0}, d3.cfg_id);
	for (int i = 1; i <= 3; i++)
		assert_int_equal(nodes[i].applied, R(12) | 1);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ids),
	        cmocka_unit_test(test_lowest_old),
	        cmocka_unit_test(test_confchg_all_fresh),
	        cmocka_unit_test(test_confchg_lowest_old_announces),
	        cmocka_unit_test(test_totem),
	        cmocka_unit_test(test_totem_initial),
	        cmocka_unit_test(test_received),
	        cmocka_unit_test(test_feedback),
	        cmocka_unit_test(test_quorum_current),
	        cmocka_unit_test(test_members),
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_staggered_start),
	        cmocka_unit_test(test_merge),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
