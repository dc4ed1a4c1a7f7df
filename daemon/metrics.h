/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metrics.h - ferryd's Prometheus metrics, in the text exposition format that
 * node_exporter's textfile collector reads (a *.prom file).  Pure: counts
 * what it is told and formats it into a buffer; no I/O, no clock, no logging.
 * ferryd.c feeds it (moves, fences), takes the ledger's view from the glue's
 * status and writes the text atomically (persist_write), rate-limited.
 *
 * Moves are replicated (CPG), so every node counts every move of the
 * cluster since its ferryd started: aggregate over nodes with max(), not sum().
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ferry/ipcproto.h>
#include <ferry/movekind.h>

/* The kinds of moves counted: those the ledger records (live, quick, restart;
 * a live move that fell back is recorded as quick), labelled by movekind.h's
 * names, as the results are. */
#define METRICS_KINDS (FERRY_MOVE_RESTART + 1)

/* Upper bounds of the histogram buckets, ms (then +Inf): from a fast live
 * switch-over to a slow quick move of a large guest. */
#define METRICS_BUCKETS 12
extern const int64_t metrics_bucket_ms[METRICS_BUCKETS];

struct metrics_histogram {
	uint64_t bucket[METRICS_BUCKETS]; /* not cumulative: count with value <= bound */
	uint64_t count;                   /* all observations, also those above every bound */
	int64_t sum_ms;
};

struct metrics_fence {
	char node[FERRY_IPC_NODE_LEN];
	int64_t when_unix_ms;
};

struct metrics {
	uint64_t moves[METRICS_KINDS][_FERRY_MOVE_RESULT_MAX];
	struct metrics_histogram gap[METRICS_KINDS];      /* guest-visible gap */
	struct metrics_histogram downtime[METRICS_KINDS]; /* libvirt's downtime */
	struct metrics_fence fences[FERRY_IPC_MAX_NODES]; /* the newest per node */
	size_t n_fences;
};

void metrics_init(struct metrics *m);

/* Counts one recorded move (mode and result as in struct ferry_ipc_move);
 * a negative downtime or gap is "not measured" and not observed.  -EINVAL
 * for an unknown mode or result (nothing counted). */
int metrics_move(struct metrics *m, const struct ferry_ipc_move *rec);

/* Remembers that node was fenced at when_unix_ms (the newest is kept).
 * -EINVAL for an empty name or time <= 0, -ENOSPC when the table is full. */
int metrics_fence(struct metrics *m, const char *node, int64_t when_unix_ms);

/*
 * Formats everything into buf: the counters and histograms, and, when st is
 * not NULL, the ledger's view (ferryctl's status: st with its st->n_vms
 * entries in vms): VMs owned per node, each VM's image generation, the
 * ledger's configuration id, synced and quorate.  Returns the length
 * (without the NUL written after it), -ENOBUFS when buf is too small.
 */
ssize_t metrics_format(const struct metrics *m, const struct ferry_ipc_status_rsp *st,
                       const struct ferry_ipc_vm_info *vms, char *buf, size_t len);

#endif
