/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ferryd - keeps every ferry VM running in at most one place.
 *
 * main() is the start-up script: log, config, ledger (persisted state),
 * libvirt, corosync (CPG + quorum), IPC; READY once the first membership is
 * known; then the loop until SIGTERM; then the same steps in reverse.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <qb/qblog.h>
#include <qb/qbloop.h>
#include <qb/qbutil.h>

#include "ferryd.h"

/* systemd's readiness protocol without libsystemd: one datagram to
 * $NOTIFY_SOCKET.  A no-op when not started by systemd (the lab). */
static void
ferryd_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t sa_len;
	size_t path_len;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return;
	path_len = strlen(path);
	if (path_len >= sizeof(sa.sun_path))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, path_len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	sa_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_len);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, sa_len) < 0)
		qb_log(LOG_WARNING, "systemd: cannot notify %s: %s, ignoring", state,
		       strerror(errno));
	close(fd);
}

static void
ferryd_blackbox_write(const struct ferryd *d, const char *why)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/ferryd.blackbox-%ld", d->cfg.state_dir,
	                     (long)getpid()) >= sizeof(path))
		return;
	if (qb_log_blackbox_write_to_file(path) > 0)
		qb_log(LOG_NOTICE, "blackbox written to %s (%s); read it with qb-blackbox", path,
		       why);
}

/* Stops the loop with an exit code after a fatal run-time error. */
static void
ferryd_fatal(struct ferryd *d, int exit_code)
{
	d->exit_code = exit_code;
	ferryd_blackbox_write(d, "fatal error");
	qb_loop_stop(d->loop);
}

/* ---- metrics: the glue's status and the counts, written for node_exporter ---- */

static void
ferryd_metrics_write(void *data)
{
	struct ferryd *d = data;
	const struct ferry_ipc_status_rsp *st = NULL;
	char *status = NULL, *text = NULL, *slash;
	char dir[PATH_MAX];
	size_t cap;
	ssize_t n;
	int r = -ENOMEM;

	d->metrics_pending = false;
	d->metrics_last_ns = qb_util_nano_current_get();
	status = calloc(1, FERRY_IPC_MAX_MSG_BYTES);
	if (status == NULL)
		goto cleanup;
	n = ledgerglue_status(d->glue, status, FERRY_IPC_MAX_MSG_BYTES);
	if (n >= (ssize_t)sizeof(*st))
		st = (const struct ferry_ipc_status_rsp *)status;
	for (cap = 64 * 1024;; cap *= 2) {
		free(text);
		text = calloc(1, cap);
		if (text == NULL)
			goto cleanup;
		n = metrics_format(&d->metrics, st,
		                   st != NULL ? (const struct ferry_ipc_vm_info *)(st + 1) : NULL,
		                   text, cap);
		if (n != -ENOBUFS || cap >= 16 * 1024 * 1024)
			break;
	}
	r = n < 0 ? (int)n : 0;
	if (r < 0)
		goto cleanup;
	snprintf(dir, sizeof(dir), "%s", d->cfg.metrics_file);
	slash = strrchr(dir, '/');
	*slash = '\0'; /* config.c: an absolute path */
	r = persist_write_public(dir[0] != '\0' ? dir : "/", slash + 1, text, (size_t)n);
cleanup:
	if (r < 0 && r != d->metrics_last_error)
		qb_log(LOG_WARNING, "metrics: cannot write %s: %s%s, ignoring", d->cfg.metrics_file,
		       strerror(-r),
		       r == -ENOENT ? " (its directory is missing: node_exporter's textfile "
		                      "directory, or set metrics_file in ferryd.conf)"
		                    : "");
	else if (r == 0 && d->metrics_last_error != 0)
		qb_log(LOG_NOTICE, "metrics: writing %s again", d->cfg.metrics_file);
	d->metrics_last_error = r;
	free(text);
	free(status);
}

/* Something the metrics show changed: write them now, or when the interval
 * since the last write is over (one write pending at a time). */
