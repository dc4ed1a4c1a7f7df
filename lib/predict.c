/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * predict.c - what each move will cost, before moving (the model is in
 * predict.h).  Pure: no I/O, no clock, no floating point, no logging.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ferry/macros.h"
#include "ferry/predict.h"
#include "ferry/textout.h"

#define US_PER_S  1000000ull
#define MS_PER_S  1000ull
#define US_PER_MS 1000ull

static const char *const move_names[] = {
        [PREDICT_MOVE_LIVE] = "live",
        [PREDICT_MOVE_QUICK] = "quick",
        [PREDICT_MOVE_RESTART] = "restart",
        [PREDICT_MOVE_HA] = "ha",
};
_Static_assert(ELEMENTSOF(move_names) == _PREDICT_MOVE_MAX, "move_names size");

static const char *const live_why_names[] = {
        [PREDICT_LIVE_CONVERGED] = "converged",
        [PREDICT_LIVE_DEADLINE] = "deadline",
        [PREDICT_LIVE_WSS_TOO_BIG] = "working-set-too-big",
};
_Static_assert(ELEMENTSOF(live_why_names) == _PREDICT_LIVE_WHY_MAX, "live_why_names size");

const char *
predict_move_name(enum predict_move m)
{
	if ((unsigned)m >= ELEMENTSOF(move_names))
		return NULL;
	return move_names[m];
}

int
predict_move_from_name(const char *name, enum predict_move *ret)
{
	if (name == NULL)
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(move_names); i++)
		if (strcmp(move_names[i], name) == 0) {
			*ret = (enum predict_move)i;
			return 0;
		}
	return -EINVAL;
}

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

enum predict_move
predict_auto(const struct predict_result *r, char *why, size_t why_len)
{
	const struct predict_live *l = &r->live;
	uint32_t largest = largest_limit_ms(&r->in);
	enum predict_move m;

	if (!l->converges && l->why == PREDICT_LIVE_WSS_TOO_BIG) {
		m = PREDICT_MOVE_QUICK;
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
		m = PREDICT_MOVE_QUICK;
		if (why != NULL && why_len > 0)
			snprintf(why, why_len,
			         "quick: live does not converge within %" PRIu64
			         " ms (lowest pending %" PRIu64 " MiB, limit %" PRIu32 " ms)",
			         l->copy_ms, l->floor_pending_bytes / PREDICT_MIB, l->limit_ms);
	} else if (l->downtime_ms > largest) {
		m = PREDICT_MOVE_QUICK;
		if (why != NULL && why_len > 0)
			snprintf(why, why_len,
			         "quick: live pause %" PRIu64 " ms > largest limit %" PRIu32 " ms",
			         l->downtime_ms, largest);
	} else if (l->guest_gap_ms >= r->quick.guest_gap_ms) {
		m = PREDICT_MOVE_QUICK;
		if (why != NULL && why_len > 0)
			snprintf(why, why_len,
			         "quick: its gap %" PRIu64 " ms <= live's %" PRIu64 " ms",
			         r->quick.guest_gap_ms, l->guest_gap_ms);
	} else {
		m = PREDICT_MOVE_LIVE;
		if (why != NULL && why_len > 0)
			snprintf(why, why_len,
			         "live: converges (passes %" PRIu64 "), pause %" PRIu64
			         " ms <= %" PRIu32 " ms",
			         l->passes, l->downtime_ms, largest);
	}
	return m;
}

/* ---- names: inputs and parameters ---------------------------------------- */

enum field_kind {
	F_SIZE, /* input bytes: NAME_bytes, NAME_mib; "unknown" allowed */
	F_RATE, /* input bytes/s: NAME_bps, NAME_mib_s; "unknown" allowed */
	F_IN_MS32,
	F_IN_MS64,
	F_STEPS,
	F_P_U32, /* parameters: the field name as is */
	F_P_U64,
	F_P_RATE, /* parameter bytes/s: NAME (bps) or NAME with _bps -> _mib_s */
};

struct field {
	const char *name;
	enum field_kind kind;
	size_t offset;
	bool unknown_ok;
};

#define IN(n, k, f, u)                                                                             \
	{                                                                                          \
		n, k, offsetof(struct predict_input, f), u                                         \
	}
#define PA(k, f)                                                                                   \
	{                                                                                          \
#f, k, offsetof(struct predict_params, f), false                                   \
	}

