/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ipcsrv.c - the libqb IPC server "ferryd" for the resource agent and
 * ferryctl (protocol: include/ferry/ipcproto.h).
 *
 * Who may connect: peer credentials from the kernel; uid 0, or a process
 * whose primary or supplementary groups hold cfg.ipc_group (haclient).
 * Only uid 0 may change ownership (see ipcsrv_table); haclient gets the
 * read-only views.  Hard limits: at most cfg.ipc_max_clients connections,
 * of which ipc_root_reserved are root's alone and each other uid may hold
 * ipc_max_clients_per_uid; a non-root client with no request in flight is
 * disconnected after ipc_idle_timeout_ms; FERRY_IPC_MAX_MSG_BYTES buffers,
 * requests of exactly their type's size, one request in flight per client.
 *
 * Ownership requests are answered when the ledger has decided, i.e. when
 * our own CPG message came back in agreed order: the request is parked with
 * a token and ipcsrv_reply() sends the answer.  A client that disconnects
 * meanwhile just loses its answer; the decision stands in the ledger.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <qb/qbipcs.h>
#include <qb/qblog.h>
#include <qb/qbloop.h>
#include <qb/qbutil.h>

#include "ipcsrv.h"
#include "ledgertypes.h"

/* /proc/PID/status is about 1.5 KiB; Groups: comes before the long tail */
#define IPCSRV_STATUS_MAX 16384

static void *
mfree(void *p)
{
	free(p);
	return NULL;
}

struct ipcsrv_client {
	qb_ipcs_connection_t *c;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	uint64_t token;     /* the request in flight, 0 = none */
	uint64_t active_ns; /* connected, last request or last answer (monotonic) */
	bool closing;       /* we disconnected it; libqb has yet to destroy it */
};

struct ipcsrv_pending {
	uint64_t token;
	qb_ipcs_connection_t *c; /* NULL once the client went away */
	int32_t type;
	uint32_t seq;
};

struct ipcsrv {
	qb_ipcs_service_t *svc;
	qb_loop_t *loop;
	gid_t allowed_gid;
	bool gid_known;
	uint32_t n_clients;
	struct ipcsrv_client **clients; /* the admitted ones; cfg.ipc_max_clients slots */
	qb_loop_timer_handle idle_timer;
	uint64_t next_token;
	struct ipcsrv_pending *pending;
	size_t max_pending;
	const struct config *cfg;
	const struct ipcsrv_events *ev;
	void *ctx;
};

typedef void (*ipcsrv_handler_fn)(struct ipcsrv *s, qb_ipcs_connection_t *c,
                                  struct ipcsrv_client *cl, const void *req);

static void ipcsrv_handle_vm(struct ipcsrv *s, qb_ipcs_connection_t *c, struct ipcsrv_client *cl,
                             const void *req);
static void ipcsrv_handle_move(struct ipcsrv *s, qb_ipcs_connection_t *c, struct ipcsrv_client *cl,
                               const void *req);
static void ipcsrv_handle_expect(struct ipcsrv *s, qb_ipcs_connection_t *c,
                                 struct ipcsrv_client *cl, const void *req);
static void ipcsrv_handle_view(struct ipcsrv *s, qb_ipcs_connection_t *c, struct ipcsrv_client *cl,
                               const void *req);
static void ipcsrv_handle_drain(struct ipcsrv *s, qb_ipcs_connection_t *c, struct ipcsrv_client *cl,
                                const void *req);
static void ipcsrv_handle_path(struct ipcsrv *s, qb_ipcs_connection_t *c, struct ipcsrv_client *cl,
                               const void *req);

/*
 * Who may send what: every request that changes or records ownership
 * (ACQUIRE .. EXPECT_STOP, RESTORE_*, FORCE_RELEASE) is root's, i.e. the
 * resource agent's, which Pacemaker runs as root; a member of ipc_group
 * gets the read-only views and -EPERM for the rest.  Otherwise any haclient
 * process could move ownership in the ledger without moving the VM.
 */
