/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * persist.c - files under the state directory (/var/lib/ferry), written so
 * that a crash or power cut leaves either the old or the new content, never
 * a mix: write NAME.tmp, fsync it, rename over NAME, fsync the directory
 * (lib/fileio.c, with O_NOFOLLOW: a symlink at a state file is refused).
 *
 * Two files: the ledger (an opaque blob from ledger serialize, framed here
 * with a magic, a version, its length and a CRC-32) and the bounded move
 * history (an array of struct ferry_ipc_move, framed the same way).
 * No logging: callers log with their context.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <zlib.h>

#include <ferry/fileio.h>

#include "persist.h"

#define PERSIST_MAGIC_LEDGER  0x4652594cu /* "FRYL" */
#define PERSIST_MAGIC_HISTORY 0x46525948u /* "FRYH" */
#define PERSIST_VERSION       1u

struct persist_frame {
	uint32_t magic;
	uint32_t version;
	uint64_t len; /* payload bytes after this frame */
	uint32_t crc32;
	uint32_t reserved;
};
_Static_assert(sizeof(struct persist_frame) == 24, "frame layout");

/* dir/name atomically (fileio_write_atomicv): NAME.tmp opened with
 * O_NOFOLLOW, fsynced, renamed over NAME, the directory fsynced.  public: a
 * file others read (0644) in a directory that must exist already; else 0600
 * in dir, created 0750 if needed. */
static int
persist_write_file(const char *dir, const char *name, const struct iovec *iov, size_t n_iov,
                   bool public)
{
	const struct fileio_opts o = {.mode = public ? 0644 : 0600, .nofollow = true};
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	if (!public && mkdir(dir, 0750) < 0 && errno != EEXIST)
		return -errno;
	return fileio_write_atomicv(path, iov, n_iov, &o);
}

int
persist_write(const char *dir, const char *name, const void *buf, size_t len)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};

	return persist_write_file(dir, name, &iov, 1, false);
}

int
persist_write_public(const char *dir, const char *name, const void *buf, size_t len)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};

	return persist_write_file(dir, name, &iov, 1, true);
}

int
persist_read(const char *dir, const char *name, size_t max_len, void **ret_buf, size_t *ret_len)
{
	char path[PATH_MAX];
	int fd, r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	r = fileio_read_fd(fd, max_len, ret_buf, ret_len);
	close(fd);
	return r;
}

static int
persist_framed_save(const char *dir, const char *name, uint32_t magic, const void *payload,
                    size_t len)
{
	struct persist_frame f = {
	        .magic = magic,
	        .version = PERSIST_VERSION,
	        .len = len,
	        .crc32 = (uint32_t)crc32_z(0, payload, len),
	};
	struct iovec iov[2] = {
	        {.iov_base = &f, .iov_len = sizeof(f)},
	        {.iov_base = (void *)payload, .iov_len = len},
	};

	return persist_write_file(dir, name, iov, 2, false);
}

/* -ENOENT no file, -EBADMSG bad magic/length/checksum, -EPROTO other version. */
static int
persist_framed_load(const char *dir, const char *name, uint32_t magic, size_t max_len, void **ret,
                    size_t *ret_len)
{
	struct persist_frame f;
	void *buf = NULL, *payload = NULL;
	size_t len = 0;
	int r;

	r = persist_read(dir, name, max_len + sizeof(f), &buf, &len);
	if (r < 0)
		return r;
	if (len < sizeof(f)) {
		r = -EBADMSG;
		goto cleanup;
	}
	memcpy(&f, buf, sizeof(f));
	if (f.magic != magic) {
		r = -EBADMSG;
		goto cleanup;
	}
	if (f.version != PERSIST_VERSION) {
		r = -EPROTO;
		goto cleanup;
	}
	if (f.len != len - sizeof(f) ||
	    f.crc32 != (uint32_t)crc32_z(0, (const Bytef *)buf + sizeof(f), len - sizeof(f))) {
		r = -EBADMSG;
		goto cleanup;
	}
	payload = calloc(1, f.len + 1);
	if (payload == NULL) {
		r = -ENOMEM;
		goto cleanup;
	}
	memcpy(payload, (char *)buf + sizeof(f), f.len);
	*ret = payload;
	*ret_len = f.len;
cleanup:
	free(buf);
	return r;
}

int
persist_ledger_save(const char *dir, const void *blob, size_t len)
{
	return persist_framed_save(dir, PERSIST_LEDGER_FILE, PERSIST_MAGIC_LEDGER, blob, len);
}

int
persist_ledger_load(const char *dir, size_t max_len, void **ret_blob, size_t *ret_len)
{
	return persist_framed_load(dir, PERSIST_LEDGER_FILE, PERSIST_MAGIC_LEDGER, max_len,
	                           ret_blob, ret_len);
}

