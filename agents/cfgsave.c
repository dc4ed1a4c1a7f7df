/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cfgsave.c - replace the config file atomically (cfgsave.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/fileio.h"

#include "cfgsave.h"
#include "domxml.h"

/* The new file: PATH.ferry-XXXXXX (a shared config may have writers on
 * other nodes), the old file's mode (0644 if none), file and directory
 * fsynced, renamed over PATH. */
int
cfgsave_write(const char *path, const char *xml, char *err, size_t err_len)
{
	const struct fileio_opts o = {.mode = 0644, .keep_mode = true, .tmp_unique = true};
	char real[PATH_MAX];
	char *old = NULL;
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
	r = fileio_write_atomic(path, xml, strlen(xml), &o);
	if (r < 0) {
		snprintf(err, err_len, "cannot replace %s: %s", path, strerror(-r));
		return r;
	}
	return 1;
}
