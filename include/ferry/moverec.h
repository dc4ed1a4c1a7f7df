/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * moverec.h - one JSON line per VM move, appended to moves.jsonl.
 *
 * Every move (live, quick, restart) is measured and recorded so the three can
 * be compared on the same VM.  Downtime figures say which clock they are:
 * downtime_ms is libvirt's (source CPU stop to target start), guest_gap_ms is
 * what a client of the guest saw (-1 when not measured).
 */
#ifndef FERRY_MOVEREC_H
#define FERRY_MOVEREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ferry/movekind.h"

#define MOVEREC_DEFAULT_PATH FERRY_STATE_DIR "/moves.jsonl"
#define MOVEREC_PATH_ENV     "FERRY_MOVES_LOG" /* overrides the path (tests) */
#define MOVEREC_MAX_LINE     4096
/* The most records moverec_read() keeps: the newest lines of the log. */
#define MOVEREC_READ_MAX 512

struct move_record {
	char vm[128];
	char uuid[40];
	char from[128];
	char to[128];
	char mode[16];   /* ferry_move_kind_name(), see moverec_kind() */
	char result[16]; /* ferry_move_result_name(), see moverec_result() */
	char error[512]; /* empty when ok */
	int64_t start_unix_ms;
	int64_t total_ms;
	int64_t downtime_ms;     /* libvirt/QEMU downtime, -1 unknown */
	int64_t guest_gap_ms;    /* measured guest-visible gap, -1 unknown */
	int64_t save_ms;         /* quick: save phase, -1 n/a */
	int64_t restore_ms;      /* quick: restore phase, -1 n/a */
	int64_t bytes;           /* bytes transferred or image size, -1 unknown */
	int64_t iterations;      /* pre-copy passes, -1 n/a */
	int64_t max_downtime_ms; /* downtime limit in force at the end, -1 n/a */
	/* live: the highest migration bandwidth libvirt reported (memory_bps,
	 * bytes/s) during the copy or at its end, -1 unknown.  The highest, not
	 * the job's average: the average counts the time spent scanning zero
	 * pages, which the prediction charges separately. */
	int64_t net_bps;
	/* move=auto: what was predicted before the move (empty / -1 otherwise) */
	char predicted_move[16];       /* live | quick (ferry_move_kind_name()): the move chosen */
	char predicted_why[256];       /* predict_auto()'s reason */
	int64_t predicted_downtime_ms; /* of the chosen move (libvirt's clock) */
	int64_t predicted_gap_ms;      /* guest-visible gap of the chosen move */
	int64_t predicted_total_ms;
	/* quick: where the time went (-1 not measured).  connect_ms: reaching
	 * the target's libvirtd (before the pause); image_ms: pause -> image
	 * complete; qemu_start_ms: restore call -> the target's QEMU reads the
	 * image (needs its /proc, see agents/restorewatch.h); restore_read_ms:
	 * that -> restored, paused; resume_ms: consume + resume */
	int64_t connect_ms;
	int64_t image_ms;
	int64_t qemu_start_ms;
	int64_t restore_read_ms;
	int64_t resume_ms;
	int64_t save_channels; /* quick: 0 raw image, 1 sparse, N parallel; -1 n/a */
	char image_format[16]; /* quick: raw | sparse (empty n/a) */
	char stack_from[96];   /* virtstack_describe() of both ends, short form */
	char stack_to[96];
};

/* Sets every numeric field to -1 and strings to empty. */
void moverec_init(struct move_record *r);

/*
 * The record's mode and result as movekind.h's values: the line holds their
 * names.  The getters return 0, or -ENOENT (*ret untouched) for a name this
 * build does not know (none, or a newer ferry's): a reader skips such a
 * record for what it needs the kind for; moverec_parse() keeps it.
 */
void moverec_set_kind(struct move_record *r, enum ferry_move_kind k);
void moverec_set_result(struct move_record *r, enum ferry_move_result res);
int moverec_kind(const struct move_record *r, enum ferry_move_kind *ret);
int moverec_result(const struct move_record *r, enum ferry_move_result *ret);
/* Whether r is a move of kind k that went well (FERRY_MOVE_OK). */
bool moverec_ok_of(const struct move_record *r, enum ferry_move_kind k);

/* Formats one JSON object + '\n' into buf.  Returns the length, -ENOBUFS, or
 * -ERANGE for a number at INT64_MIN or INT64_MAX (moverec_parse refuses those). */
int moverec_format(const struct move_record *r, char *buf, size_t len);

/* Parses one line produced by moverec_format (for ferryctl and tests) with
 * json-c, strict JSON and valid UTF-8.  -EBADMSG on bad input.  Also
 * accepted: blanks, keys in any order (a repeated key: the last wins),
 * unknown keys of any type (skipped, so a newer ferry's lines still read); a
 * missing key keeps its moverec_init() value.  For a known key: a string too
 * long for its field or holding \u0000, a number that is not an integer or
 * does not lie strictly between INT64_MIN and INT64_MAX, or a value of the
 * other type is refused.  ret is written only on success. */
int moverec_parse(const char *line, struct move_record *ret);

/* Appends to moverec_path(path), creating
 * the directory if needed; O_APPEND|O_CLOEXEC, one write(), fsync.
 * A record whose line would exceed MOVEREC_MAX_LINE is kept with its error
 * text, then its predicted_why, shortened (halved until it fits) rather than lost.  The file is
 * 0644, directories 0755; the parent directory is fsync'd when the file is new. */
int moverec_append(const char *path, const struct move_record *r);

/* The moves log's path: path if given, else $FERRY_MOVES_LOG, else
 * MOVEREC_DEFAULT_PATH. */
const char *moverec_path(const char *path);

/*
 * The one reader of a moves log, for everything that learns from past moves
 * (the migration bandwidth, the prediction's calibration): reads every line
 * of f, keeps the last max (<= MOVEREC_READ_MAX) that moverec_parse()
 * accepts (others are skipped and counted in *ret_skipped, if not NULL) and
 * returns them newest first: by start_unix_ms, descending; equal times, the
 * later line first.  0 and *ret (an array to free(), NULL when empty),
 * *ret_n; -EINVAL, -ENOMEM.  Nothing is written on error.
 */
int moverec_read(FILE *f, size_t max, struct move_record **ret, size_t *ret_n, size_t *ret_skipped);

/* moverec_read() of the log at moverec_path(path): -errno when it cannot be
 * opened (-ENOENT: no move recorded yet). */
int moverec_load(const char *path, size_t max, struct move_record **ret, size_t *ret_n,
                 size_t *ret_skipped);

#endif
