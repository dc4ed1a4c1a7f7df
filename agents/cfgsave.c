/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cfgsave.c - replace the config file atomically (cfgsave.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgsave.h"
#include "domxml.h"

static int
cfgsave_fail(char *err, size_t err_len, const char *what, const char *path)
{
	int e = errno != 0 ? errno : EIO;

	snprintf(err, err_len, "%s %s: %s", what, path, strerror(e));
	return -e;
}

int
cfgsave_write(const char *path, const char *xml, char *err, size_t err_len)
{
	char tmp[PATH_MAX];
	char real[PATH_MAX];
	char *old = NULL;
	size_t len = strlen(xml);
	size_t done = 0;
	struct stat st;
	mode_t mode = 0644;
	int fd;
	int r;

	err[0] = '\0';
	/* a symlink (a local name for a shared file) stays one: replace its target */
	if (realpath(path, real) != NULL)
		path = real;
	if (domxml_read_file(path, &old) == 0) {
		bool same = strcmp(old, xml) == 0;

		free(old);
		if (same)
			return 0;
	}
	if (stat(path, &st) == 0)
		mode = st.st_mode & 07777;
	if (snprintf(tmp, sizeof(tmp), "%s.ferry-XXXXXX", path) >= (int)sizeof(tmp)) {
		snprintf(err, err_len, "config path %s is too long", path);
		return -ENAMETOOLONG;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return cfgsave_fail(err, err_len, "cannot create a temporary file beside", path);
	while (done < len) {
		ssize_t n = write(fd, xml + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = cfgsave_fail(err, err_len, "cannot write", tmp);
			goto fail;
		}
		done += (size_t)n;
	}
	if (fchmod(fd, mode) != 0 || fsync(fd) != 0) {
		r = cfgsave_fail(err, err_len, "cannot write", tmp);
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		r = cfgsave_fail(err, err_len, "cannot write", tmp);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		r = cfgsave_fail(err, err_len, "cannot replace", path);
		goto fail;
	}
	return 1;
fail:
	if (fd >= 0)
		close(fd);
	(void)unlink(tmp);
	return r;
}