static void
ferryd_metrics_changed(struct ferryd *d)
{
	uint64_t now_ns = qb_util_nano_current_get();
	uint64_t next_ns = d->metrics_last_ns + (uint64_t)d->cfg.metrics_interval_ms * 1000000u;
	uint64_t delay_ns = d->metrics_last_ns != 0 && next_ns > now_ns ? next_ns - now_ns : 0;

	if (d->cfg.metrics_file[0] == '\0' || d->metrics_pending || d->loop == NULL)
		return;
	if (qb_loop_timer_add(d->loop, QB_LOOP_LOW, delay_ns, d, ferryd_metrics_write,
	                      &d->metrics_timer) == 0)
		d->metrics_pending = true;
}

/* ---- cluster events: the first membership, and on to the glue ---- */

static void
ferryd_membership_known(void *ctx)
{
	struct ferryd *d = ctx;

	if (d->ready)
		return;
	d->ready = true;
	qb_log(LOG_NOTICE, "ready: node %u, %zu members, %s", d->cluster.local_nodeid,
	       d->cluster.n_members, d->cluster.quorate ? "quorate" : "not quorate");
	ferryd_notify("READY=1\nSTATUS=member of the ferry group");
}

static void
ferryd_cluster_deliver(void *ctx, uint32_t nodeid, uint32_t pid, const void *msg, size_t len)
{
	struct ferryd *d = ctx;

	/* the shared directory probes are no ledger state: never the ledger's */
	if (shareprobe_deliver(d->share, nodeid, msg, len, &d->members))
		return;
	ledgerglue_deliver(d->glue, nodeid, pid, msg, len);
}

/* Every membership event: keep a copy of what corosync says, for
 * virtwatch's questions, and hand the value to the glue. */
static void
ferryd_cluster_confchg(void *ctx)
{
	struct ferryd *d = ctx;

	cluster_membership(&d->cluster, &d->members);
	ledgerglue_confchg(d->glue, &d->members);
	ferryd_metrics_changed(d);
}

static void
ferryd_cluster_totem_confchg(void *ctx, bool initial)
{
	struct ferryd *d = ctx;

	cluster_membership(&d->cluster, &d->members);
	ledgerglue_totem_confchg(d->glue, &d->members, initial);
	ferryd_metrics_changed(d);
}

static void
ferryd_cluster_quorum(void *ctx)
{
	struct ferryd *d = ctx;

	cluster_membership(&d->cluster, &d->members);
	ledgerglue_quorum(d->glue, &d->members);
	ferryd_metrics_changed(d);
}

static void
ferryd_cluster_fatal(void *ctx, int exit_code)
{
	ferryd_fatal(ctx, exit_code);
}

static const struct cluster_events ferryd_cluster_events = {
        .deliver = ferryd_cluster_deliver,
        .membership_known = ferryd_membership_known,
        .confchg = ferryd_cluster_confchg,
        .totem_confchg = ferryd_cluster_totem_confchg,
        .quorum = ferryd_cluster_quorum,
        .fatal = ferryd_cluster_fatal,
};

/* ---- ipcsrv events: requests to the glue, expected stops to virtwatch ---- */

static void
ferryd_ipc_request(void *ctx, uint64_t token, const struct ferry_ipc_vm_req *req)
{
	struct ferryd *d = ctx;

	ledgerglue_request(d->glue, token, req);
}

static void
ferryd_ipc_record_move(void *ctx, uint64_t token, const struct ferry_ipc_move *m)
{
	struct ferryd *d = ctx;

	ledgerglue_record_move(d->glue, token, m);
}

static void
ferryd_ipc_expect_stop(void *ctx, const char *uuid, uint32_t timeout_ms)
{
	struct ferryd *d = ctx;

	virtwatch_expect_stop(d->virt, uuid, timeout_ms);
}

static ssize_t
ferryd_ipc_status(void *ctx, void *buf, size_t len)
{
	struct ferryd *d = ctx;

	return ledgerglue_status(d->glue, buf, len);
}

static ssize_t
ferryd_ipc_dump(void *ctx, void *buf, size_t len)
{
	struct ferryd *d = ctx;

	return ledgerglue_dump(d->glue, buf, len);
}

