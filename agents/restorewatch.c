/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* restorewatch.c - split a restore into QEMU start and image read (restorewatch.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "ferry/clock.h"
#include "restorewatch.h"

#define RESTOREWATCH_MAX_SAMPLES 6000 /* a minute of 10 ms ticks */
#define RESTOREWATCH_MAX_OLD     16
#define RESTOREWATCH_PLATEAU     3

struct restorewatch {
	char proc_root[256];
	char uuid[40];
	pid_t old[RESTOREWATCH_MAX_OLD]; /* QEMUs of this UUID before the restore */
	size_t n_old;
	/* the highest pid at start: only newer ones are opened while polling, so
	 * the watcher reads a directory listing, not every process's files, while
	 * the target's QEMU starts on the same cores */
	pid_t max_pid;
	pthread_t thread;
	atomic_bool stop;
	uint64_t t0_ms;
	pid_t pid;
	size_t n;
	uint64_t t_ms[RESTOREWATCH_MAX_SAMPLES];
	uint64_t rchar[RESTOREWATCH_MAX_SAMPLES];
};

int64_t
restorewatch_read_start(const uint64_t *t_ms, const uint64_t *rchar, size_t n)
{
	uint64_t total;
	size_t run = 1;
	int64_t found = -1;

	if (n < RESTOREWATCH_PLATEAU + 1)
		return -1;
	total = rchar[n - 1];
	for (size_t i = 1; i < n; i++) {
		if (rchar[i] == rchar[i - 1]) {
			run++;
			continue;
		}
		/* rchar grows at i after a still stretch of run samples */
		if (run >= RESTOREWATCH_PLATEAU && rchar[i - 1] > 0 && rchar[i - 1] <= total / 2)
			found = (int64_t)t_ms[i];
		run = 1;
	}
	return found;
}

static bool
restorewatch_read(const char *path, char *buf, size_t len, size_t *ret_n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	*ret_n = (size_t)n;
	return true;
}

/* Is pid a QEMU with -uuid w->uuid? */
static bool
restorewatch_is_qemu(const struct restorewatch *w, const char *pid)
{
	char path[512];
	char buf[8192];
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s/comm", w->proc_root, pid);
	if (!restorewatch_read(path, buf, sizeof(buf), &n) || strncmp(buf, "qemu", 4) != 0)
		return false;
	snprintf(path, sizeof(path), "%s/%s/cmdline", w->proc_root, pid);
	if (!restorewatch_read(path, buf, sizeof(buf), &n))
		return false;
	for (size_t i = 0; i + 1 < n; i += strlen(buf + i) + 1)
		if (strcmp(buf + i, "-uuid") == 0 && i + 6 < n && strcmp(buf + i + 6, w->uuid) == 0)
			return true;
	return false;
}

static pid_t
restorewatch_scan(struct restorewatch *w, bool skip_old, bool only_new)
{
	DIR *d = opendir(w->proc_root);
	struct dirent *e;
	pid_t found = 0;

	if (d == NULL)
		return 0;
	while (found == 0 && (e = readdir(d)) != NULL) {
		pid_t p = (pid_t)atoi(e->d_name);
		bool old = false;

		if (p <= 0)
			continue;
		if (!only_new && p > w->max_pid)
			w->max_pid = p;
		/* pids wrap around rarely; a QEMU missed then only costs the split */
		if (only_new && p <= w->max_pid)
			continue;
		for (size_t i = 0; skip_old && i < w->n_old; i++)
			old = old || w->old[i] == p;
		if (!old && restorewatch_is_qemu(w, e->d_name))
			found = p;
	}
	closedir(d);
	return found;
}

static bool
restorewatch_rchar(const struct restorewatch *w, uint64_t *ret)
{
	char path[512];
	char buf[1024];
	size_t n = 0;
	unsigned long long v;

	snprintf(path, sizeof(path), "%s/%d/io", w->proc_root, (int)w->pid);
	if (!restorewatch_read(path, buf, sizeof(buf), &n) || sscanf(buf, "rchar: %llu", &v) != 1)
		return false;
	*ret = v;
	return true;
}

static void *
restorewatch_thread(void *arg)
{
	struct restorewatch *w = arg;

	while (!atomic_load(&w->stop) && w->n < RESTOREWATCH_MAX_SAMPLES) {
		uint64_t r;

		if (w->pid == 0)
			w->pid = restorewatch_scan(w, true, true);
		if (w->pid != 0 && restorewatch_rchar(w, &r)) {
			w->t_ms[w->n] = ferry_clock_ms() - w->t0_ms;
			w->rchar[w->n] = r;
			w->n++;
		}
		ferry_sleep_ms(RESTOREWATCH_TICK_MS);
	}
	return NULL;
}

int
restorewatch_start(const char *proc_root, const char *uuid, struct restorewatch **ret)
{
	struct restorewatch *w = calloc(1, sizeof(*w));
	pid_t p;

	if (w == NULL)
		return -ENOMEM;
	snprintf(w->proc_root, sizeof(w->proc_root), "%s", proc_root);
	snprintf(w->uuid, sizeof(w->uuid), "%s", uuid);
	/* the source's QEMU of a quick move may still be stopping */
	while (w->n_old < RESTOREWATCH_MAX_OLD && (p = restorewatch_scan(w, true, false)) != 0)
		w->old[w->n_old++] = p;
	if (w->n_old == RESTOREWATCH_MAX_OLD || w->max_pid == 0)
		(void)restorewatch_scan(w, true, false); /* max_pid of the whole list */
	w->t0_ms = ferry_clock_ms();
	if (pthread_create(&w->thread, NULL, restorewatch_thread, w) != 0) {
		free(w);
		return -EAGAIN;
	}
	*ret = w;
	return 0;
}

void
restorewatch_stop(struct restorewatch *w, int64_t *ret_qemu_start_ms, int64_t *ret_read_ms)
{
	int64_t start = -1;
	uint64_t end;

	*ret_qemu_start_ms = -1;
	*ret_read_ms = -1;
	if (w == NULL)
		return;
	atomic_store(&w->stop, true);
	(void)pthread_join(w->thread, NULL);
	end = ferry_clock_ms() - w->t0_ms;
	start = restorewatch_read_start(w->t_ms, w->rchar, w->n);
	if (start >= 0) {
		*ret_qemu_start_ms = start;
		*ret_read_ms = (int64_t)end - start;
	}
	free(w);
}
