/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtwatch.c - libvirt lifecycle events on this node.
 *
 * libvirt's default event implementation runs in its own thread (it owns
 * the libvirt connection's fds and keepalive); its callbacks only write a
 * small fixed-size record into a pipe.  The read end is polled by the qb
 * loop, so every decision is made on the main thread with the ledger.
 *
 *   - a ledger-owned VM of this node that stops without the agent having
 *     said so (crash, guest shutdown, virsh destroy) is reported to
 *     Pacemaker at once, like `crm_resource --fail`: by default through the
 *     controller's fail request in Pacemaker's IPC library (pcmk_controld_api_fail),
 *     or by spawning crm_resource (fail_report = crm_resource);
 *   - a ledger-known VM that starts here while another node owns it (or
 *     nobody does) is paused at once (foreign_vm = pause | destroy | warn)
 *     and reported in the log at error level.
 *
 * libvirt errors (virErrorPtr) are converted here and only here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <crm/common/ipc.h>
#include <crm/common/ipc_controld.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "ferry/virtstack.h"
#include <qb/qblog.h>
#include <qb/qbutil.h>

#include "virtwatch.h"

#define VIRTWATCH_MAX_EXPECT   64
#define VIRTWATCH_MAX_KIDS     16 /* crm_resource --fail runs at once */
#define VIRTWATCH_MAX_RSC      256
#define VIRTWATCH_RECONNECT_MS 2000
#define VIRTWATCH_EV_CLOSED    (-1)

extern char **environ;

struct virtwatch_event {
	int32_t event; /* virDomainEventType, or VIRTWATCH_EV_CLOSED */
	int32_t detail;
	char uuid[VIR_UUID_STRING_BUFLEN];
	char name[FERRY_IPC_VM_LEN];
};

struct virtwatch {
	virConnectPtr conn;
	int lifecycle_id;
	int pipe_r, pipe_w;
	pthread_t thread;
	bool thread_running;
	atomic_bool quit;
	qb_loop_timer_handle reconnect_timer;
	struct {
		pid_t pid; /* 0 = free */
		int fd;    /* its pidfd, polled by the loop */
	} kids[VIRTWATCH_MAX_KIDS];
	unsigned connect_failures; /* in a row; only the first is logged as an error */
	bool stack_logged;         /* the stack behind the connection, once per start */
	struct {
		char uuid[FERRY_IPC_UUID_LEN];
		uint64_t deadline_ns;
	} expect[VIRTWATCH_MAX_EXPECT];
	struct {
		char uuid[FERRY_IPC_UUID_LEN];
		char rsc[FERRY_IPC_RSC_LEN];
	} rsc[VIRTWATCH_MAX_RSC];
	size_t n_rsc;
	size_t rsc_evict; /* full: the next slot to reuse (round robin) */
	qb_loop_t *loop;
	const struct config *cfg;
	const struct virtwatch_events *ev;
	void *ctx;
};

static int virtwatch_connect(struct virtwatch *w);

/* The one place virErrorPtr is read: logs it and returns a negative errno. */
static int
virtwatch_error(const char *what, const char *vm)
{
	virErrorPtr e = virGetLastError();
	int r;

	if (e == NULL)
		r = -EIO;
	else if (e->code == VIR_ERR_NO_DOMAIN)
		r = -ENOENT;
	else if (e->code == VIR_ERR_OPERATION_INVALID)
		r = -EINVAL;
	else if (e->code == VIR_ERR_NO_CONNECT || e->code == VIR_ERR_SYSTEM_ERROR)
		r = -ENOTCONN;
	else
		r = -EIO;
	if (vm != NULL)
		qb_log(LOG_ERR, "vm %s: %s failed: %s", vm, what,
		       e != NULL && e->message != NULL ? e->message : "unknown libvirt error");
	else
		qb_log(LOG_ERR, "libvirt: %s failed: %s", what,
		       e != NULL && e->message != NULL ? e->message : "unknown libvirt error");
	return r;
}

/* libvirt logs through its own error callback by default; ours is quiet
 * (errors are read where they happen). */
static void
virtwatch_silence(void *opaque, virErrorPtr e)
{
	(void)opaque;
	(void)e;
}

/* ---- libvirt's event thread: only writes to the pipe ------------------- */