static ssize_t
ferryd_ipc_history(void *ctx, const struct ferry_ipc_history_req *req, void *buf, size_t len)
{
	struct ferryd *d = ctx;

	return persist_history_view(&d->history, req, buf, len);
}

static void
ferryd_ipc_drain_submit(void *ctx, uint64_t token, const struct ferry_ipc_drain_submit_req *req)
{
	struct ferryd *d = ctx;

	ledgerglue_drain_submit(d->glue, token, req);
}

static void
ferryd_ipc_drain_cancel(void *ctx, uint64_t token, const struct ferry_ipc_drain_id_req *req)
{
	struct ferryd *d = ctx;

	ledgerglue_drain_cancel(d->glue, token, req);
}

static ssize_t
ferryd_ipc_drain_view(void *ctx, const struct ferry_ipc_drain_id_req *req, void *buf, size_t len)
{
	struct ferryd *d = ctx;

	return ledgerglue_drain_view(d->glue, req, buf, len);
}

static void
ferryd_ipc_path_check(void *ctx, uint64_t token, const struct ferry_ipc_path_check_req *req)
{
	struct ferryd *d = ctx;

	shareprobe_request(d->share, token, req, &d->members);
}

static const struct ipcsrv_events ferryd_ipc_events = {
        .request = ferryd_ipc_request,
        .record_move = ferryd_ipc_record_move,
        .expect_stop = ferryd_ipc_expect_stop,
        .status = ferryd_ipc_status,
        .dump = ferryd_ipc_dump,
        .history = ferryd_ipc_history,
        .drain_submit = ferryd_ipc_drain_submit,
        .drain_cancel = ferryd_ipc_drain_cancel,
        .drain_view = ferryd_ipc_drain_view,
        .path_check = ferryd_ipc_path_check,
};

/* ---- drainrun events: a runner's job ended, to the glue ---- */

static void
ferryd_drain_done(void *ctx, uint64_t job, int rc, const char *node, const char *text)
{
	struct ferryd *d = ctx;

	ledgerglue_drain_done(d->glue, job, rc, node, text);
}

static const struct drainrun_events ferryd_drain_events = {
        .done = ferryd_drain_done,
};

/* ---- virtwatch events: the ledger, the cluster's names, its file ---- */

static int
ferryd_virt_vm_lookup(void *ctx, const char *uuid, uint32_t *ret_owner, uint32_t *ret_state,
                      uint32_t *ret_peer)
{
	struct ferryd *d = ctx;

	return ledgerglue_vm_lookup(d->glue, uuid, ret_owner, ret_state, ret_peer);
}

static uint32_t
ferryd_virt_local_nodeid(void *ctx)
{
	struct ferryd *d = ctx;

	return d->members.local_nodeid;
}

static const char *
ferryd_virt_local_name(void *ctx)
{
	struct ferryd *d = ctx;
	const char *n = membership_node_name(&d->members, d->members.local_nodeid);

	return n != NULL && n[0] != '\0' ? n : d->local_name;
}

static const char *
ferryd_virt_node_name(void *ctx, uint32_t nodeid)
{
	struct ferryd *d = ctx;

	return membership_node_name(&d->members, nodeid);
}

static bool
ferryd_virt_ready(void *ctx)
{
	struct ferryd *d = ctx;

	return d->ready;
}

static int
ferryd_virt_file_write(void *ctx, const char *name, const void *buf, size_t len)
{
	struct ferryd *d = ctx;

	return persist_write(d->cfg.state_dir, name, buf, len);
}

static int
ferryd_virt_file_read(void *ctx, const char *name, size_t max_len, void **ret_buf, size_t *ret_len)
{
	struct ferryd *d = ctx;

	return persist_read(d->cfg.state_dir, name, max_len, ret_buf, ret_len);
}

static const struct virtwatch_events ferryd_virt_events = {
        .vm_lookup = ferryd_virt_vm_lookup,
        .local_nodeid = ferryd_virt_local_nodeid,
        .local_name = ferryd_virt_local_name,
        .node_name = ferryd_virt_node_name,
        .ready = ferryd_virt_ready,
        .file_write = ferryd_virt_file_write,
        .file_read = ferryd_virt_file_read,
};

