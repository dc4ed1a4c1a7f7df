/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_numparse - strict unsigned decimals: what is accepted, what is refused. */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ferry/macros.h"
#include "ferry/numparse.h"

/* what an out-param holds when the parser must not write it */
#define UNTOUCHED 0x5a5a5a5a5a5a5a5aULL

/* text, expected return, value when it returns 0 */
static const struct numparse_case {
	const char *text;
	int rc;
	uint64_t value;
} u64_cases[] = {
        {"0", 0, 0},
        {"7", 0, 7},
        {"42", 0, 42},
        {"007", 0, 7},
        {"0000000000000000000000000000001", 0, 1},
        {"4294967296", 0, 4294967296ULL},
        {"18446744073709551614", 0, UINT64_MAX - 1},
        {"18446744073709551615", 0, UINT64_MAX},
        {"000000000000000000000018446744073709551615", 0, UINT64_MAX},
        {"18446744073709551616", -ERANGE, 0},
        {"99999999999999999999", -ERANGE, 0},
        {"100000000000000000000", -ERANGE, 0},
        {"340282366920938463463374607431768211456", -ERANGE, 0},
        /* junk wins over size: the text is not a number at all */
        {"99999999999999999999x", -EINVAL, 0},
        {"", -EINVAL, 0},
        {"-1", -EINVAL, 0},
        {"-0", -EINVAL, 0},
        {"+1", -EINVAL, 0},
        {"--1", -EINVAL, 0},
        {" 1", -EINVAL, 0},
        {"\t1", -EINVAL, 0},
        {"\n5", -EINVAL, 0},
        {"1 ", -EINVAL, 0},
        {"5\n", -EINVAL, 0},
        {"1x", -EINVAL, 0},
        {"x1", -EINVAL, 0},
        {"12a", -EINVAL, 0},
        {"0x10", -EINVAL, 0},
        {"0X1F", -EINVAL, 0},
        {"1.5", -EINVAL, 0},
        {"9.0", -EINVAL, 0},
        {"1e3", -EINVAL, 0},
        {"1,000", -EINVAL, 0},
        {"1_000", -EINVAL, 0},
        {"\xd9\xa1", -EINVAL, 0}, /* ARABIC-INDIC DIGIT ONE */
};

static void
test_u64(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(u64_cases); i++) {
		const struct numparse_case *c = &u64_cases[i];
		uint64_t v = UNTOUCHED;
		int r = ferry_parse_u64(c->text, &v);

		if (r != c->rc)
			print_message("# '%s'\n", c->text);
		assert_int_equal(r, c->rc);
		assert_true(v == (r == 0 ? c->value : UNTOUCHED));
	}
}

/* What the callers did before (params_parse_u64, ctlcib_parse_u32,
 * domxml_parse_u64, config.c's set_u32): a leading digit, then strtoull to
 * the end without ERANGE.  The shared parser must accept exactly that. */
static int
strtoull_reference(const char *text, uint64_t *ret)
{
	char *end = NULL;
	unsigned long long v;

	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0 || end == NULL || *end != '\0')
		return -EINVAL;
	*ret = v;
	return 0;
}

static void
test_u64_accepts_what_strtoull_did(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(u64_cases); i++) {
		uint64_t ours = UNTOUCHED;
		uint64_t before = UNTOUCHED;
		bool ok = ferry_parse_u64(u64_cases[i].text, &ours) == 0;

		assert_true(ok == (strtoull_reference(u64_cases[i].text, &before) == 0));
		assert_true(ours == before);
	}
}

/* One character: a digit and nothing else, for every byte but NUL. */
static void
test_u64_every_byte(void **state)
{
	(void)state;
	for (int c = 1; c < 256; c++) {
		char text[2] = {(char)c, '\0'};
		uint64_t v = UNTOUCHED;
		bool digit = c >= '0' && c <= '9';

		assert_int_equal(ferry_parse_u64(text, &v), digit ? 0 : -EINVAL);
		assert_true(v == (digit ? (uint64_t)(c - '0') : UNTOUCHED));
	}
}

/* The overflow check at every length: 10^k fits up to k = 19, 10^20 does not. */
static void
test_u64_powers_of_ten(void **state)
{
	char text[32] = "1";
	uint64_t want = 1;

	(void)state;
	for (size_t k = 0; k <= 19; k++) {
		uint64_t v = UNTOUCHED;

		assert_int_equal(ferry_parse_u64(text, &v), 0);
		assert_true(v == want);
		text[k + 1] = '0';
		text[k + 2] = '\0';
		want *= 10;
	}
	assert_int_equal(ferry_parse_u64(text, &want), -ERANGE); /* 10^20 */
}

static void
test_u32_range(void **state)
{
	static const struct {
		const char *text;
		uint32_t min, max;
		int rc;
		uint32_t value;
	} cases[] = {
	        {"10", 10, 20, 0, 10},
	        {"020", 10, 20, 0, 20},
	        {"0", 0, 0, 0, 0},
	        {"4294967295", 0, UINT32_MAX, 0, UINT32_MAX},
	        {"9", 10, 20, -ERANGE, 0},
	        {"21", 10, 20, -ERANGE, 0},
	        {"4294967296", 0, UINT32_MAX, -ERANGE, 0},
	        {"18446744073709551616", 0, UINT32_MAX, -ERANGE, 0},
	        {"", 0, 20, -EINVAL, 0},
	        {"-1", 0, 20, -EINVAL, 0},
	        {"15ms", 10, 20, -EINVAL, 0},
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		uint32_t v = 77;
		int r = ferry_parse_u32_range(cases[i].text, cases[i].min, cases[i].max, &v);

		if (r != cases[i].rc)
			print_message("# '%s' in %u..%u\n", cases[i].text, cases[i].min,
			              cases[i].max);
		assert_int_equal(r, cases[i].rc);
		assert_int_equal(v, r == 0 ? cases[i].value : 77);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_u64),
	        cmocka_unit_test(test_u64_accepts_what_strtoull_did),
	        cmocka_unit_test(test_u64_every_byte),
	        cmocka_unit_test(test_u64_powers_of_ten),
	        cmocka_unit_test(test_u32_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