static void *
virtwatch_thread(void *data)
{
	struct virtwatch *w = data;

	while (!atomic_load(&w->quit)) {
		if (virEventRunDefaultImpl() < 0)
			break;
	}
	return NULL;
}

static void
virtwatch_post(struct virtwatch *w, const struct virtwatch_event *ev)
{
	ssize_t n;

	n = write(w->pipe_w, ev, sizeof(*ev));
	(void)n; /* a full pipe drops the event; the next scan catches up */
}

static int
virtwatch_lifecycle_cb(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
	struct virtwatch *w = opaque;
	struct virtwatch_event ev;
	const char *name;

	(void)conn;
	memset(&ev, 0, sizeof(ev));
	ev.event = event;
	ev.detail = detail;
	if (virDomainGetUUIDString(dom, ev.uuid) < 0)
		return 0;
	name = virDomainGetName(dom);
	snprintf(ev.name, sizeof(ev.name), "%s", name != NULL ? name : "?");
	virtwatch_post(w, &ev);
	return 0;
}

static void
virtwatch_close_cb(virConnectPtr conn, int reason, void *opaque)
{
	struct virtwatch *w = opaque;
	struct virtwatch_event ev;

	(void)conn;
	memset(&ev, 0, sizeof(ev));
	ev.event = VIRTWATCH_EV_CLOSED;
	ev.detail = reason;
	virtwatch_post(w, &ev);
}

static void
virtwatch_wake_cb(int timer, void *opaque)
{
	(void)opaque;
	virEventRemoveTimeout(timer);
}

/* ---- main thread -------------------------------------------------------- */

static const char *
virtwatch_rsc(struct virtwatch *w, const char *uuid)
{
	size_t i;

	for (i = 0; i < w->n_rsc; i++)
		if (strcmp(w->rsc[i].uuid, uuid) == 0)
			return w->rsc[i].rsc;
	return NULL;
}

/*
 * The Pacemaker resource id of each VM, as the agent's acquire said, kept in
 * STATE_DIR/resources ("UUID RESOURCE" lines) so that a restarted ferryd
 * still reports a failure under the right resource id.
 */
#define VIRTWATCH_RSC_FILE "resources"

static bool
virtwatch_rsc_word_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

static void
virtwatch_rsc_save(struct virtwatch *w)
{
	size_t cap = w->n_rsc * (FERRY_IPC_UUID_LEN + FERRY_IPC_RSC_LEN + 2) + 1, len = 0;
	char *buf = malloc(cap);
	int r;

	if (buf == NULL)
		return;
	for (size_t i = 0; i < w->n_rsc; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s %s\n", w->rsc[i].uuid,
		                        w->rsc[i].rsc);
	r = w->ev->file_write(w->ctx, VIRTWATCH_RSC_FILE, buf, len);
	if (r < 0)
		qb_log(LOG_WARNING,
		       "resource ids: cannot write %s/%s (%s); failures of VMs "
		       "started before a restart of ferryd are reported under the VM's name",
		       w->cfg->state_dir, VIRTWATCH_RSC_FILE, strerror(-r));
	free(buf);
}

static void
virtwatch_rsc_put(struct virtwatch *w, const char *uuid, const char *rsc)
{
	size_t i;

	for (i = 0; i < w->n_rsc; i++)
		if (strcmp(w->rsc[i].uuid, uuid) == 0)
			break;
	if (i == w->n_rsc) {
		if (w->n_rsc == VIRTWATCH_MAX_RSC) {
			i = w->rsc_evict;
			w->rsc_evict = (w->rsc_evict + 1) % VIRTWATCH_MAX_RSC;
		} else {
			w->n_rsc++;
		}
	}
	snprintf(w->rsc[i].uuid, sizeof(w->rsc[i].uuid), "%s", uuid);
	snprintf(w->rsc[i].rsc, sizeof(w->rsc[i].rsc), "%s", rsc);
}

