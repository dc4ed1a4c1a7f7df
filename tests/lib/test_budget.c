/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_budget - the split of Pacemaker's operation timeout (numbers in budget.h). */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/budget.h"

#define MIB (1024ull * 1024)
#define GIB (1024ull * MIB)

struct row {
	const char *what;
	struct budget_input in;
	int ret;
	uint64_t op, abort, fallback, live;
};

static const struct row rows[] = {
        /* what                       timeout  mem  per_gib fb   save_bps     ret  op  abort
           fallback live */
        {"default timeout, no fallback", {0, 4 * GIB, 0, false, 0}, 0, 120000, 12000, 0, 108000},
        {"120 s, 4 GiB, fallback", {120000, 4 * GIB, 0, true, 0}, 0, 120000, 12000, 61200, 46800},
        {"120 s, 512 MiB, fallback",
         {120000, 512 * MIB, 0, true, 0},
         0,
         120000,
         12000,
         16400,
         91600},
        {"30 s: abort reserve floor 5 s", {30000, 1 * GIB, 0, false, 0}, 0, 30000, 5000, 0, 25000},
        {"600 s, 16 GiB, fallback",
         {600000, 16 * GIB, 0, true, 0},
         0,
         600000,
         60000,
         214800,
         325200},
        {"fast shared storage 1 GiB/s",
         {120000, 8 * GIB, 0, true, GIB},
         0,
         120000,
         12000,
         30000,
         78000},
        {"odd size rounds up", {60000, 1, 0, true, 0}, 0, 60000, 6000, 10002, 43998},
        {"per-GiB cap 10 s x 2 GiB", {120000, 2 * GIB, 10, false, 0}, 0, 120000, 12000, 0, 20000},
        {"per-GiB cap above remainder",
         {120000, 16 * GIB, 10, false, 0},
         0,
         120000,
         12000,
         0,
         108000},
        {"per-GiB cap floor 2 s", {120000, 64 * MIB, 10, false, 0}, 0, 120000, 12000, 0, 2000},
        {"zero memory", {20000, 0, 0, true, 0}, 0, 20000, 5000, 10000, 5000},
        {"ETIME: reserves eat it all", {20000, 1 * GIB, 0, true, 0}, -ETIME, 0, 0, 0, 0},
        {"ETIME: tiny timeout", {9999, 0, 0, false, 0}, -ETIME, 0, 0, 0, 0},
        {"ETIME: 1 ms", {1, 0, 0, false, 0}, -ETIME, 0, 0, 0, 0},
        {"ETIME: 64 GiB needs more", {120000, 64 * GIB, 0, true, 0}, -ETIME, 0, 0, 0, 0},
        {"huge memory saturates", {UINT64_MAX, UINT64_MAX, 0, true, 1}, -ETIME, 0, 0, 0, 0},
};

static void
test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *w = &rows[i];
		struct budget b;
		int r;

		memset(&b, 0x5a, sizeof(b));
		r = budget_compute(&w->in, &b);
		if (r != w->ret)
			fail_msg("%s: returned %d, expected %d", w->what, r, w->ret);
		if (r < 0) {
			/* nothing written on failure */
			assert_int_equal(b.live_deadline_ms, 0x5a5a5a5a5a5a5a5aull);
			continue;
		}
		if (b.op_timeout_ms != w->op || b.abort_reserve_ms != w->abort ||
		    b.fallback_reserve_ms != w->fallback || b.live_deadline_ms != w->live)
			fail_msg("%s: got op %llu abort %llu fallback %llu live %llu", w->what,
			         (unsigned long long)b.op_timeout_ms,
			         (unsigned long long)b.abort_reserve_ms,
			         (unsigned long long)b.fallback_reserve_ms,
			         (unsigned long long)b.live_deadline_ms);
	}
}

/* Whatever the input, a success leaves the reserves intact inside the timeout. */
static void
test_invariants(void **state)
{
	static const uint64_t timeouts[] = {0, 5000, 10000, 20000, 60000, 120000, 3600000};
	static const uint64_t mems[] = {0, 1, 128 * MIB, GIB, 4 * GIB, 32 * GIB, 256 * GIB};
	static const uint32_t per_gib[] = {0, 1, 10, 100};

	(void)state;
	for (size_t t = 0; t < sizeof(timeouts) / sizeof(timeouts[0]); t++)
		for (size_t m = 0; m < sizeof(mems) / sizeof(mems[0]); m++)
			for (size_t g = 0; g < sizeof(per_gib) / sizeof(per_gib[0]); g++)
				for (int fb = 0; fb < 2; fb++) {
					struct budget_input in = {timeouts[t], mems[m], per_gib[g],
					                          fb != 0, 0};
					struct budget b;
					int r = budget_compute(&in, &b);

					if (r == -ETIME)
						continue;
					assert_int_equal(r, 0);
					assert_true(b.live_deadline_ms >= BUDGET_MIN_CAP_MS);
					assert_true(b.live_deadline_ms + b.abort_reserve_ms +
					                    b.fallback_reserve_ms <=
					            b.op_timeout_ms);
					assert_true(b.abort_reserve_ms >= BUDGET_ABORT_MIN_MS);
					assert_true(fb != 0 || b.fallback_reserve_ms == 0);
				}
}

static void
test_null(void **state)
{
	struct budget_input in = {0};
	struct budget b;

	(void)state;
	assert_int_equal(budget_compute(NULL, &b), -EINVAL);
	assert_int_equal(budget_compute(&in, NULL), -EINVAL);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_table),
	        cmocka_unit_test(test_invariants),
	        cmocka_unit_test(test_null),
	};

	return cmocka_run_group_tests_name("budget", tests, NULL, NULL);
}