static const struct field fields[] = {
        IN("mem", F_SIZE, mem_bytes, false),
        IN("touched", F_SIZE, touched_bytes, true),
        IN("wss", F_SIZE, wss_bytes, true),
        IN("dirty", F_RATE, dirty_bytes_s, true),
        IN("net", F_RATE, net_bps, true),
        IN("save_write", F_RATE, save_write_bps, true),
        IN("save_read", F_RATE, save_read_bps, true),
        IN("max_downtime_ms", F_IN_MS32, max_downtime_ms, false),
        IN("downtime_steps_ms", F_STEPS, downtime_steps_ms, false),
        IN("live_deadline_ms", F_IN_MS64, live_deadline_ms, false),
        PA(F_P_RATE, default_net_bps),
        PA(F_P_RATE, default_save_write_bps),
        PA(F_P_RATE, default_save_read_bps),
        PA(F_P_U32, qemu_downtime_ms),
        PA(F_P_U32, iterate_ms),
        PA(F_P_U32, first_check_ms),
        PA(F_P_RATE, zero_scan_bps),
        PA(F_P_U32, stop_speedup_pct),
        PA(F_P_U32, switchover_ms),
        PA(F_P_U32, live_setup_ms),
        PA(F_P_U32, live_finish_ms),
        PA(F_P_U32, live_gap_extra_ms),
        PA(F_P_U32, sample_ms),
        PA(F_P_U32, stall_samples),
        PA(F_P_U64, op_timeout_ms),
        PA(F_P_RATE, save_stream_bps),
        PA(F_P_RATE, restore_stream_bps),
        PA(F_P_U32, save_setup_ms),
        PA(F_P_U32, restore_setup_ms),
        PA(F_P_U32, quick_gap_extra_ms),
        PA(F_P_U32, vm_stop_ms),
        PA(F_P_U32, vm_start_ms),
        PA(F_P_U32, guest_boot_ms),
        PA(F_P_U32, token_ms),
        PA(F_P_U32, consensus_ms),
        PA(F_P_U32, pcmk_react_ms),
        PA(F_P_U32, fence_ms),
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Decimal, optional fraction (for _mib values like 0.5), no sign. Result x
 * mult, rounded down; -EINVAL on junk or overflow. */
static int
parse_scaled(const char *s, uint64_t mult, uint64_t *ret)
{
	unsigned __int128 whole = 0, frac = 0, div = 1;
	size_t digits = 0;

	while (is_blank(*s))
		s++;
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		whole = whole * 10 + (unsigned)(*s - '0');
		if (whole > UINT64_MAX)
			return -EINVAL;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
			if (div < 1000000000000ull) {
				frac = frac * 10 + (unsigned)(*s - '0');
				div *= 10;
			}
		}
	}
	while (is_blank(*s))
		s++;
	if (digits == 0 || *s != '\0')
		return -EINVAL;
	whole = whole * mult + frac * mult / div;
	if (whole >= UINT64_MAX) /* UINT64_MAX is PREDICT_UNKNOWN */
		return -EINVAL;
	*ret = (uint64_t)whole;
	return 0;
}

static int
parse_steps(const char *s, uint32_t *steps, size_t *ret_n)
{
	uint32_t v[PREDICT_MAX_STEPS];
	size_t n = 0;

	while (is_blank(*s))
		s++;
	if (*s == '\0' || strcmp(s, "none") == 0) {
		*ret_n = 0;
		return 0;
	}
	for (;;) {
		uint64_t x = 0;
		size_t digits = 0;

		while (is_blank(*s))
			s++;
		for (; *s >= '0' && *s <= '9'; s++, digits++) {
			x = x * 10 + (uint64_t)(*s - '0');
			if (x > 3600000)
				return -EINVAL;
		}
		if (digits == 0 || x == 0 || n == PREDICT_MAX_STEPS || (n > 0 && x <= v[n - 1]))
			return -EINVAL;
		v[n++] = (uint32_t)x;
		while (is_blank(*s))
			s++;
		if (*s == '\0')
			break;
		if (*s != ',')
			return -EINVAL;
		s++;
	}
	memcpy(steps, v, n * sizeof(v[0]));
	*ret_n = n;
	return 0;
}

static bool
has_suffix(const char *name, size_t base_len, const char *base, const char *suffix)
{
	return strncmp(name, base, base_len) == 0 && strcmp(name + base_len, suffix) == 0;
}

