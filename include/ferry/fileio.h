/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fileio.h - whole files, read and replaced the one way ferry does it: a
 * crash or power cut leaves either the old or the new content, never a mix
 * (write a temporary file beside PATH, fsync it, rename it over PATH, fsync
 * the directory).  libc only, no logging: callers log with their context.
 * Every function returns 0 or a negative errno; ret_* are written only on
 * success.
 */
#ifndef FERRY_FILEIO_H
#define FERRY_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/* How fileio_write_atomic writes; all zero (or a NULL pointer) is the safe
 * default: mode 0600, file and directory fsynced, temporary file PATH.tmp. */
struct fileio_opts {
	mode_t mode;        /* the new file's mode, set with fchmod (no umask); 0: 0600 */
	bool umask_applies; /* mode as open(2) gives it (mode & ~umask), no fchmod */
	bool keep_mode;     /* an existing PATH's mode wins over mode */
	bool keep_owner;    /* an existing PATH's owner and group go to the new file */
	bool nofollow;      /* O_NOFOLLOW on the temporary file; a symlink at PATH: -ELOOP */
	bool tmp_unique;    /* PATH.ferry-XXXXXX (O_EXCL) for writers that may race */
	bool no_fsync_file; /* skip fsync of the new file (caches, files on tmpfs) */
	bool no_fsync_dir;  /* skip fsync of the directory after the rename */
};

/* len bytes to fd, retrying short writes and EINTR. */
int fileio_write_all(int fd, const void *buf, size_t len);

/* Everything left in fd, NUL-terminated (ret_len excludes the NUL); -EFBIG
 * when there is more than max_len bytes.  *ret_buf is the caller's to free. */
int fileio_read_fd(int fd, size_t max_len, void **ret_buf, size_t *ret_len);

/* The whole regular file at path (symlinks followed), as fileio_read_fd;
 * -EINVAL when path is not a regular file. */
int fileio_read_all(const char *path, size_t max_len, void **ret_buf, size_t *ret_len);

/* Replaces path's content with buf (iov: the pieces, in order), atomically.
 * On failure the temporary file is removed and path is untouched. */
int fileio_write_atomic(const char *path, const void *buf, size_t len, const struct fileio_opts *o);
int fileio_write_atomicv(const char *path, const struct iovec *iov, size_t n_iov,
                         const struct fileio_opts *o);
/* The same for name (no '/') in the directory dir_fd: the one implementation,
 * the path forms open the directory that holds path and call it. */
int fileio_write_atomicat(int dir_fd, const char *name, const struct iovec *iov, size_t n_iov,
                          const struct fileio_opts *o);

/* Makes a rename or unlink in the directory durable. */
int fileio_fsync_dir(const char *dir);
int fileio_fsync_dirfd(int dir_fd);

#endif
