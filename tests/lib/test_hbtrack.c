/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_hbtrack - the lab's heartbeat bookkeeping (scripts/guest/hbtrack.c): resets (another
 * boot, a counter that went back), skips, and whether the stream stayed back after a reset
 * (a stale image, a reboot) or went on past it (one line out of place). */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hbtrack.h"

#define BOOT_A "0123456789abcdef"
#define BOOT_B "fedcba9876543210"
#define MS     1000000LL

/* Feeds "<boot> <counter>" lines 10 ms apart; returns the JSON the tools print. */
static char *
feed(struct hbtrack *t, const char *boot, const uint64_t *counters, size_t n)
{
	char line[64], *buf = NULL;
	size_t len;
	FILE *f;

	for (size_t i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "%s %llu", boot, (unsigned long long)counters[i]);
		assert_int_equal(hbtrack_line(t, (int64_t)(t->lines + 1) * 10 * MS, line), 0);
	}
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	hbtrack_json_members(t, (int64_t)(t->lines + 1) * 10 * MS, f);
	fclose(f);
	return buf;
}

static void
expect(const char *json, const char *member)
{
	if (strstr(json, member) == NULL)
		fail_msg("%s not in %s", member, json);
}

static void
test_in_sequence(void **state)
{
	const uint64_t c[] = {100, 101, 102, 103};
	struct hbtrack t;
	char *j;

	(void)state;
	hbtrack_init(&t, 0, 100 * MS);
	j = feed(&t, BOOT_A, c, 4);
	expect(j, "\"counter_resets\":0,\"skipped\":0,\"resets\":[]");
	expect(j, "\"first_counter\":100,\"last_counter\":103");
	free(j);
}

/* A serial byte lost in one line (10123 -> 1023): a reset, but the stream went on past it. */
static void
test_one_line_out_of_place(void **state)
{
	const uint64_t c[] = {10121, 10122, 1023, 10124, 10125};
	struct hbtrack t;
	char *j;

	(void)state;
	hbtrack_init(&t, 0, 100 * MS);
	j = feed(&t, BOOT_A, c, 5);
	expect(j, "\"counter_resets\":1");
	expect(j, "\"counter_before\":10122,\"counter_after\":1023,\"new_boot\":false,"
	          "\"stayed_back\":false}]");
	free(j);
}

/* A stale memory image: the counter goes back and goes on from there. */
static void
test_stale_restore(void **state)
{
	const uint64_t c[] = {500, 501, 502, 300, 301, 302};
	struct hbtrack t;
	char *j;

	(void)state;
	hbtrack_init(&t, 0, 100 * MS);
	j = feed(&t, BOOT_A, c, 6);
	expect(j, "\"counter_resets\":1,\"skipped\":0");
	expect(j, "\"at_s\":0.040,\"counter_before\":502,\"counter_after\":300,"
	          "\"new_boot\":false,\"stayed_back\":true}]");
	free(j);
}

static void
test_new_boot(void **state)
{
	const uint64_t a[] = {40, 41, 42}, b[] = {1, 2, 3};
	struct hbtrack t;
	char *j;

	(void)state;
	hbtrack_init(&t, 0, 100 * MS);
	free(feed(&t, BOOT_A, a, 3));
	j = feed(&t, BOOT_B, b, 3);
	expect(j, "\"boot_id\":\"" BOOT_B "\"");
	expect(j, "\"counter_resets\":1,\"skipped\":0");
	expect(j, "\"counter_before\":42,\"counter_after\":1,\"new_boot\":true,"
	          "\"stayed_back\":true}]");
	free(j);
}

/* The last line went back: no next line yet to say whether it stayed back. */
static void
test_reset_at_end(void **state)
{
	const uint64_t c[] = {10, 11, 12, 3};
	struct hbtrack t;
	char *j;

	(void)state;
	hbtrack_init(&t, 0, 100 * MS);
	j = feed(&t, BOOT_A, c, 4);
	expect(j, "\"last_counter\":3,\"counter_resets\":1,\"skipped\":0");
	expect(j, "\"stayed_back\":null}]");
	free(j);
}

/* Only the first HBTRACK_MAX_RESETS are listed; all are counted. */
static void
test_many_resets(void **state)
{
	uint64_t c[2 * (HBTRACK_MAX_RESETS + 2)];
	struct hbtrack t;
	char *j;

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		c[i] = i % 2 == 0 ? 1000 + i : 5; /* a second copy interleaving */
	hbtrack_init(&t, 0, 100 * MS);
	j = feed(&t, BOOT_A, c, sizeof(c) / sizeof(c[0]));
	expect(j, "\"counter_resets\":10");
	assert_int_equal(t.n_resets, HBTRACK_MAX_RESETS + 2);
	assert_int_equal(t.reset_list[HBTRACK_MAX_RESETS - 1].stayed_back, 0);
	free(j);
}

static void
test_not_a_line(void **state)
{
	struct hbtrack t;

	(void)state;
	hbtrack_init(&t, 0, 100 * MS);
	assert_int_equal(hbtrack_line(&t, 0, BOOT_A " 12[ 3.1] rcu: stall"), -EINVAL);
	assert_int_equal(hbtrack_line(&t, 0, "0123456789abcde 12"), -EINVAL);
	assert_int_equal(t.lines, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_in_sequence),   cmocka_unit_test(test_one_line_out_of_place),
	        cmocka_unit_test(test_stale_restore), cmocka_unit_test(test_new_boot),
	        cmocka_unit_test(test_reset_at_end),  cmocka_unit_test(test_many_resets),
	        cmocka_unit_test(test_not_a_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
