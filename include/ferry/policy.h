/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy.h - live-migration convergence policy (pure: samples in, actions out).
 *
 * The agent samples the migration job (libvirt job stats) every few hundred
 * milliseconds and feeds each sample to policy_step().  The policy answers
 * with one action: keep going, raise the downtime limit to the next step,
 * switch to post-copy, abort (source keeps running) or abort and fall back to
 * a quick move.  No I/O, no clock: elapsed time comes in the sample, so the
 * same sample sequence always yields the same actions (golden-testable).
 */
#ifndef FERRY_POLICY_H
#define FERRY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POLICY_MAX_STEPS 16

/*
 * The rules (policy_step), in order, for each sample:
 *   1. after an ABORT or FALLBACK_QUICK was returned: NONE, always.
 *   2. elapsed_ms >= deadline_ms (so a deadline of 0, time already used up,
 *      stops at the first sample; UINT64_MAX means no deadline):
 *        post-copy started -> NONE (post-copy cannot be undone; let it finish);
 *        else FALLBACK_QUICK if cfg.fallback is quick, else ABORT (once).
 *   3. post-copy started -> NONE.
 *   4. remaining small enough to go in one pause (remaining <=
 *      mem_bps * downtime_ms / 1000, which includes 0: an idle or finishing
 *      guest) -> NONE, the count unchanged and the best not updated: such a
 *      sample is neither progress nor a sign of a stall (in a stall it is
 *      the instant before a re-sync, and must not become the low to beat).
 *   5. progress: data_remaining_bytes is a new low, below the best seen by
 *      at least best / POLICY_PROGRESS_DIV clamped to [POLICY_PROGRESS_MIN_BYTES,
 *      POLICY_PROGRESS_MAX_BYTES] (3 %, at least 256 KiB, at most 64 MiB:
 *      noise in one pass is not progress, a steady bulk copy of a big guest
 *      is) -> count reset, NONE.  QEMU (7.2) re-syncs the dirty bitmap only
 *      when remaining falls under bandwidth x downtime-limit, so in a stall
 *      the samples swing between that floor and the re-dirtied set and stop
 *      making new lows.
 *   6. otherwise one more sample without progress.  A stall is
 *      stall_samples (default POLICY_DEFAULT_STALL_SAMPLES) such samples since
 *      the last progress or action (rule-4 samples do not count) and, when
 *      mem_iteration is known (> 0), at least
 *      POLICY_STALL_PASSES new pre-copy passes since the last progress (within
 *      one pass remaining only shrinks; a stall is pass after pass re-dirtying
 *      as much as it sends).  On a stall:
 *        next downtime step above the limit in force -> SET_DOWNTIME;
 *        steps exhausted and postcopy=after-stall    -> START_POSTCOPY (once);
 *        nothing left to try                          -> NONE until the deadline.
 *      After any action the count starts again (the new setting gets a fair
 *      chance); the best value seen is kept.
 */
#define POLICY_DEFAULT_MAX_DOWNTIME_MS 100u
#define POLICY_DEFAULT_STALL_SAMPLES   5u
#define POLICY_STALL_PASSES            2u
#define POLICY_PROGRESS_DIV            32u            /* a new low must beat the best by 1/32 */
#define POLICY_PROGRESS_MIN_BYTES      (256u * 1024u) /* ... and by at least 256 KiB */
#define POLICY_PROGRESS_MAX_BYTES      (64u * 1024u * 1024u) /* ... but never more than 64 MiB */
#define POLICY_STEP_MIN_MS             1u
#define POLICY_STEP_MAX_MS             60000u

enum policy_postcopy {
	POLICY_POSTCOPY_OFF = 0,
	POLICY_POSTCOPY_AFTER_STALL,
	_POLICY_POSTCOPY_MAX,
};

enum policy_fallback {
	POLICY_FALLBACK_NONE = 0,
	POLICY_FALLBACK_QUICK,
	_POLICY_FALLBACK_MAX,
};