int
predict_set(struct predict_input *in, struct predict_params *p, const char *name, const char *value)
{
	if (in == NULL || p == NULL || name == NULL || value == NULL)
		return -EINVAL;

	for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
		const struct field *f = &fields[i];
		size_t bl = strlen(f->name);
		char *ibase = (char *)in + f->offset;
		char *pbase = (char *)p + f->offset;
		uint64_t mult = 0, v;
		int rc;

		switch (f->kind) {
		case F_SIZE:
			if (has_suffix(name, bl, f->name, "_bytes"))
				mult = 1;
			else if (has_suffix(name, bl, f->name, "_mib"))
				mult = PREDICT_MIB;
			break;
		case F_RATE:
			if (has_suffix(name, bl, f->name, "_bps"))
				mult = 1;
			else if (has_suffix(name, bl, f->name, "_mib_s"))
				mult = PREDICT_MIB;
			break;
		case F_P_RATE:
			/* "zero_scan_bps" or "zero_scan_mib_s" */
			if (strcmp(name, f->name) == 0)
				mult = 1;
			else if (bl > 4 && has_suffix(name, bl - 4, f->name, "_mib_s"))
				mult = PREDICT_MIB;
			break;
		default:
			if (strcmp(name, f->name) == 0)
				mult = 1;
			break;
		}
		if (mult == 0)
			continue;

		if (strcmp(value, "unknown") == 0) {
			if (!f->unknown_ok)
				return -EINVAL;
			memcpy(ibase, &(uint64_t){PREDICT_UNKNOWN}, sizeof(uint64_t));
			return 0;
		}
		switch (f->kind) {
		case F_STEPS:
			return parse_steps(value, in->downtime_steps_ms, &in->n_downtime_steps);
		case F_SIZE:
		case F_RATE:
		case F_IN_MS64:
			rc = parse_scaled(value, mult, &v);
			if (rc < 0)
				return rc;
			memcpy(ibase, &v, sizeof(v));
			return 0;
		case F_IN_MS32:
			rc = parse_scaled(value, 1, &v);
			if (rc < 0 || v > UINT32_MAX)
				return -EINVAL;
			memcpy(ibase, &(uint32_t){(uint32_t)v}, sizeof(uint32_t));
			return 0;
		case F_P_U32:
			rc = parse_scaled(value, 1, &v);
			if (rc < 0 || v > UINT32_MAX)
				return -EINVAL;
			memcpy(pbase, &(uint32_t){(uint32_t)v}, sizeof(uint32_t));
			return 0;
		case F_P_U64:
		case F_P_RATE:
			rc = parse_scaled(value, mult, &v);
			if (rc < 0)
				return rc;
			memcpy(pbase, &v, sizeof(v));
			return 0;
		}
	}
	return -ENOENT;
}

/* ---- printing ------------------------------------------------------------ */

/* "512.0 MiB" with one decimal, integer arithmetic. */
static void
out_mib(struct textout *o, uint64_t bytes)
{
	uint64_t tenths = muldiv(bytes, 10, PREDICT_MIB);

	textout_printf(o, "%" PRIu64 ".%" PRIu64 " MiB", tenths / 10, tenths % 10);
}

static void
out_steps(struct textout *o, const struct predict_input *in)
{
	if (in->n_downtime_steps == 0)
		textout_printf(o, "none");
	for (size_t i = 0; i < in->n_downtime_steps; i++)
		textout_printf(o, "%s%" PRIu32, i > 0 ? "," : "", in->downtime_steps_ms[i]);
}

static const char *
assumed_note(const struct predict_result *r, uint32_t bit)
{
	return (r->assumed & bit) != 0 ? " (assumed)" : "";
}

static uint64_t
param_value(const struct predict_params *p, const struct field *f)
{
	const char *base = (const char *)p + f->offset;

	if (f->kind == F_P_U32) {
		uint32_t v;

		memcpy(&v, base, sizeof(v));
		return v;
	} else {
		uint64_t v;

		memcpy(&v, base, sizeof(v));
		return v;
	}
}

static void
out_live_row(struct textout *o, const char *label, const struct predict_live *l)
{
	if (l->converges)
		textout_printf(o,
		               "  %-16s %-4s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %12" PRIu64
		               "  passes %" PRIu64 ", limit %" PRIu32 " ms, steps taken %" PRIu32
		               "\n",
		               label, "yes", l->downtime_ms, l->guest_gap_ms, l->total_ms,
		               l->bytes / PREDICT_MIB, l->passes, l->limit_ms, l->steps_used);
	else
		textout_printf(o,
		               "  %-16s %-4s %10s %10s %10" PRIu64 " %12" PRIu64
		               "  %s: passes %" PRIu64 ", limit %" PRIu32
		               " ms, lowest pending %" PRIu64 " MiB\n",
		               label, "no", "-", "-", l->total_ms, l->bytes / PREDICT_MIB,
		               predict_live_why_name(l->why), l->passes, l->limit_ms,
		               l->floor_pending_bytes / PREDICT_MIB);
}

