/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sharecheck.c - the file system side of a shared directory check (see
 * sharecheck.h).  Every path is opened once as a directory and everything
 * else is done relative to that descriptor, so the answer is about one
 * directory even if the path changes meanwhile; opening the directory also
 * makes an NFS client revalidate it (close-to-open), so a mark written on
 * another client a moment ago is found.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sharecheck.h"

/* The text for a directory that cannot be used, by errno. */
static void
sharecheck_why(int err, char *text, size_t len)
{
	switch (err) {
	case ENOENT:
		snprintf(text, len, "no such directory");
		break;
	case ENOTDIR:
		snprintf(text, len, "not a directory");
		break;
	case EROFS:
		snprintf(text, len, "read-only file system");
		break;
	case EACCES:
	case EPERM:
		snprintf(text, len, "not writable (%s)", strerror(err));
		break;
	default:
		snprintf(text, len, "%s", strerror(err));
		break;
	}
}

/* A token names a file in dir: no '/', no leading '.', not empty. */
static int
sharecheck_name(const char *token, char *buf, size_t len)
{
	int n;

	if (token == NULL || token[0] == '\0' || token[0] == '.' || strchr(token, '/') != NULL ||
	    strlen(token) >= SHARECHECK_TOKEN_MAX)
		return -EINVAL;
	n = snprintf(buf, len, "%s%s", SHARECHECK_PREFIX, token);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Opens dir as a directory; -errno with why in text. */
static int
sharecheck_open_dir(const char *dir, char *text, size_t len)
{
	int fd;

	if (dir == NULL || dir[0] != '/') {
		snprintf(text, len, "not an absolute path");
		return -EINVAL;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		sharecheck_why(e, text, len);
		return -e;
	}
	return fd;
}

int
sharecheck_mark(const char *dir, uint32_t nodeid, char *ret_token, size_t token_len, char *text,
                size_t text_len)
{
	char token[SHARECHECK_TOKEN_MAX], name[SHARECHECK_TOKEN_MAX + sizeof(SHARECHECK_PREFIX)];
	uint8_t rnd[16];
	size_t off;
	ssize_t w;
	int dfd, fd = -1, r;

	text[0] = '\0';
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		snprintf(text, text_len, "no random bytes: %s", strerror(errno));
		return -EIO;
	}
	off = (size_t)snprintf(token, sizeof(token), "%" PRIu32 ".", nodeid);
	for (size_t i = 0; i < sizeof(rnd) && off + 2 < sizeof(token); i++, off += 2)
		snprintf(token + off, sizeof(token) - off, "%02x", rnd[i]);
	if (token_len <= strlen(token))
		return -ENOBUFS;
	r = sharecheck_name(token, name, sizeof(name));
	if (r < 0)
		return r;
	dfd = sharecheck_open_dir(dir, text, text_len);
	if (dfd < 0)
		return dfd;
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		sharecheck_why(-r, text, text_len);
		goto cleanup;
	}
	w = write(fd, token, strlen(token));
	if (w != (ssize_t)strlen(token)) {
		r = w < 0 ? -errno : -ENOSPC;
		snprintf(text, text_len, "cannot write a file in it: %s", strerror(-r));
		(void)unlinkat(dfd, name, 0);
		goto cleanup;
	}
	/* close() flushes it to an NFS server: the others see it after this */
	r = close(fd);
	fd = -1;
	if (r != 0) {
		r = -errno;
		snprintf(text, text_len, "cannot write a file in it: %s", strerror(-r));
		(void)unlinkat(dfd, name, 0);
		goto cleanup;
	}
	snprintf(ret_token, token_len, "%s", token);
	r = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	close(dfd);
	return r;
}

void
sharecheck_unmark(const char *dir, const char *token)
{
	char name[SHARECHECK_TOKEN_MAX + sizeof(SHARECHECK_PREFIX)], text[64];
	int dfd;

	if (sharecheck_name(token, name, sizeof(name)) < 0)
		return;
	dfd = sharecheck_open_dir(dir, text, sizeof(text));
	if (dfd < 0)
		return;
	(void)unlinkat(dfd, name, 0);
	close(dfd);
}

int
sharecheck_dir(const char *dir, const char *token, const char *from, char *text, size_t len)
{
	char name[SHARECHECK_TOKEN_MAX + sizeof(SHARECHECK_PREFIX)], got[SHARECHECK_TOKEN_MAX + 1];
	char who[96];
	ssize_t n;
	int dfd, fd = -1, r;

	text[0] = '\0';
	if (from != NULL && from[0] != '\0')
		snprintf(who, sizeof(who), "%s's", from);
	else
		snprintf(who, sizeof(who), "the asking node's");
	r = sharecheck_name(token, name, sizeof(name));
	if (r < 0) {
		snprintf(text, len, "malformed check token");
		return r;
	}
	dfd = sharecheck_open_dir(dir, text, len);
	if (dfd < 0)
		return dfd;
	/* the save image is written by the source and removed by the target */
	if (faccessat(dfd, ".", W_OK, AT_EACCESS) != 0) {
		r = -errno;
		sharecheck_why(-r, text, len);
		goto cleanup;
	}
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		snprintf(text, len, "not the same storage as %s (no .ferry-share file from it)",
		         who);
		r = -EXDEV;
		goto cleanup;
	}
	if (fd < 0) {
		r = -errno;
		snprintf(text, len, "cannot read the .ferry-share file: %s", strerror(-r));
		goto cleanup;
	}
	n = read(fd, got, sizeof(got) - 1);
	if (n < 0) {
		r = -errno;
		snprintf(text, len, "cannot read the .ferry-share file: %s", strerror(-r));
		goto cleanup;
	}
	got[n] = '\0';
	if (strcmp(got, token) != 0) {
		snprintf(text, len,
		         "not the same storage as %s (its .ferry-share file holds another token)",
		         who);
		r = -EXDEV;
		goto cleanup;
	}
	r = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	close(dfd);
	return r;
}
