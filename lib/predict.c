/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * predict.c - what each move will cost, before moving (the model is in
 * predict.h).  Pure: no I/O, no clock, no floating point, no logging.
 *
 * The model only: the move names, the defaults, the simulation of QEMU's
 * pre-copy loop, the closed forms and the auto decision.  Setting inputs and
 * constants by name is predictset.c's, printing the result predictout.c's.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ferry/macros.h"
#include "ferry/predict.h"

#define US_PER_S  1000000ull
#define MS_PER_S  1000ull
#define US_PER_MS 1000ull

static const char *const live_why_names[] = {
        [PREDICT_LIVE_CONVERGED] = "converged",
        [PREDICT_LIVE_DEADLINE] = "deadline",
        [PREDICT_LIVE_WSS_TOO_BIG] = "working-set-too-big",
};
_Static_assert(ELEMENTSOF(live_why_names) == _PREDICT_LIVE_WHY_MAX, "live_why_names size");

const char *
predict_live_why_name(enum predict_live_why w)
{
	if ((unsigned)w >= ELEMENTSOF(live_why_names))
		return NULL;
	return live_why_names[w];
}

/* a * b / c without overflow (saturating); c != 0. */
static uint64_t
muldiv(uint64_t a, uint64_t b, uint64_t c)
{
	unsigned __int128 r = (unsigned __int128)a * b / c;

	return r > UINT64_MAX ? UINT64_MAX : (uint64_t)r;
}

/* Same, rounded up. */
static uint64_t
muldiv_up(uint64_t a, uint64_t b, uint64_t c)
{
	unsigned __int128 r = ((unsigned __int128)a * b + c - 1) / c;

	return r > UINT64_MAX ? UINT64_MAX : (uint64_t)r;
}

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t
max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t
add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void
predict_params_default(struct predict_params *p)
{
	memset(p, 0, sizeof(*p));
	p->default_net_bps = 1024 * PREDICT_MIB;
	p->default_save_write_bps = 1024 * PREDICT_MIB;
	p->default_save_read_bps = 2048 * PREDICT_MIB;
	p->qemu_downtime_ms = 300;
	p->iterate_ms = 50;
	p->first_check_ms = 100;
	p->zero_scan_bps = 4096 * PREDICT_MIB;
	p->stop_speedup_pct = 100;
	p->switchover_ms = 15;
	p->live_setup_ms = 480;
	p->live_finish_ms = 80;
	p->live_gap_extra_ms = 40;
	p->sample_ms = 200;
	p->stall_samples = 5;
	p->op_timeout_ms = 120000;
	p->save_stream_bps = 1200 * PREDICT_MIB;
	p->restore_stream_bps = 800 * PREDICT_MIB;
	p->save_setup_ms = 70;
	p->restore_setup_ms = 420;
	p->quick_gap_extra_ms = 25;
	p->vm_stop_ms = 1000;
	p->vm_start_ms = 500;
	p->guest_boot_ms = 4000;
	p->token_ms = 1000;
	p->consensus_ms = 0;
	p->pcmk_react_ms = 1500;
	p->fence_ms = 1000;
}

void
predict_input_default(struct predict_input *in)
{
	memset(in, 0, sizeof(*in));
	in->touched_bytes = PREDICT_UNKNOWN;
	in->wss_bytes = PREDICT_UNKNOWN;
	in->dirty_bytes_s = PREDICT_UNKNOWN;
	in->net_bps = PREDICT_UNKNOWN;
	in->save_write_bps = PREDICT_UNKNOWN;
	in->save_read_bps = PREDICT_UNKNOWN;
	in->max_downtime_ms = 100;
	in->downtime_steps_ms[0] = 200;
	in->downtime_steps_ms[1] = 400;
	in->downtime_steps_ms[2] = 800;
	in->n_downtime_steps = 3;
	in->live_deadline_ms = 60000;
}

/* ---- live: QEMU's pre-copy loop, step by step ---------------------------- */

