/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * persist.h - files under the state directory, written atomically: the
 * ledger blob, the move history, the lost-state mark, and the primitives.
 * No logging: callers log with their context.
 */
#ifndef PERSIST_H
#define PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ferry/ipcproto.h>

#include "ferrydconf.h"

/* Writes dir/name atomically: name.tmp, write, fsync, rename, fsync(dir). */
int persist_write(const char *dir, const char *name, const void *buf, size_t len);
/* The same for a file other programs read (mode 0644), e.g. the metrics for
 * node_exporter; dir is not created (-ENOENT when it is missing). */
int persist_write_public(const char *dir, const char *name, const void *buf, size_t len);
/* Reads dir/name (at most max_len bytes, else -EFBIG) into a new buffer. */
int persist_read(const char *dir, const char *name, size_t max_len, void **ret_buf,
                 size_t *ret_len);

/* Move history: a bounded ring of struct ferry_ipc_move, kept in memory and
 * persisted in one file with a magic, a version and a checksum. */
struct persist_history {
	struct ferry_ipc_move *moves; /* oldest first */
	size_t n;
	size_t max;
};
int persist_history_init(struct persist_history *h, size_t max);
void persist_history_done(struct persist_history *h);
void persist_history_add(struct persist_history *h, const struct ferry_ipc_move *m);
int persist_history_save(const struct persist_history *h, const char *dir);
int persist_history_load(struct persist_history *h, const char *dir);
/* ferryctl's history view: the newest records matching req (a VM's name or
 * UUID, or all), as many as fit buf; bytes used or -errno. */
ssize_t persist_history_view(const struct persist_history *h,
                             const struct ferry_ipc_history_req *req, void *buf, size_t len);
/* The ledger blob, framed with a magic, version, length and checksum. */
int persist_ledger_save(const char *dir, const void *blob, size_t len);
int persist_ledger_load(const char *dir, size_t max_len, void **ret_blob, size_t *ret_len);
/* Renames an unusable ledger.bin to ledger.bin.bad-UNIXMS (kept for a look);
 * the new name in ret_name. */
int persist_ledger_set_aside(const char *dir, int64_t now_ms, char *ret_name, size_t len);
/* The lost-state mark (PERSIST_LOST_FILE): set, test, clear. */
int persist_lost_mark(const char *dir, const char *why);
bool persist_lost_marked(const char *dir);
int persist_lost_clear(const char *dir);

/* PERSIST_*_FILE: the state directory's file names, in ferrydconf.h */

#endif