/* ---- the glue's operations: the adapters that do what it decided ---- */

static int
ferryd_glue_send(void *ctx, const void *msg, size_t len)
{
	struct ferryd *d = ctx;

	return cluster_send(&d->cluster, msg, len);
}

static int
ferryd_glue_reply(void *ctx, uint64_t token, const void *rsp, size_t len)
{
	struct ferryd *d = ctx;

	return ipcsrv_reply(d->ipc, token, rsp, len);
}

static void
ferryd_glue_vm_scan(void *ctx)
{
	struct ferryd *d = ctx;

	virtwatch_scan(d->virt);
}

static void
ferryd_glue_vm_set_rsc(void *ctx, const char *uuid, const char *rsc)
{
	struct ferryd *d = ctx;

	virtwatch_set_rsc(d->virt, uuid, rsc);
}

static int
ferryd_glue_fenced_after(void *ctx, const char *node, int64_t since_unix_ms,
                         int64_t *ret_when_unix_ms)
{
	struct ferryd *d = ctx;
	int r;

	r = fencehist_fenced_after(d->fence, node, since_unix_ms, ret_when_unix_ms);
	if (r > 0 && metrics_fence(&d->metrics, node, *ret_when_unix_ms) == 0)
		ferryd_metrics_changed(d);
	return r;
}

static int
ferryd_glue_ledger_save(void *ctx, const void *blob, size_t len)
{
	struct ferryd *d = ctx;

	ferryd_metrics_changed(d);
	return persist_ledger_save(d->cfg.state_dir, blob, len);
}

static int
ferryd_glue_ledger_load(void *ctx, size_t max_len, void **ret_blob, size_t *ret_len)
{
	struct ferryd *d = ctx;

	return persist_ledger_load(d->cfg.state_dir, max_len, ret_blob, ret_len);
}

static int
ferryd_glue_ledger_set_aside(void *ctx, int64_t now_ms, char *ret_name, size_t len)
{
	struct ferryd *d = ctx;

	return persist_ledger_set_aside(d->cfg.state_dir, now_ms, ret_name, len);
}

static bool
ferryd_glue_lost_marked(void *ctx)
{
	struct ferryd *d = ctx;

	return persist_lost_marked(d->cfg.state_dir);
}

static int
ferryd_glue_lost_mark(void *ctx, const char *why)
{
	struct ferryd *d = ctx;

	return persist_lost_mark(d->cfg.state_dir, why);
}

static int
ferryd_glue_lost_clear(void *ctx)
{
	struct ferryd *d = ctx;

	return persist_lost_clear(d->cfg.state_dir);
}

static void
ferryd_glue_move_recorded(void *ctx, const struct ferry_ipc_move *rec)
{
	struct ferryd *d = ctx;
	int r;

	if (metrics_move(&d->metrics, rec) < 0)
		qb_log(LOG_DEBUG, "vm %s: move '%s' '%s' not counted in the metrics", rec->vm,
		       rec->mode, rec->result);
	ferryd_metrics_changed(d);
	persist_history_add(&d->history, rec);
	r = persist_history_save(&d->history, d->cfg.state_dir);
	if (r < 0)
		qb_log(LOG_ERR, "history: cannot persist to %s/%s: %s", d->cfg.state_dir,
		       PERSIST_HISTORY_FILE, strerror(-r));
}

static int
ferryd_glue_drain_away(void *ctx, const char *rsc, const char *node, uint32_t timeout_ms,
                       uint64_t *ret_job)
{
	struct ferryd *d = ctx;

	return drainrun_away(d->drain, rsc, node, timeout_ms, ret_job);
}

static int
ferryd_glue_drain_back(void *ctx, const char *rsc, const char *node, const char *expect_on,
                       uint32_t timeout_ms, uint64_t *ret_job)
{
	struct ferryd *d = ctx;

	return drainrun_back(d->drain, rsc, node, expect_on, timeout_ms, ret_job);
}

