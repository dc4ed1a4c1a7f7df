/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * replay.c - runs the fuzz target over a corpus without libFuzzer, so every
 * "make check" exercises it on the seed inputs (and on any crash input that
 * was added after a fix).  TAP: one test per file.
 *
 *   test_replay [FILE|DIR]...   default: $abs_srcdir/REPLAY_CORPUS
 *
 * Linked with one fuzz target; other directories reuse it with their own
 * -DREPLAY_CORPUS='"fuzz/NAME"' (tests/agent).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FILES 1024

#ifndef REPLAY_CORPUS
#define REPLAY_CORPUS "fuzz/corpus"
#endif

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
add_path(const char *path, char **files, size_t *n)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode)) {
		if (*n < MAX_FILES)
			files[(*n)++] = strdup(path);
		return 0;
	}
	d = opendir(path);
	if (d == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		char p[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (*n < MAX_FILES)
			files[(*n)++] = strdup(p);
	}
	closedir(d);
	return 0;
}

int
main(int argc, char **argv)
{
	static char *files[MAX_FILES];
	size_t n = 0;
	char def[4096];
	const char *src = getenv("abs_srcdir");

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (add_path(argv[i], files, &n) < 0) {
				fprintf(stderr, "%s: cannot read\n", argv[i]);
				return 2;
			}
	} else {
		snprintf(def, sizeof(def), "%s/%s", src != NULL ? src : ".", REPLAY_CORPUS);
		if (add_path(def, files, &n) < 0) {
			printf("1..0 # SKIP no corpus at %s\n", def);
			return 0;
		}
	}
	qsort(files, n, sizeof(files[0]), cmp_str);
	printf("1..%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		FILE *f = fopen(files[i], "rbe");
		static uint8_t buf[1 << 20];
		size_t len;

		if (f == NULL) {
			printf("not ok %zu - %s (%s)\n", i + 1, files[i], strerror(errno));
			continue;
		}
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len); /* aborts on a bug */
		printf("ok %zu - %s\n", i + 1,
		       strrchr(files[i], '/') != NULL ? strrchr(files[i], '/') + 1 : files[i]);
		free(files[i]);
	}
	return 0;
}