static const struct {
	int32_t type;
	const char *name; /* for logs */
	size_t size;      /* exact */
	bool root_only;
	ipcsrv_handler_fn handler;
} ipcsrv_table[] = {
        {FERRY_IPC_ACQUIRE, "acquire", sizeof(struct ferry_ipc_vm_req), true, ipcsrv_handle_vm},
        {FERRY_IPC_RELEASE, "release", sizeof(struct ferry_ipc_vm_req), true, ipcsrv_handle_vm},
        {FERRY_IPC_MIGRATE_BEGIN, "migrate begin", sizeof(struct ferry_ipc_vm_req), true,
         ipcsrv_handle_vm},
        {FERRY_IPC_MIGRATE_COMMIT, "migrate commit", sizeof(struct ferry_ipc_vm_req), true,
         ipcsrv_handle_vm},
        {FERRY_IPC_MIGRATE_ABORT, "migrate abort", sizeof(struct ferry_ipc_vm_req), true,
         ipcsrv_handle_vm},
        {FERRY_IPC_SAVE, "save", sizeof(struct ferry_ipc_vm_req), true, ipcsrv_handle_vm},
        {FERRY_IPC_RECORD_MOVE, "record move", sizeof(struct ferry_ipc_move_req), true,
         ipcsrv_handle_move},
        {FERRY_IPC_EXPECT_STOP, "expect stop", sizeof(struct ferry_ipc_vm_req), true,
         ipcsrv_handle_expect},
        {FERRY_IPC_RESTORE_COMMIT, "restore commit", sizeof(struct ferry_ipc_vm_req), true,
         ipcsrv_handle_vm},
        {FERRY_IPC_RESTORE_ABORT, "restore abort", sizeof(struct ferry_ipc_vm_req), true,
         ipcsrv_handle_vm},
        {FERRY_IPC_STATUS, "status", sizeof(struct ferry_ipc_empty_req), false, ipcsrv_handle_view},
        {FERRY_IPC_LEDGER_DUMP, "ledger dump", sizeof(struct ferry_ipc_empty_req), false,
         ipcsrv_handle_view},
        {FERRY_IPC_HISTORY, "history", sizeof(struct ferry_ipc_history_req), false,
         ipcsrv_handle_view},
        {FERRY_IPC_FORCE_RELEASE, "force release", sizeof(struct ferry_ipc_vm_req), true,
         ipcsrv_handle_vm},
        {FERRY_IPC_DRAIN_SUBMIT, "drain submit", sizeof(struct ferry_ipc_drain_submit_req), true,
         ipcsrv_handle_drain},
        {FERRY_IPC_DRAIN_CANCEL, "drain cancel", sizeof(struct ferry_ipc_drain_id_req), true,
         ipcsrv_handle_drain},
        {FERRY_IPC_DRAIN_LIST, "drain list", sizeof(struct ferry_ipc_drain_id_req), false,
         ipcsrv_handle_view},
        {FERRY_IPC_DRAIN_REPORT, "drain report", sizeof(struct ferry_ipc_drain_id_req), false,
         ipcsrv_handle_view},
        {FERRY_IPC_DRAIN_PROGRESS, "drain progress", sizeof(struct ferry_ipc_drain_id_req), false,
         ipcsrv_handle_view},
        /* root: it writes a file in the path on this node */
        {FERRY_IPC_PATH_CHECK, "path check", sizeof(struct ferry_ipc_path_check_req), true,
         ipcsrv_handle_path},
};

#define IPCSRV_N_TYPES (sizeof(ipcsrv_table) / sizeof(ipcsrv_table[0]))

/* The value of "Key:" in /proc/PID/status text, or NULL. */
static const char *
ipcsrv_status_field(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, n) == 0 && p[n] == ':')
			return p + n + 1;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NULL;
}

/* Reads one decimal id from *p (after blanks) and advances *p past it; false
 * at the end of the line or on anything else than digits. */
