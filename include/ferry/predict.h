/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * predict.h - predict what each move will cost a VM, before moving it (pure).
 *
 * Callers (ferryctl predict, the agent's move=auto, scripts/bench-moves)
 * gather the facts about one VM and its target: memory size, touched
 * (non-zero) memory, dirty rate (libvirt's dirty-rate calculation), working
 * set if known, migration bandwidth, save-dir write and read bandwidth, the
 * downtime target and steps.  predict_compute() turns them into, for each
 * move, the expected downtime, guest-visible gap, total time and bytes, and
 * predict_auto() picks live or quick.  No I/O, no clock, no floating point:
 * the same input always prints the same text (golden-tested in
 * tests/predict/).
 *
 * The model (all constants live in struct predict_params; the defaults are
 * calibrated on the lab, TCG on 2 cores, see doc/bench.md):
 *
 * live (pre-copy, as QEMU 7.2 runs it): simulated in QEMU's own steps.
 *   The migration thread sends for iterate_ms (50 ms) at a time, then checks
 *   "pending < threshold" where threshold = measured bandwidth x downtime
 *   limit; the threshold is 0 until the first bandwidth measurement after
 *   first_check_ms (100 ms).  Pending counts pages, zero ones too: the first
 *   pass sends the touched bytes at net_bps and scans untouched (zero) pages
 *   at zero_scan_bps.  When pending drops under the threshold QEMU syncs the
 *   dirty bitmap (one "iteration"): the bytes dirtied since the last sync are
 *   added (dirty_bytes_s x time, at most the working set; the default working
 *   set is all of memory).  If pending is still under the threshold it stops
 *   the guest and sends the rest: downtime = pending / (net_bps x
 *   stop_speedup_pct / 100) + switchover_ms.  (stop_speedup_pct: the stopped
 *   copy may run faster than the live one once the vCPU threads stop, or
 *   slower on a loaded host; 100 by default, see doc/bench.md.)
 *   ferry's policy: the limit starts at max_downtime_ms; when pending has not
 *   made a new low by 1/32 for stall_samples x sample_ms and at least two
 *   passes, the limit goes to the next step; after the last step, nothing
 *   more until live_deadline_ms: then it does not converge.
 *   "defaults": libvirt/QEMU defaults (limit qemu_downtime_ms, no steps, runs
 *   until op_timeout_ms), what VirtualDomain does.
 *   guest gap = downtime + live_gap_extra_ms (target resume, RARP announce).
 *   total = live_setup_ms + copy time + downtime + live_finish_ms.
 *   bytes = payload bytes sent (zero pages counted as nothing).
 *   A guest that dirties faster than the bandwidth never shrinks under its
 *   working set: live converges only if working set / bandwidth fits a step.
 * quick (save, restore):
 *   save_ms    = save_setup_ms + touched / min(save_write_bps, save_stream_bps)
 *   restore_ms = restore_setup_ms + touched / min(save_read_bps, restore_stream_bps)
 *   downtime = save_ms + restore_ms (save pauses first; the guest runs again
 *   when restore ends); guest gap = downtime + quick_gap_extra_ms.
 *   lower bound (what the disk alone needs) = touched/write + touched/read.
 * restart (ferry move=restart): downtime = vm_stop_ms + vm_start_ms; guest gap
 *   = downtime + guest_boot_ms (services are back after the boot).
 * HA restart (node lost): detection = token_ms + consensus_ms (0: 1.2 x
 *   token, corosync's default) + pcmk_react_ms, then fence_ms, vm_start_ms,
 *   guest_boot_ms; recovery = their sum.
 * auto: live when live converges with downtime <= the largest allowed limit
 *   (the last step, else max_downtime_ms) and its guest gap is shorter than
 *   quick's; otherwise quick.
 */
#ifndef FERRY_PREDICT_H
#define FERRY_PREDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ferry/movekind.h"

#define PREDICT_MAX_STEPS 16
/* An input the caller could not measure: the model assumes (and says so). */
#define PREDICT_UNKNOWN UINT64_MAX

#define PREDICT_MIB ((uint64_t)1024 * 1024)

/* The facts about one VM and its target.  Fields marked "or UNKNOWN" may be
 * PREDICT_UNKNOWN; the others must be given. */
struct predict_input {
	uint64_t mem_bytes;       /* guest memory (current), > 0 */
	uint64_t touched_bytes;   /* non-zero memory, or UNKNOWN (= mem) */
	uint64_t wss_bytes;       /* memory the guest keeps re-dirtying, or UNKNOWN (= mem) */
	uint64_t dirty_bytes_s;   /* dirty rate, or UNKNOWN (= 0, idle) */
	uint64_t net_bps;         /* migration bandwidth to the target, or UNKNOWN (= default) */
	uint64_t save_write_bps;  /* save dir write bandwidth, or UNKNOWN (= default) */
	uint64_t save_read_bps;   /* save dir read bandwidth, or UNKNOWN (= default) */
	uint32_t max_downtime_ms; /* ferry's first limit, > 0 */
	uint32_t downtime_steps_ms[PREDICT_MAX_STEPS]; /* ascending, above max_downtime_ms */
	size_t n_downtime_steps;
	uint64_t live_deadline_ms; /* ferry gives up live after this (budget's live deadline) */
};

/* The model's constants.  predict_params_default() gives the calibrated ones. */
struct predict_params {
	/* defaults for unknown inputs */
	uint64_t default_net_bps;
	uint64_t default_save_write_bps;
	uint64_t default_save_read_bps;
	/* QEMU */
	uint32_t qemu_downtime_ms; /* QEMU's default downtime-limit */
	uint32_t iterate_ms;       /* migration thread's send window between checks */
	uint32_t first_check_ms;   /* first bandwidth measurement (threshold 0 before) */
	uint64_t zero_scan_bps;    /* rate at which untouched (zero) pages are scanned */
	uint32_t stop_speedup_pct; /* copy speed while stopped, % of net_bps */
	uint32_t switchover_ms;    /* fixed part of the pause: devices, CPU state */
	/* libvirt and ferry */
	uint32_t live_setup_ms;      /* begin/prepare: target QEMU started, connection up */
	uint32_t live_finish_ms;     /* finish/confirm: target resumed, source undefined */
	uint32_t live_gap_extra_ms;  /* guest-visible gap beyond libvirt's downtime */
	uint32_t sample_ms;          /* the agent samples the job this often */
	uint32_t stall_samples;      /* samples without progress that make a stall */
	uint64_t op_timeout_ms;      /* how long a defaults migration may run */
	uint64_t save_stream_bps;    /* QEMU -> iohelper save stream ceiling */
	uint64_t restore_stream_bps; /* iohelper -> QEMU restore stream ceiling */
	uint32_t save_setup_ms;      /* pause, open, header, fsync, domain teardown */
	uint32_t restore_setup_ms;   /* define, start QEMU with -incoming, resume */
	uint32_t quick_gap_extra_ms; /* guest-visible gap beyond save + restore */
	uint32_t vm_stop_ms;         /* ferry restart: stop on the source */
	uint32_t vm_start_ms;        /* define + start on a node */
	uint32_t guest_boot_ms;      /* kernel to services up */
	/* Pacemaker / corosync */
	uint32_t token_ms;      /* corosync token timeout */
	uint32_t consensus_ms;  /* 0 = 1.2 x token_ms (corosync's default) */
	uint32_t pcmk_react_ms; /* membership change -> transition with the start */
	uint32_t fence_ms;      /* the stonith device's power-off, confirmed */
};

/* Why a live move does (not) converge. */
enum predict_live_why {
	PREDICT_LIVE_CONVERGED = 0, /* pending fit the limit in force */
	PREDICT_LIVE_DEADLINE,      /* still copying at the deadline (steps exhausted) */
	PREDICT_LIVE_WSS_TOO_BIG,   /* dirty >= bandwidth: working set never fits a step */
	_PREDICT_LIVE_WHY_MAX,
};

struct predict_live {
	bool converges;
	enum predict_live_why why;
	uint32_t limit_ms;            /* downtime limit in force at the end */
	uint32_t steps_used;          /* how many steps were taken */
	uint64_t passes;              /* dirty-bitmap syncs (libvirt's memory_iteration) */
	uint64_t copy_ms;             /* from the first page to the pause (or the deadline) */
	uint64_t downtime_ms;         /* libvirt's figure; 0 when it does not converge */
	uint64_t guest_gap_ms;        /* what the guest's clients see */
	uint64_t total_ms;            /* the whole migrate_to (to giving up if not converging) */
	uint64_t bytes;               /* payload sent */
	uint64_t floor_pending_bytes; /* lowest pending seen: what a pause would have to send */
};

struct predict_quick {
	uint64_t save_ms;
	uint64_t restore_ms;
	uint64_t downtime_ms;
	uint64_t guest_gap_ms;
	uint64_t total_ms;
	uint64_t bytes;          /* image size (touched memory) */
	uint64_t lower_bound_ms; /* touched/write + touched/read: the disk alone */
};

struct predict_restart {
	uint64_t downtime_ms;  /* VM not running anywhere */
	uint64_t guest_gap_ms; /* until the guest's services are back (boot) */
	uint64_t total_ms;
};

struct predict_ha {
	uint64_t detect_ms; /* token + consensus + Pacemaker reaction */
	uint64_t fence_ms;
	uint64_t start_ms;
	uint64_t boot_ms;
	uint64_t recovery_ms; /* node lost -> guest's services back */
};

struct predict_result {
	struct predict_input in;           /* as used: UNKNOWNs replaced by what was assumed */
	uint32_t assumed;                  /* bit set of PREDICT_ASSUMED_* */
	struct predict_live live;          /* ferry's policy */
	struct predict_live live_defaults; /* libvirt/QEMU defaults */
	struct predict_quick quick;
	struct predict_restart restart;
	struct predict_ha ha;
	enum ferry_move_kind auto_move; /* FERRY_MOVE_LIVE or FERRY_MOVE_QUICK */
};

#define PREDICT_ASSUMED_TOUCHED    (1u << 0)
#define PREDICT_ASSUMED_WSS        (1u << 1)
#define PREDICT_ASSUMED_DIRTY      (1u << 2)
#define PREDICT_ASSUMED_NET        (1u << 3)
#define PREDICT_ASSUMED_SAVE_WRITE (1u << 4)
#define PREDICT_ASSUMED_SAVE_READ  (1u << 5)

/* The calibrated constants (doc/bench.md says where each comes from). */
void predict_params_default(struct predict_params *p);

/* Input with everything UNKNOWN except: mem 0 (must be set), ferry's agent
 * defaults max_downtime_ms 100, steps 200,400,800, live deadline 60 s. */
void predict_input_default(struct predict_input *in);

/*
 * 0 and *ret filled; -EINVAL for: mem 0, a bandwidth of 0 (measured as
 * nothing: no move can be predicted), touched or wss > mem, max_downtime_ms
 * 0, steps not ascending above max_downtime_ms or too many, a zero iterate_ms,
 * sample_ms or stop_speedup_pct, or a zero stream ceiling.  *ret is written
 * only on success.
 */
int predict_compute(const struct predict_input *in, const struct predict_params *p,
                    struct predict_result *ret);

/* The decision move=auto takes (live or quick) and why, in one line
 * (e.g. "live: converges in 3 passes, pause 63 ms <= 800 ms"). */
enum ferry_move_kind predict_auto(const struct predict_result *r, char *why, size_t why_len);

/*
 * Set one input or parameter by name, as in a scenario file or on a command
 * line: "mem_mib 512", "dirty_mib_s 300", "net_mib_s unknown",
 * "downtime_steps_ms 200,400,800", "token_ms 1000".  Sizes take _bytes,
 * _mib; rates _bps, _mib_s.  -EINVAL for a bad value, -ENOENT for an unknown
 * name; nothing is changed on error.
 */
int predict_set(struct predict_input *in, struct predict_params *p, const char *name,
                const char *value);

/* Print the inputs as used (with what was assumed), the constants, and the
 * four moves side by side, for people.  Returns the length that was needed
 * (like snprintf); the text is cut, NUL-terminated, if buf is short. */
size_t predict_format(const struct predict_result *r, const struct predict_params *p, char *buf,
                      size_t len);
/* The same as one JSON object (stable key names, integers only). */
size_t predict_format_json(const struct predict_result *r, const struct predict_params *p,
                           char *buf, size_t len);

const char *predict_live_why_name(enum predict_live_why w);

#endif