static void
virtwatch_rsc_load(struct virtwatch *w)
{
	size_t len = 0, bad = 0;
	void *data = NULL;
	char *line, *save = NULL;
	int r;

	r = w->ev->file_read(w->ctx, VIRTWATCH_RSC_FILE,
	                     VIRTWATCH_MAX_RSC * (FERRY_IPC_UUID_LEN + FERRY_IPC_RSC_LEN + 2),
	                     &data, &len);
	if (r == -ENOENT)
		return;
	if (r < 0) {
		qb_log(LOG_WARNING, "resource ids: cannot read %s/%s (%s), starting without",
		       w->cfg->state_dir, VIRTWATCH_RSC_FILE, strerror(-r));
		return;
	}
	char *text = realloc(data, len + 1);

	if (text == NULL) {
		free(data);
		return;
	}
	text[len] = '\0';
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (sp == NULL) {
			bad++;
			continue;
		}
		*sp = '\0';
		if (!virtwatch_rsc_word_ok(line, FERRY_IPC_UUID_LEN) ||
		    !virtwatch_rsc_word_ok(sp + 1, FERRY_IPC_RSC_LEN)) {
			bad++;
			continue;
		}
		virtwatch_rsc_put(w, line, sp + 1);
	}
	free(text);
	if (bad > 0)
		qb_log(LOG_WARNING, "resource ids: %zu malformed line(s) in %s/%s ignored", bad,
		       w->cfg->state_dir, VIRTWATCH_RSC_FILE);
	qb_log(LOG_INFO, "resource ids: %zu loaded", w->n_rsc);
}

void
virtwatch_set_rsc(struct virtwatch *w, const char *uuid, const char *rsc)
{
	const char *known;

	if (w == NULL || rsc == NULL || !virtwatch_rsc_word_ok(rsc, FERRY_IPC_RSC_LEN) ||
	    !virtwatch_rsc_word_ok(uuid, FERRY_IPC_UUID_LEN))
		return;
	known = virtwatch_rsc(w, uuid);
	if (known != NULL && strcmp(known, rsc) == 0)
		return;
	virtwatch_rsc_put(w, uuid, rsc);
	virtwatch_rsc_save(w);
}

void
virtwatch_expect_stop(struct virtwatch *w, const char *uuid, uint32_t timeout_ms)
{
	uint64_t now = qb_util_nano_current_get();
	size_t i, slot = 0;

	if (w == NULL)
		return;
	for (i = 0; i < VIRTWATCH_MAX_EXPECT; i++) {
		if (strcmp(w->expect[i].uuid, uuid) == 0) {
			slot = i;
			break;
		}
		if (w->expect[i].deadline_ns < w->expect[slot].deadline_ns)
			slot = i; /* a free or the soonest-expiring slot */
	}
	snprintf(w->expect[slot].uuid, sizeof(w->expect[slot].uuid), "%s", uuid);
	w->expect[slot].deadline_ns = now + (uint64_t)timeout_ms * QB_TIME_NS_IN_MSEC;
}

/* Consumes the expectation. */
static bool
virtwatch_expected(struct virtwatch *w, const char *uuid)
{
	uint64_t now = qb_util_nano_current_get();
	size_t i;

	for (i = 0; i < VIRTWATCH_MAX_EXPECT; i++) {
		if (strcmp(w->expect[i].uuid, uuid) != 0)
			continue;
		w->expect[i].uuid[0] = '\0';
		return w->expect[i].deadline_ns >= now;
	}
	return false;
}

static const char *
virtwatch_local_name(struct virtwatch *w)
{
	return w->ev->local_name(w->ctx);
}

static int
virtwatch_fail_controld(struct virtwatch *w, const char *vm, const char *rsc)
{
	pcmk_ipc_api_t *api = NULL;
	int rc;

	rc = pcmk_new_ipc_api(&api, pcmk_ipc_controld);
	if (rc != pcmk_rc_ok)
		goto cleanup;
	rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync);
	if (rc != pcmk_rc_ok)
		goto cleanup;
	rc = pcmk_controld_api_fail(api, virtwatch_local_name(w), NULL, rsc, rsc, "ocf", "ferry",
	                            "vm");
	if (rc == pcmk_rc_ok)
		pcmk_poll_ipc(api, 1000); /* the controller's ack; its absence is harmless */
cleanup:
	if (rc != pcmk_rc_ok)
		qb_log(LOG_ERR, "vm %s: cannot report the failure of %s to the controller: %s", vm,
		       rsc, pcmk_rc_str(rc));
	if (api != NULL) {
		pcmk_disconnect_ipc(api);
		pcmk_free_ipc_api(api);
	}
	return rc == pcmk_rc_ok ? 0 : -EIO;
}