size_t
predict_format(const struct predict_result *r, const struct predict_params *p, char *buf,
               size_t len)
{
	struct textout o;

	textout_init(&o, buf, len);
	const struct predict_input *in = &r->in;
	char why[256];

	if (buf != NULL && len > 0)
		buf[0] = '\0';

	textout_printf(&o, "inputs\n  memory           ");
	out_mib(&o, in->mem_bytes);
	textout_printf(&o, "\n  touched          ");
	out_mib(&o, in->touched_bytes);
	textout_printf(&o, "%s\n  working set      ",
	               (r->assumed & PREDICT_ASSUMED_TOUCHED) != 0 ? " (assumed: all memory)" : "");
	out_mib(&o, in->wss_bytes);
	textout_printf(&o, "%s\n  dirty rate       ",
	               (r->assumed & PREDICT_ASSUMED_WSS) != 0 ? " (assumed: all memory)" : "");
	out_mib(&o, in->dirty_bytes_s);
	textout_printf(&o, "/s%s\n  migration bw     ",
	               (r->assumed & PREDICT_ASSUMED_DIRTY) != 0 ? " (assumed: idle)" : "");
	out_mib(&o, in->net_bps);
	textout_printf(&o, "/s%s\n  save write bw    ", assumed_note(r, PREDICT_ASSUMED_NET));
	out_mib(&o, in->save_write_bps);
	textout_printf(&o, "/s%s\n  save read bw     ",
	               assumed_note(r, PREDICT_ASSUMED_SAVE_WRITE));
	out_mib(&o, in->save_read_bps);
	textout_printf(&o, "/s%s\n  downtime target  %" PRIu32 " ms, steps ",
	               assumed_note(r, PREDICT_ASSUMED_SAVE_READ), in->max_downtime_ms);
	out_steps(&o, in);
	textout_printf(&o, "\n  live deadline    %" PRIu64 " ms\n", in->live_deadline_ms);

	textout_printf(&o, "constants\n");
	for (size_t i = 0; i < ELEMENTSOF(fields); i++)
		if (fields[i].kind >= F_P_U32)
			textout_printf(&o, "  %-24s %" PRIu64 "\n", fields[i].name,
			               param_value(p, &fields[i]));

	textout_printf(&o, "predictions (ms; bytes in MiB)\n");
	textout_printf(&o, "  %-16s %-4s %10s %10s %10s %12s  %s\n", "move", "ok", "downtime",
	               "guest_gap", "total", "MiB", "notes");
	out_live_row(&o, "live (ferry)", &r->live);
	out_live_row(&o, "live (defaults)", &r->live_defaults);
	textout_printf(&o,
	               "  %-16s %-4s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %12" PRIu64
	               "  save %" PRIu64 " + restore %" PRIu64 ", disk lower bound %" PRIu64 "\n",
	               "quick", "yes", r->quick.downtime_ms, r->quick.guest_gap_ms,
	               r->quick.total_ms, r->quick.bytes / PREDICT_MIB, r->quick.save_ms,
	               r->quick.restore_ms, r->quick.lower_bound_ms);
	textout_printf(&o,
	               "  %-16s %-4s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %12s"
	               "  stop + start, then the guest boots\n",
	               "restart", "yes", r->restart.downtime_ms, r->restart.guest_gap_ms,
	               r->restart.total_ms, "-");
	textout_printf(&o,
	               "  %-16s %-4s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %12s"
	               "  detect %" PRIu64 " + fence %" PRIu64 " + start %" PRIu64
	               " + boot %" PRIu64 "\n",
	               "ha restart", "yes", r->ha.recovery_ms - r->ha.boot_ms, r->ha.recovery_ms,
	               r->ha.recovery_ms, "-", r->ha.detect_ms, r->ha.fence_ms, r->ha.start_ms,
	               r->ha.boot_ms);
	if (!r->live.converges)
		textout_printf(&o,
		               "  live with fallback=quick: gives up after %" PRIu64
		               " ms, then a quick move (guest gap %" PRIu64 " ms)\n",
		               r->live.total_ms, r->quick.guest_gap_ms);
	(void)predict_auto(r, why, sizeof(why));
	textout_printf(&o, "auto: %s\n", why);
	return o.need;
}