struct live_run {
	uint32_t limit_ms;
	const uint32_t *steps_ms;
	size_t n_steps;
	uint64_t deadline_ms;
	bool policy; /* ferry's stall -> next step; false: defaults, nothing changes */
};

struct live_state {
	uint64_t p0_bytes;    /* touched pages of the first pass not sent yet */
	uint64_t zero_bytes;  /* untouched pages of the first pass not scanned yet */
	uint64_t re_bytes;    /* re-dirtied pages in the bitmap, within the working set */
	uint64_t dirty_bytes; /* dirtied since the last sync, not in the bitmap yet */
	uint64_t t_us;
	uint64_t sent_bytes;
	uint64_t bw_est_bps; /* QEMU's bandwidth measurement; 0 before the first */
	uint64_t win_start_us;
	uint64_t win_bytes;
	uint64_t passes;
};

static uint64_t
pending_bytes(const struct live_state *s)
{
	return s->p0_bytes + s->zero_bytes + s->re_bytes;
}

/* Time to send what is pending at bps (payload) and zero_bps (zero pages). */
static uint64_t
send_time_us(uint64_t payload, uint64_t zero, uint64_t bps, uint64_t zero_bps)
{
	return add_sat(muldiv_up(payload, US_PER_S, bps), muldiv_up(zero, US_PER_S, zero_bps));
}

