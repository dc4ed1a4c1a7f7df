/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_moverec - move records: JSON format, parse, append, read back. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ferry/moverec.h"

static void
sample(struct move_record *r)
{
	moverec_init(r);
	snprintf(r->vm, sizeof(r->vm), "web1");
	snprintf(r->uuid, sizeof(r->uuid), "4f1c2a9e-0b7d-4c3e-9a51-7d2e8f6b1c00");
	snprintf(r->from, sizeof(r->from), "node1");
	snprintf(r->to, sizeof(r->to), "node2");
	snprintf(r->mode, sizeof(r->mode), "live->quick");
	snprintf(r->result, sizeof(r->result), "ok");
	r->start_unix_ms = 1795000000123;
	r->total_ms = 4321;
	r->downtime_ms = 17;
	r->guest_gap_ms = 61;
	r->save_ms = 300;
	r->restore_ms = 310;
	r->bytes = 536870912;
	r->iterations = 4;
	r->max_downtime_ms = 200;
	r->net_bps = 1073741824;
	snprintf(r->predicted_move, sizeof(r->predicted_move), "live");
	snprintf(r->predicted_why, sizeof(r->predicted_why), "live: converges (passes 2)");
	r->predicted_downtime_ms = 66;
	r->predicted_gap_ms = 106;
	r->predicted_total_ms = 1576;
	r->connect_ms = 12;
	r->image_ms = 280;
	r->qemu_start_ms = 190;
	r->restore_read_ms = 110;
	r->resume_ms = 9;
	r->save_channels = 1;
	snprintf(r->image_format, sizeof(r->image_format), "sparse");
	snprintf(r->stack_from, sizeof(r->stack_from), "debian13: libvirt 11.3.0, QEMU 10.0.2");
	snprintf(r->stack_to, sizeof(r->stack_to), "debian13: libvirt 11.3.0, QEMU 10.0.2");
}

static void
assert_records_equal(const struct move_record *a, const struct move_record *b)
{
	assert_string_equal(a->vm, b->vm);
	assert_string_equal(a->uuid, b->uuid);
	assert_string_equal(a->from, b->from);
	assert_string_equal(a->to, b->to);
	assert_string_equal(a->mode, b->mode);
	assert_string_equal(a->result, b->result);
	assert_string_equal(a->error, b->error);
	assert_int_equal(a->start_unix_ms, b->start_unix_ms);
	assert_int_equal(a->total_ms, b->total_ms);
	assert_int_equal(a->downtime_ms, b->downtime_ms);
	assert_int_equal(a->guest_gap_ms, b->guest_gap_ms);
	assert_int_equal(a->save_ms, b->save_ms);
	assert_int_equal(a->restore_ms, b->restore_ms);
	assert_int_equal(a->bytes, b->bytes);
	assert_int_equal(a->iterations, b->iterations);
	assert_int_equal(a->max_downtime_ms, b->max_downtime_ms);
	assert_int_equal(a->net_bps, b->net_bps);
	assert_string_equal(a->predicted_move, b->predicted_move);
	assert_string_equal(a->predicted_why, b->predicted_why);
	assert_int_equal(a->predicted_downtime_ms, b->predicted_downtime_ms);
	assert_int_equal(a->predicted_gap_ms, b->predicted_gap_ms);
	assert_int_equal(a->predicted_total_ms, b->predicted_total_ms);
	assert_int_equal(a->connect_ms, b->connect_ms);
	assert_int_equal(a->image_ms, b->image_ms);
	assert_int_equal(a->qemu_start_ms, b->qemu_start_ms);
	assert_int_equal(a->restore_read_ms, b->restore_read_ms);
	assert_int_equal(a->resume_ms, b->resume_ms);
	assert_int_equal(a->save_channels, b->save_channels);
	assert_string_equal(a->image_format, b->image_format);
	assert_string_equal(a->stack_from, b->stack_from);
	assert_string_equal(a->stack_to, b->stack_to);
}

static void
test_init(void **state)
{
	struct move_record r;

	(void)state;
	memset(&r, 0x55, sizeof(r));
	moverec_init(&r);
	assert_string_equal(r.vm, "");
	assert_string_equal(r.error, "");
	assert_int_equal(r.start_unix_ms, -1);
	assert_int_equal(r.guest_gap_ms, -1);
	assert_int_equal(r.max_downtime_ms, -1);
}

