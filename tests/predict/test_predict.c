/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_predict.c - edge cases of the prediction engine (golden.sh covers scenarios). */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/policy.h"
#include "ferry/predict.h"

#define MIB PREDICT_MIB

static void
base(struct predict_input *in, struct predict_params *p)
{
	predict_input_default(in);
	predict_params_default(p);
	in->mem_bytes = 512 * MIB;
	in->touched_bytes = 256 * MIB;
	in->dirty_bytes_s = 0;
	in->net_bps = 1024 * MIB;
}

static void
test_zero_bandwidth_is_an_error(void **state)
{
	struct predict_input in;
	struct predict_params p;
	struct predict_result r;

	(void)state;
	memset(&r, 0xa5, sizeof(r));
	base(&in, &p);
	in.net_bps = 0;
	assert_int_equal(predict_compute(&in, &p, &r), -EINVAL);
	base(&in, &p);
	in.save_write_bps = 0;
	assert_int_equal(predict_compute(&in, &p, &r), -EINVAL);
	base(&in, &p);
	in.save_read_bps = 0;
	assert_int_equal(predict_compute(&in, &p, &r), -EINVAL);
	/* ret is written only on success */
	assert_int_equal(((unsigned char *)&r)[0], 0xa5);
}

static void
test_bad_inputs(void **state)
{
	struct predict_input in;
	struct predict_params p;
	struct predict_result r;

	(void)state;
	base(&in, &p);
	in.mem_bytes = 0;
	assert_int_equal(predict_compute(&in, &p, &r), -EINVAL);
	base(&in, &p);
	in.mem_bytes = PREDICT_UNKNOWN;
	assert_int_equal(predict_compute(&in, &p, &r), -EINVAL);
	base(&in, &p);
	in.touched_bytes = in.mem_bytes + 1;
	assert_int_equal(predict_compute(&in, &p, &r), -EINVAL);
	base(&in, &p);
	in.wss_bytes = in.mem_bytes + 1;
	assert_int_equal(predict_compute(&in, &p, &r), -EINVAL);
	base(&in, &p);
	in.max_downtime_ms = 0;
	assert_int_equal(predict_compute(&in, &p, &r), -EINVAL);
	base(&in, &p);
	in.downtime_steps_ms[1] = in.downtime_steps_ms[0];
	assert_int_equal(predict_compute(&in, &p, &r), -EINVAL);
	base(&in, &p);
	in.n_downtime_steps = PREDICT_MAX_STEPS + 1;
	assert_int_equal(predict_compute(&in, &p, &r), -EINVAL);
	base(&in, &p);
	p.iterate_ms = 0;
	assert_int_equal(predict_compute(&in, &p, &r), -EINVAL);
	base(&in, &p);
	p.stop_speedup_pct = 0;
	assert_int_equal(predict_compute(&in, &p, &r), -EINVAL);
	assert_int_equal(predict_compute(NULL, &p, &r), -EINVAL);
	assert_int_equal(predict_compute(&in, NULL, &r), -EINVAL);
}

static void
test_dirty_faster_than_link_never_converges(void **state)
{
	struct predict_input in;
	struct predict_params p;
	struct predict_result r;
	char why[256];

	(void)state;
	base(&in, &p);
	/* all of 1 GiB hot, dirtied at twice the link: 1000 ms > the last step */
	in.mem_bytes = 1024 * MIB;
	in.dirty_bytes_s = 2 * in.net_bps;
	assert_int_equal(predict_compute(&in, &p, &r), 0);
	assert_false(r.live.converges);
	assert_int_equal(r.live.why, PREDICT_LIVE_WSS_TOO_BIG);
	assert_int_equal(r.live.downtime_ms, 0);
	assert_int_equal(r.live.limit_ms, 800); /* went through every step */
	assert_int_equal(r.live.steps_used, 3);
	assert_false(r.live_defaults.converges);
	assert_int_equal(r.auto_move, FERRY_MOVE_QUICK);
	assert_int_equal(predict_auto(&r, why, sizeof(why)), FERRY_MOVE_QUICK);
	assert_non_null(strstr(why, ">= bandwidth"));
	/* gave up at the deadline, not before */
	assert_true(r.live.copy_ms >= in.live_deadline_ms);
	assert_true(r.live.copy_ms < in.live_deadline_ms + p.iterate_ms + 1);
}