static int
ferryd_glue_drain_standby(void *ctx, const char *node, bool on, const char *const *clear,
                          size_t n_clear, uint64_t *ret_job)
{
	struct ferryd *d = ctx;

	return drainrun_standby(d->drain, node, on, clear, n_clear, ret_job);
}

static int
ferryd_glue_job_progress(void *ctx, const char *vm, uint64_t *ret_left_bytes,
                         uint64_t *ret_total_bytes)
{
	struct ferryd *d = ctx;

	return virtwatch_job_progress(d->virt, vm, ret_left_bytes, ret_total_bytes);
}

static const struct ledgerglue_ops ferryd_glue_ops = {
        .job_progress = ferryd_glue_job_progress,
        .drain_away = ferryd_glue_drain_away,
        .drain_back = ferryd_glue_drain_back,
        .drain_standby = ferryd_glue_drain_standby,
        .send = ferryd_glue_send,
        .reply = ferryd_glue_reply,
        .vm_scan = ferryd_glue_vm_scan,
        .vm_set_rsc = ferryd_glue_vm_set_rsc,
        .fenced_after = ferryd_glue_fenced_after,
        .ledger_save = ferryd_glue_ledger_save,
        .ledger_load = ferryd_glue_ledger_load,
        .ledger_set_aside = ferryd_glue_ledger_set_aside,
        .lost_marked = ferryd_glue_lost_marked,
        .lost_mark = ferryd_glue_lost_mark,
        .lost_clear = ferryd_glue_lost_clear,
        .move_recorded = ferryd_glue_move_recorded,
};

/* ---- the share probe's operations: CPG, IPC and sharecheck ---- */

static int
ferryd_share_mark(void *ctx, const char *dir, uint32_t nodeid, char *ret_token, size_t token_len,
                  char *text, size_t text_len)
{
	(void)ctx;
	return sharecheck_mark(dir, nodeid, ret_token, token_len, text, text_len);
}

static void
ferryd_share_unmark(void *ctx, const char *dir, const char *token)
{
	(void)ctx;
	sharecheck_unmark(dir, token);
}

static int
ferryd_share_check(void *ctx, const char *dir, const char *token, const char *from, char *text,
                   size_t len)
{
	(void)ctx;
	return sharecheck_dir(dir, token, from, text, len);
}

static const struct shareprobe_ops ferryd_share_ops = {
        .send = ferryd_glue_send,
        .reply = ferryd_glue_reply,
        .mark = ferryd_share_mark,
        .unmark = ferryd_share_unmark,
        .check = ferryd_share_check,
};

static int32_t
ferryd_on_term(int32_t sig, void *data)
{
	struct ferryd *d = data;

	qb_log(LOG_NOTICE, "signal %d: shutting down", sig);
	ferryd_notify("STOPPING=1");
	qb_loop_stop(d->loop);
	return 0;
}

static int32_t
ferryd_on_usr1(int32_t sig, void *data)
{
	(void)sig;
	ferryd_blackbox_write(data, "SIGUSR1");
	return 0;
}

static void
ferryd_log_setup(bool foreground)
{
	qb_log_init("ferryd", LOG_DAEMON, LOG_INFO);
	qb_log_format_set(QB_LOG_SYSLOG, "%b");
	qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, foreground ? QB_TRUE : QB_FALSE);
	qb_log_format_set(QB_LOG_STDERR, "%t %N [%p] %b");
	qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_INFO);
	/* blackbox: everything up to debug, in memory, written out on demand */
	qb_log_ctl(QB_LOG_BLACKBOX, QB_LOG_CONF_SIZE, 1024 * 1024);
	qb_log_filter_ctl(QB_LOG_BLACKBOX, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_DEBUG);
	qb_log_ctl(QB_LOG_BLACKBOX, QB_LOG_CONF_ENABLED, QB_TRUE);
}

