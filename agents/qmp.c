/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* qmp.c - query-status over a QEMU's own monitor socket (see qmp.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ferry/clock.h"
#include "qmp.h"

#define QMP_BUF_MAX 8192

/* The inode of a socket fd link ("socket:[123]"), or 0. */
static unsigned long
qmp_socket_inode(const char *link)
{
	unsigned long ino = 0;

	if (sscanf(link, "socket:[%lu]", &ino) != 1)
		return 0;
	return ino;
}

/* True if inode is one of pid's fds. */
static bool
qmp_pid_has_inode(const char *proc_root, pid_t pid, unsigned long inode)
{
	char dir[PATH_MAX];
	char path[PATH_MAX + 300];
	char link[64];
	struct dirent *e;
	bool found = false;
	DIR *d;
	ssize_t n;

	snprintf(dir, sizeof(dir), "%s/%ld/fd", proc_root, (long)pid);
	d = opendir(dir);
	if (d == NULL)
		return false;
	while (!found && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		found = qmp_socket_inode(link) == inode;
	}
	closedir(d);
	return found;
}

int
qmp_find_monitor(const char *proc_root, pid_t pid, char *ret_path, size_t len)
{
	static const char suffix[] = "/monitor.sock";
	char file[PATH_MAX];
	char line[PATH_MAX + 128];
	char sock[PATH_MAX];
	unsigned long inode;
	unsigned int flags;
	int r = -ENOENT;
	FILE *f;

	snprintf(file, sizeof(file), "%s/net/unix", proc_root);
	f = fopen(file, "re");
	if (f == NULL)
		return -errno;
	while (r == -ENOENT && fgets(line, sizeof(line), f) != NULL) {
		size_t n;

		/* Num RefCount Protocol Flags Type St Inode Path */
		if (sscanf(line, "%*s %*s %*s %x %*s %*s %lu %4095s", &flags, &inode, sock) != 3)
			continue;
		n = strlen(sock);
		if (n < sizeof(suffix) - 1 || strcmp(sock + n - (sizeof(suffix) - 1), suffix) != 0)
			continue;
		if (!qmp_pid_has_inode(proc_root, pid, inode))
			continue;
		if (n >= len) {
			r = -ENAMETOOLONG;
			break;
		}
		memcpy(ret_path, sock, n + 1);
		r = 0;
	}
	fclose(f);
	return r;
}

/* Reads until a line holding "key" arrives (events are skipped); the line
 * goes to out.  0, -ETIMEDOUT, -EPROTO or -errno. */
static int
qmp_read_line_with(int fd, uint64_t deadline_ms, const char *key, char *buf, size_t *fill,
                   char *out, size_t out_len)
{
	for (;;) {
		char *nl;

		while ((nl = memchr(buf, '\n', *fill)) != NULL) {
			size_t n = (size_t)(nl - buf) + 1;
			bool hit;
			bool failed;

			*nl = '\0';
			hit = strstr(buf, key) != NULL;
			failed = strncmp(buf, "{\"error\"", 9) == 0;
			if (hit)
				snprintf(out, out_len, "%s", buf);
			memmove(buf, buf + n, *fill - n);
			*fill -= n;
			if (hit)
				return 0;
			if (failed)
				return -EPROTO;
		}
		if (*fill >= QMP_BUF_MAX - 1)
			return -EPROTO; /* a line longer than anything query-status says */
		uint64_t now = ferry_clock_ms();
		if (now >= deadline_ms)
			return -ETIMEDOUT;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, (int)(deadline_ms - now));
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		ssize_t got = read(fd, buf + *fill, QMP_BUF_MAX - 1 - *fill);
		if (got < 0 && errno != EINTR && errno != EAGAIN)
			return -errno;
		if (got == 0)
			return -EPROTO; /* closed */
		if (got > 0)
			*fill += (size_t)got;
	}
}

static int
qmp_send(int fd, const char *cmd)
{
	size_t n = strlen(cmd);

	return send(fd, cmd, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -errno;
}

int
qmp_query_status(const char *path, uint64_t timeout_ms, char *ret_status, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	uint64_t deadline_ms = ferry_clock_ms() + timeout_ms;
	char *buf = NULL;
	char line[QMP_BUF_MAX];
	size_t fill = 0;
	char status[QMP_STATUS_MAX];
	const char *p;
	int fd = -1;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	buf = calloc(1, QMP_BUF_MAX);
	if (buf == NULL)
		return -ENOMEM;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		r = -errno;
		goto cleanup;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		r = -errno;
		goto cleanup;
	}
	line[0] = '\0';
	/* the greeting, then capabilities negotiation, then the question */
	r = qmp_read_line_with(fd, deadline_ms, "\"QMP\"", buf, &fill, line, sizeof(line));
	if (r == 0)
		r = qmp_send(fd, "{\"execute\":\"qmp_capabilities\"}\n");
	if (r == 0)
		r = qmp_read_line_with(fd, deadline_ms, "\"return\"", buf, &fill, line,
		                       sizeof(line));
	if (r == 0)
		r = qmp_send(fd, "{\"execute\":\"query-status\"}\n");
	if (r == 0)
		r = qmp_read_line_with(fd, deadline_ms, "\"return\"", buf, &fill, line,
		                       sizeof(line));
	if (r != 0)
		goto cleanup;
	p = strstr(line, "\"status\"");
	if (p == NULL || sscanf(p, "\"status\" : \"%31[a-z-]\"", status) != 1) {
		r = -EPROTO;
		goto cleanup;
	}
	snprintf(ret_status, len, "%s", status);
	r = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}
