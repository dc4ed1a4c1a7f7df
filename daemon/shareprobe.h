/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * shareprobe.h - ferryctl's PATH_CHECK across the group: is a directory (a
 * quick move's save_dir) usable on every member and the same storage as
 * here?  Beside the ledger glue, not in it: the probe and its answers are
 * CPG messages (ledgermsg.h types PATH_PROBE and PATH_ANSWER) but no ledger
 * state, so ferryd.c hands them here and never to the ledger.
 *
 * The asking ferryd marks the directory (ops->mark), multicasts a probe,
 * parks the IPC request and collects one answer per member it had when the
 * request came; it answers when all did or after SHAREPROBE_TIMEOUT_MS
 * ("no answer from ferryd" for the rest), then removes the mark.  Every
 * ferryd answers every probe with ops->check.  The file system work is the
 * sharecheck adapter's, reached only through these ops.
 */
#ifndef SHAREPROBE_H
#define SHAREPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <qb/qbloop.h>

#include <ferry/ipcproto.h>

#include "membership.h"

#define SHAREPROBE_TIMEOUT_MS 3000u
#define SHAREPROBE_MAX        8 /* checks in flight at once; more get -EBUSY */

struct shareprobe_ops {
	/* multicast to the group in agreed order (delivered back to us too) */
	int (*send)(void *ctx, const void *msg, size_t len);
	/* answer a parked IPC request */
	int (*reply)(void *ctx, uint64_t token, const void *rsp, size_t len);
	/* sharecheck_mark, sharecheck_unmark, sharecheck_dir */
	int (*mark)(void *ctx, const char *dir, uint32_t nodeid, char *ret_token, size_t token_len,
	            char *text, size_t text_len);
	void (*unmark)(void *ctx, const char *dir, const char *token);
	int (*check)(void *ctx, const char *dir, const char *token, const char *from, char *text,
	             size_t len);
};

struct shareprobe;

/* loop and ops must outlive the probe. */
int shareprobe_start(qb_loop_t *loop, const struct shareprobe_ops *ops, void *ctx,
                     struct shareprobe **ret);
/* Accepts NULL; returns NULL.  Checks in flight are answered -ESHUTDOWN. */
struct shareprobe *shareprobe_stop(struct shareprobe *p);

/* A PATH_CHECK from ferryctl, parked under token; m: the group now. */
void shareprobe_request(struct shareprobe *p, uint64_t token,
                        const struct ferry_ipc_path_check_req *req, const struct membership *m);
/* A CPG delivery: true when it was a probe or an answer (taken here, not
 * for the ledger), false for anything else. */
bool shareprobe_deliver(struct shareprobe *p, uint32_t nodeid, const void *msg, size_t len,
                        const struct membership *m);

#endif
