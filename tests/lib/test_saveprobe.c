/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_saveprobe - the save-dir probe: cache line, cache path, a real probe, the cache. */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "ferry/saveprobe.h"

#define MIB ((uint64_t)1024 * 1024)

static char tmp[256];

static void
test_format_parse(void **state)
{
	struct saveprobe p = {
	        .write_bps = 1000, .read_bps = 2000, .at_unix_s = 1795000000, .direct = true};
	struct saveprobe back;
	char buf[128];

	(void)state;
	assert_true(saveprobe_format(&p, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "ferry-probe-v1 1000 2000 1795000000 1\n");
	assert_int_equal(saveprobe_parse(buf, &back), 0);
	assert_int_equal(back.write_bps, 1000);
	assert_int_equal(back.read_bps, 2000);
	assert_int_equal(back.at_unix_s, 1795000000);
	assert_true(back.direct);
	assert_int_equal(saveprobe_format(&p, buf, 10), -ENOBUFS);

	static const char *const bad[] = {
	        "",
	        "ferry-probe-v1 1000 2000 1795000000 1",    /* no newline: torn */
	        "ferry-probe-v1 1000 2000 1795000000 1\nx", /* junk */
	        "ferry-probe-v2 1000 2000 1795000000 1\n",  /* another version */
	        "ferry-probe-v1 0 2000 1795000000 1\n",     /* a bandwidth of 0 */
	        "ferry-probe-v1 1000 2000 1795000000 2\n",
	        "ferry-probe-v1 1000 2000 -5 1\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (saveprobe_parse(bad[i], &back) != -EBADMSG)
			fail_msg("accepted %s", bad[i]);
}

static void
test_cache_path(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(saveprobe_cache_path("/run/ferry", "/shared/save", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/run/ferry/saveprobe_shared_save");
	assert_int_equal(
	        saveprobe_cache_path("/run/ferry", "/a/very/long/save/dir/name/indeed", buf, 40),
	        -ENAMETOOLONG);
}

static void
test_probe_and_cache(void **state)
{
	char save[300], cache[300], file[400];
	struct saveprobe p, again;
	int64_t age = 0;
	FILE *f;

	(void)state;
	snprintf(save, sizeof(save), "%s/save", tmp);
	snprintf(cache, sizeof(cache), "%s/cache", tmp);
	assert_int_equal(mkdir(save, 0700), 0);

	assert_int_equal(saveprobe_run(save, 3 * MIB / 2, &p), -EINVAL);
	assert_int_equal(saveprobe_get(save, cache, 2 * MIB, 600, &p, &age), 0);
	assert_int_equal(age, -1);
	assert_true(p.write_bps > 0);
	assert_true(p.read_bps > 0);
	assert_int_equal(testutil_count_entries(save), 0); /* the probe file is gone */
	/* the second call is served from the cache */
	assert_int_equal(saveprobe_get(save, cache, 2 * MIB, 600, &again, &age), 0);
	assert_true(age >= 0);
	assert_int_equal(again.write_bps, p.write_bps);
	/* too old: probed again */
	assert_int_equal(saveprobe_cache_path(cache, save, file, sizeof(file)), 0);
	f = fopen(file, "we");
	assert_non_null(f);
	fprintf(f, "ferry-probe-v1 7 7 %lld 1\n", (long long)time(NULL) - 700);
	fclose(f);
	assert_int_equal(saveprobe_get(save, cache, 2 * MIB, 600, &again, &age), 0);
	assert_int_equal(age, -1);
	assert_true(again.write_bps != 7);
	/* a dir that does not exist */
	assert_int_equal(saveprobe_get("/nonexistent-ferry-dir", NULL, 2 * MIB, 600, &p, &age),
	                 -ENOENT);
}

static int
group_setup(void **state)
{
	(void)state;
	testutil_tmpdir(tmp, sizeof(tmp), "saveprobe");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	testutil_rmrf(tmp);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_format_parse),
	        cmocka_unit_test(test_cache_path),
	        cmocka_unit_test(test_probe_and_cache),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