static bool
ipcsrv_status_id(const char **p, unsigned long *ret)
{
	char *end;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (**p < '0' || **p > '9')
		return false;
	errno = 0;
	*ret = strtoul(*p, &end, 10);
	if (errno != 0 || (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\0'))
		return false;
	*p = end;
	return true;
}

/* True if the "Key:" line's second id (real, effective, saved, fs) is want. */
static bool
ipcsrv_status_effective_is(const char *text, const char *key, unsigned long want)
{
	const char *p = ipcsrv_status_field(text, key);
	unsigned long id;

	return p != NULL && ipcsrv_status_id(&p, &id) && ipcsrv_status_id(&p, &id) && id == want;
}

/*
 * May a peer connect?  uid, gid: its effective ids from the kernel (libqb's
 * SO_PEERCRED); proc_status: the text of the peer's /proc/PID/status, or
 * NULL if it could not be read.  Root may; so may a process whose primary
 * group or one of whose supplementary groups (the Groups: line) is
 * allowed_gid ((gid_t)-1: no such group on this host).  The supplementary
 * groups count only if that status is still the peer's: its effective Uid
 * and Gid must be the ones the kernel gave (else the pid was reused or the
 * process changed its ids since it connected).  0 or -EACCES.
 */
int
ipcsrv_check_peer(uid_t uid, gid_t gid, const char *proc_status, gid_t allowed_gid)
{
	const char *p;
	unsigned long g;

	if (uid == 0)
		return 0;
	if (allowed_gid == (gid_t)-1)
		return -EACCES;
	if (gid == allowed_gid)
		return 0;
	if (proc_status == NULL || !ipcsrv_status_effective_is(proc_status, "Uid", uid) ||
	    !ipcsrv_status_effective_is(proc_status, "Gid", gid))
		return -EACCES;
	p = ipcsrv_status_field(proc_status, "Groups");
	while (p != NULL && ipcsrv_status_id(&p, &g))
		if (g == allowed_gid)
			return 0;
	return -EACCES;
}

/* /proc/PID/status into buf (terminated); 0 or -errno. */
static int
ipcsrv_read_status(pid_t pid, char *buf, size_t len)
{
	char path[64];
	size_t used = 0;
	ssize_t n;
	int fd, r = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (used < len - 1) {
		n = read(fd, buf + used, len - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	close(fd);
	return r;
}

/*
 * May one more client of uid connect?  n_all: clients connected now,
 * n_nonroot: those that are not root, n_uid: those of this uid.  Root may
 * take every slot (the agent must get in however busy ferryd is); everyone
 * else shares what ipc_root_reserved leaves and has at most
 * ipc_max_clients_per_uid connections per uid.  0, -EMFILE (no slot left
 * for it) or -EUSERS (this uid has its share).
 */
int
ipcsrv_check_slots(const struct config *cfg, uid_t uid, uint32_t n_all, uint32_t n_nonroot,
                   uint32_t n_uid)
{
	uint32_t reserved, shared;

	if (n_all >= cfg->ipc_max_clients)
		return -EMFILE;
	if (uid == 0)
		return 0;
	reserved = config_ipc_root_reserved(cfg);
	shared = cfg->ipc_max_clients > reserved ? cfg->ipc_max_clients - reserved : 0;
	if (n_nonroot >= shared)
		return -EMFILE;
	if (n_uid >= cfg->ipc_max_clients_per_uid)
		return -EUSERS;
	return 0;
}

/* Returns the table index for a well-formed request, or -EBADMSG (shorter
 * than a header, or size field and length disagree, or not the exact size
 * of its type), -EMSGSIZE (above the hard limit), -EPROTO (other version),
 * -EOPNOTSUPP (unknown type). */
int
ipcsrv_check_request(const void *buf, size_t len)
{
	struct ferry_ipc_req_hdr h;
	size_t i;

	if (len > FERRY_IPC_MAX_REQ_BYTES)
		return -EMSGSIZE;
	if (buf == NULL || len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	if (h.qb.size < 0 || (size_t)h.qb.size != len)
		return -EBADMSG;
	if (h.version != FERRY_IPC_VERSION)
		return -EPROTO;
	for (i = 0; i < IPCSRV_N_TYPES; i++) {
		if (ipcsrv_table[i].type != h.qb.id)
			continue;
		if (len != ipcsrv_table[i].size)
			return -EBADMSG;
		return (int)i;
	}
	return -EOPNOTSUPP;
}

static void
ipcsrv_send(qb_ipcs_connection_t *c, int32_t type, uint32_t seq, int error, void *rsp, size_t len)
{
	struct ferry_ipc_rsp_hdr *h = rsp;
	struct ipcsrv_client *cl;
	ssize_t n;

	h->qb.id = type;
	h->qb.size = (int32_t)len;
	h->qb.error = error;
	h->version = FERRY_IPC_VERSION;
	h->seq = seq;
	cl = qb_ipcs_context_get(c);
	if (cl != NULL)
		cl->active_ns = qb_util_nano_current_get();
	n = qb_ipcs_response_send(c, rsp, len);
	if (n < 0)
		qb_log(LOG_WARNING, "ipc: cannot send a %zu-byte response: %s, ignoring", len,
		       strerror((int)-n));
}

static void
ipcsrv_send_error(qb_ipcs_connection_t *c, int32_t type, uint32_t seq, int error)
{
	struct ferry_ipc_rsp_hdr h;

	memset(&h, 0, sizeof(h));
	ipcsrv_send(c, type, seq, error, &h, sizeof(h));
}

static struct ipcsrv_pending *
ipcsrv_pending_find(struct ipcsrv *s, uint64_t token)
{
	size_t i;

	for (i = 0; i < s->max_pending; i++)
		if (s->pending[i].token == token && token != 0)
			return &s->pending[i];
	return NULL;
}

/*
 * A request the ledger answers later (after its agreed-order round trip):
 * park it in a free pending slot and return its token, or answer -EBUSY and
 * return 0 when every slot is taken.
 */
static uint64_t
ipcsrv_park(struct ipcsrv *s, qb_ipcs_connection_t *c, struct ipcsrv_client *cl,
            const struct ferry_ipc_req_hdr *hdr)
{
	struct ipcsrv_pending *p = NULL;

	for (size_t i = 0; p == NULL && i < s->max_pending; i++)
		if (s->pending[i].token == 0)
			p = &s->pending[i];
	if (p == NULL) {
		ipcsrv_send_error(c, hdr->qb.id, hdr->seq, -EBUSY);
		return 0;
	}
	p->token = ++s->next_token;
	p->c = c;
	p->type = hdr->qb.id;
	p->seq = hdr->seq;
	cl->token = p->token;
	qb_ipcs_connection_ref(c);
	return p->token;
}

static void
ipcsrv_handle_vm(struct ipcsrv *s, qb_ipcs_connection_t *c, struct ipcsrv_client *cl,
                 const void *req)
{
	const struct ferry_ipc_vm_req *r = req;
	uint64_t token = ipcsrv_park(s, c, cl, &r->hdr);

	if (token != 0)
		s->ev->request(s->ctx, token, r);
}

static void
ipcsrv_handle_move(struct ipcsrv *s, qb_ipcs_connection_t *c, struct ipcsrv_client *cl,
                   const void *req)
{
	const struct ferry_ipc_move_req *r = req;
	uint64_t token = ipcsrv_park(s, c, cl, &r->hdr);

	if (token != 0)
		s->ev->record_move(s->ctx, token, &r->move);
}

static void
ipcsrv_handle_drain(struct ipcsrv *s, qb_ipcs_connection_t *c, struct ipcsrv_client *cl,
                    const void *req)
{
	const struct ferry_ipc_req_hdr *h = req;
	uint64_t token;

	if (s->ev->drain_submit == NULL || s->ev->drain_cancel == NULL) {
		ipcsrv_send_error(c, h->qb.id, h->seq, -EOPNOTSUPP);
		return;
	}
	token = ipcsrv_park(s, c, cl, h);
	if (token == 0)
		return;
	if (h->qb.id == FERRY_IPC_DRAIN_SUBMIT)
		s->ev->drain_submit(s->ctx, token, req);
	else
		s->ev->drain_cancel(s->ctx, token, req);
}

static void
ipcsrv_handle_path(struct ipcsrv *s, qb_ipcs_connection_t *c, struct ipcsrv_client *cl,
                   const void *req)
{
	const struct ferry_ipc_path_check_req *r = req;
	uint64_t token;

	if (s->ev->path_check == NULL) {
		ipcsrv_send_error(c, r->hdr.qb.id, r->hdr.seq, -EOPNOTSUPP);
		return;
	}
	token = ipcsrv_park(s, c, cl, &r->hdr);
	if (token != 0)
		s->ev->path_check(s->ctx, token, r);
}

static void
ipcsrv_handle_expect(struct ipcsrv *s, qb_ipcs_connection_t *c, struct ipcsrv_client *cl,
                     const void *req)
{
	const struct ferry_ipc_vm_req *r = req;
	struct ferry_ipc_vm_rsp rsp;
	char vm[FERRY_IPC_VM_LEN], uuid[FERRY_IPC_UUID_LEN];
	uint32_t t = r->timeout_ms;

	/* The client's bytes: terminate our copies, and take only a canonical
	 * UUID (the ledger's own rule) before virtwatch compares and keeps it. */
	memcpy(vm, r->vm, sizeof(vm));
	vm[sizeof(vm) - 1] = '\0';
	memcpy(uuid, r->uuid, sizeof(uuid));
	uuid[sizeof(uuid) - 1] = '\0';
	if (!ledger_valid_uuid(uuid)) {
		qb_log(LOG_WARNING, "vm %s: expect stop from pid %d: malformed uuid, refused", vm,
		       (int)cl->pid);
		ipcsrv_send_error(c, r->hdr.qb.id, r->hdr.seq, -EINVAL);
		return;
	}
	memset(&rsp, 0, sizeof(rsp));
	if (t == 0 || t > s->cfg->expect_stop_max_ms)
		t = s->cfg->expect_stop_max_ms;
	s->ev->expect_stop(s->ctx, uuid, t);
	rsp.verdict = FERRY_VERDICT_GRANTED;
	ipcsrv_send(c, r->hdr.qb.id, r->hdr.seq, 0, &rsp, sizeof(rsp));
}

static void
ipcsrv_handle_view(struct ipcsrv *s, qb_ipcs_connection_t *c, struct ipcsrv_client *cl,
                   const void *req)
{
	const struct ferry_ipc_req_hdr *h = req;
	void *buf;
	ssize_t n;

	(void)cl;
	buf = calloc(1, FERRY_IPC_MAX_MSG_BYTES);
	if (buf == NULL) {
		ipcsrv_send_error(c, h->qb.id, h->seq, -ENOMEM);
		return;
	}
	switch (h->qb.id) {
	case FERRY_IPC_STATUS:
		n = s->ev->status(s->ctx, buf, FERRY_IPC_MAX_MSG_BYTES);
		break;
	case FERRY_IPC_LEDGER_DUMP:
		n = s->ev->dump(s->ctx, buf, FERRY_IPC_MAX_MSG_BYTES);
		break;
	case FERRY_IPC_DRAIN_LIST:
	case FERRY_IPC_DRAIN_REPORT:
	case FERRY_IPC_DRAIN_PROGRESS:
		n = s->ev->drain_view != NULL
		            ? s->ev->drain_view(s->ctx, req, buf, FERRY_IPC_MAX_MSG_BYTES)
		            : -EOPNOTSUPP;
		break;
	default:
		n = s->ev->history(s->ctx, req, buf, FERRY_IPC_MAX_MSG_BYTES);
		break;
	}
	if (n < 0)
		ipcsrv_send_error(c, h->qb.id, h->seq, (int)n);
	else
		ipcsrv_send(c, h->qb.id, h->seq, 0, buf, (size_t)n);
	free(buf);
}

int
ipcsrv_reply(struct ipcsrv *s, uint64_t token, const void *rsp, size_t len)
{
	struct ipcsrv_pending *p;
	struct ipcsrv_client *cl;
	void *copy;

	if (s == NULL)
		return -ENOTCONN;
	p = ipcsrv_pending_find(s, token);
	if (p == NULL)
		return -ENOENT;
	if (p->c != NULL) {
		copy = calloc(1, len);
		if (copy != NULL) {
			memcpy(copy, rsp, len);
			ipcsrv_send(p->c, p->type, p->seq, 0, copy, len);
			free(copy);
		}
		cl = qb_ipcs_context_get(p->c);
		if (cl != NULL && cl->token == token)
			cl->token = 0;
		qb_ipcs_connection_unref(p->c);
	} else {
		qb_log(LOG_INFO, "ipc: client of request %" PRIu64 " went away, answer dropped",
		       token);
	}
	memset(p, 0, sizeof(*p));
	return 0;
}

static int32_t
ipcsrv_accept(qb_ipcs_connection_t *c, uid_t uid, gid_t gid)
{
	struct ipcsrv *s = qb_ipcs_connection_service_context_get(c);
	struct qb_ipcs_connection_stats st;
	struct ipcsrv_client *cl;
	char *status = NULL;
	pid_t pid = 0;
	gid_t allowed;
	uint32_t i, slot = s != NULL ? s->cfg->ipc_max_clients : 0, n_nonroot = 0, n_uid = 0;
	int r;

	if (s == NULL)
		return -ENOTCONN;
	if (qb_ipcs_connection_stats_get(c, &st, 0) == 0)
		pid = st.client_pid;
	allowed = s->gid_known ? s->allowed_gid : (gid_t)-1;
	/* a member of the group through its supplementary groups: ask the
	 * kernel which groups that process carries (not the group database) */
	if (uid != 0 && allowed != (gid_t)-1 && gid != allowed && pid > 0) {
		status = calloc(1, IPCSRV_STATUS_MAX);
		if (status != NULL && ipcsrv_read_status(pid, status, IPCSRV_STATUS_MAX) < 0)
			status = mfree(status);
	}
	r = ipcsrv_check_peer(uid, gid, status, allowed);
	free(status);
	if (r < 0) {
		qb_log(LOG_WARNING,
		       "ipc: refused pid %d uid %u gid %u (need root or group %s, primary or "
		       "supplementary)",
		       (int)pid, (unsigned)uid, (unsigned)gid, s->cfg->ipc_group);
		return r;
	}
	for (i = 0; i < s->cfg->ipc_max_clients; i++) {
		const struct ipcsrv_client *o = s->clients[i];

		if (o == NULL) {
			if (slot == s->cfg->ipc_max_clients)
				slot = i;
			continue;
		}
		n_nonroot += o->uid != 0;
		n_uid += o->uid == uid;
	}
	r = ipcsrv_check_slots(s->cfg, uid, s->n_clients, n_nonroot, n_uid);
	if (r < 0 || slot == s->cfg->ipc_max_clients) {
		if (r == -EUSERS)
			qb_log(LOG_WARNING,
			       "ipc: refused pid %d uid %u: it has %u connections already "
			       "(ipc_max_clients_per_uid)",
			       (int)pid, (unsigned)uid, n_uid);
		else
			qb_log(LOG_WARNING,
			       "ipc: refused pid %d uid %u: %u clients connected, %u of them not "
			       "root "
			       "(ipc_max_clients %u, ipc_root_reserved %u)",
			       (int)pid, (unsigned)uid, s->n_clients, n_nonroot,
			       s->cfg->ipc_max_clients, config_ipc_root_reserved(s->cfg));
		return r < 0 ? r : -EMFILE;
	}
	cl = calloc(1, sizeof(*cl));
	if (cl == NULL)
		return -ENOMEM;
	cl->c = c;
	cl->uid = uid;
	cl->gid = gid;
	cl->pid = pid;
	cl->active_ns = qb_util_nano_current_get();
	s->clients[slot] = cl;
	qb_ipcs_context_set(c, cl);
	if (uid != 0 && s->gid_known)
		qb_ipcs_connection_auth_set(c, -1, s->allowed_gid,
		                            S_IRUSR | S_IWUSR | S_IRGRP | S_IWGRP);
	s->n_clients++;
	return 0;
}

static void
ipcsrv_created(qb_ipcs_connection_t *c)
{
	struct ipcsrv_client *cl = qb_ipcs_context_get(c);
	struct qb_ipcs_connection_stats st;

	if (cl != NULL && qb_ipcs_connection_stats_get(c, &st, 0) == 0)
		cl->pid = st.client_pid;
	qb_log(LOG_DEBUG, "ipc: client pid %d connected", cl != NULL ? (int)cl->pid : -1);
}

static int32_t
ipcsrv_closed(qb_ipcs_connection_t *c)
{
	(void)c;
	return 0;
}

static void
ipcsrv_destroyed(qb_ipcs_connection_t *c)
{
	struct ipcsrv *s = qb_ipcs_connection_service_context_get(c);
	struct ipcsrv_client *cl = qb_ipcs_context_get(c);
	uint32_t i;

	/* libqb calls this for refused connections too: only ours count */
	if (cl == NULL)
		return;
	if (s != NULL) {
		for (i = 0; i < s->cfg->ipc_max_clients; i++) {
			if (s->clients[i] != cl)
				continue;
			s->clients[i] = NULL;
			s->n_clients--;
		}
	}
	free(cl);
	qb_ipcs_context_set(c, NULL);
}

static int32_t
ipcsrv_process(qb_ipcs_connection_t *c, void *data, size_t size)
{
	struct ipcsrv *s = qb_ipcs_connection_service_context_get(c);
	struct ipcsrv_client *cl = qb_ipcs_context_get(c);
	struct ferry_ipc_req_hdr h;
	int idx;

	memset(&h, 0, sizeof(h));
	if (size >= sizeof(h))
		memcpy(&h, data, sizeof(h));
	if (s == NULL || cl == NULL) {
		ipcsrv_send_error(c, h.qb.id, h.seq, -ENOTCONN);
		return 0;
	}
	cl->active_ns = qb_util_nano_current_get();
	idx = ipcsrv_check_request(data, size);
	if (idx < 0) {
		qb_log(LOG_WARNING,
		       "ipc: malformed request from pid %d (type %d, %zu bytes): %s, ignoring",
		       (int)cl->pid, h.qb.id, size, strerror(-idx));
		ipcsrv_send_error(c, h.qb.id, h.seq, idx);
		return 0;
	}
	if (ipcsrv_table[idx].root_only && cl->uid != 0) {
		qb_log(LOG_WARNING,
		       "ipc: pid %d uid %u: %s changes ownership and needs root, refused",
		       (int)cl->pid, (unsigned)cl->uid, ipcsrv_table[idx].name);
		ipcsrv_send_error(c, h.qb.id, h.seq, -EPERM);
		return 0;
	}
	if (cl->token != 0) {
		ipcsrv_send_error(c, h.qb.id, h.seq, -EBUSY);
		return 0;
	}
	ipcsrv_table[idx].handler(s, c, cl, data);
	return 0;
}

/*
 * Disconnects every client that is not root, has no request in flight and
 * sent nothing and got nothing for ipc_idle_timeout_ms (at now_ns): an idle
 * connection only holds a slot.  Root's are left alone: the agent keeps its
 * connection from MIGRATE_BEGIN to COMMIT, which is as long as the
 * migration, and root has reserved slots anyway.  Returns how many.
 */
static unsigned
ipcsrv_sweep_idle(struct ipcsrv *s, uint64_t now_ns)
{
	uint64_t idle_ns = (uint64_t)s->cfg->ipc_idle_timeout_ms * QB_TIME_NS_IN_MSEC;
	struct ipcsrv_client *cl;
	unsigned n = 0;
	uint32_t i;

	for (i = 0; i < s->cfg->ipc_max_clients; i++) {
		cl = s->clients[i];
		if (cl == NULL || cl->closing || cl->uid == 0 || cl->token != 0 ||
		    now_ns < cl->active_ns || now_ns - cl->active_ns < idle_ns)
			continue;
		qb_log(LOG_NOTICE,
		       "ipc: pid %d uid %u idle for %u ms (ipc_idle_timeout_ms), "
		       "disconnected",
		       (int)cl->pid, (unsigned)cl->uid,
		       (unsigned)((now_ns - cl->active_ns) / QB_TIME_NS_IN_MSEC));
		cl->closing = true;
		n++;
		qb_ipcs_disconnect(cl->c); /* may free cl (ipcsrv_destroyed) */
	}
	return n;
}

static uint64_t
ipcsrv_sweep_interval_ns(const struct config *cfg)
{
	uint64_t ms = cfg->ipc_idle_timeout_ms / 4;

	if (ms < 50)
		ms = 50;
	if (ms > 1000)
		ms = 1000;
	return ms * QB_TIME_NS_IN_MSEC;
}

static void
ipcsrv_idle_timer(void *data)
{
	struct ipcsrv *s = data;

	ipcsrv_sweep_idle(s, qb_util_nano_current_get());
	qb_loop_timer_add(s->loop, QB_LOOP_LOW, ipcsrv_sweep_interval_ns(s->cfg), s,
	                  ipcsrv_idle_timer, &s->idle_timer);
}

/* libqb's poll hooks, onto our qb loop (NULL = the default loop, which is
 * the one ferryd created; the hooks have no context argument). */
static int32_t
ipcsrv_job_add(enum qb_loop_priority p, void *data, qb_loop_job_dispatch_fn fn)
{
	return qb_loop_job_add(NULL, p, data, fn);
}

static int32_t
ipcsrv_dispatch_add(enum qb_loop_priority p, int32_t fd, int32_t evts, void *data,
                    qb_ipcs_dispatch_fn_t fn)
{
	return qb_loop_poll_add(NULL, p, fd, evts, data, fn);
}

static int32_t
ipcsrv_dispatch_mod(enum qb_loop_priority p, int32_t fd, int32_t evts, void *data,
                    qb_ipcs_dispatch_fn_t fn)
{
	return qb_loop_poll_mod(NULL, p, fd, evts, data, fn);
}

static int32_t
ipcsrv_dispatch_del(int32_t fd)
{
	return qb_loop_poll_del(NULL, fd);
}

static struct qb_ipcs_poll_handlers ipcsrv_poll = {
        .job_add = ipcsrv_job_add,
        .dispatch_add = ipcsrv_dispatch_add,
        .dispatch_mod = ipcsrv_dispatch_mod,
        .dispatch_del = ipcsrv_dispatch_del,
};

static struct qb_ipcs_service_handlers ipcsrv_handlers = {
        .connection_accept = ipcsrv_accept,
        .connection_created = ipcsrv_created,
        .msg_process = ipcsrv_process,
        .connection_closed = ipcsrv_closed,
        .connection_destroyed = ipcsrv_destroyed,
};

/* The server's state without the libqb service (tests use it alone). */
static struct ipcsrv *
ipcsrv_new(const struct config *cfg, const struct ipcsrv_events *events, void *ctx)
{
	struct ipcsrv *s;
	struct group *g;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->cfg = cfg;
	s->ev = events;
	s->ctx = ctx;
	s->max_pending = cfg->ipc_max_clients;
	s->pending = calloc(s->max_pending, sizeof(*s->pending));
	s->clients = calloc(cfg->ipc_max_clients, sizeof(*s->clients));
	if (s->pending == NULL || s->clients == NULL) {
		free(s->pending);
		free(s->clients);
		free(s);
		return NULL;
	}
	g = getgrnam(cfg->ipc_group);
	if (g != NULL) {
		s->allowed_gid = g->gr_gid;
		s->gid_known = true;
	} else {
		qb_log(LOG_WARNING, "ipc: group %s does not exist, only root may connect",
		       cfg->ipc_group);
	}
	return s;
}

int
ipcsrv_start(qb_loop_t *loop, const struct config *cfg, const struct ipcsrv_events *events,
             void *ctx, struct ipcsrv **ret)
{
	struct ipcsrv *s;
	const char *name;
	int r;

	s = ipcsrv_new(cfg, events, ctx);
	if (s == NULL)
		return -ENOMEM;
	name = getenv(FERRY_IPC_SERVICE_ENV);
	if (name == NULL || name[0] == '\0')
		name = FERRY_IPC_SERVICE;
	s->svc = qb_ipcs_create(name, 0, QB_IPC_NATIVE, &ipcsrv_handlers);
	if (s->svc == NULL) {
		r = -errno != 0 ? -errno : -ENOMEM;
		goto fail;
	}
	qb_ipcs_service_context_set(s->svc, s);
	qb_ipcs_poll_handlers_set(s->svc, &ipcsrv_poll);
	qb_ipcs_enforce_buffer_size(s->svc, FERRY_IPC_MAX_MSG_BYTES);
	r = qb_ipcs_run(s->svc);
	if (r < 0)
		goto fail;
	s->loop = loop;
	r = qb_loop_timer_add(s->loop, QB_LOOP_LOW, ipcsrv_sweep_interval_ns(cfg), s,
	                      ipcsrv_idle_timer, &s->idle_timer);
	if (r < 0)
		goto fail;
	qb_log(LOG_INFO,
	       "ipc: serving %s (at most %u clients, %u of them kept for root, %u per other uid; "
	       "idle ones disconnected after %u ms; %u-byte messages)",
	       name, cfg->ipc_max_clients, config_ipc_root_reserved(cfg),
	       cfg->ipc_max_clients_per_uid, cfg->ipc_idle_timeout_ms, FERRY_IPC_MAX_MSG_BYTES);
	*ret = s;
	return 0;
fail:
	ipcsrv_stop(s);
	return r;
}

struct ipcsrv *
ipcsrv_stop(struct ipcsrv *s)
{
	size_t i;

	if (s == NULL)
		return NULL;
	if (s->loop != NULL)
		qb_loop_timer_del(s->loop, s->idle_timer);
	for (i = 0; i < s->max_pending; i++)
		if (s->pending[i].token != 0 && s->pending[i].c != NULL)
			qb_ipcs_connection_unref(s->pending[i].c);
	if (s->svc != NULL)
		qb_ipcs_destroy(s->svc);
	free(s->pending);
	free(s->clients);
	free(s);
	return NULL;
}
