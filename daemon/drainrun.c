/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * drainrun.c - a drain's moves through crm_resource and crm_attribute.
 *
 * A job is a short list of commands and, after them, a poll of the
 * resource's location (crm_resource --locate -Q every second) until it is
 * where the job wants it or the job's time is up.  Each command runs with
 * posix_spawnp, its output into a pipe, its end seen through a pidfd on the
 * loop, and is killed after DRAINRUN_CMD_TIMEOUT_MS: nothing here waits.
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
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <qb/qblog.h>
#include <qb/qbutil.h>

#include "drainrun.h"
#include "ferry/ipcproto.h"

extern char **environ;

#define DRAINRUN_CMD_TIMEOUT_MS 60000u
#define DRAINRUN_POLL_MS        1000u
#define DRAINRUN_OUT_MAX        4096
#define DRAINRUN_MAX_CMDS       2
#define DRAINRUN_MAX_CLEAR      64
#define DRAINRUN_ARGS           10
/* FERRY_DRAIN_BAN_HOURS as an ISO 8601 duration, crm_resource's --lifetime */
#define DRAINRUN_STR(x)   #x
#define DRAINRUN_XSTR(x)  DRAINRUN_STR(x)
#define DRAINRUN_LIFETIME "PT" DRAINRUN_XSTR(FERRY_DRAIN_BAN_HOURS) "H"

enum drainrun_want {
	WANT_NOTHING, /* the commands are the job */
	WANT_AWAY,    /* active on a node other than node */
	WANT_ON,      /* active on node */
};

struct drainrun_job {
	uint64_t id; /* 0 = free */
	char rsc[DRAINRUN_NAME_MAX];
	char node[DRAINRUN_NAME_MAX];
	char expect_on[DRAINRUN_NAME_MAX]; /* back: checked first */
	enum drainrun_want want;
	bool check_first; /* back: locate before the commands */
	bool clear_after; /* back: --clear once there */
	char cmds[DRAINRUN_MAX_CMDS][DRAINRUN_ARGS][DRAINRUN_NAME_MAX + 16];
	size_t n_cmds;
	size_t next_cmd; /* cmds[0] must succeed; a failed --clear after it is noted only */
	char clear[DRAINRUN_MAX_CLEAR][DRAINRUN_NAME_MAX]; /* standby: then --clear each */
	size_t n_clear;
	size_t next_clear;
	char cmd[DRAINRUN_ARGS][DRAINRUN_NAME_MAX + 16]; /* the clear command running */
	uint64_t deadline_ns;
	/* the command running now */
	pid_t pid;
	int pidfd;
	int outfd;
	bool locating;
	char out[DRAINRUN_OUT_MAX];
	size_t out_len;
	qb_loop_timer_handle kill_timer;
	qb_loop_timer_handle poll_timer;
	char where[DRAINRUN_NAME_MAX];
	char failed[160];
	struct drainrun *r;
};

struct drainrun {
	qb_loop_t *loop;
	const struct config *cfg;
	const struct drainrun_events *ev;
	void *ctx;
	uint64_t next_id;
	struct drainrun_job jobs[DRAINRUN_MAX_JOBS];
};

static void drainrun_step(struct drainrun_job *j);

bool
drainrun_parse_locate(const char *out, const char * not, char *ret, size_t len)
{
	const char *p = out;

	while (p != NULL && *p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		char name[DRAINRUN_NAME_MAX];

		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\r'))
			n--;
		/* -Q prints bare node names; without it "resource X is running on: N" */
		const char *colon = memchr(p, ':', n);
		if (colon != NULL) {
			size_t off = (size_t)(colon + 1 - p);

			while (off < n && p[off] == ' ')
				off++;
			p += off;
			n -= off;
		}
		if (n > 0 && n < sizeof(name) && memchr(p, ' ', n) == NULL) {
			memcpy(name, p, n);
			name[n] = '\0';
			if (not == NULL || strcmp(name, not ) != 0) {
				snprintf(ret, len, "%s", name);
				return true;
			}
		}
		p = nl != NULL ? nl + 1 : NULL;
	}
	return false;
}

static void
drainrun_finish(struct drainrun_job *j, int rc, const char *text)
{
	struct drainrun *r = j->r;
	uint64_t id = j->id;
	char where[DRAINRUN_NAME_MAX], msg[200];

	qb_loop_timer_del(r->loop, j->poll_timer);
	qb_loop_timer_del(r->loop, j->kill_timer);
	snprintf(where, sizeof(where), "%s", j->where);
	snprintf(msg, sizeof(msg), "%s", text);
	memset(j, 0, sizeof(*j));
	j->pidfd = j->outfd = -1;
	r->ev->done(r->ctx, id, rc, where, msg);
}