static void
test_format_exact(void **state)
{
	struct move_record r;
	char buf[MOVEREC_MAX_LINE];
	int n;

	(void)state;
	sample(&r);
	n = moverec_format(&r, buf, sizeof(buf));
	assert_string_equal(
	        buf,
	        "{\"vm\":\"web1\",\"uuid\":\"4f1c2a9e-0b7d-4c3e-9a51-7d2e8f6b1c00\","
	        "\"from\":\"node1\",\"to\":\"node2\",\"mode\":\"live->quick\","
	        "\"result\":\"ok\",\"error\":\"\",\"start_unix_ms\":1795000000123,"
	        "\"total_ms\":4321,\"downtime_ms\":17,\"guest_gap_ms\":61,\"save_ms\":300,"
	        "\"restore_ms\":310,\"bytes\":536870912,\"iterations\":4,"
	        "\"max_downtime_ms\":200,\"net_bps\":1073741824,\"predicted_move\":\"live\","
	        "\"predicted_why\":\"live: converges (passes 2)\",\"predicted_downtime_ms\":66,"
	        "\"predicted_gap_ms\":106,\"predicted_total_ms\":1576,\"connect_ms\":12,"
	        "\"image_ms\":280,\"qemu_start_ms\":190,\"restore_read_ms\":110,"
	        "\"resume_ms\":9,\"save_channels\":1,\"image_format\":\"sparse\","
	        "\"stack_from\":\"debian13: libvirt 11.3.0, QEMU 10.0.2\","
	        "\"stack_to\":\"debian13: libvirt 11.3.0, QEMU 10.0.2\"}\n");
	assert_int_equal(n, (int)strlen(buf));

	moverec_init(&r);
	n = moverec_format(&r, buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "\"guest_gap_ms\":-1,"));
}

static void
test_round_trip(void **state)
{
	struct move_record r, back;
	char buf[MOVEREC_MAX_LINE];

	(void)state;
	sample(&r);
	assert_true(moverec_format(&r, buf, sizeof(buf)) > 0);
	assert_int_equal(moverec_parse(buf, &back), 0);
	assert_records_equal(&r, &back);

	/* the extremes a number may take: int64_t's own two are refused (json-c
	 * saturates what does not fit to them, so they cannot be told apart) */
	r.bytes = INT64_MAX - 1;
	r.total_ms = INT64_MIN + 1;
	assert_true(moverec_format(&r, buf, sizeof(buf)) > 0);
	assert_int_equal(moverec_parse(buf, &back), 0);
	assert_records_equal(&r, &back);
	r.bytes = INT64_MAX;
	assert_int_equal(moverec_format(&r, buf, sizeof(buf)), -ERANGE);
	r.bytes = 0;
	r.total_ms = INT64_MIN;
	assert_int_equal(moverec_format(&r, buf, sizeof(buf)), -ERANGE);
}

static void
test_escaping(void **state)
{
	struct move_record r, back;
	char buf[MOVEREC_MAX_LINE];
	char ctl[40];

	(void)state;
	sample(&r);
	snprintf(r.error, sizeof(r.error),
	         "virDomainMigrateToURI3: \"unable\" to connect\\retry\nline2\ttab\r\b\f");
	for (int i = 1; i < 32; i++)
		ctl[i - 1] = (char)i;
	ctl[31] = 0x7f;
	ctl[32] = '\0';
	snprintf(r.vm, sizeof(r.vm), "%s", ctl);
	snprintf(r.to, sizeof(r.to),
	         "n\xc3\xb6"
	         "de"); /* UTF-8 goes out as \\u00f6 */

	assert_true(moverec_format(&r, buf, sizeof(buf)) > 0);
	/* one line: the only newline is the last byte, no raw control byte */
	assert_ptr_equal(strchr(buf, '\n'), buf + strlen(buf) - 1);
	for (const char *p = buf; *p != '\n'; p++)
		assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p != 0x7f);
	assert_non_null(strstr(buf, "\\\"unable\\\" to connect\\\\retry\\nline2\\ttab\\r\\b\\f\""));
	assert_non_null(strstr(buf, "\"vm\":\"\\u0001\\u0002"));
	assert_non_null(strstr(buf, "\\u001f\\u007f\""));

	assert_int_equal(moverec_parse(buf, &back), 0);
	assert_records_equal(&r, &back);
}

