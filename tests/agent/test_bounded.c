/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_bounded.c - a blocking call is given up on after its deadline. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bounded.h"
#include "ferry/clock.h"

static int
quick_fn(void *arg)
{
	return *(int *)arg + 1;
}

/* Static: the worker outlives the test function that gave up on it. */
static int slow_arg = 1000;

static int
slow_fn(void *arg)
{
	usleep((useconds_t) * (int *)arg * 1000u);
	return 7;
}

static void
test_in_time(void **state)
{
	int arg = 41;
	int result = 0;

	(void)state;
	assert_int_equal(bounded_run(quick_fn, &arg, 1000, &result), 0);
	assert_int_equal(result, 42);
}

static void
test_timeout(void **state)
{
	int result = -1;
	uint64_t t0 = ferry_clock_ms();

	(void)state;
	assert_int_equal(bounded_run(slow_fn, &slow_arg, 50, &result), -ETIMEDOUT);
	assert_true(ferry_clock_ms() - t0 < 900);
	assert_int_equal(result, -1); /* untouched */
	usleep(1100 * 1000);          /* let the worker finish and free the job */
}

static int orphan_result = -1;
static int orphan_arg = 100;

static void
orphan_fn(void *arg, int result)
{
	orphan_result = result + *(int *)arg;
}

static void
test_orphan(void **state)
{
	int result = -1;

	(void)state;
	assert_int_equal(bounded_run_orphan(slow_fn, &orphan_arg, 10, &result, orphan_fn),
	                 -ETIMEDOUT);
	assert_int_equal(orphan_result, -1);
	usleep(300 * 1000);
	assert_int_equal(orphan_result, 107); /* the late worker handed its result over */
	/* in time: no orphan call */
	orphan_result = -1;
	assert_int_equal(bounded_run_orphan(quick_fn, &orphan_arg, 1000, &result, orphan_fn), 0);
	assert_int_equal(result, 101);
	usleep(10 * 1000);
	assert_int_equal(orphan_result, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_in_time),
	        cmocka_unit_test(test_timeout),
	        cmocka_unit_test(test_orphan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