/*
 * Our own children (crm_resource --fail) are reaped one by one through a
 * pidfd on the loop, not by a SIGCHLD handler with waitpid(-1): that one
 * also took the children of the libraries in this process, and libqb leaks
 * the copy of a signal that is still queued when the handler is removed
 * (qb_loop_signal_del unlinks it without freeing it: LeakSanitizer's 64
 * bytes from libqb in test_virtwatch).
 */
static int32_t
virtwatch_kid_cb(int32_t fd, int32_t revents, void *data)
{
	struct virtwatch *w = data;
	int status = 0;
	size_t i;

	(void)revents;
	for (i = 0; i < VIRTWATCH_MAX_KIDS; i++) {
		if (w->kids[i].pid == 0 || w->kids[i].fd != fd)
			continue;
		if (waitpid(w->kids[i].pid, &status, WNOHANG) != w->kids[i].pid)
			return 0; /* not yet (spurious wake-up) */
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			qb_log(LOG_WARNING, "crm_resource --fail (pid %d) failed (status 0x%x)",
			       (int)w->kids[i].pid, (unsigned)status);
		qb_loop_poll_del(w->loop, fd);
		close(fd);
		w->kids[i].pid = 0;
		w->kids[i].fd = -1;
		return 0;
	}
	return 0;
}

static void
virtwatch_kid_watch(struct virtwatch *w, const char *vm, pid_t pid)
{
	size_t i;
	int fd;

	for (i = 0; i < VIRTWATCH_MAX_KIDS && w->kids[i].pid != 0; i++)
		;
	fd = i < VIRTWATCH_MAX_KIDS ? pidfd_open(pid, 0) : -1; /* always close-on-exec */
	if (fd < 0 || qb_loop_poll_add(w->loop, QB_LOOP_LOW, fd, POLLIN, w, virtwatch_kid_cb) < 0) {
		qb_log(LOG_WARNING,
		       "vm %s: cannot watch crm_resource (pid %d): %s; it stays a zombie until "
		       "ferryd exits",
		       vm, (int)pid,
		       fd < 0 && i < VIRTWATCH_MAX_KIDS ? strerror(errno) : "too many");
		if (fd >= 0)
			close(fd);
		return;
	}
	w->kids[i].pid = pid;
	w->kids[i].fd = fd;
}

static int
virtwatch_fail_spawn(struct virtwatch *w, const char *vm, const char *rsc)
{
	char *argv[] = {(char *)"crm_resource",
	                (char *)"--fail",
	                (char *)"--resource",
	                (char *)rsc,
	                (char *)"--node",
	                (char *)virtwatch_local_name(w),
	                NULL};
	pid_t pid;
	int r;

	r = posix_spawnp(&pid, "crm_resource", NULL, NULL, argv, environ);
	if (r != 0) {
		qb_log(LOG_ERR, "vm %s: cannot run crm_resource --fail: %s", vm, strerror(r));
		return -r;
	}
	virtwatch_kid_watch(w, vm, pid);
	return 0;
}

static void
virtwatch_report_failure(struct virtwatch *w, const char *vm, const char *uuid, const char *why)
{
	const char *rsc = virtwatch_rsc(w, uuid);

	if (rsc == NULL)
		rsc = vm; /* no ACQUIRE seen since ferryd started: resource named like the VM */
	if (w->cfg->fail_report == CONFIG_FAIL_OFF) {
		qb_log(LOG_ERR, "vm %s: %s; not reported (fail_report = off)", vm, why);
		return;
	}
	qb_log(LOG_ERR, "vm %s: %s; reporting resource %s failed on %s", vm, why, rsc,
	       virtwatch_local_name(w));
	if (w->cfg->fail_report == CONFIG_FAIL_CONTROLD && virtwatch_fail_controld(w, vm, rsc) == 0)
		return;
	if (w->cfg->fail_report == CONFIG_FAIL_CONTROLD)
		qb_log(LOG_NOTICE, "vm %s: falling back to crm_resource --fail", vm);
	virtwatch_fail_spawn(w, vm, rsc);
}