static void
simulate_live(const struct predict_input *in, const struct predict_params *p,
              const struct live_run *run, struct predict_live *out)
{
	struct live_state s = {0};
	const uint64_t bps = in->net_bps;
	const uint64_t stop_bps = max_u64(1, muldiv(bps, p->stop_speedup_pct, 100));
	const uint64_t stop_zero_bps =
	        max_u64(1, muldiv(p->zero_scan_bps, p->stop_speedup_pct, 100));
	const uint64_t iterate_us = (uint64_t)p->iterate_ms * US_PER_MS;
	const uint64_t first_check_us = max_u64(1, (uint64_t)p->first_check_ms * US_PER_MS);
	const uint64_t deadline_us = muldiv(run->deadline_ms, US_PER_MS, 1);
	const uint64_t stall_us = (uint64_t)p->stall_samples * p->sample_ms * US_PER_MS;
	uint64_t best = UINT64_MAX, floor_pending = UINT64_MAX;
	uint64_t progress_us = 0, progress_passes = 1, next_sample_us = 0;
	uint32_t limit_ms = run->limit_ms;
	size_t next_step = 0;
	bool converged = false;

	memset(out, 0, sizeof(*out));
	s.p0_bytes = in->touched_bytes;
	s.zero_bytes = in->mem_bytes - in->touched_bytes;
	s.passes = 1; /* the bitmap sync at setup starts the first pass */

	for (;;) {
		uint64_t need_us =
		        send_time_us(s.p0_bytes + s.re_bytes, s.zero_bytes, bps, p->zero_scan_bps);
		uint64_t dt_us, sent, threshold, pending;

		/* One send window: everything pending, or iterate_ms worth of it,
		 * shared between the three kinds in proportion to their time. */
		if (need_us <= iterate_us) {
			dt_us = need_us;
			sent = s.p0_bytes + s.re_bytes;
			s.p0_bytes = s.re_bytes = s.zero_bytes = 0;
		} else {
			uint64_t p0 = muldiv(s.p0_bytes, iterate_us, need_us);
			uint64_t re = muldiv(s.re_bytes, iterate_us, need_us);
			uint64_t z = muldiv(s.zero_bytes, iterate_us, need_us);

			dt_us = iterate_us;
			s.p0_bytes -= p0;
			s.re_bytes -= re;
			s.zero_bytes -= z;
			sent = p0 + re;
		}
		if (dt_us == 0)
			dt_us = 1; /* nothing left: the thread still takes a turn */
		s.t_us += dt_us;
		s.sent_bytes += sent;
		s.win_bytes += sent;
		s.dirty_bytes = min_u64(in->wss_bytes,
		                        s.dirty_bytes + muldiv(in->dirty_bytes_s, dt_us, US_PER_S));

		if (s.t_us - s.win_start_us >= first_check_us) {
			s.bw_est_bps = muldiv(s.win_bytes, US_PER_S, s.t_us - s.win_start_us);
			s.win_start_us = s.t_us;
			s.win_bytes = 0;
		}

		/* QEMU: pending < threshold -> sync the bitmap; still under -> stop. */
		threshold = muldiv(s.bw_est_bps, limit_ms, MS_PER_S);
		pending = pending_bytes(&s);
		if (pending < threshold) {
			s.re_bytes = min_u64(s.re_bytes + s.dirty_bytes, in->wss_bytes);
			s.dirty_bytes = 0;
			s.passes++;
			pending = pending_bytes(&s);
			if (pending < threshold) {
				converged = true;
				break;
			}
		} else if (pending == 0 && threshold == 0) {
			converged = true; /* sent everything before the first measurement */
			break;
		}
		floor_pending = min_u64(floor_pending, pending);

		if (s.t_us >= deadline_us)
			break;

		/* ferry's policy, at each of the agent's samples. */
		if (s.t_us < next_sample_us)
			continue;
		next_sample_us = s.t_us + (uint64_t)p->sample_ms * US_PER_MS;
		if (best == UINT64_MAX || pending + max_u64(best / 32, 256 * 1024) <= best ||
		    pending <= threshold) {
			best = pending;
			progress_us = s.t_us;
			progress_passes = s.passes;
			continue;
		}
		if (!run->policy || s.t_us - progress_us < stall_us ||
		    s.passes - progress_passes < 2)
			continue;
		while (next_step < run->n_steps && run->steps_ms[next_step] <= limit_ms)
			next_step++;
		if (next_step < run->n_steps) {
			limit_ms = run->steps_ms[next_step++];
			out->steps_used++;
		}
		progress_us = s.t_us;
		progress_passes = s.passes;
	}

	out->limit_ms = limit_ms;
	out->passes = s.passes;
	out->copy_ms = muldiv_up(s.t_us, 1, US_PER_MS);
	if (converged) {
		/* The pause: the final sync adds what was dirtied since the last one. */
		uint64_t payload = min_u64(s.p0_bytes + s.re_bytes + s.dirty_bytes,
		                           in->mem_bytes - s.zero_bytes);
		uint64_t pause_us = send_time_us(payload, s.zero_bytes, stop_bps, stop_zero_bps);

		floor_pending = min_u64(floor_pending, payload + s.zero_bytes);
		out->converges = true;
		out->why = PREDICT_LIVE_CONVERGED;
		out->downtime_ms = muldiv_up(pause_us, 1, US_PER_MS) + p->switchover_ms;
		out->guest_gap_ms = out->downtime_ms + p->live_gap_extra_ms;
		out->bytes = s.sent_bytes + payload;
		out->total_ms =
		        p->live_setup_ms + out->copy_ms + out->downtime_ms + p->live_finish_ms;
	} else {
		out->converges = false;
		out->why =
		        in->dirty_bytes_s >= bps ? PREDICT_LIVE_WSS_TOO_BIG : PREDICT_LIVE_DEADLINE;
		out->bytes = s.sent_bytes;
		out->total_ms = p->live_setup_ms + out->copy_ms + p->live_finish_ms;
	}
	out->floor_pending_bytes = floor_pending == UINT64_MAX ? 0 : floor_pending;
}

/* ---- the rest: closed forms ---------------------------------------------- */

static uint64_t
xfer_ms(uint64_t bytes, uint64_t bps)
{
	return muldiv_up(bytes, MS_PER_S, bps);
}

static void
compute_quick(const struct predict_input *in, const struct predict_params *p,
              struct predict_quick *q)
{
	uint64_t wbps = min_u64(in->save_write_bps, p->save_stream_bps);
	uint64_t rbps = min_u64(in->save_read_bps, p->restore_stream_bps);