static void
test_small_hot_set_converges_even_when_dirtying_fast(void **state)
{
	struct predict_input in;
	struct predict_params p;
	struct predict_result r;

	(void)state;
	base(&in, &p);
	in.dirty_bytes_s = 4 * in.net_bps;
	in.wss_bytes = 32 * MIB; /* 31 ms at the link: fits the first limit */
	assert_int_equal(predict_compute(&in, &p, &r), 0);
	assert_true(r.live.converges);
	assert_int_equal(r.live.steps_used, 0);
	/* QEMU stops as soon as pending < bandwidth x limit, even mid-way through
	 * the first pass: the pause is at most the limit at the stopped speed */
	assert_true(r.live.downtime_ms <= 100 * 100 / p.stop_speedup_pct + p.switchover_ms + 1);
	assert_int_equal(r.auto_move, FERRY_MOVE_LIVE);
}

static void
test_working_set_that_fits_a_step_converges(void **state)
{
	struct predict_input in;
	struct predict_params p;
	struct predict_result r;

	(void)state;
	/* dirtying at twice the link, but the 600 MiB working set takes ~586 ms:
	 * under ferry's last step (800 ms), over QEMU's default 300 ms */
	base(&in, &p);
	in.mem_bytes = 2048 * MIB;
	in.touched_bytes = 1024 * MIB;
	in.wss_bytes = 600 * MIB;
	in.dirty_bytes_s = 2 * in.net_bps;
	assert_int_equal(predict_compute(&in, &p, &r), 0);
	assert_true(r.live.converges);
	assert_int_equal(r.live.limit_ms, 800);
	assert_true(r.live.downtime_ms <= 800);
	assert_false(r.live_defaults.converges);
	assert_int_equal(r.live_defaults.why, PREDICT_LIVE_WSS_TOO_BIG);
	assert_true(r.live_defaults.copy_ms >= p.op_timeout_ms);
}

static void
test_idle_guest(void **state)
{
	struct predict_input in;
	struct predict_params p;
	struct predict_result r;

	(void)state;
	base(&in, &p);
	in.mem_bytes = 128 * MIB;
	in.touched_bytes = 0; /* all zero pages */
	assert_int_equal(predict_compute(&in, &p, &r), 0);
	assert_true(r.live.converges);
	assert_int_equal(r.live.passes, 1);
	assert_int_equal(r.live.bytes, 0);
	/* scanning 128 MiB of zero pages at 4 GiB/s takes 31.25 ms, before the
	 * first check: the pause is just the switch-over */
	assert_int_equal(r.live.copy_ms, 32);
	assert_int_equal(r.live.downtime_ms, p.switchover_ms);
	assert_int_equal(r.live.guest_gap_ms, p.switchover_ms + p.live_gap_extra_ms);
	assert_int_equal(r.live.total_ms,
	                 p.live_setup_ms + 32 + p.switchover_ms + p.live_finish_ms);
	assert_int_equal(r.quick.downtime_ms, p.save_setup_ms + p.restore_setup_ms);
	assert_int_equal(r.quick.lower_bound_ms, 0);
	assert_int_equal(r.auto_move, FERRY_MOVE_LIVE);
}

static void
test_quick_formula(void **state)
{
	struct predict_input in;
	struct predict_params p;
	struct predict_result r;

	(void)state;
	base(&in, &p);
	in.touched_bytes = 400 * MIB;
	in.save_write_bps = 100 * MIB;  /* slower than the stream ceiling */
	in.save_read_bps = 10000 * MIB; /* faster: the restore stream's ceiling applies */
	assert_int_equal(predict_compute(&in, &p, &r), 0);
	assert_int_equal(r.quick.save_ms, p.save_setup_ms + 4000);
	assert_true(p.restore_stream_bps < in.save_read_bps);
	assert_int_equal(r.quick.restore_ms,
	                 p.restore_setup_ms + (400 * 1000 * MIB + p.restore_stream_bps - 1) /
	                                              p.restore_stream_bps);
	assert_int_equal(r.quick.downtime_ms, r.quick.save_ms + r.quick.restore_ms);
	assert_int_equal(r.quick.guest_gap_ms, r.quick.downtime_ms + p.quick_gap_extra_ms);
	assert_int_equal(r.quick.lower_bound_ms, 4000 + 40);
	assert_int_equal(r.quick.bytes, 400 * MIB);
}

