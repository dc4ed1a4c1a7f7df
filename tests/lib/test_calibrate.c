/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_calibrate - the prediction's constants from past moves: edge cases
 * (the everyday cases are golden scenarios in tests/predict/scenarios/history-*).
 */
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

#include "ferry/calibrate.h"

#define MIB ((int64_t)1024 * 1024)

/* A quick move from -> to with all phases: image 400 MiB written in image_ms,
 * read back in read_ms, restore = read_ms + start_ms. */
static void
quick(struct move_record *r, const char *from, const char *to, int64_t image_ms, int64_t read_ms,
      int64_t start_ms)
{
	moverec_init(r);
	snprintf(r->from, sizeof(r->from), "%s", from);
	snprintf(r->to, sizeof(r->to), "%s", to);
	snprintf(r->mode, sizeof(r->mode), "quick");
	snprintf(r->result, sizeof(r->result), "ok");
	snprintf(r->image_format, sizeof(r->image_format), "raw");
	r->bytes = 400 * MIB;
	r->image_ms = image_ms;
	r->save_ms = image_ms + 5;
	r->restore_read_ms = read_ms;
	r->restore_ms = read_ms + start_ms;
	r->downtime_ms = r->save_ms + r->restore_ms + 10;
	r->guest_gap_ms = r->downtime_ms + 30;
}

static void
live(struct move_record *r, const char *from, const char *to, int64_t downtime_ms, int64_t gap_ms)
{
	moverec_init(r);
	snprintf(r->from, sizeof(r->from), "%s", from);
	snprintf(r->to, sizeof(r->to), "%s", to);
	snprintf(r->mode, sizeof(r->mode), "live");
	snprintf(r->result, sizeof(r->result), "ok");
	r->downtime_ms = downtime_ms;
	r->guest_gap_ms = gap_ms;
}

static void
test_no_history(void **state)
{
	struct predict_params p, q;
	struct calibration c;

	(void)state;
	predict_params_default(&p);
	assert_int_equal(calibrate_compute(NULL, 0, "node1", "node2", &p, &c), 0);
	assert_int_equal(c.records, 0);
	for (int i = 0; i < _CALIBRATE_QTY_MAX; i++) {
		assert_int_equal(c.q[i].scope, CALIBRATE_CONSTANT);
		assert_int_equal(c.q[i].samples, 0);
		assert_non_null(strstr(c.q[i].how, "constant: no successful"));
	}
	assert_int_equal(c.q[CALIBRATE_SAVE_RATE].value, p.save_stream_bps);
	assert_int_equal(c.q[CALIBRATE_QEMU_START].value, p.restore_setup_ms);
	q = p;
	calibrate_apply(&c, &q);
	assert_memory_equal(&p, &q, sizeof(p)); /* constants stay */

	memset(&c, 0, sizeof(c)); /* a zeroed calibration: all constants */
	calibrate_apply(&c, &q);
	assert_memory_equal(&p, &q, sizeof(p));

	assert_int_equal(calibrate_compute(NULL, 1, "a", "b", &p, &c), -EINVAL);
	assert_int_equal(calibrate_compute(NULL, 0, "a", "b", NULL, &c), -EINVAL);
	assert_int_equal(calibrate_compute(NULL, 0, "a", "b", &p, NULL), -EINVAL);
}

/* even count: the mean of the middle two; the median ignores one wild sample */
static void
test_median(void **state)
{
	struct move_record r[4];
	struct predict_params p;
	struct calibration c;

	(void)state;
	predict_params_default(&p);
	quick(&r[0], "n1", "n2", 800, 400, 300);
	quick(&r[1], "n1", "n2", 1000, 400, 301);
	quick(&r[2], "n1", "n2", 1000, 400, 900000); /* one QEMU start hung */
	quick(&r[3], "n1", "n2", 400, 400, 302);
	assert_int_equal(calibrate_compute(r, 4, "n1", "n2", &p, &c), 0);
	assert_int_equal(c.q[CALIBRATE_QEMU_START].scope, CALIBRATE_PAIR);
	assert_int_equal(c.q[CALIBRATE_QEMU_START].samples, 4);
	assert_int_equal(c.q[CALIBRATE_QEMU_START].value, 301); /* (301 + 302) / 2 */
	/* 400 MiB in 800 and 1000 ms: 500 and 400 MiB/s, mean 450 */
	assert_int_equal(c.q[CALIBRATE_SAVE_RATE].value, 450 * (uint64_t)MIB);
	assert_int_equal(c.q[CALIBRATE_SAVE_FIXED].value, 15);
	assert_int_equal(c.q[CALIBRATE_QUICK_GAP].value, 30);
	assert_string_equal(c.q[CALIBRATE_SAVE_RATE].how, "history: 4 quick moves n1->n2");
}