static void
json_live(struct textout *o, const char *key, const struct predict_live *l)
{
	textout_printf(o,
	               "\"%s\":{\"converges\":%s,\"why\":\"%s\",\"limit_ms\":%" PRIu32
	               ",\"steps_used\":%" PRIu32 ",\"passes\":%" PRIu64 ",\"copy_ms\":%" PRIu64
	               ",\"downtime_ms\":%" PRIu64 ",\"guest_gap_ms\":%" PRIu64
	               ",\"total_ms\":%" PRIu64 ",\"bytes\":%" PRIu64
	               ",\"floor_pending_bytes\":%" PRIu64 "}",
	               key, l->converges ? "true" : "false", predict_live_why_name(l->why),
	               l->limit_ms, l->steps_used, l->passes, l->copy_ms, l->downtime_ms,
	               l->guest_gap_ms, l->total_ms, l->bytes, l->floor_pending_bytes);
}

size_t
predict_format_json(const struct predict_result *r, const struct predict_params *p, char *buf,
                    size_t len)
{
	struct textout o;

	textout_init(&o, buf, len);
	const struct predict_input *in = &r->in;
	static const char *const assumed_names[] = {
	        "touched", "wss", "dirty", "net", "save_write", "save_read",
	};
	bool first = true;
	char why[256];

	if (buf != NULL && len > 0)
		buf[0] = '\0';
	textout_printf(&o,
	               "{\"input\":{\"mem_bytes\":%" PRIu64 ",\"touched_bytes\":%" PRIu64
	               ",\"wss_bytes\":%" PRIu64 ",\"dirty_bytes_s\":%" PRIu64
	               ",\"net_bps\":%" PRIu64 ",\"save_write_bps\":%" PRIu64
	               ",\"save_read_bps\":%" PRIu64 ",\"max_downtime_ms\":%" PRIu32
	               ",\"downtime_steps_ms\":[",
	               in->mem_bytes, in->touched_bytes, in->wss_bytes, in->dirty_bytes_s,
	               in->net_bps, in->save_write_bps, in->save_read_bps, in->max_downtime_ms);
	for (size_t i = 0; i < in->n_downtime_steps; i++)
		textout_printf(&o, "%s%" PRIu32, i > 0 ? "," : "", in->downtime_steps_ms[i]);
	textout_printf(&o, "],\"live_deadline_ms\":%" PRIu64 "},\"assumed\":[",
	               in->live_deadline_ms);
	for (size_t i = 0; i < ELEMENTSOF(assumed_names); i++)
		if ((r->assumed & (1u << i)) != 0) {
			textout_printf(&o, "%s\"%s\"", first ? "" : ",", assumed_names[i]);
			first = false;
		}
	textout_printf(&o, "],\"params\":{");
	first = true;
	for (size_t i = 0; i < ELEMENTSOF(fields); i++)
		if (fields[i].kind >= F_P_U32) {
			textout_printf(&o, "%s\"%s\":%" PRIu64, first ? "" : ",", fields[i].name,
			               param_value(p, &fields[i]));
			first = false;
		}
	textout_printf(&o, "},");
	json_live(&o, "live", &r->live);
	textout_printf(&o, ",");
	json_live(&o, "live_defaults", &r->live_defaults);
	textout_printf(
	        &o,
	        ",\"quick\":{\"save_ms\":%" PRIu64 ",\"restore_ms\":%" PRIu64
	        ",\"downtime_ms\":%" PRIu64 ",\"guest_gap_ms\":%" PRIu64 ",\"total_ms\":%" PRIu64
	        ",\"bytes\":%" PRIu64 ",\"lower_bound_ms\":%" PRIu64 "}",
	        r->quick.save_ms, r->quick.restore_ms, r->quick.downtime_ms, r->quick.guest_gap_ms,
	        r->quick.total_ms, r->quick.bytes, r->quick.lower_bound_ms);
	textout_printf(&o,
	               ",\"restart\":{\"downtime_ms\":%" PRIu64 ",\"guest_gap_ms\":%" PRIu64
	               ",\"total_ms\":%" PRIu64 "}",
	               r->restart.downtime_ms, r->restart.guest_gap_ms, r->restart.total_ms);
	textout_printf(
	        &o,
	        ",\"ha\":{\"detect_ms\":%" PRIu64 ",\"fence_ms\":%" PRIu64 ",\"start_ms\":%" PRIu64
	        ",\"boot_ms\":%" PRIu64 ",\"recovery_ms\":%" PRIu64 "}",
	        r->ha.detect_ms, r->ha.fence_ms, r->ha.start_ms, r->ha.boot_ms, r->ha.recovery_ms);
	(void)predict_auto(r, why, sizeof(why));
	textout_printf(&o, ",\"auto\":\"%s\",\"auto_why\":", predict_move_name(r->auto_move));
	textout_json_str(&o, why);
	textout_printf(&o, "}\n");
	return o.need;
}
