/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * calibrate.h - the prediction's constants from the cluster's past moves
 * (pure: records in, estimates out; no I/O, no clock, no floating point).
 *
 * The constants in predict_params_default() were fitted on one machine.
 * calibrate_compute() replaces the ones that moves record by what this
 * cluster's moves measured (moverec.h, newest first), each quantity by the
 * median of the newest CALIBRATE_MAX_SAMPLES samples of the narrowest scope
 * that has at least CALIBRATE_MIN_SAMPLES:
 *   the node pair (from -> to), else the node whose end the quantity belongs
 *   to (the source for the save, the target for the restore and the guest
 *   gap), else every move in the log, else the a-priori constant.
 * Only successful moves ("ok") of the right kind count, and only records
 * that carry every field the quantity needs (-1 = not recorded).
 *
 *   quantity     parameter set        from each quick (or live) record
 *   save rate    save_stream_bps      bytes / image_ms (raw images only:
 *                                     a sparse image's size is all of RAM)
 *   save fixed   save_setup_ms        downtime - image_ms - restore_ms: the
 *                                     pause beyond writing and restoring
 *   restore rate restore_stream_bps   bytes / restore_read_ms (raw only)
 *   QEMU start   restore_setup_ms     restore_ms - restore_read_ms: the
 *                                     target's QEMU start, checks, resume
 *   quick gap    quick_gap_extra_ms   guest_gap - downtime (at least 0)
 *   live gap     live_gap_extra_ms    live: guest_gap - downtime (at least 0)
 *
 * The rates are the stream ceilings: the model still takes the lower of
 * them and the save dir's probed bandwidth, so a disk that got slower since
 * is seen.  Every quantity says where its value came from ("history: 7
 * quick moves node1->node2", "constant: 2 quick moves ..., 3 needed").
 */
#ifndef FERRY_CALIBRATE_H
#define FERRY_CALIBRATE_H

#include <stddef.h>
#include <stdint.h>

#include "ferry/moverec.h"
#include "ferry/predict.h"

#define CALIBRATE_MIN_SAMPLES 3
#define CALIBRATE_MAX_SAMPLES 20 /* per quantity: the newest */
#define CALIBRATE_HOW_MAX     160

enum calibrate_qty {
	CALIBRATE_SAVE_RATE = 0,
	CALIBRATE_SAVE_FIXED,
	CALIBRATE_RESTORE_RATE,
	CALIBRATE_QEMU_START,
	CALIBRATE_QUICK_GAP,
	CALIBRATE_LIVE_GAP,
	_CALIBRATE_QTY_MAX,
};

/* Where a value came from, widest first: a zeroed struct calibration is all
 * constants (calibrate_apply() changes nothing). */
enum calibrate_scope {
	CALIBRATE_CONSTANT = 0, /* the a-priori constant */
	CALIBRATE_CLUSTER,      /* every move in the log */
	CALIBRATE_NODE,         /* moves from the source, or to the target */
	CALIBRATE_PAIR,         /* moves from -> to */
	_CALIBRATE_SCOPE_MAX,
};

struct calibrate_value {
	uint64_t value; /* in the parameter's unit (bytes/s or ms) */
	enum calibrate_scope scope;
	uint32_t samples; /* used for the median (0 for a constant) */
	char how[CALIBRATE_HOW_MAX];
};

struct calibration {
	struct calibrate_value q[_CALIBRATE_QTY_MAX];
	uint32_t records; /* records given */
};

/*
 * recs: n records, newest first (moverec_read()).  from, to: the move to
 * predict (NULL or "" = unknown: that scope is skipped).  apriori: the
 * constants used where history is short.  0 and *ret; -EINVAL for NULL
 * apriori or ret, or recs NULL with n > 0.
 */
int calibrate_compute(const struct move_record *recs, size_t n, const char *from, const char *to,
                      const struct predict_params *apriori, struct calibration *ret);

/* Writes the calibrated values into p (constants are left as they are, and
 * so is a value from no samples). */
void calibrate_apply(const struct calibration *c, struct predict_params *p);

/* "save_stream_bps", ...: the parameter each quantity sets. */
const char *calibrate_param_name(enum calibrate_qty q);
/* "save rate", ... */
const char *calibrate_qty_label(enum calibrate_qty q);
/* "pair", "node", "cluster", "constant" */
const char *calibrate_scope_name(enum calibrate_scope s);

/* For people: one line per quantity under a "calibration" heading; and the
 * same as one JSON object.  Like snprintf: the length needed is returned,
 * the text is cut (NUL-terminated) if len is short. */
size_t calibrate_format(const struct calibration *c, char *buf, size_t len);
size_t calibrate_format_json(const struct calibration *c, char *buf, size_t len);

#endif
