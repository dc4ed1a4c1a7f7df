/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_drainplan - the drain planner's edge cases beside the golden
 * scenarios: bad arguments, the plan does not depend on the order the VMs
 * were found in (every permutation of a set gives the same plan), waves
 * and times add up for every parallel, and the name tables. */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/drainplan.h"

#define N_SET 5

static void
vm(struct drain_vm *v, const char *rsc, int32_t prio, uint32_t gap, uint32_t dur, uint64_t mib)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->resource, sizeof(v->resource), "%s", rsc);
	snprintf(v->vm, sizeof(v->vm), "%s", rsc);
	snprintf(v->target, sizeof(v->target), "node2");
	v->priority = prio;
	v->predicted_gap_ms = gap;
	v->predicted_duration_ms = dur;
	v->memory_bytes = mib << 20;
}

/* a set with ties on every key */
static void
set(struct drain_vm *v)
{
	vm(&v[0], "a", 0, 100, 1000, 512);
	vm(&v[1], "b", 5, 100, 1000, 512);
	vm(&v[2], "c", 0, 50, 1000, 1024);
	vm(&v[3], "d", 0, 100, 900, 512);
	vm(&v[4], "e", 5, 300, 2000, 256);
	snprintf(v[4].target, sizeof(v[4].target), "node3");
}

static void
test_bad_arguments(void **state)
{
	struct drain_vm v[1];
	struct drain_opts o = {.parallel = 1, .order = DRAIN_ORDER_DEFAULT};
	struct drain_plan p;

	(void)state;
	vm(&v[0], "a", 0, 1, 1, 1);
	assert_int_equal(drainplan_build(NULL, 1, &o, &p), -EINVAL);
	assert_int_equal(drainplan_build(v, 1, NULL, &p), -EINVAL);
	assert_int_equal(drainplan_build(v, 1, &o, NULL), -EINVAL);
	assert_int_equal(drainplan_build(NULL, 0, &o, &p), 0);
	o.order = _DRAIN_ORDER_MAX;
	assert_int_equal(drainplan_build(v, 1, &o, &p), -EINVAL);
	o.order = DRAIN_ORDER_DEFAULT;
	o.parallel = 0;
	assert_int_equal(drainplan_build(v, 1, &o, &p), -EINVAL);
	o.parallel = 1;
	assert_int_equal(drainplan_build(v, DRAIN_MAX_VMS + 1, &o, &p), -EINVAL);
}

/* Heap's algorithm over idx[0..k) */
static void
permute(uint32_t *idx, size_t k, void (*fn)(const uint32_t *), size_t *count)
{
	if (k <= 1) {
		fn(idx);
		(*count)++;
		return;
	}
	for (size_t i = 0; i < k; i++) {
		uint32_t t;
		size_t j = k % 2 == 0 ? i : 0;

		permute(idx, k - 1, fn, count);
		t = idx[j];
		idx[j] = idx[k - 1];
		idx[k - 1] = t;
	}
}

static struct drain_vm base[N_SET];
static char want[_DRAIN_ORDER_MAX][4][N_SET + 1];

/* the plan's order as resource letters */
static void
letters(const struct drain_vm *v, const struct drain_plan *p, char *out)
{
	for (size_t i = 0; i < p->n_steps; i++)
		out[i] = v[p->steps[i].vm].resource[0];
	out[p->n_steps] = '\0';
}

static void
check_permutation(const uint32_t *idx)
{
	struct drain_vm v[N_SET];

	for (size_t i = 0; i < N_SET; i++)
		v[i] = base[idx[i]];
	for (int o = 0; o < _DRAIN_ORDER_MAX; o++) {
		for (uint32_t par = 1; par <= 3; par++) {
			struct drain_opts opts = {.parallel = par, .order = (enum drain_order)o};
			struct drain_plan p;
			char got[N_SET + 1];

			assert_int_equal(drainplan_build(v, N_SET, &opts, &p), 0);
			letters(v, &p, got);
			assert_string_equal(got, want[o][par]);
		}
	}
}

static void
test_input_order_does_not_matter(void **state)
{
	uint32_t idx[N_SET] = {0, 1, 2, 3, 4};
	size_t count = 0;

	(void)state;
	set(base);
	for (int o = 0; o < _DRAIN_ORDER_MAX; o++)
		for (uint32_t par = 1; par <= 3; par++) {
			struct drain_opts opts = {.parallel = par, .order = (enum drain_order)o};
			struct drain_plan p;

			assert_int_equal(drainplan_build(base, N_SET, &opts, &p), 0);
			letters(base, &p, want[o][par]);
		}
	/* default: priority 5 first (e 2000 ms after b 1000 ms), then the shortest */
	assert_string_equal(want[DRAIN_ORDER_DEFAULT][1], "bedac");
	assert_string_equal(want[DRAIN_ORDER_PRIORITY][1], "beacd");
	assert_string_equal(want[DRAIN_ORDER_SMALLEST_GAP][1], "cdabe");
	assert_string_equal(want[DRAIN_ORDER_LARGEST][1], "cabde");
	permute(idx, N_SET, check_permutation, &count);
	assert_int_equal(count, 120);
}

