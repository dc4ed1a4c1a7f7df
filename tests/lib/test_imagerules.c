/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_imagerules - the pure "may this image be restored" rule. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/imagestore.h"

#define UUID_A "4f1c2a9e-0b7d-4c3e-9a51-7d2e8f6b1c00"
#define UUID_B "4f1c2a9e-0b7d-4c3e-9a51-7d2e8f6b1c01"

static struct image_meta
good_meta(void)
{
	struct image_meta m;

	memset(&m, 0, sizeof(m));
	memcpy(m.uuid, UUID_A, sizeof(UUID_A));
	m.generation = 7;
	m.size_bytes = 3u << 20;
	m.head_crc = 0x11111111;
	m.tail_crc = 0x22222222;
	m.consumed = false;
	return m;
}

static struct image_observed
good_obs(void)
{
	struct image_observed o = {
	        .image_exists = true,
	        .meta_exists = true,
	        .size_bytes = 3u << 20,
	        .head_crc = 0x11111111,
	        .tail_crc = 0x22222222,
	        .meta_unreadable = false,
	};

	return o;
}

static void
test_valid(void **state)
{
	struct image_meta m = good_meta();
	struct image_observed o = good_obs();

	(void)state;
	assert_int_equal(imagerules_judge(UUID_A, 7, &m, &o), IMAGE_VALID);
	/* UUID compared without regard to case (libvirt prints lower case) */
	assert_int_equal(imagerules_judge("4F1C2A9E-0B7D-4C3E-9A51-7D2E8F6B1C00", 7, &m, &o),
	                 IMAGE_VALID);
}

static void
test_each_rule(void **state)
{
	struct image_meta m;
	struct image_observed o;

	(void)state;

	o = good_obs();
	o.image_exists = false;
	assert_int_equal(imagerules_judge(UUID_A, 7, NULL, &o), IMAGE_NONE);
	assert_int_equal(imagerules_judge(UUID_A, 7, NULL, NULL), IMAGE_NONE);

	o = good_obs();
	o.meta_exists = false;
	assert_int_equal(imagerules_judge(UUID_A, 7, NULL, &o), IMAGE_TRUNCATED);

	o = good_obs();
	o.meta_exists = false;
	o.meta_unreadable = true;
	assert_int_equal(imagerules_judge(UUID_A, 7, NULL, &o), IMAGE_CORRUPT);

	m = good_meta();
	o = good_obs();
	assert_int_equal(imagerules_judge(UUID_B, 7, &m, &o), IMAGE_WRONG_UUID);
	assert_int_equal(imagerules_judge("", 7, &m, &o), IMAGE_WRONG_UUID);
	assert_int_equal(imagerules_judge(NULL, 7, &m, &o), IMAGE_WRONG_UUID);

	m = good_meta();
	m.consumed = true;
	assert_int_equal(imagerules_judge(UUID_A, 7, &m, &o), IMAGE_CONSUMED);

	m = good_meta();
	assert_int_equal(imagerules_judge(UUID_A, 8, &m, &o), IMAGE_STALE);
	assert_int_equal(imagerules_judge(UUID_A, 6, &m, &o), IMAGE_CORRUPT);

	o = good_obs();
	o.size_bytes--;
	assert_int_equal(imagerules_judge(UUID_A, 7, &m, &o), IMAGE_TRUNCATED);
	o.size_bytes += 2;
	assert_int_equal(imagerules_judge(UUID_A, 7, &m, &o), IMAGE_TRUNCATED);

	o = good_obs();
	o.head_crc ^= 1;
	assert_int_equal(imagerules_judge(UUID_A, 7, &m, &o), IMAGE_CORRUPT);
	o = good_obs();
	o.tail_crc ^= 0x80000000;
	assert_int_equal(imagerules_judge(UUID_A, 7, &m, &o), IMAGE_CORRUPT);
}

/* When several things are wrong, the order in imagestore.h decides. */
/* The whole image's CRC, where one was recorded (a stop that saved) and
 * measured: a difference anywhere is corrupt; none recorded is no check. */
static void
test_body_crc(void **state)
{
	struct image_meta m = good_meta();
	struct image_observed o = good_obs();

	(void)state;
	m.has_body_crc = true;
	m.body_crc = 0x12345678u;
	o.body_measured = true;
	o.body_crc = 0x12345678u;
	assert_int_equal(imagerules_judge(UUID_A, 7, &m, &o), IMAGE_VALID);
	o.body_crc = 0x12345679u;
	assert_int_equal(imagerules_judge(UUID_A, 7, &m, &o), IMAGE_CORRUPT);
	m.has_body_crc = false;
	assert_int_equal(imagerules_judge(UUID_A, 7, &m, &o), IMAGE_VALID);
}

static void
test_precedence(void **state)
{
	struct image_meta m = good_meta();
	struct image_observed o = good_obs();

	(void)state;
	m.consumed = true;
	o.size_bytes = 1;
	assert_int_equal(imagerules_judge(UUID_B, 9, &m, &o), IMAGE_WRONG_UUID);
	assert_int_equal(imagerules_judge(UUID_A, 9, &m, &o), IMAGE_CONSUMED);
	m.consumed = false;
	assert_int_equal(imagerules_judge(UUID_A, 9, &m, &o), IMAGE_STALE);
	assert_int_equal(imagerules_judge(UUID_A, 7, &m, &o), IMAGE_TRUNCATED);
}

static void
test_names(void **state)
{
	(void)state;
	for (int v = 0; v < _IMAGE_VERDICT_MAX; v++) {
		const char *n = image_verdict_name((enum image_verdict)v);

		assert_non_null(n);
		/* used in file names */
		assert_null(strpbrk(n, "/ \t\n."));
	}
	assert_string_equal(image_verdict_name(IMAGE_STALE), "stale");
	assert_string_equal(image_verdict_name(IMAGE_WRONG_UUID), "wrong-uuid");
	assert_null(image_verdict_name(_IMAGE_VERDICT_MAX));
	assert_null(image_verdict_name((enum image_verdict) - 1));
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_valid),    cmocka_unit_test(test_each_rule),
	        cmocka_unit_test(test_body_crc), cmocka_unit_test(test_precedence),
	        cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("imagerules", tests, NULL, NULL);
}