static void
virtwatch_foreign(struct virtwatch *w, const char *vm, const char *uuid, uint32_t owner)
{
	virDomainPtr dom;
	const char *owner_name = w->ev->node_name(w->ctx, owner);
	char owner_text[FERRY_IPC_NODE_LEN + 32];
	int rc = 0, st = 0, reason = 0;

	if (owner == 0)
		snprintf(owner_text, sizeof(owner_text), "no node owns it (ferry ledger)");
	else
		snprintf(owner_text, sizeof(owner_text), "node %" PRIu32 " (%s) owns it", owner,
		         owner_name != NULL ? owner_name : "?");
	if (w->cfg->foreign_vm == CONFIG_FOREIGN_WARN) {
		qb_log(LOG_ERR, "vm %s: running here but %s; left running (foreign_vm = warn)", vm,
		       owner_text);
		return;
	}
	dom = virDomainLookupByUUIDString(w->conn, uuid);
	if (dom == NULL) {
		virtwatch_error("lookup", vm);
		return;
	}
	/* a start can bring STARTED and RESUMED: act once */
	if (w->cfg->foreign_vm == CONFIG_FOREIGN_PAUSE &&
	    virDomainGetState(dom, &st, &reason, 0) == 0 && st == VIR_DOMAIN_PAUSED) {
		qb_log(LOG_DEBUG, "vm %s: foreign and already paused", vm);
		virDomainFree(dom);
		return;
	}
	if (w->cfg->foreign_vm == CONFIG_FOREIGN_PAUSE)
		rc = virDomainSuspend(dom);
	else
		rc = virDomainDestroy(dom);
	if (rc < 0)
		virtwatch_error(w->cfg->foreign_vm == CONFIG_FOREIGN_PAUSE ? "pause" : "destroy",
		                vm);
	else
		qb_log(LOG_ERR, "vm %s: started here but %s: %s", vm, owner_text,
		       w->cfg->foreign_vm == CONFIG_FOREIGN_PAUSE ? "paused" : "destroyed");
	virDomainFree(dom);
}

static const char *
virtwatch_stop_why(int event, int detail)
{
	if (event == VIR_DOMAIN_EVENT_CRASHED)
		return "guest crashed";
	switch (detail) {
	case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN:
		return "shut down from inside the guest";
	case VIR_DOMAIN_EVENT_STOPPED_DESTROYED:
		return "destroyed by someone else than the agent";
	case VIR_DOMAIN_EVENT_STOPPED_CRASHED:
		return "crashed";
	case VIR_DOMAIN_EVENT_STOPPED_FAILED:
		return "failed (QEMU died)";
	default:
		return "stopped unexpectedly";
	}
}

static void
virtwatch_handle(struct virtwatch *w, const struct virtwatch_event *ev)
{
	uint32_t owner = 0, state = 0, peer = 0;
	uint32_t me = w->ev->local_nodeid(w->ctx);
	int r;

	r = w->ev->vm_lookup(w->ctx, ev->uuid, &owner, &state, &peer);
	qb_log(LOG_DEBUG, "vm %s: libvirt event %d/%d (ledger: %s)", ev->name, ev->event,
	       ev->detail, r == 0 ? "known" : "unknown");
	if (r < 0)
		return; /* not a ferry VM */
	switch (ev->event) {
	case VIR_DOMAIN_EVENT_STARTED:
	case VIR_DOMAIN_EVENT_RESUMED:
		if (owner == me && state != FERRY_VM_STOPPED)
			return;
		if (state == FERRY_VM_MIGRATING && peer == me)
			return; /* incoming migration */
		virtwatch_foreign(w, ev->name, ev->uuid, owner);
		return;
	case VIR_DOMAIN_EVENT_STOPPED:
		if (ev->detail == VIR_DOMAIN_EVENT_STOPPED_MIGRATED ||
		    ev->detail == VIR_DOMAIN_EVENT_STOPPED_SAVED ||
		    ev->detail == VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT)
			return;
		/* fall through */
	case VIR_DOMAIN_EVENT_CRASHED:
		if (owner != me || state != FERRY_VM_RUNNING)
			return;
		if (virtwatch_expected(w, ev->uuid)) {
			qb_log(LOG_INFO, "vm %s: stopped, as the agent announced", ev->name);
			return;
		}
		virtwatch_report_failure(w, ev->name, ev->uuid,
		                         virtwatch_stop_why(ev->event, ev->detail));
		return;
	default:
		return;
	}
}