static void
test_ha_and_restart(void **state)
{
	struct predict_input in;
	struct predict_params p;
	struct predict_result r;

	(void)state;
	base(&in, &p);
	p.token_ms = 3000;
	assert_int_equal(predict_compute(&in, &p, &r), 0);
	assert_int_equal(r.ha.detect_ms, 3000 + 3600 + p.pcmk_react_ms);
	assert_int_equal(r.ha.recovery_ms,
	                 r.ha.detect_ms + p.fence_ms + p.vm_start_ms + p.guest_boot_ms);
	p.consensus_ms = 500;
	assert_int_equal(predict_compute(&in, &p, &r), 0);
	assert_int_equal(r.ha.detect_ms, 3000 + 500 + p.pcmk_react_ms);
	assert_int_equal(r.restart.downtime_ms, p.vm_stop_ms + p.vm_start_ms);
	assert_int_equal(r.restart.guest_gap_ms, r.restart.downtime_ms + p.guest_boot_ms);
}

static void
test_unknowns_are_assumed_and_flagged(void **state)
{
	struct predict_input in;
	struct predict_params p;
	struct predict_result r;

	(void)state;
	predict_input_default(&in);
	predict_params_default(&p);
	in.mem_bytes = 1024 * MIB;
	assert_int_equal(predict_compute(&in, &p, &r), 0);
	assert_int_equal(r.assumed, PREDICT_ASSUMED_TOUCHED | PREDICT_ASSUMED_WSS |
	                                    PREDICT_ASSUMED_DIRTY | PREDICT_ASSUMED_NET |
	                                    PREDICT_ASSUMED_SAVE_WRITE | PREDICT_ASSUMED_SAVE_READ);
	assert_int_equal(r.in.touched_bytes, in.mem_bytes);
	assert_int_equal(r.in.wss_bytes, in.mem_bytes);
	assert_int_equal(r.in.dirty_bytes_s, 0);
	assert_int_equal(r.in.net_bps, p.default_net_bps);
}

static void
test_huge_guest_no_overflow(void **state)
{
	struct predict_input in;
	struct predict_params p;
	struct predict_result r;

	(void)state;
	base(&in, &p);
	in.mem_bytes = 16ull * 1024 * 1024 * MIB; /* 16 TiB */
	in.touched_bytes = in.mem_bytes;
	in.net_bps = 1; /* 1 byte/s */
	in.save_write_bps = 1;
	in.save_read_bps = 1;
	assert_int_equal(predict_compute(&in, &p, &r), 0);
	assert_false(r.live.converges);
	assert_true(r.quick.save_ms > 17000000000000000ull);
	assert_int_equal(r.auto_move, FERRY_MOVE_QUICK);
}

static void
test_more_dirty_never_helps(void **state)
{
	struct predict_input in;
	struct predict_params p;
	struct predict_result r;
	uint64_t prev_bytes = 0;

	(void)state;
	/* more dirtying never sends fewer bytes (policy fixed: defaults) */
	for (uint64_t d = 0; d <= 900; d += 100) {
		base(&in, &p);
		in.wss_bytes = 128 * MIB;
		in.dirty_bytes_s = d * MIB;
		assert_int_equal(predict_compute(&in, &p, &r), 0);
		assert_true(r.live_defaults.converges);
		assert_true(r.live_defaults.bytes >= prev_bytes);
		prev_bytes = r.live_defaults.bytes;
	}
}