/* Applies the configured targets and level (after config_load). */
static void
ferryd_log_apply(const struct config *c, bool foreground)
{
	int32_t fd;

	qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, c->log_syslog ? QB_TRUE : QB_FALSE);
	qb_log_filter_ctl(QB_LOG_SYSLOG, QB_LOG_FILTER_CLEAR_ALL, QB_LOG_FILTER_FILE, "*", 0);
	qb_log_filter_ctl(QB_LOG_SYSLOG, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*",
	                  (uint8_t)c->log_priority);
	if (foreground) {
		qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_CLEAR_ALL, QB_LOG_FILTER_FILE, "*",
		                  0);
		qb_log_filter_ctl(
		        QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*",
		        (uint8_t)(c->log_priority > LOG_INFO ? c->log_priority : LOG_INFO));
	}
	if (c->blackbox_kib == 0)
		qb_log_ctl(QB_LOG_BLACKBOX, QB_LOG_CONF_ENABLED, QB_FALSE);
	else
		qb_log_ctl(QB_LOG_BLACKBOX, QB_LOG_CONF_SIZE, (int32_t)c->blackbox_kib * 1024);
	if (c->log_file[0] != '\0') {
		fd = qb_log_file_open(c->log_file);
		if (fd < 0) {
			qb_log(LOG_WARNING, "log: cannot open %s (%s), ignoring", c->log_file,
			       strerror(-fd));
			return;
		}
		qb_log_format_set(fd, "%t %N [%p] %b");
		qb_log_filter_ctl(fd, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*",
		                  (uint8_t)c->log_priority);
		qb_log_ctl(fd, QB_LOG_CONF_ENABLED, QB_TRUE);
	}
}

