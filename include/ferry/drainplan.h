/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * drainplan.h - the maintenance drain's plan (pure): which of a node's VMs
 * move, in which order and wave, and what each move is predicted to cost.
 *
 * The caller gathers the facts: the node's ocf:ferry:vm resources, each with
 * the target Pacemaker's own scheduler would give it with the node in standby
 * (crm_simulate on a copy of the CIB; ferry never places a VM itself), its
 * priority meta attribute, the kind of move (its move parameter or the
 * drain's --move; auto already decided by predict_auto()) and the predicted
 * gap and duration of that move.  drainplan_build() orders them and cuts the
 * order into waves of at most `parallel` moves; a wave starts when the one
 * before it has ended, so the predicted drain time is the sum of each wave's
 * longest move, each move counted with the cluster's overhead around it.  No I/O, no clock:
 * golden-tested in tests/drain/.
 *
 * The plan is also what ferryd keeps in its replicated drain record and what
 * the drain's runner carries out, one wave at a time, through Pacemaker.
 */
#ifndef FERRY_DRAINPLAN_H
#define FERRY_DRAINPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ferry/enumtab.h"
#include "ferry/movekind.h"

#define DRAIN_MAX_VMS    64  /* VMs on one node that one drain can plan */
#define DRAIN_ID_MAX     64  /* a Pacemaker resource id or a VM name, with NUL */
#define DRAIN_NODE_MAX   64  /* a node name, with NUL */
#define DRAIN_REASON_MAX 256 /* why a VM cannot move, with NUL (what to do too) */
#define DRAIN_NOTE_MAX   160 /* a remark on a VM's prediction or move, with NUL */

/* A planned move: the kinds one asks for, movekind.h's values and names
 * (on the IPC wire as numbers: struct ferry_ipc_drain_vm's kind). */
enum drain_move {
	DRAIN_MOVE_LIVE = FERRY_MOVE_LIVE,
	DRAIN_MOVE_QUICK = FERRY_MOVE_QUICK,
	DRAIN_MOVE_RESTART = FERRY_MOVE_RESTART,
	_DRAIN_MOVE_MAX,
};
_Static_assert(_DRAIN_MOVE_MAX == FERRY_MOVE_ASKED_MAX, "a drain plans the kinds one asks for");
FERRY_ENUM_DECL(drain_move, enum drain_move); /* "live", "quick", "restart" */

enum drain_order {
	DRAIN_ORDER_DEFAULT,      /* priority (highest first), then shortest predicted move */
	DRAIN_ORDER_PRIORITY,     /* priority only, ties by resource id */
	DRAIN_ORDER_SMALLEST_GAP, /* smallest predicted guest gap first */
	DRAIN_ORDER_LARGEST,      /* largest memory first */
	_DRAIN_ORDER_MAX,
};
/* "default", "priority", "smallest-gap-first", "largest-first" */
FERRY_ENUM_DECL(drain_order, enum drain_order);

/* One VM of the drained node, as the caller found it. */
struct drain_vm {
	char resource[DRAIN_ID_MAX]; /* the ocf:ferry:vm primitive's id */
	char vm[DRAIN_ID_MAX];       /* the domain's name */
	int32_t priority;            /* the resource's priority meta attribute (0 unset) */
	uint64_t memory_bytes;
	enum drain_move move;
	char target[DRAIN_NODE_MAX];    /* Pacemaker's choice; "" when it would stop the VM */
	char blocked[DRAIN_REASON_MAX]; /* "" or why it cannot move (no target, pinned,
	                                 * target lacks save_dir, ...) */
	uint32_t predicted_gap_ms;      /* guest-visible gap of that move */
	uint32_t predicted_duration_ms; /* from the move's start to its end */
	/* added by the planner's part (A): "" or a remark the plan prints, e.g.
	 * "estimated from configured memory" or move=auto's reason */
	char note[DRAIN_NOTE_MAX];
};

struct drain_opts {
	uint32_t parallel; /* moves at once, >= 1 */
	enum drain_order order;
	/* The cluster's time around each move, beyond the move itself: Pacemaker's
	 * transition (the ban, the scheduler, the agent's start-up, stop on the
	 * source) and the runner's check that the VM is active elsewhere.  A move
	 * takes its predicted duration plus this; overhead_from says where the
	 * figure comes from ("" or NULL: not said, and the text plan omits it). */
	uint32_t overhead_ms;
	const char *overhead_from;
};

/* The overhead learned from earlier drains: excess[i] is how much longer a
 * finished drain move took than its predicted duration (may be negative).
 * With at least DRAIN_OVERHEAD_MIN_SAMPLES, *ret is their median (0 when it
 * is negative) and 0 is returned; else -ENODATA. */
#define DRAIN_OVERHEAD_MIN_SAMPLES 3
int drainplan_overhead(const int64_t *excess, size_t n, uint32_t *ret);

/* One planned move: vm indexes the caller's array. */
struct drain_step {
	uint32_t vm;
	uint32_t wave;               /* 0-based */
	uint64_t predicted_start_ms; /* from the drain's start */
	uint64_t predicted_end_ms;
};

struct drain_plan {
	struct drain_step steps[DRAIN_MAX_VMS]; /* in order */
	size_t n_steps;
	uint32_t blocked[DRAIN_MAX_VMS]; /* indexes of the VMs that cannot move */
	size_t n_blocked;
	uint32_t n_waves;
	uint64_t predicted_ms; /* the drain's makespan */
	uint64_t predicted_gap_sum_ms;
	uint32_t predicted_gap_max_ms;
	/* added by the planner's part (A): the options it was built with */
	uint32_t parallel;
	enum drain_order order;
	uint32_t overhead_ms;
	char overhead_from[DRAIN_NOTE_MAX];
};

/* 0, or -EINVAL (parallel 0, n over DRAIN_MAX_VMS, an order out of range,
 * NULL).  A VM is blocked when its blocked reason is set or its target is
 * ""; the blocked are listed by resource id.  Every order ends with the
 * resource id (then the VM name), so the plan does not depend on the order
 * of vms.  *ret is written only on success. */
int drainplan_build(const struct drain_vm *vms, size_t n, const struct drain_opts *opts,
                    struct drain_plan *ret);

/*
 * The plan for people (json false: a header, one line per move with its
 * order and wave (both from 1), resource, VM, target, move, predicted gap,
 * duration, start and end; the blocked VMs with their reasons; the totals)
 * or for programs (json true: one JSON object on one line, the same facts,
 * integers only, waves from 1).  Deterministic: golden-tested in tests/drain/.
 * vms and n are the ones the plan was built from.
 */
void drainplan_print(const struct drain_vm *vms, size_t n, const struct drain_plan *plan, FILE *f,
                     bool json);
/* The JSON object alone, without a newline (to embed it in a larger one). */
void drainplan_print_json(const struct drain_vm *vms, size_t n, const struct drain_plan *plan,
                          FILE *f);
/* A string as a JSON string literal, quotes included (shared with ferryctl drain). */
void drainplan_json_str(const char *s, FILE *f);

#endif