static void
test_set(void **state)
{
	struct predict_input in, before;
	struct predict_params p;

	(void)state;
	predict_input_default(&in);
	predict_params_default(&p);
	assert_int_equal(predict_set(&in, &p, "mem_mib", "512"), 0);
	assert_int_equal(in.mem_bytes, 512 * MIB);
	assert_int_equal(predict_set(&in, &p, "mem_bytes", "1000"), 0);
	assert_int_equal(in.mem_bytes, 1000);
	assert_int_equal(predict_set(&in, &p, "touched_mib", "0.5"), 0);
	assert_int_equal(in.touched_bytes, MIB / 2);
	assert_int_equal(predict_set(&in, &p, "touched_mib", "unknown"), 0);
	assert_int_equal(in.touched_bytes, PREDICT_UNKNOWN);
	assert_int_equal(predict_set(&in, &p, "dirty_mib_s", "300"), 0);
	assert_int_equal(in.dirty_bytes_s, 300 * MIB);
	assert_int_equal(predict_set(&in, &p, "net_bps", "125000000"), 0);
	assert_int_equal(in.net_bps, 125000000);
	assert_int_equal(predict_set(&in, &p, "downtime_steps_ms", " 50, 100 ,400"), 0);
	assert_int_equal(in.n_downtime_steps, 3);
	assert_int_equal(in.downtime_steps_ms[2], 400);
	assert_int_equal(predict_set(&in, &p, "downtime_steps_ms", "none"), 0);
	assert_int_equal(in.n_downtime_steps, 0);
	assert_int_equal(predict_set(&in, &p, "token_ms", "3000"), 0);
	assert_int_equal(p.token_ms, 3000);
	assert_int_equal(predict_set(&in, &p, "zero_scan_mib_s", "2048"), 0);
	assert_int_equal(p.zero_scan_bps, 2048 * MIB);
	assert_int_equal(predict_set(&in, &p, "zero_scan_bps", "7"), 0);
	assert_int_equal(p.zero_scan_bps, 7);

	before = in;
	assert_int_equal(predict_set(&in, &p, "memory_gb", "4"), -ENOENT);
	assert_int_equal(predict_set(&in, &p, "mem", "4"), -ENOENT);
	assert_int_equal(predict_set(&in, &p, "mem_mib", "unknown"), -EINVAL);
	assert_int_equal(predict_set(&in, &p, "mem_mib", "12x"), -EINVAL);
	assert_int_equal(predict_set(&in, &p, "mem_mib", ""), -EINVAL);
	assert_int_equal(predict_set(&in, &p, "mem_mib", "-1"), -EINVAL);
	assert_int_equal(predict_set(&in, &p, "mem_bytes", "18446744073709551615"), -EINVAL);
	assert_int_equal(predict_set(&in, &p, "mem_mib", "99999999999999999999"), -EINVAL);
	assert_int_equal(predict_set(&in, &p, "downtime_steps_ms", "400,200"), -EINVAL);
	/* the agent's rule (policy_parse_steps), so predict and the resource agree */
	assert_int_equal(predict_set(&in, &p, "downtime_steps_ms", "70000"), -EINVAL);
	assert_int_equal(policy_parse_steps("70000", &(struct policy_config){0}), -EINVAL);
	assert_int_equal(predict_set(&in, &p, "downtime_steps_ms", "0"), -EINVAL);
	assert_int_equal(predict_set(&in, &p, "token_ms", "5000000000"), -EINVAL);
	assert_int_equal(predict_set(&in, &p, "token_ms", "unknown"), -EINVAL);
	assert_memory_equal(&in, &before, sizeof(in));
	assert_int_equal(predict_set(NULL, &p, "mem_mib", "1"), -EINVAL);
}

static void
test_format_truncates_safely(void **state)
{
	struct predict_input in;
	struct predict_params p;
	struct predict_result r;
	char small[16], big[8192];
	size_t need, need2;

	(void)state;
	base(&in, &p);
	assert_int_equal(predict_compute(&in, &p, &r), 0);
	need = predict_format(&r, &p, NULL, 0);
	assert_true(need > 100 && need < sizeof(big));
	assert_int_equal(predict_format(&r, &p, small, sizeof(small)), need);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(predict_format(&r, &p, big, sizeof(big)), need);
	assert_int_equal(strlen(big), need);
	assert_non_null(strstr(big, "auto: live"));
	need2 = predict_format_json(&r, &p, big, sizeof(big));
	assert_int_equal(strlen(big), need2);
	assert_int_equal(big[0], '{');
	assert_non_null(strstr(big, "\"auto\":\"live\""));
}

static void
test_names(void **state)
{
	(void)state;
	/* the move names are movekind.h's (tests/lib/test_movekind.c) */
	for (int i = 0; i < _PREDICT_LIVE_WHY_MAX; i++)
		assert_non_null(predict_live_why_name((enum predict_live_why)i));
	assert_null(predict_live_why_name(_PREDICT_LIVE_WHY_MAX));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_zero_bandwidth_is_an_error),
	        cmocka_unit_test(test_bad_inputs),
	        cmocka_unit_test(test_dirty_faster_than_link_never_converges),
	        cmocka_unit_test(test_small_hot_set_converges_even_when_dirtying_fast),
	        cmocka_unit_test(test_working_set_that_fits_a_step_converges),
	        cmocka_unit_test(test_idle_guest),
	        cmocka_unit_test(test_quick_formula),
	        cmocka_unit_test(test_ha_and_restart),
	        cmocka_unit_test(test_unknowns_are_assumed_and_flagged),
	        cmocka_unit_test(test_huge_guest_no_overflow),
	        cmocka_unit_test(test_more_dirty_never_helps),
	        cmocka_unit_test(test_set),
	        cmocka_unit_test(test_format_truncates_safely),
	        cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
