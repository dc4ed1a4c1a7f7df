/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_textout - bounded output (snprintf's contract), messages into a caller's buffer
 * and the one JSON string escape. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ferry/textout.h"

static void
test_bounded(void **state)
{
	char buf[8];
	struct textout o;

	(void)state;
	textout_init(&o, buf, sizeof(buf));
	textout_printf(&o, "%s", "abc");
	assert_string_equal(buf, "abc");
	assert_int_equal(o.need, 3);
	textout_printf(&o, "%d", 123456); /* does not fit: cut, NUL kept, need counts all */
	assert_string_equal(buf, "abc1234");
	assert_int_equal(o.need, 9);
	textout_printf(&o, "x");
	assert_int_equal(o.need, 10);
	assert_string_equal(buf, "abc1234");
	/* counting only */
	textout_init(&o, NULL, 0);
	textout_printf(&o, "%s", "hello");
	assert_int_equal(o.need, 5);
}

static void
test_msg(void **state)
{
	char buf[8] = "old";

	(void)state;
	textout_msg(buf, sizeof(buf), "%s %d", "no", 12); /* replaces what was there */
	assert_string_equal(buf, "no 12");
	textout_msg(buf, sizeof(buf), "%s", "too long for it"); /* cut, NUL kept */
	assert_string_equal(buf, "too lon");
	textout_msg(buf, 0, "%s", "x"); /* no room: untouched */
	assert_string_equal(buf, "too lon");
	textout_msg(NULL, 16, "%s", "x"); /* no buffer: nothing, no crash */
}

static void
test_json_escape(void **state)
{
	char buf[128];
	struct textout o;
	char *mem = NULL;
	size_t len = 0;
	FILE *f;
	const char *in = "a\"b\\c\nd\re\tf\bg\fh\x01i\x7fj\xc3\xb6";
	const char *want = "\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0001i\\u007fj\\u00f6\"";

	(void)state;
	textout_init(&o, buf, sizeof(buf));
	textout_json_str(&o, in);
	assert_string_equal(buf, want);
	/* the stream form writes the same bytes */
	f = open_memstream(&mem, &len);
	assert_non_null(f);
	json_fputs_str(in, f);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(mem, want);
	free(mem);
	/* at most max bytes of an unterminated field */
	textout_init(&o, buf, sizeof(buf));
	textout_json_strn(&o, "abcdef", 3);
	assert_string_equal(buf, "\"abc\"");
	/* UTF-8 of 2, 3 and 4 bytes; stray, overlong, surrogate and cut bytes */
	textout_init(&o, buf, sizeof(buf));
	textout_json_str(
	        &o, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82");
	assert_string_equal(buf, "\"\\u00e9\\u20ac\\ud83d\\ude00|\\ufffd|\\ufffd\\ufffd|"
	                         "\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\"");
	/* a sequence cut by max is not read past max */
	textout_init(&o, buf, sizeof(buf));
	textout_json_strn(&o, "a\xc3\xa9", 2);
	assert_string_equal(buf, "\"a\\ufffd\"");
}

/* ferryctl's one clock format: local time, "-" when unset */
static void
test_clock(void **state)
{
	char buf[32];

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	textout_clock(0, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	textout_clock(-5, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	textout_clock(86400000 + 3723000 + 999, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-02 01:02:03");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_bounded),
	        cmocka_unit_test(test_msg),
	        cmocka_unit_test(test_json_escape),
	        cmocka_unit_test(test_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
