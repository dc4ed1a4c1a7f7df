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
	uint64_t op_timeout_ms;   /* OCF_RESKEY_CRM_meta_timeout; 0 = unknown (use default) */
	uint64_t mem_bytes;       /* guest memory (current balloon or maximum) */
	uint32_t completion_timeout_s_per_gib; /* 0 = no per-GiB cap */
	bool fallback_quick;
	uint64_t save_bps;        /* expected save/restore throughput; 0 = built-in estimate */
};

struct budget {
	uint64_t op_timeout_ms;       /* the timeout in force */
	uint64_t live_deadline_ms;    /* elapsed ms by which live copy must finish or stop */
	uint64_t abort_reserve_ms;    /* kept for abort + resume + verification */
	uint64_t fallback_reserve_ms; /* kept for a quick move; 0 without fallback */
};

/* Default operation timeout when Pacemaker did not say (ms). */
#define BUDGET_DEFAULT_OP_TIMEOUT_MS 120000u

/* 0 on success; -ETIME if the timeout cannot hold even the reserves (the
 * message for the user: raise the migrate_to timeout). */
int budget_compute(const struct budget_input *in, struct budget *ret);

#endif
