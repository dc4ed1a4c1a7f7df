/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fileio.c - whole files, read with a limit and replaced atomically
 * (fileio.h).  libc only: the agent's cheap monitor front links it.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ferry/fileio.h"

int
fileio_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static ssize_t
fileio_read_some(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int
fileio_read_fd(int fd, size_t max_len, void **ret_buf, size_t *ret_len)
{
	struct stat st;
	size_t cap, off = 0, hint = 4096;
	char *buf, *bigger;
	ssize_t n;
	int r = 0;

	if (max_len > SIZE_MAX / 2)
		max_len = SIZE_MAX / 2;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > max_len)
			return -EFBIG;
		hint = (size_t)st.st_size + 1; /* + 1: room to see the end */
	}
	cap = (hint < max_len ? hint : max_len) + 1;
	buf = malloc(cap);
	if (buf == NULL)
		return -ENOMEM;
	for (;;) {
		if (off == cap - 1) {
			if (off == max_len) {
				char extra;

				n = fileio_read_some(fd, &extra, 1);
				if (n > 0)
					r = -EFBIG;
				else if (n < 0)
					r = (int)n;
				break;
			}
			cap = cap - 1 > max_len / 2 ? max_len + 1 : 2 * (cap - 1) + 1;
			bigger = realloc(buf, cap);
			if (bigger == NULL) {
				r = -ENOMEM;
				break;
			}
			buf = bigger;
		}
		n = fileio_read_some(fd, buf + off, cap - 1 - off);
		if (n < 0) {
			r = (int)n;
			break;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[off] = '\0';
	*ret_buf = buf;
	*ret_len = off;
	return 0;
}

int
fileio_read_all(const char *path, size_t max_len, void **ret_buf, size_t *ret_len)
{
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else
		r = fileio_read_fd(fd, max_len, ret_buf, ret_len);
	close(fd);
	return r;
}

int
fileio_fsync_dirfd(int dir_fd)
{
	return fsync(dir_fd) < 0 ? -errno : 0;
}

int
fileio_fsync_dir(const char *dir)
{
	int fd, r;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = fileio_fsync_dirfd(fd);
	close(fd);
	return r;
}

/* Splits path into the directory that holds it and the last component. */
static int
fileio_split(const char *path, char *dir, size_t dir_len, const char **ret_name)
{
	const char *slash = strrchr(path, '/');
	int n;

	if (slash == NULL)
		n = snprintf(dir, dir_len, ".");
	else if (slash == path)
		n = snprintf(dir, dir_len, "/");
	else
		n = snprintf(dir, dir_len, "%.*s", (int)(slash - path), path);
	if (n < 0 || (size_t)n >= dir_len)
		return -ENAMETOOLONG;
	*ret_name = slash == NULL ? path : slash + 1;
	return **ret_name == '\0' ? -EISDIR : 0;
}

static int
fileio_write_iov(int fd, const struct iovec *iov, size_t n_iov)
{
	int r = 0;

	for (size_t i = 0; i < n_iov && r == 0; i++)
		r = fileio_write_all(fd, iov[i].iov_base, iov[i].iov_len);
	return r;
}

/* NAME.ferry-XXXXXX created in dir_fd, as mkostemp(3) does beside a path. */
static int
fileio_open_unique(int dir_fd, const char *name, mode_t mode, char *tmp, size_t tmp_len)
{
	static const char chars[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	struct timespec ts;
	uint64_t v;
	int n, fd;

	for (int attempt = 0; attempt < 100; attempt++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		v = (uint64_t)ts.tv_nsec * 2654435761u ^ (uint64_t)ts.tv_sec << 20 ^
		    (uint64_t)getpid() << 40 ^ (uint64_t)attempt * 0x9e3779b97f4a7c15u;
		n = snprintf(tmp, tmp_len, "%s.ferry-XXXXXX", name);
		if (n < 0 || (size_t)n >= tmp_len)
			return -ENAMETOOLONG;
		for (int i = n - 6; i < n; i++, v /= sizeof(chars) - 1)
			tmp[i] = chars[v % (sizeof(chars) - 1)];
		fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, mode);
		if (fd >= 0 || errno != EEXIST)
			return fd < 0 ? -errno : fd;
	}
	return -EEXIST;
}

int
fileio_write_atomicat(int dir_fd, const char *name, const struct iovec *iov, size_t n_iov,
                      const struct fileio_opts *o)
{
	static const struct fileio_opts defaults;
	char tmp[NAME_MAX + 1];
	struct stat st;
	bool have_old = false;
	mode_t mode;
	int fd, r, n;

	if (o == NULL)
		o = &defaults;
	mode = o->mode != 0 ? o->mode : 0600;
	if (name[0] == '\0' || strchr(name, '/') != NULL)
		return -EINVAL;
	if (o->nofollow || o->keep_mode || o->keep_owner) {
		r = fstatat(dir_fd, name, &st, o->nofollow ? AT_SYMLINK_NOFOLLOW : 0);
		if (r == 0 && o->nofollow && S_ISLNK(st.st_mode))
			return -ELOOP;
		if (r < 0 && errno != ENOENT)
			return -errno;
		have_old = r == 0;
	}
	if (have_old && o->keep_mode)
		mode = st.st_mode & 07777;
	if (o->tmp_unique) {
		fd = fileio_open_unique(dir_fd, name, o->umask_applies ? mode : 0600, tmp,
		                        sizeof(tmp));
	} else {
		n = snprintf(tmp, sizeof(tmp), "%s.tmp", name);
		if (n < 0 || (size_t)n >= sizeof(tmp))
			return -ENAMETOOLONG;
		fd = openat(dir_fd, tmp,
		            O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY |
		                    (o->nofollow ? O_NOFOLLOW : 0),
		            o->umask_applies ? mode : 0600);
		if (fd < 0)
			fd = -errno;
	}
	if (fd < 0)
		return fd;
	r = fileio_write_iov(fd, iov, n_iov);
	/* owner first: fchown may clear set-id bits that fchmod then sets */
	if (r == 0 && have_old && o->keep_owner && fchown(fd, st.st_uid, st.st_gid) < 0)
		r = -errno;
	if (r == 0 && !o->umask_applies && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && !o->no_fsync_file && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dir_fd, tmp, 0);
		return r;
	}
	if (o->no_fsync_dir)
		return 0;
	return fileio_fsync_dirfd(dir_fd);
}

int
fileio_write_atomicv(const char *path, const struct iovec *iov, size_t n_iov,
                     const struct fileio_opts *o)
{
	char dir[PATH_MAX];
	const char *name;
	int dir_fd, r;

	r = fileio_split(path, dir, sizeof(dir), &name);
	if (r < 0)
		return r;
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return -errno;
	r = fileio_write_atomicat(dir_fd, name, iov, n_iov, o);
	close(dir_fd);
	return r;
}

int
fileio_write_atomic(const char *path, const void *buf, size_t len, const struct fileio_opts *o)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};

	return fileio_write_atomicv(path, &iov, 1, o);
}
