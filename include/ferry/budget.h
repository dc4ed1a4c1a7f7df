/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * budget.h - split Pacemaker's operation timeout into phases (pure).
 *
 * A migrate_to that overruns OCF_RESKEY_CRM_meta_timeout is killed by
 * Pacemaker mid-job, which can leave the VM paused or in two places.  The
 * agent therefore computes, before it starts, by when the live copy must be
 * finished or abandoned so that an abort (and, with fallback=quick, a whole
 * save + restore) still fits inside the operation timeout.
 */
#ifndef FERRY_BUDGET_H
#define FERRY_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

struct budget_input {
	uint64_t op_timeout_ms; /* OCF_RESKEY_CRM_meta_timeout; 0 = unknown (use default) */
	uint64_t mem_bytes;     /* guest memory (current balloon or maximum) */
	uint32_t completion_timeout_s_per_gib; /* 0 = no per-GiB cap */
	bool fallback_quick;
	uint64_t save_bps; /* expected save/restore throughput; 0 = built-in estimate */
};

struct budget {
	uint64_t op_timeout_ms;       /* the timeout in force */
	uint64_t live_deadline_ms;    /* elapsed ms by which live copy must finish or stop */
	uint64_t abort_reserve_ms;    /* kept for abort + resume + verification */
	uint64_t fallback_reserve_ms; /* kept for a quick move; 0 without fallback */
};

/* Default operation timeout when Pacemaker did not say (ms). */
#define BUDGET_DEFAULT_OP_TIMEOUT_MS 120000u

/*
 * The split (all in ms; T = op_timeout_ms, or the default when 0):
 *   abort_reserve    = max(BUDGET_ABORT_MIN_MS, T / BUDGET_ABORT_DIV)
 *                      = max(5 s, 10 % of T): abort the job, resume the
 *                      source, verify it runs.
 *   fallback_reserve = (only with fallback_quick, else 0)
 *                      xfer * 5/4 + BUDGET_FALLBACK_SLACK_MS, where
 *                      xfer = save + restore = 2 * ceil(mem_bytes * 1000 / bps),
 *                      bps = save_bps or BUDGET_DEFAULT_SAVE_BPS (200 MiB/s);
 *                      the 25 % and the 10 s slack cover define/start of the
 *                      target domain, fsyncs and a slow shared filesystem.
 *   live_deadline    = T - abort_reserve - fallback_reserve, which must be at
 *                      least BUDGET_MIN_LIVE_MS (5 s), else -ETIME;
 *                      with completion_timeout_s_per_gib != 0 it is capped at
 *                      max(BUDGET_MIN_CAP_MS, per_gib * 1000 * mem / GiB).
 * Example: T = 120 s, 4 GiB, fallback: abort 12 s, fallback 2*20.48 s*1.25 +
 * 10 s = 61.2 s, live deadline 46.8 s.
 */
#define BUDGET_ABORT_MIN_MS      5000u
#define BUDGET_ABORT_DIV         10u
#define BUDGET_DEFAULT_SAVE_BPS  (200ull * 1024 * 1024)
#define BUDGET_FALLBACK_SLACK_MS 10000u
#define BUDGET_MIN_LIVE_MS       5000u
#define BUDGET_MIN_CAP_MS        2000u

/* 0 on success; -ETIME if the timeout cannot hold even the reserves (the
 * message for the user: raise the migrate_to timeout). */
int budget_compute(const struct budget_input *in, struct budget *ret);

#endif