static void
test_enobufs(void **state)
{
	struct move_record r;
	char buf[MOVEREC_MAX_LINE];
	int full;

	(void)state;
	sample(&r);
	full = moverec_format(&r, buf, sizeof(buf));
	assert_true(full > 0);
	/* room for the line but not its NUL, and smaller */
	assert_int_equal(moverec_format(&r, buf, (size_t)full), -ENOBUFS);
	assert_int_equal(moverec_format(&r, buf, 10), -ENOBUFS);
	assert_int_equal(moverec_format(&r, buf, 1), -ENOBUFS);
	assert_int_equal(moverec_format(&r, buf, 0), -EINVAL);
	assert_int_equal(moverec_format(&r, buf, (size_t)full + 1), full);

	/* the worst case record: every string full of control bytes (6x longer) */
	memset(r.vm, 1, sizeof(r.vm) - 1);
	r.vm[sizeof(r.vm) - 1] = '\0';
	memset(r.error, 2, sizeof(r.error) - 1);
	r.error[sizeof(r.error) - 1] = '\0';
	memset(r.from, 3, sizeof(r.from) - 1);
	r.from[sizeof(r.from) - 1] = '\0';
	memset(r.to, 4, sizeof(r.to) - 1);
	r.to[sizeof(r.to) - 1] = '\0';
	assert_int_equal(moverec_format(&r, buf, sizeof(buf)), -ENOBUFS);
}

static void
test_parse_garbage(void **state)
{
	static const char *const bad[] = {
	        "",
	        "   ",
	        "not json",
	        "[]",
	        "{",
	        "{\"vm\"",
	        "{\"vm\":",
	        "{\"vm\":\"web1\"",
	        "{\"vm\":\"web1\",}",
	        "{\"vm\":\"web1\"}}",
	        "{\"vm\":\"web1\"} x",
	        "{\"vm\":web1}",
	        "{\"vm\":12}",           /* wrong type */
	        "{\"total_ms\":\"12\"}", /* wrong type */
	        "{\"total_ms\":12.5}",
	        "{\"total_ms\":1e3}",
	        "{\"total_ms\":-}",
	        "{\"total_ms\":007}",
	        "{\"total_ms\":9223372036854775808}",
	        "{\"total_ms\":-9223372036854775809}",
	        "{\"total_ms\":99999999999999999999999}",
	        "{\"total_ms\":9223372036854775807}", /* saturated by json-c: refused */
	        "{\"total_ms\":-9223372036854775808}",
	        "{\"vm\":\"\xff\"}",      /* not UTF-8 */
	        "{\"vm\":\"a\\qb\"}",     /* bad escape */
	        "{\"vm\":\"a\\u12\"}",    /* short \u */
	        "{\"vm\":\"a\\u0000b\"}", /* NUL */
	        "{\"vm\":\"unterminated}",
	        "{\"mode\":\"this is far too long for the mode field\"}",
	        "{vm:\"web1\"}",
	};
	struct move_record r, keep;

	(void)state;
	sample(&keep);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = keep;
		if (moverec_parse(bad[i], &r) != -EBADMSG)
			fail_msg("accepted bad line %zu: %s", i, bad[i]);
		/* nothing written on failure */
		assert_records_equal(&r, &keep);
	}
	assert_int_equal(moverec_parse(NULL, &r), -EINVAL);
}

static void
test_parse_lenient_where_harmless(void **state)
{
	struct move_record r;

	(void)state;
	/* blanks, unknown keys of known kinds, missing keys keep their defaults */
	assert_int_equal(moverec_parse(" { \"vm\" : \"a\\/b\\u00e9\\u20ac\" , \"x\":\"y\", "
	                               "\"n\":-5, \"total_ms\":0 }\n",
	                               &r),
	                 0);
	assert_string_equal(r.vm, "a/b\xc3\xa9\xe2\x82\xac");
	assert_int_equal(r.total_ms, 0);
	assert_int_equal(r.downtime_ms, -1);
	assert_string_equal(r.mode, "");
	assert_int_equal(moverec_parse("{}", &r), 0);
	/* a newer ferry's keys of any type are skipped */
	assert_int_equal(moverec_parse("{\"u1\":[1,2],\"u2\":{\"a\":1},\"u3\":true,\"u4\":null,"
	                               "\"u5\":1.5,\"vm\":\"web2\"}",
	                               &r),
	                 0);
	assert_string_equal(r.vm, "web2");
	assert_int_equal(moverec_parse("{\"a_key_that_is_much_longer_than_any_field_name\":1}", &r),
	                 0);
	assert_int_equal(r.bytes, -1);
	/* a line written before net_bps and the predicted_* keys existed */
	assert_int_equal(moverec_parse("{\"vm\":\"web1\",\"mode\":\"live\",\"result\":\"ok\","
	                               "\"bytes\":5,\"max_downtime_ms\":100}",
	                               &r),
	                 0);
	assert_int_equal(r.max_downtime_ms, 100);
	assert_int_equal(r.net_bps, -1);
	assert_string_equal(r.predicted_move, "");
	assert_string_equal(r.predicted_why, "");
	assert_int_equal(r.predicted_gap_ms, -1);
	assert_int_equal(r.predicted_downtime_ms, -1);
	assert_int_equal(r.predicted_total_ms, -1);
}