struct policy_config {
	uint32_t max_downtime_ms;                     /* set before the copy starts */
	uint32_t downtime_steps_ms[POLICY_MAX_STEPS]; /* raised through, ascending */
	size_t n_downtime_steps;
	enum policy_postcopy postcopy;
	enum policy_fallback fallback;
	uint32_t stall_samples; /* samples without progress that make a stall; 0 = default */
};

/* One observation of the running migration job. */
struct policy_sample {
	uint64_t elapsed_ms;           /* since the migration started */
	uint64_t data_total_bytes;     /* 0 if unknown */
	uint64_t data_remaining_bytes; /* memory still to send */
	uint64_t mem_iteration;        /* pre-copy pass number, 0 if unknown */
	uint64_t mem_dirty_rate_pages_s;
	uint64_t mem_bps; /* transfer rate, bytes per second */
};

enum policy_action_type {
	POLICY_ACT_NONE = 0,       /* keep going */
	POLICY_ACT_SET_DOWNTIME,   /* raise the downtime limit to action.downtime_ms */
	POLICY_ACT_START_POSTCOPY, /* switch to post-copy (never aborted afterwards) */
	POLICY_ACT_ABORT,          /* give up: abort the job, the source keeps running */
	POLICY_ACT_FALLBACK_QUICK, /* abort the job, then move the VM by save/restore */
	_POLICY_ACT_MAX,
};

struct policy_action {
	enum policy_action_type type;
	uint32_t downtime_ms; /* for POLICY_ACT_SET_DOWNTIME */
};

/* State of one migration; callers treat the fields as read-only. */
struct policy {
	struct policy_config cfg;
	uint64_t deadline_ms;          /* elapsed_ms at which the live attempt is given up */
	uint64_t best_remaining_bytes; /* lowest remaining seen since the last progress */
	uint32_t samples_without_progress;
	size_t next_step;
	uint32_t downtime_ms; /* limit currently in force */
	bool postcopy_started;
	bool finished; /* an ABORT or FALLBACK was returned */
	/* additions */
	uint64_t progress_iteration; /* mem_iteration at the last progress or action */
	uint32_t stalls;             /* stalls detected so far */
};

/* Config defaults: max_downtime_ms 100, steps none, postcopy off, fallback none,
 * stall_samples 0 (= POLICY_DEFAULT_STALL_SAMPLES). */
void policy_config_default(struct policy_config *cfg);

/* Parse "50,100,200,400" (strictly ascending, each 1..60000 ms, at most
 * POLICY_MAX_STEPS, blanks around numbers allowed) into cfg.  "" means no steps.
 * -EINVAL on bad text; cfg is changed only on success. */
int policy_parse_steps(const char *text, struct policy_config *cfg);

/* deadline_ms: elapsed ms at which the live attempt is given up (budget's
 * live_deadline_ms minus the time already spent; 0 = at the first sample;
 * UINT64_MAX = never). */
void policy_init(struct policy *p, const struct policy_config *cfg, uint64_t deadline_ms);
struct policy_action policy_step(struct policy *p, const struct policy_sample *s);

const char *policy_action_name(enum policy_action_type t);
const char *policy_postcopy_name(enum policy_postcopy v);
const char *policy_fallback_name(enum policy_fallback v);
/* Name -> value; -EINVAL if unknown. */
int policy_postcopy_from_name(const char *name, enum policy_postcopy *ret);
int policy_fallback_from_name(const char *name, enum policy_fallback *ret);

/* Estimate (pure): the pause, in ms, needed to switch over after one pre-copy
 * pass over mem_bytes (the guest's written working set, or its RAM as an
 * upper bound) at bps, while the guest dirties dirty_bytes_s:
 *   min(mem, dirty * mem / bps) / bps.
 * A guest dirtying faster than bps never shrinks below its working set, so the
 * answer is then mem / bps: compare it with the largest step to know in
 * advance whether live migration can converge.  UINT64_MAX if bps is 0. */
uint64_t policy_predict_downtime_ms(uint64_t dirty_bytes_s, uint64_t bps, uint64_t mem_bytes);

#endif