static void
test_waves_add_up(void **state)
{
	struct drain_vm v[N_SET];

	(void)state;
	set(v);
	for (uint32_t par = 1; par <= N_SET + 1; par++) {
		struct drain_opts opts = {.parallel = par, .order = DRAIN_ORDER_DEFAULT};
		struct drain_plan p;
		uint64_t end = 0, sum = 0;

		assert_int_equal(drainplan_build(v, N_SET, &opts, &p), 0);
		assert_int_equal(p.n_waves, (N_SET + par - 1) / par);
		assert_int_equal(p.parallel, par);
		for (size_t i = 0; i < p.n_steps; i++) {
			const struct drain_step *s = &p.steps[i];

			assert_int_equal(s->wave, i / par);
			/* a wave starts when every move of the one before has ended */
			if (i >= par)
				assert_true(s->predicted_start_ms >=
				            p.steps[i - par].predicted_end_ms);
			assert_int_equal(s->predicted_end_ms - s->predicted_start_ms,
			                 v[s->vm].predicted_duration_ms);
			if (s->predicted_end_ms > end)
				end = s->predicted_end_ms;
			sum += v[s->vm].predicted_gap_ms;
		}
		assert_int_equal(p.predicted_ms, end);
		assert_int_equal(p.predicted_gap_sum_ms, sum);
		assert_int_equal(p.predicted_gap_max_ms, 300);
	}
}

static void
test_names(void **state)
{
	enum drain_order o;
	enum drain_move m;

	(void)state;
	assert_string_equal(drain_order_name(DRAIN_ORDER_SMALLEST_GAP), "smallest-gap-first");
	assert_string_equal(drain_order_name(_DRAIN_ORDER_MAX), "unknown");
	assert_int_equal(drain_order_from_name("largest-first", &o), 0);
	assert_int_equal(o, DRAIN_ORDER_LARGEST);
	assert_int_equal(drain_order_from_name("biggest", &o), -ENOENT);
	assert_string_equal(drain_move_name(DRAIN_MOVE_RESTART), "restart");
	assert_int_equal(drain_move_from_name("auto", &m), -ENOENT);
	/* a drain plans the kinds one asks for: movekind.h's values and names */
	assert_int_equal(drain_move_from_name("live->quick", &m), -ENOENT);
	assert_string_equal(drain_move_name(_DRAIN_MOVE_MAX), "unknown");
	for (int i = 0; i < _DRAIN_MOVE_MAX; i++) {
		assert_string_equal(drain_move_name((enum drain_move)i),
		                    ferry_move_kind_name((enum ferry_move_kind)i));
		assert_int_equal(drain_move_from_name(drain_move_name((enum drain_move)i), &m), 0);
		assert_int_equal(m, i);
	}
}

/* The learned overhead: a median of the latest samples, never negative, and
 * none from fewer than DRAIN_OVERHEAD_MIN_SAMPLES. */
static void
test_overhead(void **state)
{
	const int64_t few[] = {4000, 5000};
	const int64_t odd[] = {9000, -200, 4000, 5000, 4500};
	const int64_t even[] = {1000, 2000, 3000, 5000};
	const int64_t faster[] = {-300, -100, -200};
	uint32_t o = 77;

	(void)state;
	assert_int_equal(drainplan_overhead(few, 2, &o), -ENODATA);
	assert_int_equal(o, 77);
	assert_int_equal(drainplan_overhead(NULL, 0, &o), -ENODATA);
	assert_int_equal(drainplan_overhead(odd, 5, NULL), -EINVAL);
	assert_int_equal(drainplan_overhead(odd, 5, &o), 0);
	assert_int_equal(o, 4500);
	assert_int_equal(drainplan_overhead(even, 4, &o), 0);
	assert_int_equal(o, 2500);
	assert_int_equal(drainplan_overhead(faster, 3, &o), 0);
	assert_int_equal(o, 0);
}

/* Every move is counted with the overhead; the moves' own durations stay. */
static void
test_overhead_in_waves(void **state)
{
	struct drain_vm vms[3];
	struct drain_opts o = {.parallel = 2,
	                       .order = DRAIN_ORDER_DEFAULT,
	                       .overhead_ms = 1000,
	                       .overhead_from = "a-priori"};
	struct drain_plan p;

	(void)state;
	memset(vms, 0, sizeof(vms));
	for (int i = 0; i < 3; i++) {
		snprintf(vms[i].resource, sizeof(vms[i].resource), "vm%d", i);
		snprintf(vms[i].target, sizeof(vms[i].target), "node2");
		vms[i].predicted_duration_ms = 100u * (uint32_t)(i + 1);
	}
	assert_int_equal(drainplan_build(vms, 3, &o, &p), 0);
	assert_int_equal(p.n_waves, 2);
	/* wave 1: vm0 (100) and vm1 (200), + 1000 each; wave 2: vm2 (300) + 1000 */
	assert_int_equal(p.steps[1].predicted_end_ms, 1200);
	assert_int_equal(p.steps[2].predicted_start_ms, 1200);
	assert_int_equal(p.predicted_ms, 2500);
	assert_string_equal(p.overhead_from, "a-priori");
	o.overhead_ms = 0;
	o.overhead_from = NULL;
	assert_int_equal(drainplan_build(vms, 3, &o, &p), 0);
	assert_int_equal(p.predicted_ms, 500);
	assert_string_equal(p.overhead_from, "");
}

int
main(int argc, char **argv)
{
	static const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_bad_arguments),
	        cmocka_unit_test(test_input_order_does_not_matter),
	        cmocka_unit_test(test_waves_add_up),
	        cmocka_unit_test(test_names),
	        cmocka_unit_test(test_overhead),
	        cmocka_unit_test(test_overhead_in_waves),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