/* Pseudo-random bytes must never crash the parser (run under ASan in CI). */
static void
test_parse_fuzz(void **state)
{
	static const char alphabet[] = "{}[]\":,\\u0123456789-abcdefvmtol_ \n\t\x01\xff";
	char line[256];
	uint32_t x = 12345;
	struct move_record r, good;
	char buf[MOVEREC_MAX_LINE];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t len;

		x = x * 1103515245 + 12345;
		len = (x >> 16) % (sizeof(line) - 1);
		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245 + 12345;
			line[i] = alphabet[(x >> 16) % (sizeof(alphabet) - 1)];
		}
		line[len] = '\0';
		(void)moverec_parse(line, &r);
	}
	/* truncations of a good line */
	sample(&good);
	assert_true(moverec_format(&good, buf, sizeof(buf)) > 0);
	for (size_t cut = 0; cut + 2 < strlen(buf); cut++) {
		char t[MOVEREC_MAX_LINE];

		memcpy(t, buf, cut);
		t[cut] = '\0';
		assert_int_equal(moverec_parse(t, &r), -EBADMSG);
	}
}

static void
test_append(void **state)
{
	char dir[] = "/tmp/ferry-moverec-XXXXXX";
	char path[PATH_MAX], line[MOVEREC_MAX_LINE * 2];
	struct move_record r, back;
	struct stat st;
	FILE *f;
	int n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a/b/moves.jsonl", dir);

	sample(&r);
	assert_int_equal(moverec_append(path, &r), 0);
	snprintf(r.result, sizeof(r.result), "failed");
	snprintf(r.error, sizeof(r.error), "line one\nline \"two\"");
	assert_int_equal(moverec_append(path, &r), 0);

	/* through the environment */
	setenv(MOVEREC_PATH_ENV, path, 1);
	snprintf(r.mode, sizeof(r.mode), "quick");
	assert_int_equal(moverec_append(NULL, &r), 0);
	unsetenv(MOVEREC_PATH_ENV);

	/* a record too long for a line is kept, with its error text shortened */
	for (size_t i = 0; i + 1 < sizeof(r.error); i++)
		r.error[i] = (char)(1 + i % 31);
	r.error[sizeof(r.error) - 1] = '\0';
	memset(r.vm, 1, sizeof(r.vm) - 1);
	r.vm[sizeof(r.vm) - 1] = '\0';
	memset(r.from, 2, sizeof(r.from) - 1);
	r.from[sizeof(r.from) - 1] = '\0';
	memset(r.to, 3, sizeof(r.to) - 1);
	r.to[sizeof(r.to) - 1] = '\0';
	assert_int_equal(moverec_append(path, &r), 0);

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	f = fopen(path, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		assert_true(strlen(line) < MOVEREC_MAX_LINE);
		assert_int_equal(moverec_parse(line, &back), 0);
		if (n == 0)
			assert_string_equal(back.result, "ok");
		if (n == 1)
			assert_string_equal(back.error, "line one\nline \"two\"");
		if (n == 2)
			assert_string_equal(back.mode, "quick");
		if (n == 3) {
			assert_true(strlen(back.error) < sizeof(r.error) - 1);
			assert_int_equal(memcmp(back.error, r.error, strlen(back.error)), 0);
			assert_int_equal(back.bytes, r.bytes);
		}
		n++;
	}
	fclose(f);
	assert_int_equal(n, 4);

	/* a path whose parent is a file */
	snprintf(path, sizeof(path), "%s/a/b/moves.jsonl/x", dir);
	assert_int_equal(moverec_append(path, &r), -ENOTDIR);

	snprintf(path, sizeof(path), "%s/a/b/moves.jsonl", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/a/b", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/a", dir);
	rmdir(path);
	rmdir(dir);
}

static FILE *
mem(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	assert_non_null(f);
	return f;
}