/* the newest CALIBRATE_MAX_SAMPLES only: a machine that changed is followed */
static void
test_newest_only(void **state)
{
	struct move_record r[CALIBRATE_MAX_SAMPLES + 10];
	struct predict_params p;
	struct calibration c;

	(void)state;
	predict_params_default(&p);
	for (size_t i = 0; i < CALIBRATE_MAX_SAMPLES + 10; i++) /* newest first */
		quick(&r[i], "n1", "n2", 1000, 500, i < CALIBRATE_MAX_SAMPLES / 2 + 1 ? 200 : 900);
	assert_int_equal(calibrate_compute(r, CALIBRATE_MAX_SAMPLES + 10, "n1", "n2", &p, &c), 0);
	assert_int_equal(c.q[CALIBRATE_QEMU_START].samples, CALIBRATE_MAX_SAMPLES);
	assert_int_equal(c.q[CALIBRATE_QEMU_START].value, 200);
}

/* failed and aborted moves, other kinds and missing fields do not count */
static void
test_ignored(void **state)
{
	struct move_record r[8];
	struct predict_params p;
	struct calibration c;

	(void)state;
	predict_params_default(&p);
	quick(&r[0], "n1", "n2", 1000, 500, 300);
	snprintf(r[0].result, sizeof(r[0].result), "failed");
	quick(&r[1], "n1", "n2", 1000, 500, 300);
	snprintf(r[1].result, sizeof(r[1].result), "aborted");
	quick(&r[2], "n1", "n2", 1000, 500, 300);
	snprintf(r[2].mode, sizeof(r[2].mode), "live->quick"); /* a fallback: no phases */
	quick(&r[3], "n1", "n2", -1, -1, 300);
	r[3].restore_ms = -1;
	r[3].downtime_ms = -1;
	r[3].guest_gap_ms = -1;
	quick(&r[4], "n1", "n2", 1000, 500, 300);
	r[4].bytes = -1;
	quick(&r[5], "n1", "n2", 1000, 500, 300);
	r[5].restore_ms = 100; /* shorter than its read: inconsistent */
	quick(&r[6], "n1", "n2", 1000, 500, 300);
	snprintf(r[6].image_format, sizeof(r[6].image_format), "sparse");
	quick(&r[7], "n1", "n2", 1000, 500, 300);
	assert_int_equal(calibrate_compute(r, 8, "n1", "n2", &p, &c), 0);
	/* rates: r[5] and r[7] (r[4] has no bytes, r[6] is sparse) */
	assert_int_equal(c.q[CALIBRATE_SAVE_RATE].scope, CALIBRATE_CONSTANT);
	assert_string_equal(c.q[CALIBRATE_SAVE_RATE].how,
	                    "constant: 2 quick moves record it, 3 needed");
	assert_int_equal(c.q[CALIBRATE_RESTORE_RATE].scope, CALIBRATE_CONSTANT);
	/* QEMU start: r[4], r[6], r[7] */
	assert_int_equal(c.q[CALIBRATE_QEMU_START].scope, CALIBRATE_PAIR);
	assert_int_equal(c.q[CALIBRATE_QEMU_START].samples, 3);
	assert_int_equal(c.q[CALIBRATE_QEMU_START].value, 300);
	assert_int_equal(c.q[CALIBRATE_LIVE_GAP].scope, CALIBRATE_CONSTANT);
}

/* pair, else the node at the quantity's end, else any; unknown ends skip a scope */
static void
test_scopes(void **state)
{
	struct move_record r[9];
	struct predict_params p;
	struct calibration c;

	(void)state;
	predict_params_default(&p);
	for (int i = 0; i < 3; i++) {
		quick(&r[i], "n1", "n2", 1000, 500, 100);     /* from n1 */
		quick(&r[3 + i], "n3", "n4", 2000, 500, 700); /* to n4 */
		live(&r[6 + i], "n5", "n6", 20, 10);          /* gap < downtime: 0 */
	}
	assert_int_equal(calibrate_compute(r, 9, "n1", "n4", &p, &c), 0);
	assert_int_equal(c.q[CALIBRATE_SAVE_RATE].scope, CALIBRATE_NODE);
	assert_int_equal(c.q[CALIBRATE_SAVE_RATE].value, 400 * (uint64_t)MIB);
	assert_string_equal(c.q[CALIBRATE_SAVE_RATE].how, "history: 3 quick moves from n1");
	assert_int_equal(c.q[CALIBRATE_QEMU_START].scope, CALIBRATE_NODE);
	assert_int_equal(c.q[CALIBRATE_QEMU_START].value, 700);
	assert_string_equal(c.q[CALIBRATE_QEMU_START].how, "history: 3 quick moves to n4");
	assert_int_equal(c.q[CALIBRATE_LIVE_GAP].scope, CALIBRATE_CLUSTER);
	assert_int_equal(c.q[CALIBRATE_LIVE_GAP].value, 0);
	assert_string_equal(c.q[CALIBRATE_LIVE_GAP].how, "history: 3 live moves, any nodes");

	/* target unknown (ferryctl predict without --target): no pair, no target node */
	assert_int_equal(calibrate_compute(r, 9, "n1", NULL, &p, &c), 0);
	assert_int_equal(c.q[CALIBRATE_SAVE_RATE].scope, CALIBRATE_NODE);
	assert_int_equal(c.q[CALIBRATE_QEMU_START].scope, CALIBRATE_CLUSTER);
	assert_int_equal(c.q[CALIBRATE_QEMU_START].samples, 6);
	assert_int_equal(c.q[CALIBRATE_QEMU_START].value, 400); /* (100 + 700) / 2 */
	assert_int_equal(calibrate_compute(r, 9, "", "", &p, &c), 0);
	assert_int_equal(c.q[CALIBRATE_SAVE_RATE].scope, CALIBRATE_CLUSTER);
}

