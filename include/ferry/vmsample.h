/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vmsample.h - measure one running libvirt domain for the prediction engine
 * (predict.h): fills a struct predict_input and says, for every field, how
 * it was obtained.
 *
 * Used by `ferryctl predict` and the agent's move=auto.  What is sampled:
 *   mem         virDomainGetInfo (current memory).
 *   touched     Rss of the guest-RAM mapping of the QEMU process: the pid
 *               from libvirt's pid file RUN_DIR/NAME.pid (checked against
 *               the UUID in /proc/PID/cmdline), then /proc/PID/smaps: the
 *               anonymous (or memfd / hugetlbfs / shm) writable mapping whose
 *               size is >= the maximum memory and closest to it.
 *   dirty       virDomainStartDirtyRateCalc(seconds), then the domain's
 *               VIR_DOMAIN_STATS_DIRTYRATE stats until calc_status says
 *               measured; bounded by seconds + VMSAMPLE_DIRTY_SLACK_MS.
 *   net         the moves log (moverec.h): the newest successful live move
 *               to the same target with a recorded net_bps, else to any
 *               target.  Bandwidth belongs to the path, so any VM's move
 *               counts.
 *   calibration the same read of the moves log (moverec_load(), once)
 *               calibrates the model's constants (calibrate.h) for a move
 *               from opts.node to opts.target; the caller applies it with
 *               calibrate_apply().
 *   save bw     a short probe in the save dir: write PROBE bytes with
 *               O_DIRECT (buffered + fsync where O_DIRECT is refused),
 *               fsync, read them back, unlink; cached in CACHE_DIR for
 *               VMSAMPLE_PROBE_CACHE_S so that move=auto rarely pays it.
 * Whatever cannot be measured stays PREDICT_UNKNOWN (the engine assumes and
 * says so) and its how text says why.  Only mem is indispensable.
 *
 * The parsers (smaps, moves log, dirty-rate stats) are pure and exported
 * for tests; vmsample_take() is the thin I/O around them; the save-dir
 * probe is saveprobe.h.
 */
#ifndef FERRY_VMSAMPLE_H
#define FERRY_VMSAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libvirt/libvirt.h>

#include "ferry/calibrate.h"
#include "ferry/moverec.h"
#include "ferry/predict.h"
#include "ferry/saveprobe.h"

#define VMSAMPLE_RUN_DIR           "/run/libvirt/qemu"
#define VMSAMPLE_PROC_ROOT         "/proc"
#define VMSAMPLE_CACHE_DIR         "/run/ferry"
#define VMSAMPLE_CACHE_ENV         "FERRY_PROBE_CACHE_DIR" /* overrides it (tests) */
#define VMSAMPLE_DIRTY_SECONDS     1
#define VMSAMPLE_DIRTY_SECONDS_MAX 60   /* libvirt's limit */
#define VMSAMPLE_DIRTY_SLACK_MS    3000 /* beyond the calculation's own seconds */
#define VMSAMPLE_PROBE_BYTES       SAVEPROBE_DEFAULT_BYTES
#define VMSAMPLE_PROBE_CACHE_S     SAVEPROBE_DEFAULT_MAX_AGE_S
#define VMSAMPLE_HOW_MAX           192

/* The fields of struct predict_input that are sampled. */
enum vmsample_field {
	VMSAMPLE_MEM = 0,
	VMSAMPLE_TOUCHED,
	VMSAMPLE_DIRTY,
	VMSAMPLE_NET,
	VMSAMPLE_SAVE_WRITE,
	VMSAMPLE_SAVE_READ,
	_VMSAMPLE_FIELD_MAX,
};

/* Where a value came from. */
enum vmsample_source {
	VMSAMPLE_MEASURED = 0, /* measured now */
	VMSAMPLE_CACHED,       /* measured a little while ago (probe cache) */
	VMSAMPLE_HISTORY,      /* from a recorded move */
	VMSAMPLE_ASSUMED,      /* not measured: the engine's default is used */
	_VMSAMPLE_SOURCE_MAX,
};

struct vmsample_how {
	enum vmsample_source source;
	char text[VMSAMPLE_HOW_MAX]; /* e.g. "libvirt dirty-rate calculation, 1 s" */
};