static void
drainrun_kill_cb(void *data)
{
	struct drainrun_job *j = data;

	if (j->pid > 0) {
		qb_log(LOG_WARNING, "drain: %s %s (pid %d) took over %u ms, killed", j->cmds[0][0],
		       j->rsc, (int)j->pid, DRAINRUN_CMD_TIMEOUT_MS);
		kill(j->pid, SIGKILL);
	}
}

static void
drainrun_poll_cb(void *data)
{
	drainrun_step(data);
}

static void
drainrun_poll_later(struct drainrun_job *j)
{
	if (qb_util_nano_current_get() >= j->deadline_ns) {
		drainrun_finish(j, -ETIMEDOUT, j->failed[0] != '\0' ? j->failed : "timed out");
		return;
	}
	qb_loop_timer_add(j->r->loop, QB_LOOP_LOW, (uint64_t)DRAINRUN_POLL_MS * QB_TIME_NS_IN_MSEC,
	                  j, drainrun_poll_cb, &j->poll_timer);
}

/* A command ended: status is waitpid's. */
static void
drainrun_cmd_ended(struct drainrun_job *j, int status)
{
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	j->out[j->out_len] = '\0';
	if (j->locating) {
		bool here;

		j->locating = false;
		j->where[0] = '\0';
		if (ok)
			drainrun_parse_locate(j->out, NULL, j->where, sizeof(j->where));
		if (j->check_first) {
			j->check_first = false;
			if (strcmp(j->where, j->expect_on) != 0) {
				char why[160];

				snprintf(why, sizeof(why), "moved by someone else: on %s, not %s",
				         j->where[0] != '\0' ? j->where : "no node", j->expect_on);
				drainrun_finish(j, -ESTALE, why);
				return;
			}
			drainrun_step(j);
			return;
		}
		here = ok && j->where[0] != '\0' &&
		       drainrun_parse_locate(j->out, j->want == WANT_AWAY ? j->node : NULL,
		                             j->where, sizeof(j->where));
		if (j->want == WANT_AWAY && here) {
			drainrun_finish(j, 0, "moved");
			return;
		}
		if (j->want == WANT_ON && ok && strcmp(j->where, j->node) == 0 &&
		    !drainrun_parse_locate(j->out, j->node, (char[DRAINRUN_NAME_MAX]){0},
		                           DRAINRUN_NAME_MAX)) {
			if (j->clear_after) {
				/* --clear without --node: the undrain's move and the drain's ban */
				j->clear_after = false;
				j->want = WANT_NOTHING;
				snprintf(j->cmds[j->n_cmds][0], sizeof(j->cmds[0][0]),
				         "crm_resource");
				snprintf(j->cmds[j->n_cmds][1], sizeof(j->cmds[0][0]), "--clear");
				snprintf(j->cmds[j->n_cmds][2], sizeof(j->cmds[0][0]),
				         "--resource");
				snprintf(j->cmds[j->n_cmds][3], sizeof(j->cmds[0][0]), "%s",
				         j->rsc);
				j->n_cmds++;
				drainrun_step(j);
				return;
			}
			drainrun_finish(j, 0, "moved back");
			return;
		}
		drainrun_poll_later(j);
		return;
	}
	if (!ok) {
		char *nl;

		nl = strchr(j->out, '\n');
		if (nl != NULL)
			*nl = '\0';
		snprintf(j->failed, sizeof(j->failed), "%s failed (status %d): %.100s",
		         j->next_clear > 0 ? "crm_resource --clear" : j->cmds[j->next_cmd - 1][1],
		         WIFEXITED(status) ? WEXITSTATUS(status) : -1, j->out);
		qb_log(LOG_ERR, "drain: %s: %s", j->rsc[0] != '\0' ? j->rsc : j->node, j->failed);
		/* the first command is the job; a failed --clear after it is only noted */
		if (j->next_cmd == 1 && j->next_clear == 0) {
			drainrun_finish(j, -EIO, j->failed);
			return;
		}
	}
	drainrun_step(j);
}

static int32_t
drainrun_pidfd_cb(int32_t fd, int32_t revents, void *data)
{
	struct drainrun_job *j = data;
	int status = 0;
	ssize_t n;

	(void)revents;
	if (waitpid(j->pid, &status, WNOHANG) != j->pid)
		return 0;
	for (;;) {
		n = read(j->outfd, j->out + j->out_len, sizeof(j->out) - 1 - j->out_len);
		if (n <= 0)
			break;
		j->out_len += (size_t)n;
	}
	qb_loop_poll_del(j->r->loop, fd);
	close(fd);
	close(j->outfd);
	j->pidfd = j->outfd = -1;
	j->pid = 0;
	qb_loop_timer_del(j->r->loop, j->kill_timer);
	drainrun_cmd_ended(j, status);
	return 0;
}