/* huge and tiny values neither overflow nor become PREDICT_UNKNOWN or 0 */
static void
test_extremes(void **state)
{
	struct move_record r[3];
	struct predict_params p;
	struct predict_input in;
	struct predict_result *res = calloc(1, sizeof(*res));
	struct calibration c;

	(void)state;
	assert_non_null(res);
	predict_params_default(&p);
	for (int i = 0; i < 3; i++) {
		quick(&r[i], "n1", "n2", 1, INT64_MAX / 2, 0);
		r[i].bytes = INT64_MAX;
		r[i].restore_ms = INT64_MAX;
		r[i].downtime_ms = INT64_MAX;
		r[i].guest_gap_ms = INT64_MAX;
	}
	assert_int_equal(calibrate_compute(r, 3, "n1", "n2", &p, &c), 0);
	assert_int_equal(c.q[CALIBRATE_SAVE_RATE].scope, CALIBRATE_PAIR);
	assert_true(c.q[CALIBRATE_SAVE_RATE].value < PREDICT_UNKNOWN);
	assert_true(c.q[CALIBRATE_RESTORE_RATE].value >= 1);
	calibrate_apply(&c, &p);
	assert_int_equal(p.restore_setup_ms, UINT32_MAX); /* clamped */
	assert_true(p.restore_stream_bps >= 1);
	predict_input_default(&in);
	in.mem_bytes = 1024 * (uint64_t)MIB;
	assert_int_equal(predict_compute(&in, &p, res), 0);

	/* a byte in a long time: at least 1 byte/s, never 0 (the model refuses 0) */
	predict_params_default(&p);
	for (int i = 0; i < 3; i++) {
		quick(&r[i], "n1", "n2", 5000, 5000, 0);
		r[i].bytes = 1;
	}
	assert_int_equal(calibrate_compute(r, 3, "n1", "n2", &p, &c), 0);
	assert_int_equal(c.q[CALIBRATE_SAVE_RATE].value, 1);
	calibrate_apply(&c, &p);
	assert_int_equal(predict_compute(&in, &p, res), 0);
	free(res);
}

static void
test_format(void **state)
{
	struct move_record r[3];
	struct predict_params p;
	struct calibration c;
	char buf[4096], small[16];
	size_t need;

	(void)state;
	predict_params_default(&p);
	for (int i = 0; i < 3; i++)
		quick(&r[i], "n\"1", "n2", 1000, 500, 300);
	assert_int_equal(calibrate_compute(r, 3, "n\"1", "n2", &p, &c), 0);
	need = calibrate_format(&c, buf, sizeof(buf));
	assert_int_equal(need, strlen(buf));
	assert_non_null(strstr(buf, "calibration (3 records;"));
	assert_non_null(strstr(buf, "  QEMU start       restore_setup_ms              300  "
	                            "history: 3 quick moves n\"1->n2\n"));
	assert_int_equal(calibrate_format(&c, small, sizeof(small)), need);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(calibrate_format(&c, NULL, 0), need);
	need = calibrate_format_json(&c, buf, sizeof(buf));
	assert_int_equal(need, strlen(buf));
	assert_non_null(strstr(buf, "\"restore_setup_ms\":{\"value\":300,\"source\":\"history\","
	                            "\"scope\":\"pair\",\"samples\":3,\"how\":\"history: 3 quick "
	                            "moves n\\\"1->n2\"}"));
	assert_non_null(strstr(buf, "\"live_gap_extra_ms\":{\"value\":40,\"source\":\"constant\""));

	assert_string_equal(calibrate_param_name(CALIBRATE_LIVE_GAP), "live_gap_extra_ms");
	assert_null(calibrate_param_name(_CALIBRATE_QTY_MAX));
	assert_null(calibrate_qty_label(_CALIBRATE_QTY_MAX));
	assert_string_equal(calibrate_scope_name(CALIBRATE_NODE), "node");
	assert_null(calibrate_scope_name(_CALIBRATE_SCOPE_MAX));
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_no_history),  cmocka_unit_test(test_median),
	        cmocka_unit_test(test_newest_only), cmocka_unit_test(test_ignored),
	        cmocka_unit_test(test_scopes),      cmocka_unit_test(test_extremes),
	        cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests_name("calibrate", tests, NULL, NULL);
}
