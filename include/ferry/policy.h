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
	uint32_t max_downtime_ms;                      /* set before the copy starts */
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
};

/* Config defaults: max_downtime_ms 100, steps none, postcopy off, fallback none. */
void policy_config_default(struct policy_config *cfg);

/* Parse "50,100,200,400" (ascending, each 1..60000 ms) into cfg. -EINVAL on bad text. */
int policy_parse_steps(const char *text, struct policy_config *cfg);

void policy_init(struct policy *p, const struct policy_config *cfg, uint64_t deadline_ms);
struct policy_action policy_step(struct policy *p, const struct policy_sample *s);

const char *policy_action_name(enum policy_action_type t);
const char *policy_postcopy_name(enum policy_postcopy v);
const char *policy_fallback_name(enum policy_fallback v);
/* Name -> value; -EINVAL if unknown. */
int policy_postcopy_from_name(const char *name, enum policy_postcopy *ret);
int policy_fallback_from_name(const char *name, enum policy_fallback *ret);

#endif