void
virtwatch_scan(struct virtwatch *w)
{
	virDomainPtr *doms = NULL;
	struct virtwatch_event ev;
	int i, n, st = 0, reason = 0;

	if (w == NULL || w->conn == NULL)
		return;
	n = virConnectListAllDomains(w->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	if (n < 0) {
		virtwatch_error("list domains", NULL);
		return;
	}
	for (i = 0; i < n; i++) {
		memset(&ev, 0, sizeof(ev));
		if (virDomainGetUUIDString(doms[i], ev.uuid) == 0 &&
		    virDomainGetState(doms[i], &st, &reason, 0) == 0 && st == VIR_DOMAIN_RUNNING) {
			snprintf(ev.name, sizeof(ev.name), "%s", virDomainGetName(doms[i]));
			ev.event = VIR_DOMAIN_EVENT_STARTED;
			virtwatch_handle(w, &ev);
		}
		virDomainFree(doms[i]);
	}
	free(doms);
}

static void
virtwatch_reconnect(void *data)
{
	struct virtwatch *w = data;

	if (virtwatch_connect(w) < 0)
		qb_loop_timer_add(w->loop, QB_LOOP_LOW,
		                  (uint64_t)VIRTWATCH_RECONNECT_MS * QB_TIME_NS_IN_MSEC, w,
		                  virtwatch_reconnect, &w->reconnect_timer);
	else
		virtwatch_scan(w);
}

static int32_t
virtwatch_pipe_cb(int32_t fd, int32_t revents, void *data)
{
	struct virtwatch *w = data;
	struct virtwatch_event ev;
	ssize_t n;

	(void)revents;
	for (;;) {
		n = read(fd, &ev, sizeof(ev));
		if (n != (ssize_t)sizeof(ev))
			break;
		ev.uuid[sizeof(ev.uuid) - 1] = '\0';
		ev.name[sizeof(ev.name) - 1] = '\0';
		if (ev.event == VIRTWATCH_EV_CLOSED) {
			qb_log(LOG_ERR,
			       "libvirt: connection to %s closed (reason %d), reconnecting",
			       w->cfg->libvirt_uri, ev.detail);
			if (w->conn != NULL) {
				virConnectDomainEventDeregisterAny(w->conn, w->lifecycle_id);
				virConnectUnregisterCloseCallback(w->conn, virtwatch_close_cb);
				virConnectClose(w->conn);
				w->conn = NULL;
			}
			qb_loop_timer_add(w->loop, QB_LOOP_LOW,
			                  (uint64_t)VIRTWATCH_RECONNECT_MS * QB_TIME_NS_IN_MSEC, w,
			                  virtwatch_reconnect, &w->reconnect_timer);
			continue;
		}
		virtwatch_handle(w, &ev);
	}
	return 0;
}

static int
virtwatch_connect(struct virtwatch *w)
{

	w->conn = virConnectOpen(w->cfg->libvirt_uri);
	if (w->conn == NULL) {
		virErrorPtr e = virGetLastError();

		/* at start-up libvirtd may simply not be up yet (the caller says
		 * so); a lost connection is an error the first time */
		if (w->connect_failures++ == 0 && w->ev->ready(w->ctx))
			return virtwatch_error("connect", NULL);
		qb_log(w->connect_failures == 1 ? LOG_WARNING : LOG_INFO,
		       "libvirt: cannot connect to %s (attempt %u): %s", w->cfg->libvirt_uri,
		       w->connect_failures,
		       e != NULL && e->message != NULL ? e->message : "unknown error");
		return -ENOTCONN;
	}
	if (w->connect_failures > 0)
		qb_log(LOG_NOTICE, "libvirt: connected to %s after %u failed attempts",
		       w->cfg->libvirt_uri, w->connect_failures);
	w->connect_failures = 0;
	if (!w->stack_logged) {
		struct virtstack st;
		char desc[256];

		if (virtstack_probe(w->conn, &st) == 0 &&
		    virtstack_describe(&st, desc, sizeof(desc)) > 0)
			qb_log(LOG_NOTICE, "libvirt: stack %s (via %s)", desc, w->cfg->libvirt_uri);
		w->stack_logged = true;
	}
	if (virConnectSetKeepAlive(w->conn, 5, 3) < 0)
		qb_log(LOG_WARNING, "libvirt: no keepalive on %s, ignoring", w->cfg->libvirt_uri);
	virConnectRegisterCloseCallback(w->conn, virtwatch_close_cb, w, NULL);
	w->lifecycle_id = virConnectDomainEventRegisterAny(
	        w->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
	        VIR_DOMAIN_EVENT_CALLBACK(virtwatch_lifecycle_cb), w, NULL);
	if (w->lifecycle_id < 0) {
		int r = virtwatch_error("register lifecycle events", NULL);

		virConnectClose(w->conn);
		w->conn = NULL;
		return r;
	}
	qb_log(LOG_NOTICE, "libvirt: watching %s", w->cfg->libvirt_uri);
	return 0;
}

int
virtwatch_start(qb_loop_t *loop, const struct config *cfg, const struct virtwatch_events *events,
                void *ctx, struct virtwatch **ret)
{
	struct virtwatch *w;
	int p[2];
	int r;

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	w->loop = loop;
	w->cfg = cfg;
	w->ev = events;
	w->ctx = ctx;
	w->pipe_r = w->pipe_w = -1;
	for (size_t i = 0; i < VIRTWATCH_MAX_KIDS; i++)
		w->kids[i].fd = -1;
	virtwatch_rsc_load(w);
	virSetErrorFunc(NULL, virtwatch_silence);
	if (virEventRegisterDefaultImpl() < 0) {
		r = virtwatch_error("event loop setup", NULL);
		goto fail;
	}
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		r = -errno;
		goto fail;
	}
	w->pipe_r = p[0];
	w->pipe_w = p[1];
	r = qb_loop_poll_add(w->loop, QB_LOOP_HIGH, w->pipe_r, POLLIN, w, virtwatch_pipe_cb);
	if (r < 0)
		goto fail;
	r = pthread_create(&w->thread, NULL, virtwatch_thread, w);
	if (r != 0) {
		r = -r;
		goto fail;
	}
	w->thread_running = true;
	if (virtwatch_connect(w) < 0) {
		/* libvirtd may start after us: keep trying, ownership works without it */
		qb_log(LOG_WARNING, "libvirt: %s not reachable yet, retrying every %d ms",
		       w->cfg->libvirt_uri, VIRTWATCH_RECONNECT_MS);
		qb_loop_timer_add(w->loop, QB_LOOP_LOW,
		                  (uint64_t)VIRTWATCH_RECONNECT_MS * QB_TIME_NS_IN_MSEC, w,
		                  virtwatch_reconnect, &w->reconnect_timer);
	}
	*ret = w;
	return 0;
fail:
	virtwatch_stop(w);
	return r;
}

