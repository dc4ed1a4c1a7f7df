/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_restorewatch - splitting a restore into QEMU start and image read:
 * the pure split on the two traces seen in the lab (libvirt 11.3 / QEMU 10.0,
 * a 512 MiB guest: sparse and raw images), on traces without a wait, and the
 * watcher on a fake /proc tree (a QEMU appears, reads, waits, reads).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "ferry/clock.h"
#include "restorewatch.h"
#include "testutil.h"

#define MIB (1024u * 1024u)

/* rchar in MiB every 100 ms: firmware, kernel and initrd (14 MiB), a wait,
 * then the stream; a last still stretch after the read is not the wait. */
static void
test_split_lab_traces(void **state)
{
	uint64_t t[] = {0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200};
	uint64_t sparse[] = {0, 0, 13, 14, 14, 14, 14, 57, 196, 309, 488, 488, 488};
	uint64_t raw[] = {0, 13, 14, 14, 14, 33, 73, 173, 264, 400, 470, 470, 470};

	(void)state;
	for (size_t i = 0; i < 13; i++) {
		sparse[i] *= MIB;
		raw[i] *= MIB;
	}
	assert_int_equal(restorewatch_read_start(t, sparse, 13), 700);
	assert_int_equal(restorewatch_read_start(t, raw, 13), 500);
}

static void
test_split_without_wait(void **state)
{
	uint64_t t[] = {0, 10, 20, 30, 40, 50};
	uint64_t growing[] = {1, 2, 3, 4, 5, 6};
	uint64_t idle[] = {0, 0, 0, 0, 0, 0};

	(void)state;
	assert_int_equal(restorewatch_read_start(t, growing, 6), -1);
	assert_int_equal(restorewatch_read_start(t, idle, 6), -1);
	assert_int_equal(restorewatch_read_start(t, growing, 2), -1);
	assert_int_equal(restorewatch_read_start(NULL, NULL, 0), -1);
}

static void
fake_qemu(const char *root, const char *uuid, uint64_t rchar)
{
	char path[512];
	char text[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/4242", root);
	(void)mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/4242/comm", root);
	testutil_write(path, "qemu-system-x86\n");
	snprintf(path, sizeof(path), "%s/4242/cmdline", root);
	f = fopen(path, "we");
	assert_non_null(f);
	fprintf(f, "/usr/bin/qemu-system-x86_64%c-uuid%c%s%c", 0, 0, uuid, 0);
	fclose(f);
	snprintf(path, sizeof(path), "%s/4242/io", root);
	snprintf(text, sizeof(text), "rchar: %llu\nwchar: 0\n", (unsigned long long)rchar);
	testutil_write(path, text);
}

static void
test_watch_fake_proc(void **state)
{
	const char *uuid = "a1b2c3d4-0000-4000-8000-00000000f001";
	char root[256];
	struct restorewatch *w = NULL;
	int64_t start = 0;
	int64_t read_ms = 0;

	(void)state;
	testutil_tmpdir(root, sizeof(root), "rwatch");
	assert_int_equal(restorewatch_start(root, uuid, &w), 0);
	ferry_sleep_ms(30);
	fake_qemu(root, uuid, 14 * MIB);
	ferry_sleep_ms(300); /* the wait for libvirt */
	fake_qemu(root, uuid, 200 * MIB);
	ferry_sleep_ms(60);
	fake_qemu(root, uuid, 400 * MIB);
	ferry_sleep_ms(60);
	restorewatch_stop(w, &start, &read_ms);
	printf("# fake restore: QEMU start %lld ms, read %lld ms\n", (long long)start,
	       (long long)read_ms);
	/* order, not time: the split (when a starved thread saw the wait at
	 * all) lies after the QEMU appeared and leaves a read behind it */
	if (start >= 0) {
		assert_true(start >= 30);
		assert_true(read_ms >= 0);
	} else {
		assert_int_equal(read_ms, -1);
	}
	restorewatch_stop(NULL, &start, &read_ms);
	assert_int_equal(start, -1);
	assert_int_equal(read_ms, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_split_lab_traces),
	        cmocka_unit_test(test_split_without_wait),
	        cmocka_unit_test(test_watch_fake_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