static void
ferryd_usage(FILE *f)
{
	fprintf(f,
	        "Usage: ferryd [-f] [-c FILE] [-t]\n"
	        "  -f, --foreground   also log to stderr (ferryd never forks)\n"
	        "  -c, --config FILE  configuration file (default %s)\n"
	        "  -t, --test-config  check the configuration file and exit\n"
	        "  -h, --help         this help\n"
	        "  -V, --version      print the version\n",
	        FERRYD_CONF_PATH);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"foreground", no_argument, NULL, 'f'},  {"config", required_argument, NULL, 'c'},
	        {"test-config", no_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},     {NULL, 0, NULL, 0},
	};
	struct ferryd *d;
	char err[1024];
	bool test_only = false, explicit_conf = false;
	int c, r, ret = 1;

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return 1;
	d->conf_path = FERRYD_CONF_PATH;
	while ((c = getopt_long(argc, argv, "fc:thV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			d->foreground = true;
			break;
		case 'c':
			d->conf_path = optarg;
			explicit_conf = true;
			break;
		case 't':
			test_only = true;
			break;
		case 'h':
			ferryd_usage(stdout);
			free(d);
			return 0;
		case 'V':
			printf("ferryd %s\n", PACKAGE_VERSION);
			free(d);
			return 0;
		default:
			ferryd_usage(stderr);
			free(d);
			return 2;
		}
	}
	if (optind < argc) {
		ferryd_usage(stderr);
		free(d);
		return 2;
	}

	/* 1. log */
	ferryd_log_setup(d->foreground);

	/* 2. config */
	config_defaults(&d->cfg);
	r = config_load(&d->cfg, d->conf_path, !explicit_conf, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "ferryd: %s\n", err);
		qb_log(LOG_ERR, "config: %s", err);
		goto out_log;
	}
	if (test_only) {
		printf("%s: OK\n", d->conf_path);
		ret = 0;
		goto out_log;
	}
	ferryd_log_apply(&d->cfg, d->foreground);
	qb_log(LOG_NOTICE, "ferryd %s starting (config %s, state %s, foreign_vm = %s)",
	       PACKAGE_VERSION, d->conf_path, d->cfg.state_dir,
	       config_foreign_vm_name(d->cfg.foreign_vm));
	if (gethostname(d->local_name, sizeof(d->local_name) - 1) < 0)
		snprintf(d->local_name, sizeof(d->local_name), "localhost");
	if (mkdir(d->cfg.state_dir, 0750) < 0 && errno != EEXIST) {
		qb_log(LOG_ERR, "state: cannot create %s: %s", d->cfg.state_dir, strerror(errno));
		goto out_log;
	}
	metrics_init(&d->metrics);
	r = persist_history_init(&d->history, d->cfg.history_max);
	if (r < 0)
		goto out_log;

	d->loop = qb_loop_create();
	if (d->loop == NULL) {
		qb_log(LOG_ERR, "loop: cannot create: %s", strerror(errno));
		goto out_history;
	}
	qb_loop_signal_add(d->loop, QB_LOOP_HIGH, SIGTERM, d, ferryd_on_term, NULL);
	qb_loop_signal_add(d->loop, QB_LOOP_HIGH, SIGINT, d, ferryd_on_term, NULL);
	qb_loop_signal_add(d->loop, QB_LOOP_LOW, SIGUSR1, d, ferryd_on_usr1, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* 3. the ledger and its persisted state; the fencer is asked later */
	d->fence = fencehist_new();
	if (d->fence == NULL) {
		qb_log(LOG_ERR, "fencer: cannot start: %s", strerror(ENOMEM));
		goto out_loop;
	}
	r = drainrun_start(d->loop, &d->cfg, &ferryd_drain_events, d, &d->drain);
	if (r < 0) {
		qb_log(LOG_ERR, "drain: cannot start the runner: %s", strerror(-r));
		goto out_fence;
	}
	r = ledgerglue_start(d->loop, &d->cfg, &ferryd_glue_ops, d, &d->glue);
	if (r < 0) {
		qb_log(LOG_ERR, "ledger: cannot start: %s", strerror(-r));
		goto out_drain;
	}
	r = shareprobe_start(d->loop, &ferryd_share_ops, d, &d->share);
	if (r < 0) {
		qb_log(LOG_ERR, "path check: cannot start: %s", strerror(-r));
		goto out_glue;
	}
	r = persist_history_load(&d->history, d->cfg.state_dir);
	if (r < 0 && r != -ENOENT)
		qb_log(LOG_WARNING, "history: cannot read %s/%s (%s), ignoring", d->cfg.state_dir,
		       PERSIST_HISTORY_FILE, strerror(-r));

	/* 4. libvirt (keeps reconnecting by itself if libvirtd is not up yet) */
	r = virtwatch_start(d->loop, &d->cfg, &ferryd_virt_events, d, &d->virt);
	if (r < 0) {
		qb_log(LOG_ERR, "libvirt: cannot start the event watcher: %s", strerror(-r));
		goto out_glue;
	}

	/* 5. corosync: CPG join + quorum (bounded retries from the loop) */
	r = cluster_start(&d->cluster, d->loop, &d->cfg, &ferryd_cluster_events, d);
	if (r < 0) {
		qb_log(LOG_ERR, "corosync: cannot start: %s", strerror(-r));
		goto out_virt;
	}
	cluster_membership(&d->cluster, &d->members); /* the nodelist's names */

	/* 6. IPC for the agent and ferryctl */
	r = ipcsrv_start(d->loop, &d->cfg, &ferryd_ipc_events, d, &d->ipc);
	if (r < 0) {
		qb_log(LOG_ERR, "ipc: cannot serve %s: %s", FERRY_IPC_SERVICE, strerror(-r));
		goto out_cluster;
	}

	ferryd_metrics_changed(d);
	qb_loop_run(d->loop);
	ret = d->exit_code;
	if (d->metrics_pending)
		qb_loop_timer_del(d->loop, d->metrics_timer);
	qb_log(LOG_NOTICE, "ferryd stopping (exit code %d)", ret);

	d->ipc = ipcsrv_stop(d->ipc);
out_cluster:
	cluster_stop(&d->cluster);
out_virt:
	d->virt = virtwatch_stop(d->virt);
out_glue:
	d->share = shareprobe_stop(d->share);
	d->glue = ledgerglue_stop(d->glue);
out_drain:
	d->drain = drainrun_stop(d->drain);
out_fence:
	d->fence = fencehist_free(d->fence);
out_loop:
	qb_loop_destroy(d->loop);
out_history:
	persist_history_done(&d->history);
out_log:
	qb_log_fini();
	free(d);
	return ret;
}