struct virtwatch *
virtwatch_stop(struct virtwatch *w)
{
	if (w == NULL)
		return NULL;
	qb_loop_timer_del(w->loop, w->reconnect_timer);
	for (size_t i = 0; i < VIRTWATCH_MAX_KIDS; i++) {
		if (w->kids[i].pid == 0)
			continue;
		/* not waited for: init reaps it once ferryd is gone */
		qb_loop_poll_del(w->loop, w->kids[i].fd);
		close(w->kids[i].fd);
	}
	if (w->conn != NULL) {
		virConnectDomainEventDeregisterAny(w->conn, w->lifecycle_id);
		virConnectUnregisterCloseCallback(w->conn, virtwatch_close_cb);
	}
	if (w->thread_running) {
		atomic_store(&w->quit, true);
		virEventAddTimeout(0, virtwatch_wake_cb, NULL, NULL);
		pthread_join(w->thread, NULL);
	}
	if (w->conn != NULL)
		virConnectClose(w->conn);
	if (w->pipe_r >= 0) {
		qb_loop_poll_del(w->loop, w->pipe_r);
		close(w->pipe_r);
	}
	if (w->pipe_w >= 0)
		close(w->pipe_w);
	free(w);
	return NULL;
}

int
virtwatch_job_progress(struct virtwatch *w, const char *vm, uint64_t *ret_left_bytes,
                       uint64_t *ret_total_bytes)
{
	virDomainJobInfo info;
	virDomainPtr dom;
	int r;

	if (w == NULL || w->conn == NULL)
		return -ENOTCONN;
	dom = virDomainLookupByName(w->conn, vm);
	if (dom == NULL)
		return -ENOENT; /* gone already (the move ended): nothing to log */
	r = virDomainGetJobInfo(dom, &info);
	virDomainFree(dom);
	if (r < 0)
		return virtwatch_error("job info", vm);
	if (info.type != VIR_DOMAIN_JOB_UNBOUNDED || info.memTotal == 0)
		return -EAGAIN;
	*ret_left_bytes = info.memRemaining;
	*ret_total_bytes = info.memTotal;
	return 0;
}