static int
drainrun_spawn(struct drainrun_job *j, char (*args)[DRAINRUN_NAME_MAX + 16])
{
	char *argv[DRAINRUN_ARGS + 1];
	posix_spawn_file_actions_t fa;
	int p[2], r, fd;
	pid_t pid;
	size_t n;

	for (n = 0; n < DRAINRUN_ARGS && args[n][0] != '\0'; n++)
		argv[n] = args[n];
	argv[n] = NULL;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	if (r == ENOENT) {
		/* a daemon's PATH may lack sbin, where Pacemaker's tools live */
		char path[DRAINRUN_NAME_MAX + 32];

		snprintf(path, sizeof(path), "/usr/sbin/%s", argv[0]);
		r = posix_spawn(&pid, path, &fa, NULL, argv, environ);
	}
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (r != 0) {
		close(p[0]);
		return -r;
	}
	fd = (int)pidfd_open(pid, 0);
	if (fd < 0 ||
	    qb_loop_poll_add(j->r->loop, QB_LOOP_MED, fd, POLLIN, j, drainrun_pidfd_cb) < 0) {
		r = fd < 0 ? -errno : -EIO;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0); /* killed: ends at once */
		if (fd >= 0)
			close(fd);
		close(p[0]);
		return r;
	}
	j->pid = pid;
	j->pidfd = fd;
	j->outfd = p[0];
	j->out_len = 0;
	qb_loop_timer_add(j->r->loop, QB_LOOP_HIGH,
	                  (uint64_t)DRAINRUN_CMD_TIMEOUT_MS * QB_TIME_NS_IN_MSEC, j,
	                  drainrun_kill_cb, &j->kill_timer);
	qb_log(LOG_INFO, "drain: running %s %s %s %s %s", argv[0], argv[1], n > 2 ? argv[2] : "",
	       n > 3 ? argv[3] : "", n > 4 ? argv[4] : "");
	return 0;
}

/* Runs the next command, or the location poll, or ends the job. */
static void
drainrun_step(struct drainrun_job *j)
{
	char loc[DRAINRUN_ARGS][DRAINRUN_NAME_MAX + 16];
	int r;

	if (j->check_first || (j->next_cmd >= j->n_cmds && j->want != WANT_NOTHING)) {
		memset(loc, 0, sizeof(loc));
		snprintf(loc[0], sizeof(loc[0]), "crm_resource");
		snprintf(loc[1], sizeof(loc[1]), "--locate");
		snprintf(loc[2], sizeof(loc[2]), "--quiet");
		snprintf(loc[3], sizeof(loc[3]), "--resource");
		snprintf(loc[4], sizeof(loc[4]), "%s", j->rsc);
		j->locating = true;
		r = drainrun_spawn(j, loc);
	} else if (j->next_cmd < j->n_cmds) {
		r = drainrun_spawn(j, j->cmds[j->next_cmd++]);
	} else if (j->next_clear < j->n_clear) {
		memset(j->cmd, 0, sizeof(j->cmd));
		snprintf(j->cmd[0], sizeof(j->cmd[0]), "crm_resource");
		snprintf(j->cmd[1], sizeof(j->cmd[0]), "--clear");
		snprintf(j->cmd[2], sizeof(j->cmd[0]), "--resource");
		snprintf(j->cmd[3], sizeof(j->cmd[0]), "%s", j->clear[j->next_clear++]);
		snprintf(j->cmd[4], sizeof(j->cmd[0]), "--node");
		snprintf(j->cmd[5], sizeof(j->cmd[0]), "%s", j->node);
		r = drainrun_spawn(j, j->cmd);
	} else {
		drainrun_finish(j, 0, j->failed[0] != '\0' ? j->failed : "done");
		return;
	}
	if (r < 0) {
		char why[160];

		j->locating = false;
		snprintf(why, sizeof(why), "cannot run crm_resource/crm_attribute: %s",
		         strerror(-r));
		qb_log(LOG_ERR, "drain: %s: %s", j->rsc[0] != '\0' ? j->rsc : j->node, why);
		drainrun_finish(j, -EIO, why);
	}
}

