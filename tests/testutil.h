/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* testutil.h - temp directories and files for the cmocka tests (agent, lib). */
#ifndef FERRY_TEST_TESTUTIL_H
#define FERRY_TEST_TESTUTIL_H

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* mkdtemp under $TMPDIR (or /tmp); aborts the test program on failure. */
static inline void
testutil_tmpdir(char *buf, size_t len, const char *tag)
{
	const char *t = getenv("TMPDIR");

	snprintf(buf, len, "%s/ferry-%s-XXXXXX", t != NULL ? t : "/tmp", tag);
	if (mkdtemp(buf) == NULL) {
		perror("mkdtemp");
		abort();
	}
}

static inline void
testutil_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (f == NULL) {
		perror(path);
		abort();
	}
	fputs(text, f);
	fclose(f);
}

/* rm -r of a directory tree made by a test (no symlink games: test data only). */
static inline void
testutil_rmrf(const char *dir)
{
	char cmd[PATH_MAX + 16];

	if (dir == NULL || strncmp(dir, "/tmp/", 5) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", dir);
}

/* The number of entries in dir, . and .. aside; -1 when it cannot be read. */
static inline int
testutil_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

#endif