	q->save_ms = p->save_setup_ms + xfer_ms(in->touched_bytes, wbps);
	q->restore_ms = p->restore_setup_ms + xfer_ms(in->touched_bytes, rbps);
	q->downtime_ms = q->save_ms + q->restore_ms;
	q->guest_gap_ms = q->downtime_ms + p->quick_gap_extra_ms;
	q->total_ms = q->downtime_ms;
	q->bytes = in->touched_bytes;
	q->lower_bound_ms = xfer_ms(in->touched_bytes, in->save_write_bps) +
	                    xfer_ms(in->touched_bytes, in->save_read_bps);
}

static void
compute_restart(const struct predict_params *p, struct predict_restart *r)
{
	r->downtime_ms = (uint64_t)p->vm_stop_ms + p->vm_start_ms;
	r->guest_gap_ms = r->downtime_ms + p->guest_boot_ms;
	r->total_ms = r->downtime_ms;
}

static void
compute_ha(const struct predict_params *p, struct predict_ha *h)
{
	uint64_t consensus =
	        p->consensus_ms != 0 ? p->consensus_ms : (uint64_t)p->token_ms * 12 / 10;

	h->detect_ms = p->token_ms + consensus + p->pcmk_react_ms;
	h->fence_ms = p->fence_ms;
	h->start_ms = p->vm_start_ms;
	h->boot_ms = p->guest_boot_ms;
	h->recovery_ms = h->detect_ms + h->fence_ms + h->start_ms + h->boot_ms;
}

static uint32_t
largest_limit_ms(const struct predict_input *in)
{
	uint32_t m = in->max_downtime_ms;

	if (in->n_downtime_steps > 0 && in->downtime_steps_ms[in->n_downtime_steps - 1] > m)
		m = in->downtime_steps_ms[in->n_downtime_steps - 1];
	return m;
}

static int
validate(const struct predict_input *in, const struct predict_params *p)
{
	if (in == NULL || p == NULL)
		return -EINVAL;
	if (in->mem_bytes == 0 || in->mem_bytes == PREDICT_UNKNOWN)
		return -EINVAL;
	if (in->touched_bytes != PREDICT_UNKNOWN && in->touched_bytes > in->mem_bytes)
		return -EINVAL;
	if (in->wss_bytes != PREDICT_UNKNOWN && in->wss_bytes > in->mem_bytes)
		return -EINVAL;
	if (in->net_bps == 0 || in->save_write_bps == 0 || in->save_read_bps == 0)
		return -EINVAL;
	if (in->max_downtime_ms == 0 || in->n_downtime_steps > PREDICT_MAX_STEPS)
		return -EINVAL;
	for (size_t i = 0; i < in->n_downtime_steps; i++)
		if (in->downtime_steps_ms[i] == 0 ||
		    (i > 0 && in->downtime_steps_ms[i] <= in->downtime_steps_ms[i - 1]))
			return -EINVAL;
	if (p->default_net_bps == 0 || p->default_save_write_bps == 0 ||
	    p->default_save_read_bps == 0 || p->zero_scan_bps == 0 || p->save_stream_bps == 0 ||
	    p->restore_stream_bps == 0 || p->iterate_ms == 0 || p->sample_ms == 0 ||
	    p->stop_speedup_pct == 0 || p->qemu_downtime_ms == 0)
		return -EINVAL;
	return 0;
}

int
predict_compute(const struct predict_input *in0, const struct predict_params *p,
                struct predict_result *ret)
{
	struct predict_result r;
	struct predict_input *in = &r.in;
	struct live_run run;
	int rc;

	rc = validate(in0, p);
	if (rc < 0)
		return rc;

