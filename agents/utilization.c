/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * utilization.c - autoset_utilization: tell Pacemaker's placement how big the
 * VM is (utilization cpu = vCPUs, hv_memory = MiB), as VirtualDomain's
 * autoset_utilization_cpu/_hv_memory do.
 *
 * Pacemaker's libraries export no call that edits a resource's utilization,
 * so this runs crm_resource, bounded in time, and only writes a value that
 * differs from what the CIB already holds (a write is a CIB update and a new
 * transition).  Failures are reported to the caller, who logs and ignores
 * them: placement hints must never fail a start.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ferry/clock.h"
#include "utilization.h"

extern char **environ;

static const char *
utilization_tool(void)
{
	const char *t = getenv(UTILIZATION_TOOL_ENV);

	return t != NULL && t[0] != '\0' ? t : UTILIZATION_TOOL;
}

/*
 * Runs argv with stdin from /dev/null, stdout into out (NUL-terminated, may be
 * NULL) and stderr discarded; kills it after timeout_ms.  0 when it exited 0,
 * -ETIME on timeout, -EIO on another exit status, -errno if it did not start.
 */
static int
utilization_run(char *const argv[], char *out, size_t out_len, int timeout_ms)
{
	posix_spawn_file_actions_t fa;
	int pipefd[2];
	pid_t pid;
	int status = 0;
	int r;
	size_t got = 0;
	int64_t deadline = (int64_t)ferry_clock_ms() + timeout_ms;

	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	r = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		return -r;
	}
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		char buf[256];
		ssize_t n = read(pipefd[0], buf, sizeof(buf));

		if (n > 0) {
			if (out != NULL && got + 1 < out_len) {
				size_t take = (size_t)n < out_len - 1 - got ? (size_t)n
				                                            : out_len - 1 - got;

				memcpy(out + got, buf, take);
				got += take;
			}
			continue;
		}
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if ((int64_t)ferry_clock_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			close(pipefd[0]);
			return -ETIME;
		}
		usleep(10000);
	}
	close(pipefd[0]);
	if (out != NULL && out_len > 0)
		out[got] = '\0';
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/* Sets utilization NAME of resource RSC to VALUE unless it already is. */
static int
utilization_set_one(const char *rsc, const char *name, uint64_t value, int timeout_ms,
                    bool *ret_changed)
{
	char want[32];
	char have[64] = "";
	char *tool = (char *)utilization_tool();
	int r;

	snprintf(want, sizeof(want), "%" PRIu64, value);
	{
		char *const get[] = {tool,
		                     "--quiet",
		                     "--resource",
		                     (char *)rsc,
		                     "--utilization",
		                     "--get-parameter",
		                     (char *)name,
		                     NULL};

		/* a missing value is an error exit: just set it */
		if (utilization_run(get, have, sizeof(have), timeout_ms) == 0) {
			have[strcspn(have, "\n")] = '\0';
			if (strcmp(have, want) == 0)
				return 0;
		}
	}
	{
		char *const set[] = {tool,         "--quiet",           "--resource",
		                     (char *)rsc,  "--utilization",     "--set-parameter",
		                     (char *)name, "--parameter-value", want,
		                     NULL};

		r = utilization_run(set, NULL, 0, timeout_ms);
	}
	if (r == 0)
		*ret_changed = true;
	return r;
}

int
utilization_update(const char *rsc, uint32_t vcpus, uint64_t memory_mib, int timeout_ms,
                   bool *ret_changed)
{
	bool changed = false;
	int r;

	if (rsc == NULL || rsc[0] == '\0')
		return -EINVAL;
	if (vcpus > 0) {
		r = utilization_set_one(rsc, "cpu", vcpus, timeout_ms, &changed);
		if (r != 0)
			return r;
	}
	if (memory_mib > 0) {
		r = utilization_set_one(rsc, "hv_memory", memory_mib, timeout_ms, &changed);
		if (r != 0)
			return r;
	}
	if (ret_changed != NULL)
		*ret_changed = changed;
	return 0;
}