/* newest first by start time; equal times: the later line first; bad lines skipped */
static void
test_read_order(void **state)
{
	static const char log[] =
	        "{\"vm\":\"a\",\"start_unix_ms\":3000}\n"
	        "garbage\n"
	        "{\"vm\":\"b\",\"start_unix_ms\":1000}\n"
	        "\n"
	        "{\"vm\":\"c\",\"start_unix_ms\":3000}\n"
	        "{\"vm\":\"d\"}\n"
	        "{\"vm\":\"e\",\"start_unix_ms\":2000"; /* no newline at the end */
	struct move_record *r = NULL;
	size_t n = 0, skipped = 0;
	FILE *f = mem(log);

	(void)state;
	assert_int_equal(moverec_read(f, MOVEREC_READ_MAX, &r, &n, &skipped), 0);
	fclose(f);
	assert_int_equal(n, 4); /* "e" is cut: not a record */
	assert_int_equal(skipped, 3);
	assert_string_equal(r[0].vm, "c");
	assert_string_equal(r[1].vm, "a");
	assert_string_equal(r[2].vm, "b");
	assert_string_equal(r[3].vm, "d"); /* no start time: -1, the oldest */
	free(r);
}

/* only the last max lines are kept, whatever their times */
static void
test_read_bounded(void **state)
{
	static const char log[] = "{\"vm\":\"a\",\"start_unix_ms\":9000}\n"
	                          "{\"vm\":\"b\",\"start_unix_ms\":1000}\n"
	                          "{\"vm\":\"c\",\"start_unix_ms\":2000}\n"
	                          "{\"vm\":\"d\",\"start_unix_ms\":1500}\n";
	struct move_record *r = NULL;
	size_t n = 0;
	FILE *f = mem(log);

	(void)state;
	assert_int_equal(moverec_read(f, 2, &r, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(r[0].vm, "c");
	assert_string_equal(r[1].vm, "d");
	free(r);
	rewind(f);
	r = (void *)1;
	assert_int_equal(moverec_read(f, 0, &r, &n, NULL), 0);
	assert_null(r);
	assert_int_equal(n, 0);
	rewind(f);
	assert_int_equal(moverec_read(f, MOVEREC_READ_MAX + 1, &r, &n, NULL), -EINVAL);
	assert_int_equal(moverec_read(NULL, 2, &r, &n, NULL), -EINVAL);
	fclose(f);

	f = mem("\n\n");
	assert_int_equal(moverec_read(f, 5, &r, &n, NULL), 0);
	assert_null(r);
	assert_int_equal(n, 0);
	fclose(f);
}

/* what moverec_append writes, moverec_load reads back; the path rule is the same */
static void
test_load(void **state)
{
	char dir[] = "/tmp/ferry-moverec-load-XXXXXX";
	char path[128];
	struct move_record rec, *r = NULL;
	size_t n = 7;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/moves.jsonl", dir);
	assert_int_equal(moverec_load(path, 10, &r, &n, NULL), -ENOENT);
	assert_int_equal(n, 7); /* not written on error */
	sample(&rec);
	assert_int_equal(moverec_append(path, &rec), 0);
	rec.start_unix_ms += 1000;
	snprintf(rec.vm, sizeof(rec.vm), "web2");
	assert_int_equal(moverec_append(path, &rec), 0);
	setenv(MOVEREC_PATH_ENV, path, 1);
	assert_string_equal(moverec_path(NULL), path);
	assert_string_equal(moverec_path("/x"), "/x");
	assert_int_equal(moverec_load(NULL, 10, &r, &n, NULL), 0);
	unsetenv(MOVEREC_PATH_ENV);
	assert_int_equal(n, 2);
	assert_string_equal(r[0].vm, "web2");
	assert_string_equal(r[1].vm, "web1");
	assert_int_equal(r[1].bytes, 536870912);
	free(r);
	assert_string_equal(moverec_path(NULL), MOVEREC_DEFAULT_PATH);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_init),
	        cmocka_unit_test(test_format_exact),
	        cmocka_unit_test(test_round_trip),
	        cmocka_unit_test(test_escaping),
	        cmocka_unit_test(test_enobufs),
	        cmocka_unit_test(test_parse_garbage),
	        cmocka_unit_test(test_parse_lenient_where_harmless),
	        cmocka_unit_test(test_parse_fuzz),
	        cmocka_unit_test(test_append),
	        cmocka_unit_test(test_read_order),
	        cmocka_unit_test(test_read_bounded),
	        cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests_name("moverec", tests, NULL, NULL);
}