	memset(&r, 0, sizeof(r));
	*in = *in0;
	if (in->touched_bytes == PREDICT_UNKNOWN) {
		in->touched_bytes = in->mem_bytes;
		r.assumed |= PREDICT_ASSUMED_TOUCHED;
	}
	if (in->wss_bytes == PREDICT_UNKNOWN) {
		in->wss_bytes = in->mem_bytes;
		r.assumed |= PREDICT_ASSUMED_WSS;
	}
	if (in->dirty_bytes_s == PREDICT_UNKNOWN) {
		in->dirty_bytes_s = 0;
		r.assumed |= PREDICT_ASSUMED_DIRTY;
	}
	if (in->net_bps == PREDICT_UNKNOWN) {
		in->net_bps = p->default_net_bps;
		r.assumed |= PREDICT_ASSUMED_NET;
	}
	if (in->save_write_bps == PREDICT_UNKNOWN) {
		in->save_write_bps = p->default_save_write_bps;
		r.assumed |= PREDICT_ASSUMED_SAVE_WRITE;
	}
	if (in->save_read_bps == PREDICT_UNKNOWN) {
		in->save_read_bps = p->default_save_read_bps;
		r.assumed |= PREDICT_ASSUMED_SAVE_READ;
	}

	run = (struct live_run){
	        .limit_ms = in->max_downtime_ms,
	        .steps_ms = in->downtime_steps_ms,
	        .n_steps = in->n_downtime_steps,
	        .deadline_ms = in->live_deadline_ms != 0 ? in->live_deadline_ms : p->op_timeout_ms,
	        .policy = true,
	};
	simulate_live(in, p, &run, &r.live);

	run = (struct live_run){
	        .limit_ms = p->qemu_downtime_ms,
	        .deadline_ms = p->op_timeout_ms,
	        .policy = false,
	};
	simulate_live(in, p, &run, &r.live_defaults);

	compute_quick(in, p, &r.quick);
	compute_restart(p, &r.restart);
	compute_ha(p, &r.ha);
	r.auto_move = predict_auto(&r, NULL, 0);

	*ret = r;
	return 0;
}

enum ferry_move_kind
predict_auto(const struct predict_result *r, char *why, size_t why_len)
{
	const struct predict_live *l = &r->live;
	uint32_t largest = largest_limit_ms(&r->in);
	enum ferry_move_kind m;

	if (!l->converges && l->why == PREDICT_LIVE_WSS_TOO_BIG) {
		m = FERRY_MOVE_QUICK;
		if (why != NULL && why_len > 0)
			snprintf(why, why_len,
			         "quick: live does not converge (dirty %" PRIu64
			         " MiB/s >= bandwidth %" PRIu64
			         " MiB/s: pending never drops under the working set, %" PRIu64
			         " MiB = %" PRIu64 " ms > largest limit %" PRIu32 " ms)",
			         r->in.dirty_bytes_s / PREDICT_MIB, r->in.net_bps / PREDICT_MIB,
			         r->in.wss_bytes / PREDICT_MIB,
			         xfer_ms(r->in.wss_bytes, r->in.net_bps), largest);
	} else if (!l->converges) {
		m = FERRY_MOVE_QUICK;
		if (why != NULL && why_len > 0)
			snprintf(why, why_len,
			         "quick: live does not converge within %" PRIu64
			         " ms (lowest pending %" PRIu64 " MiB, limit %" PRIu32 " ms)",
			         l->copy_ms, l->floor_pending_bytes / PREDICT_MIB, l->limit_ms);
	} else if (l->downtime_ms > largest) {
		m = FERRY_MOVE_QUICK;
		if (why != NULL && why_len > 0)
			snprintf(why, why_len,
			         "quick: live pause %" PRIu64 " ms > largest limit %" PRIu32 " ms",
			         l->downtime_ms, largest);
	} else if (l->guest_gap_ms >= r->quick.guest_gap_ms) {
		m = FERRY_MOVE_QUICK;
		if (why != NULL && why_len > 0)
			snprintf(why, why_len,
			         "quick: its gap %" PRIu64 " ms <= live's %" PRIu64 " ms",
			         r->quick.guest_gap_ms, l->guest_gap_ms);
	} else {
		m = FERRY_MOVE_LIVE;
		if (why != NULL && why_len > 0)
			snprintf(why, why_len,
			         "live: converges (passes %" PRIu64 "), pause %" PRIu64
			         " ms <= %" PRIu32 " ms",
			         l->passes, l->downtime_ms, largest);
	}
	return m;
}