int
persist_ledger_set_aside(const char *dir, int64_t now_ms, char *ret_name, size_t len)
{
	char from[PATH_MAX], to[PATH_MAX];
	int n;

	n = snprintf(from, sizeof(from), "%s/%s", dir, PERSIST_LEDGER_FILE);
	if (n < 0 || (size_t)n >= sizeof(from))
		return -ENAMETOOLONG;
	n = snprintf(to, sizeof(to), "%s.bad-%" PRId64, from, now_ms);
	if (n < 0 || (size_t)n >= sizeof(to))
		return -ENAMETOOLONG;
	if (rename(from, to) < 0)
		return -errno;
	snprintf(ret_name, len, "%s", to);
	return fileio_fsync_dir(dir);
}

int
persist_lost_mark(const char *dir, const char *why)
{
	return persist_write(dir, PERSIST_LOST_FILE, why, strlen(why));
}

bool
persist_lost_marked(const char *dir)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, PERSIST_LOST_FILE);

	return n > 0 && (size_t)n < sizeof(path) && access(path, F_OK) == 0;
}

int
persist_lost_clear(const char *dir)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, PERSIST_LOST_FILE);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return fileio_fsync_dir(dir);
}

int
persist_history_init(struct persist_history *h, size_t max)
{
	memset(h, 0, sizeof(*h));
	if (max == 0)
		return -EINVAL;
	h->moves = calloc(max, sizeof(*h->moves));
	if (h->moves == NULL)
		return -ENOMEM;
	h->max = max;
	return 0;
}

void
persist_history_done(struct persist_history *h)
{
	free(h->moves);
	memset(h, 0, sizeof(*h));
}

void
persist_history_add(struct persist_history *h, const struct ferry_ipc_move *m)
{
	if (h->max == 0)
		return;
	if (h->n == h->max) {
		memmove(&h->moves[0], &h->moves[1], (h->max - 1) * sizeof(h->moves[0]));
		h->n--;
	}
	h->moves[h->n++] = *m;
}

int
persist_history_save(const struct persist_history *h, const char *dir)
{
	return persist_framed_save(dir, PERSIST_HISTORY_FILE, PERSIST_MAGIC_HISTORY, h->moves,
	                           h->n * sizeof(h->moves[0]));
}

/* Keeps the newest h->max records of the file. */
int
persist_history_load(struct persist_history *h, const char *dir)
{
	struct ferry_ipc_move *moves = NULL;
	void *buf = NULL;
	size_t len = 0, n, i;
	int r;

	r = persist_framed_load(dir, PERSIST_HISTORY_FILE, PERSIST_MAGIC_HISTORY,
	                        100000 * sizeof(*moves), &buf, &len);
	if (r < 0)
		return r;
	if (len % sizeof(*moves) != 0) {
		free(buf);
		return -EBADMSG;
	}
	moves = buf;
	n = len / sizeof(*moves);
	h->n = 0;
	for (i = n > h->max ? n - h->max : 0; i < n; i++) {
		moves[i].vm[sizeof(moves[i].vm) - 1] = '\0';
		moves[i].uuid[sizeof(moves[i].uuid) - 1] = '\0';
		moves[i].from[sizeof(moves[i].from) - 1] = '\0';
		moves[i].to[sizeof(moves[i].to) - 1] = '\0';
		moves[i].mode[sizeof(moves[i].mode) - 1] = '\0';
		moves[i].result[sizeof(moves[i].result) - 1] = '\0';
		moves[i].error[sizeof(moves[i].error) - 1] = '\0';
		h->moves[h->n++] = moves[i];
	}
	free(buf);
	return 0;
}

/* ---- the history view ---- */

static bool
persist_move_matches(const struct ferry_ipc_move *m, const char *filter)
{
	return filter[0] == '\0' || strcmp(m->vm, filter) == 0 || strcmp(m->uuid, filter) == 0;
}

ssize_t
persist_history_view(const struct persist_history *h, const struct ferry_ipc_history_req *req,
                     void *buf, size_t len)
{
	struct ferry_ipc_history_rsp *r = buf;
	char filter[FERRY_IPC_VM_LEN];
	size_t i, total = 0, fit, skip, out = 0;

	if (len < sizeof(*r))
		return -ENOBUFS;
	memcpy(filter, req->vm, sizeof(filter));
	filter[sizeof(filter) - 1] = '\0';
	for (i = 0; i < h->n; i++)
		if (persist_move_matches(&h->moves[i], filter))
			total++;
	fit = (len - sizeof(*r)) / sizeof(struct ferry_ipc_move);
	if (req->max_records != 0 && req->max_records < fit)
		fit = req->max_records;
	skip = total > fit ? total - fit : 0; /* keep the newest */
	memset(r, 0, sizeof(*r));
	for (i = 0; i < h->n; i++) {
		if (!persist_move_matches(&h->moves[i], filter))
			continue;
		if (skip > 0) {
			skip--;
			continue;
		}
		memcpy((char *)buf + sizeof(*r) + out * sizeof(struct ferry_ipc_move), &h->moves[i],
		       sizeof(struct ferry_ipc_move));
		out++;
	}
	r->n = (uint32_t)out;
	r->total = (uint32_t)total;
	return (ssize_t)(sizeof(*r) + out * sizeof(struct ferry_ipc_move));
}