struct vmsample_opts {
	const char *target; /* migration target node; NULL or "" = any */
	const char *node;   /* this node (the move's source), as moves record it; NULL = unknown */
	const char *save_dir; /* NULL or "": save bandwidth not probed */
	const char
	        *cache_dir; /* probe cache; NULL = $FERRY_PROBE_CACHE_DIR or VMSAMPLE_CACHE_DIR */
	const char *moves_path; /* NULL = $FERRY_MOVES_LOG or MOVEREC_DEFAULT_PATH */
	const char *run_dir;    /* NULL = VMSAMPLE_RUN_DIR */
	const char *proc_root;  /* NULL = VMSAMPLE_PROC_ROOT */
	uint32_t dirty_seconds; /* 0 = not measured (assumed idle) */
	uint64_t probe_bytes;   /* 0 = VMSAMPLE_PROBE_BYTES */
	uint32_t probe_cache_s; /* 0 = VMSAMPLE_PROBE_CACHE_S */
};

struct vmsample {
	/* predict_input_default() with the sampled fields set (or UNKNOWN);
	 * the caller sets the downtime target, steps and deadline */
	struct predict_input in;
	struct vmsample_how how[_VMSAMPLE_FIELD_MAX];
	uint64_t max_mem_bytes;   /* the domain's maximum memory */
	int64_t net_move_unix_ms; /* start of the move net_bps came from, -1 none */
	/* the constants from the moves log (all "constant" when there is none) */
	struct calibration cal;
	char history[VMSAMPLE_HOW_MAX]; /* how the log was read, e.g. "12 records in PATH" */
};

void vmsample_opts_default(struct vmsample_opts *o);

/*
 * Samples domain d (running).  0 and *ret filled, possibly with UNKNOWN
 * fields; -errno when not even the memory size could be read (the libvirt
 * error text, if any, is in err).  ret is written only on success.
 * Blocks for about dirty_seconds (plus a save-dir probe if not cached).
 */
int vmsample_take(virDomainPtr d, const struct vmsample_opts *o, struct vmsample *ret, char *err,
                  size_t err_len);

/*
 * The same without the domain, for a VM that runs on another node (ferryctl
 * drain --plan): memory is mem_bytes (mem_how says where it came from, e.g.
 * "configured memory in /etc/ferry/web1.xml"), touched and dirty are
 * assumed (why says why they were not sampled); the moves log and the
 * save-dir probe are read as vmsample_take() reads them.  0, -EINVAL (mem 0,
 * NULL), -ENOMEM.
 */
int vmsample_from_memory(uint64_t mem_bytes, const char *mem_how, const char *why,
                         const struct vmsample_opts *o, struct vmsample *ret);

/* The fields' names ("mem", "touched", ...) and the sources' ("measured", ...). */
const char *vmsample_field_name(enum vmsample_field f);
const char *vmsample_source_name(enum vmsample_source s);
/* The predict_input value of field f in s. */
uint64_t vmsample_value(const struct vmsample *s, enum vmsample_field f);

/* ---- pure parts (tests) ------------------------------------------------- */

/*
 * Reads /proc/PID/smaps text from f and returns the resident bytes of the
 * guest-RAM mapping: among writable anonymous, memfd, hugetlbfs or /dev/shm
 * mappings whose size is >= min_bytes, the smallest (closest to min_bytes);
 * resident = Rss + Private_Hugetlb + Shared_Hugetlb.  0 and *ret_rss,
 * *ret_size; -ENOENT no such mapping; -EBADMSG unreadable text.
 */
int vmsample_smaps_guest_rss(FILE *f, uint64_t min_bytes, uint64_t *ret_rss, uint64_t *ret_size);

/*
 * From n move records, newest first (moverec_read()), picks the first
 * successful "live" record with net_bps > 0 whose "to" is target, else
 * (target NULL or none) the first to any node.  1 and *ret
 * (*ret_same_target says which rule matched), 0 none.
 */
int vmsample_pick_move(const struct move_record *recs, size_t n, const char *target,
                       struct move_record *ret, bool *ret_same_target);

/* Dirty-rate stats of one domain (virDomainStatsRecord params). */
enum vmsample_dirty_status {
	VMSAMPLE_DIRTY_NONE = 0, /* no dirtyrate.* stats */
	VMSAMPLE_DIRTY_UNSTARTED,
	VMSAMPLE_DIRTY_MEASURING,
	VMSAMPLE_DIRTY_MEASURED,
};
/* *ret_bytes_s is set when MEASURED (megabytes_per_second are MiB/s). */
enum vmsample_dirty_status vmsample_dirty_parse(const virTypedParameter *params, int n,
                                                uint64_t *ret_bytes_s, int *ret_period_s);

#endif