static struct drainrun_job *
drainrun_job_new(struct drainrun *r, const char *rsc, const char *node, uint32_t timeout_ms)
{
	struct drainrun_job *j = NULL;

	if (r == NULL || node == NULL || strlen(node) >= DRAINRUN_NAME_MAX ||
	    (rsc != NULL && strlen(rsc) >= DRAINRUN_NAME_MAX))
		return NULL;
	for (size_t i = 0; i < DRAINRUN_MAX_JOBS && j == NULL; i++)
		if (r->jobs[i].id == 0)
			j = &r->jobs[i];
	if (j == NULL)
		return NULL;
	memset(j, 0, sizeof(*j));
	j->id = ++r->next_id;
	j->r = r;
	j->pidfd = j->outfd = -1;
	snprintf(j->rsc, sizeof(j->rsc), "%s", rsc != NULL ? rsc : "");
	snprintf(j->node, sizeof(j->node), "%s", node);
	j->deadline_ns = qb_util_nano_current_get() + (uint64_t)timeout_ms * QB_TIME_NS_IN_MSEC;
	return j;
}

#define CMD(j, ...)                                                                                \
	do {                                                                                       \
		const char *a_[] = {__VA_ARGS__};                                                  \
		for (size_t k_ = 0; k_ < sizeof(a_) / sizeof(a_[0]); k_++)                         \
			snprintf((j)->cmds[(j)->n_cmds][k_], sizeof((j)->cmds[0][0]), "%s",        \
			         a_[k_]);                                                          \
		(j)->n_cmds++;                                                                     \
	} while (0)

int
drainrun_away(struct drainrun *r, const char *rsc, const char *node, uint32_t timeout_ms,
              uint64_t *ret_job)
{
	struct drainrun_job *j = drainrun_job_new(r, rsc, node, timeout_ms);

	if (j == NULL || rsc == NULL)
		return -ENOSPC;
	CMD(j, "crm_resource", "--ban", "--resource", rsc, "--node", node, "--lifetime",
	    DRAINRUN_LIFETIME);
	j->want = WANT_AWAY;
	*ret_job = j->id;
	qb_log(LOG_NOTICE, "drain: %s: banning from %s, Pacemaker moves it", rsc, node);
	drainrun_step(j);
	return 0;
}

int
drainrun_back(struct drainrun *r, const char *rsc, const char *node, const char *expect_on,
              uint32_t timeout_ms, uint64_t *ret_job)
{
	struct drainrun_job *j = drainrun_job_new(r, rsc, node, timeout_ms);

	if (j == NULL || rsc == NULL || expect_on == NULL)
		return -ENOSPC;
	snprintf(j->expect_on, sizeof(j->expect_on), "%s", expect_on);
	j->check_first = true;
	CMD(j, "crm_resource", "--move", "--resource", rsc, "--node", node, "--lifetime",
	    DRAINRUN_LIFETIME);
	j->want = WANT_ON;
	j->clear_after = true;
	*ret_job = j->id;
	qb_log(LOG_NOTICE, "drain: %s: moving back from %s to %s", rsc, expect_on, node);
	drainrun_step(j);
	return 0;
}

int
drainrun_standby(struct drainrun *r, const char *node, bool on, const char *const *clear,
                 size_t n_clear, uint64_t *ret_job)
{
	struct drainrun_job *j = drainrun_job_new(r, NULL, node, 10u * DRAINRUN_CMD_TIMEOUT_MS);

	if (j == NULL || n_clear > DRAINRUN_MAX_CLEAR)
		return -ENOSPC;
	CMD(j, "crm_attribute", "--node", node, "--name", "standby", "--update", on ? "on" : "off");
	for (size_t i = 0; i < n_clear; i++)
		snprintf(j->clear[j->n_clear++], sizeof(j->clear[0]), "%s", clear[i]);
	j->want = WANT_NOTHING;
	*ret_job = j->id;
	qb_log(LOG_NOTICE, "node %s: standby %s", node, on ? "on" : "off");
	drainrun_step(j);
	return 0;
}

int
drainrun_start(qb_loop_t *loop, const struct config *cfg, const struct drainrun_events *ev,
               void *ctx, struct drainrun **ret)
{
	struct drainrun *r;

	if (loop == NULL || ev == NULL || ret == NULL)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->loop = loop;
	r->cfg = cfg;
	r->ev = ev;
	r->ctx = ctx;
	*ret = r;
	return 0;
}

struct drainrun *
drainrun_stop(struct drainrun *r)
{
	if (r == NULL)
		return NULL;
	for (size_t i = 0; i < DRAINRUN_MAX_JOBS; i++) {
		struct drainrun_job *j = &r->jobs[i];

		if (j->id == 0)
			continue;
		qb_loop_timer_del(r->loop, j->poll_timer);
		qb_loop_timer_del(r->loop, j->kill_timer);
		if (j->pid > 0) {
			kill(j->pid, SIGKILL);
			waitpid(j->pid, NULL, 0); /* killed: ends at once */
		}
		if (j->pidfd >= 0) {
			qb_loop_poll_del(r->loop, j->pidfd);
			close(j->pidfd);
		}
		if (j->outfd >= 0)
			close(j->outfd);
	}
	free(r);
	return NULL;
}
