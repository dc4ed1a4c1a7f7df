/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* procscan.c - find a VM's QEMU process without libvirt. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procscan.h"

#define PROCSCAN_CMDLINE_MAX (64 * 1024)

/* Reads at most len-1 bytes of a file; returns the count or -errno. */
static ssize_t
procscan_read(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	while (got < len - 1) {
		ssize_t n = read(fd, buf + got, len - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

/* State letter from /proc/PID/stat ("pid (comm) S ..."; comm may hold ')'). */
static bool
procscan_alive(const char *proc_root, pid_t pid)
{
	char path[PATH_MAX];
	char buf[1024];
	const char *rp;

	snprintf(path, sizeof(path), "%s/%d/stat", proc_root, (int)pid);
	if (procscan_read(path, buf, sizeof(buf)) <= 0)
		return false;
	rp = strrchr(buf, ')');
	if (rp == NULL || rp[1] != ' ')
		return false;
	return rp[2] != 'Z' && rp[2] != 'X' && rp[2] != 'x';
}

/*
 * Is PID in our network namespace?  QEMU always runs in the netns of the
 * libvirtd that started it, which is this node's.  On a real host that is
 * every process; on a one-machine lab (one netns per node, one shared PID
 * space) it keeps node2's agent from counting node1's QEMU as its own.
 * When either link cannot be read (a fake tree, no /proc/PID/ns) we cannot
 * tell, and answer yes: an unknown process must never make a running VM
 * look stopped.
 */
static bool
procscan_same_netns(const char *proc_root, pid_t pid)
{
	char path[PATH_MAX];
	char self[64];
	char other[64];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/self/ns/net", proc_root);
	n = readlink(path, self, sizeof(self) - 1);
	if (n <= 0)
		return true;
	self[n] = '\0';
	snprintf(path, sizeof(path), "%s/%d/ns/net", proc_root, (int)pid);
	n = readlink(path, other, sizeof(other) - 1);
	if (n <= 0)
		return true;
	other[n] = '\0';
	return strcmp(self, other) == 0;
}

/* Does PID's command line belong to a QEMU running this UUID? */
static bool
procscan_matches(const char *proc_root, pid_t pid, const char *uuid)
{
	char path[PATH_MAX];
	char *buf;
	ssize_t n;
	bool qemu;
	bool found = false;

	snprintf(path, sizeof(path), "%s/%d/cmdline", proc_root, (int)pid);
	buf = calloc(1, PROCSCAN_CMDLINE_MAX);
	if (buf == NULL)
		return false;
	n = procscan_read(path, buf, PROCSCAN_CMDLINE_MAX);
	if (n <= 0) {
		free(buf);
		return false;
	}
	qemu = strstr(buf, "qemu") != NULL; /* argv[0] */
	for (ssize_t i = 0; qemu && i < n; i += (ssize_t)strlen(buf + i) + 1) {
		if (strcasestr(buf + i, uuid) != NULL) {
			found = true;
			break;
		}
	}
	free(buf);
	return found;
}

static int
procscan_pidfile(const char *run_dir, const char *name, pid_t *ret)
{
	char path[PATH_MAX];
	char buf[32];
	char *end = NULL;
	long v;

	if (snprintf(path, sizeof(path), "%s/%s.pid", run_dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (procscan_read(path, buf, sizeof(buf)) <= 0)
		return -ENOENT;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || v <= 0 || v > INT_MAX ||
	    (*end != '\0' && !isspace((unsigned char)*end)))
		return -EINVAL;
	*ret = (pid_t)v;
	return 0;
}

int
procscan_find(const char *run_dir, const char *proc_root, const char *name, const char *uuid,
              pid_t *ret_pid)
{
	DIR *dir;
	struct dirent *de;
	pid_t pid;
	int r = 0;

	if (uuid == NULL || uuid[0] == '\0')
		return -EINVAL;
	if (name != NULL && name[0] != '\0' && procscan_pidfile(run_dir, name, &pid) == 0 &&
	    procscan_alive(proc_root, pid) && procscan_matches(proc_root, pid, uuid) &&
	    procscan_same_netns(proc_root, pid)) {
		*ret_pid = pid;
		return 1;
	}
	dir = opendir(proc_root);
	if (dir == NULL)
		return -errno;
	while ((de = readdir(dir)) != NULL) {
		char *end = NULL;
		long v;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		v = strtol(de->d_name, &end, 10);
		if (*end != '\0' || v <= 0 || v > INT_MAX)
			continue;
		if (procscan_matches(proc_root, (pid_t)v, uuid) &&
		    procscan_alive(proc_root, (pid_t)v) &&
		    procscan_same_netns(proc_root, (pid_t)v)) {
			*ret_pid = (pid_t)v;
			r = 1;
			break;
		}
	}
	closedir(dir);
	return r;
}
