/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * budget.c - split Pacemaker's operation timeout into phases.  Pure; the
 * numbers are documented in budget.h.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "ferry/budget.h"

#define GIB (1024ull * 1024 * 1024)

static uint64_t
sat_u64(unsigned __int128 v)
{
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

/* ceil(a * b / d), saturating; d != 0 */
static uint64_t
mul_div_ceil(uint64_t a, uint64_t b, uint64_t d)
{
	unsigned __int128 n = (unsigned __int128)a * b;

	return sat_u64((n + d - 1) / d);
}

static uint64_t
add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

int
budget_compute(const struct budget_input *in, struct budget *ret)
{
	struct budget b;
	uint64_t reserves;

	if (in == NULL || ret == NULL)
		return -EINVAL;

	memset(&b, 0, sizeof(b));
	b.op_timeout_ms = in->op_timeout_ms != 0 ? in->op_timeout_ms : BUDGET_DEFAULT_OP_TIMEOUT_MS;

	b.abort_reserve_ms = b.op_timeout_ms / BUDGET_ABORT_DIV;
	if (b.abort_reserve_ms < BUDGET_ABORT_MIN_MS)
		b.abort_reserve_ms = BUDGET_ABORT_MIN_MS;

	if (in->fallback_quick) {
		uint64_t bps = in->save_bps != 0 ? in->save_bps : BUDGET_DEFAULT_SAVE_BPS;
		uint64_t one_way_ms = mul_div_ceil(in->mem_bytes, 1000, bps);
		uint64_t xfer_ms = add_sat(one_way_ms, one_way_ms);

		b.fallback_reserve_ms =
		        add_sat(add_sat(xfer_ms, xfer_ms / 4), BUDGET_FALLBACK_SLACK_MS);
	}

	reserves = add_sat(b.abort_reserve_ms, b.fallback_reserve_ms);
	if (reserves >= b.op_timeout_ms || b.op_timeout_ms - reserves < BUDGET_MIN_LIVE_MS)
		return -ETIME;
	b.live_deadline_ms = b.op_timeout_ms - reserves;

	if (in->completion_timeout_s_per_gib != 0) {
		uint64_t cap = mul_div_ceil(in->mem_bytes,
		                            (uint64_t)in->completion_timeout_s_per_gib * 1000, GIB);

		if (cap < BUDGET_MIN_CAP_MS)
			cap = BUDGET_MIN_CAP_MS;
		if (cap < b.live_deadline_ms)
			b.live_deadline_ms = cap;
	}

	*ret = b;
	return 0;
}
