/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* guestcheck.c - run monitor_scripts, bounded in time (guestcheck.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmctx.h"
#include "ferry/clock.h"
#include "guestcheck.h"
#include "virt.h"

#define GUESTCHECK_OUT_MAX  4096 /* output kept per script: the first line is used */
#define GUESTCHECK_LINE_MAX 200

void
guestcheck_first_line(const char *out, size_t len, char *buf, size_t buf_len)
{
	size_t start = 0;
	size_t end;

	while (start < len && (out[start] == '\n' || out[start] == '\r' || out[start] == ' '))
		start++;
	end = start;
	while (end < len && out[end] != '\n' && out[end] != '\r')
		end++;
	while (end > start && (out[end - 1] == ' ' || out[end - 1] == '\t'))
		end--;
	if (end == start) {
		snprintf(buf, buf_len, "(no output)");
		return;
	}
	if (end - start > GUESTCHECK_LINE_MAX)
		end = start + GUESTCHECK_LINE_MAX;
	snprintf(buf, buf_len, "%.*s", (int)(end - start), out + start);
}

static void
guestcheck_child(const char *path, int out_fd)
{
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	(void)setpgid(0, 0);
	if (null_fd >= 0)
		(void)dup2(null_fd, 0);
	(void)dup2(out_fd, 1);
	(void)dup2(out_fd, 2);
	execlp(path, path, (char *)NULL);
	dprintf(2, "cannot run it: %s\n", strerror(errno));
	_exit(127);
}

/* Runs one script: 0 passed, 1 failed (why), -errno (why). */
static int
guestcheck_one(const char *path, uint64_t deadline_ms, char *why, size_t why_len)
{
	char out[GUESTCHECK_OUT_MAX];
	char line[GUESTCHECK_LINE_MAX + 1];
	size_t used = 0;
	bool timed_out = false;
	int fds[2];
	int status = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0) {
		snprintf(why, why_len, "cannot run monitor script %s: pipe: %s", path,
		         strerror(errno));
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(fds[0]);
		close(fds[1]);
		snprintf(why, why_len, "cannot run monitor script %s: fork: %s", path, strerror(e));
		return -e;
	}
	if (pid == 0)
		guestcheck_child(path, fds[1]);
	close(fds[1]);
	for (;;) {
		struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
		uint64_t now = ferry_clock_ms();
		char discard[512];
		ssize_t n;
		int r;

		if (now >= deadline_ms) {
			timed_out = true;
			break;
		}
		r = poll(&pfd, 1, (int)(deadline_ms - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			timed_out = r == 0;
			break;
		}
		if (used < sizeof(out))
			n = read(fds[0], out + used, sizeof(out) - used);
		else
			n = read(fds[0], discard, sizeof(discard));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EOF: every writer is gone */
		if (used < sizeof(out))
			used += (size_t)n;
	}
	close(fds[0]);
	if (timed_out) {
		(void)kill(-pid, SIGKILL); /* its group: whatever it started too */
		(void)kill(pid, SIGKILL);  /* in case setpgid had not run yet */
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	guestcheck_first_line(out, used, line, sizeof(line));
	if (timed_out) {
		snprintf(why, why_len,
		         "monitor script %s did not finish in time and was killed: %s", path, line);
		return 1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(why, why_len, "monitor script %s exited %d: %s", path, WEXITSTATUS(status),
		         line);
	else
		snprintf(why, why_len, "monitor script %s was killed by signal %d: %s", path,
		         WIFSIGNALED(status) ? WTERMSIG(status) : 0, line);
	return 1;
}

int
guestcheck_scripts(const char *scripts, uint64_t timeout_ms, char *why, size_t why_len)
{
	uint64_t deadline_ms = ferry_clock_ms() + timeout_ms;
	const char *s = scripts;

	why[0] = '\0';
	while (s != NULL && *s != '\0') {
		size_t len = strcspn(s, " \t\n");
		char path[PATH_MAX];
		int r;

		if (len > 0) {
			if (len >= sizeof(path)) {
				snprintf(why, why_len,
				         "monitor script %.40s... has a path too long", s);
				return -ENAMETOOLONG;
			}
			memcpy(path, s, len);
			path[len] = '\0';
			r = guestcheck_one(path, deadline_ms, why, why_len);
			if (r != 0)
				return r;
		}
		s += len;
		s += strspn(s, " \t\n");
	}
	return 0;
}

bool
guestcheck_wanted(const struct vm_agent *a)
{
	return a->p.guest_agent_check || a->p.monitor_scripts[0] != '\0';
}

int
guestcheck_run(struct vm_agent *a, struct virt *v, virDomainPtr d, uint64_t timeout_ms,
               struct ocf_reason *why)
{
	char text[OCF_REASON_MAX];
	int r;

	if (a->p.guest_agent_check) {
		r = virt_agent_ping(v, d);
		if (r != 0)
			return ocf_fail(why, OCF_ERR_GENERIC,
			                "the QEMU guest agent does not answer (%s); check that "
			                "qemu-guest-agent runs in the guest and the domain XML has "
			                "its channel, or set guest_agent_check=false",
			                v->err);
	}
	if (a->p.monitor_scripts[0] == '\0')
		return OCF_SUCCESS;
	r = guestcheck_scripts(a->p.monitor_scripts, timeout_ms, text, sizeof(text));
	if (r == 0)
		return OCF_SUCCESS;
	return ocf_fail(why, OCF_ERR_GENERIC, "%s", text);
}

int
guestcheck_wait(struct vm_agent *a, struct virt *v, virDomainPtr d, uint64_t timeout_ms,
                struct ocf_reason *why)
{
	uint64_t t0 = ferry_clock_ms();
	uint64_t deadline = t0 + timeout_ms;
	unsigned rounds = 0;
	struct ocf_reason last = {{0}};

	for (;;) {
		uint64_t now = ferry_clock_ms();
		uint64_t pause_ms;

		if (now >= deadline)
			break;
		rounds++;
		memset(&last, 0, sizeof(last));
		if (guestcheck_run(a, v, d, deadline - now, &last) == OCF_SUCCESS) {
			vm_log(a, LOG_INFO, "guest checks passed after %" PRIu64 " ms (%u round%s)",
			       ferry_clock_ms() - t0, rounds, rounds == 1 ? "" : "s");
			return OCF_SUCCESS;
		}
		if (rounds == 1)
			vm_log(a, LOG_INFO, "waiting for the guest checks: %s", last.text);
		now = ferry_clock_ms();
		if (now >= deadline)
			break;
		pause_ms = deadline - now < 1000 ? deadline - now : 1000;
		usleep((useconds_t)(pause_ms * 1000));
	}
	return ocf_fail(why, OCF_ERR_GENERIC,
	                "the VM runs but its guest checks did not pass within %" PRIu64
	                " s (%u round%s); last: %s",
	                timeout_ms / 1000, rounds, rounds == 1 ? "" : "s",
	                last.text[0] != '\0' ? last.text : "no round completed");
}
