/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client.c - ferryd's IPC client (see client.h).  No logging: callers print.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <qb/qbipcc.h>

#include "ferry/client.h"

struct ferryclient {
	qb_ipcc_connection_t *conn;
	uint32_t seq;
};

static const char *const verdict_names[] = {
        [FERRY_VERDICT_GRANTED] = "granted",       [FERRY_VERDICT_REFUSED] = "refused",
        [FERRY_VERDICT_NO_QUORUM] = "no-quorum",   [FERRY_VERDICT_OWNED] = "owned-elsewhere",
        [FERRY_VERDICT_ORPHANED] = "orphaned",     [FERRY_VERDICT_STALE] = "stale-generation",
        [FERRY_VERDICT_BAD_STATE] = "bad-state",   [FERRY_VERDICT_UNAVAILABLE] = "unavailable",
        [FERRY_VERDICT_UNKNOWN_VM] = "unknown-vm",
};
_Static_assert(sizeof(verdict_names) / sizeof(verdict_names[0]) == _FERRY_VERDICT_MAX,
               "verdict name table");

static const char *const state_names[] = {
        [FERRY_VM_STOPPED] = "stopped",     [FERRY_VM_RUNNING] = "running",
        [FERRY_VM_MIGRATING] = "migrating", [FERRY_VM_SAVED] = "saved",
        [FERRY_VM_RESTORING] = "restoring",
};
_Static_assert(sizeof(state_names) / sizeof(state_names[0]) == _FERRY_VM_STATE_MAX,
               "state name table");

const char *
ferryclient_verdict_name(uint32_t verdict)
{
	return verdict < _FERRY_VERDICT_MAX ? verdict_names[verdict] : "unknown";
}

const char *
ferryclient_state_name(uint32_t state)
{
	return state < _FERRY_VM_STATE_MAX ? state_names[state] : "unknown";
}

int
ferryclient_connect(struct ferryclient **ret)
{
	struct ferryclient *c;
	const char *name = getenv(FERRY_IPC_SERVICE_ENV);
	int r;

	if (name == NULL || name[0] == '\0')
		name = FERRY_IPC_SERVICE;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	errno = 0;
	c->conn = qb_ipcc_connect(name, FERRY_IPC_MAX_MSG_BYTES);
	if (c->conn == NULL) {
		r = errno != 0 ? -errno : -ECONNREFUSED;
		free(c);
		return r;
	}
	*ret = c;
	return 0;
}

struct ferryclient *
ferryclient_free(struct ferryclient *c)
{
	if (c == NULL)
		return NULL;
	if (c->conn != NULL)
		qb_ipcc_disconnect(c->conn);
	free(c);
	return NULL;
}

/* The fixed part each answer type must have, and whether the length must
 * match exactly (trailing arrays are checked by the type's own function). */
static size_t
ferryclient_min_len(int32_t type)
{
	switch (type) {
	case FERRY_IPC_STATUS:
		return sizeof(struct ferry_ipc_status_rsp);
	case FERRY_IPC_LEDGER_DUMP:
		return sizeof(struct ferry_ipc_dump_rsp);
	case FERRY_IPC_HISTORY:
		return sizeof(struct ferry_ipc_history_rsp);
	case FERRY_IPC_DRAIN_SUBMIT:
	case FERRY_IPC_DRAIN_CANCEL:
		return sizeof(struct ferry_ipc_drain_rsp);
	case FERRY_IPC_DRAIN_LIST:
		return sizeof(struct ferry_ipc_drain_list_rsp);
	case FERRY_IPC_DRAIN_REPORT:
		return sizeof(struct ferry_ipc_drain_report_rsp);
	case FERRY_IPC_DRAIN_PROGRESS:
		return sizeof(struct ferry_ipc_drain_progress_rsp);
	case FERRY_IPC_PATH_CHECK:
		return sizeof(struct ferry_ipc_path_check_rsp);
	default:
		return sizeof(struct ferry_ipc_vm_rsp);
	}
}

int
ferryclient_check_rsp(const void *rsp, size_t len, int32_t type, uint32_t seq)
{
	struct ferry_ipc_rsp_hdr h;
	const struct ferry_ipc_status_rsp *st;
	const struct ferry_ipc_dump_rsp *du;
	const struct ferry_ipc_history_rsp *hi;

	if (rsp == NULL || len < sizeof(h) || len > FERRY_IPC_MAX_MSG_BYTES)
		return -EPROTO;
	memcpy(&h, rsp, sizeof(h));
	if (h.qb.size < 0 || (size_t)h.qb.size != len || h.version != FERRY_IPC_VERSION ||
	    h.qb.id != type || h.seq != seq)
		return -EPROTO;
	if (h.qb.error != 0)
		return h.qb.error < 0 ? h.qb.error : -EPROTO;
	if (len < ferryclient_min_len(type))
		return -EPROTO;
	switch (type) {
	case FERRY_IPC_STATUS:
		st = rsp;
		if (st->n_nodes > FERRY_IPC_MAX_NODES ||
		    (len - sizeof(*st)) / sizeof(struct ferry_ipc_vm_info) != st->n_vms ||
		    (len - sizeof(*st)) % sizeof(struct ferry_ipc_vm_info) != 0)
			return -EPROTO;
		return 0;
	case FERRY_IPC_LEDGER_DUMP:
		du = rsp;
		return len - sizeof(*du) == du->blob_len ? 0 : -EPROTO;
	case FERRY_IPC_HISTORY:
		hi = rsp;
		if ((len - sizeof(*hi)) % sizeof(struct ferry_ipc_move) != 0 ||
		    (len - sizeof(*hi)) / sizeof(struct ferry_ipc_move) != hi->n)
			return -EPROTO;
		return 0;
	case FERRY_IPC_DRAIN_SUBMIT:
	case FERRY_IPC_DRAIN_CANCEL:
		return len == sizeof(struct ferry_ipc_drain_rsp) ? 0 : -EPROTO;
	case FERRY_IPC_DRAIN_LIST: {
		const struct ferry_ipc_drain_list_rsp *dl = rsp;

		if ((len - sizeof(*dl)) % sizeof(struct ferry_ipc_drain_info) != 0 ||
		    (len - sizeof(*dl)) / sizeof(struct ferry_ipc_drain_info) != dl->n)
			return -EPROTO;
		return 0;
	}
	case FERRY_IPC_DRAIN_REPORT: {
		const struct ferry_ipc_drain_report_rsp *dr = rsp;
		size_t n = dr->found != 0 ? dr->info.n_steps : 0;

		if (n > FERRY_IPC_DRAIN_MAX_STEPS ||
		    len - sizeof(*dr) != n * sizeof(struct ferry_ipc_drain_step))
			return -EPROTO;
		return 0;
	}
	case FERRY_IPC_DRAIN_PROGRESS: {
		const struct ferry_ipc_drain_progress_rsp *dp = rsp;

		if (dp->n > FERRY_IPC_DRAIN_MAX_STEPS ||
		    len - sizeof(*dp) != dp->n * sizeof(struct ferry_ipc_drain_progress))
			return -EPROTO;
		return 0;
	}
	case FERRY_IPC_PATH_CHECK: {
		const struct ferry_ipc_path_check_rsp *pc = rsp;

		return len == sizeof(*pc) && pc->n <= FERRY_IPC_MAX_NODES ? 0 : -EPROTO;
	}
	default:
		return len == sizeof(struct ferry_ipc_vm_rsp) ? 0 : -EPROTO;
	}
}

int
ferryclient_call(struct ferryclient *c, void *req, size_t req_len, void *rsp, size_t rsp_max,
                 size_t *ret_len)
{
	struct ferry_ipc_req_hdr *h = req;
	int32_t type;
	uint32_t seq;
	ssize_t n;
	int r;

	if (c == NULL || c->conn == NULL || req_len < sizeof(*h) ||
	    req_len > FERRY_IPC_MAX_REQ_BYTES)
		return -EINVAL;
	h->qb.size = (int32_t)req_len;
	h->version = FERRY_IPC_VERSION;
	h->flags = 0;
	h->seq = ++c->seq;
	type = h->qb.id; /* rsp may be the same buffer as req */
	seq = h->seq;
	n = qb_ipcc_send(c->conn, req, req_len);
	if (n < 0)
		return (int)n;
	n = qb_ipcc_recv(c->conn, rsp, rsp_max, FERRYCLIENT_TIMEOUT_MS);
	if (n < 0)
		return n == -EAGAIN ? -ETIMEDOUT : (int)n;
	r = ferryclient_check_rsp(rsp, (size_t)n, type, seq);
	if (r < 0)
		return r;
	if (ret_len != NULL)
		*ret_len = (size_t)n;
	return 0;
}

static int
ferryclient_vm_call(struct ferryclient *c, int32_t type, const char *vm, const char *uuid,
                    const char *rsc, const char *peer, uint32_t mode, uint64_t generation,
                    uint32_t timeout_ms, struct ferry_ipc_vm_rsp *ret)
{
	struct ferry_ipc_vm_req req;
	struct ferry_ipc_vm_rsp rsp;
	int r;

	memset(&req, 0, sizeof(req));
	req.hdr.qb.id = type;
	if ((vm != NULL && strlen(vm) >= sizeof(req.vm)) ||
	    (uuid != NULL && strlen(uuid) >= sizeof(req.uuid)) ||
	    (rsc != NULL && strlen(rsc) >= sizeof(req.rsc)) ||
	    (peer != NULL && strlen(peer) >= sizeof(req.peer)))
		return -ENAMETOOLONG;
	if (vm != NULL)
		memcpy(req.vm, vm, strlen(vm));
	if (uuid != NULL)
		memcpy(req.uuid, uuid, strlen(uuid));
	if (rsc != NULL)
		memcpy(req.rsc, rsc, strlen(rsc));
	if (peer != NULL)
		memcpy(req.peer, peer, strlen(peer));
	req.mode = mode;
	req.generation = generation;
	req.timeout_ms = timeout_ms;
	memset(&rsp, 0, sizeof(rsp));
	r = ferryclient_call(c, &req, sizeof(req), &rsp, sizeof(rsp), NULL);
	if (r < 0)
		return r;
	rsp.reason[sizeof(rsp.reason) - 1] = '\0';
	if (ret != NULL)
		*ret = rsp;
	return 0;
}

int
ferryclient_acquire(struct ferryclient *c, const char *vm, const char *uuid, const char *rsc,
                    enum ferry_ipc_acquire_mode mode, uint64_t generation,
                    struct ferry_ipc_vm_rsp *ret)
{
	return ferryclient_vm_call(c, FERRY_IPC_ACQUIRE, vm, uuid, rsc, NULL, mode, generation, 0,
	                           ret);
}

int
ferryclient_release(struct ferryclient *c, const char *vm, const char *uuid,
                    struct ferry_ipc_vm_rsp *ret)
{
	return ferryclient_vm_call(c, FERRY_IPC_RELEASE, vm, uuid, NULL, NULL, 0, 0, 0, ret);
}

int
ferryclient_migrate_begin(struct ferryclient *c, const char *vm, const char *uuid,
                          const char *target_node, enum ferry_ipc_migrate_mode mode,
                          struct ferry_ipc_vm_rsp *ret)
{
	return ferryclient_vm_call(c, FERRY_IPC_MIGRATE_BEGIN, vm, uuid, NULL, target_node, mode, 0,
	                           0, ret);
}

int
ferryclient_migrate_commit(struct ferryclient *c, const char *vm, const char *uuid,
                           struct ferry_ipc_vm_rsp *ret)
{
	return ferryclient_vm_call(c, FERRY_IPC_MIGRATE_COMMIT, vm, uuid, NULL, NULL, 0, 0, 0, ret);
}

int
ferryclient_migrate_abort(struct ferryclient *c, const char *vm, const char *uuid,
                          struct ferry_ipc_vm_rsp *ret)
{
	return ferryclient_vm_call(c, FERRY_IPC_MIGRATE_ABORT, vm, uuid, NULL, NULL, 0, 0, 0, ret);
}

int
ferryclient_save(struct ferryclient *c, const char *vm, const char *uuid,
                 struct ferry_ipc_vm_rsp *ret)
{
	return ferryclient_vm_call(c, FERRY_IPC_SAVE, vm, uuid, NULL, NULL, 0, 0, 0, ret);
}

int
ferryclient_restore_commit(struct ferryclient *c, const char *vm, const char *uuid,
                           struct ferry_ipc_vm_rsp *ret)
{
	return ferryclient_vm_call(c, FERRY_IPC_RESTORE_COMMIT, vm, uuid, NULL, NULL, 0, 0, 0, ret);
}

int
ferryclient_restore_abort(struct ferryclient *c, const char *vm, const char *uuid,
                          struct ferry_ipc_vm_rsp *ret)
{
	return ferryclient_vm_call(c, FERRY_IPC_RESTORE_ABORT, vm, uuid, NULL, NULL, 0, 0, 0, ret);
}

int
ferryclient_expect_stop(struct ferryclient *c, const char *vm, const char *uuid,
                        uint32_t timeout_ms)
{
	return ferryclient_vm_call(c, FERRY_IPC_EXPECT_STOP, vm, uuid, NULL, NULL, 0, 0, timeout_ms,
	                           NULL);
}

int
ferryclient_force_release(struct ferryclient *c, const char *vm, struct ferry_ipc_vm_rsp *ret)
{
	return ferryclient_vm_call(c, FERRY_IPC_FORCE_RELEASE, vm, NULL, NULL, NULL, 0, 0, 0, ret);
}

int
ferryclient_record_move(struct ferryclient *c, const struct ferry_ipc_move *m)
{
	struct ferry_ipc_move_req req;
	struct ferry_ipc_vm_rsp rsp;
	int r;

	memset(&req, 0, sizeof(req));
	req.hdr.qb.id = FERRY_IPC_RECORD_MOVE;
	req.move = *m;
	r = ferryclient_call(c, &req, sizeof(req), &rsp, sizeof(rsp), NULL);
	if (r < 0)
		return r;
	return rsp.verdict == FERRY_VERDICT_GRANTED ? 0 : -EAGAIN;
}

static int
ferryclient_view(struct ferryclient *c, void *req, size_t req_len, void **ret, size_t *ret_len)
{
	void *buf;
	size_t len = 0;
	int r;

	buf = calloc(1, FERRY_IPC_MAX_MSG_BYTES);
	if (buf == NULL)
		return -ENOMEM;
	r = ferryclient_call(c, req, req_len, buf, FERRY_IPC_MAX_MSG_BYTES, &len);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

int
ferryclient_status(struct ferryclient *c, struct ferry_ipc_status_rsp **ret, size_t *ret_len)
{
	struct ferry_ipc_empty_req req;

	memset(&req, 0, sizeof(req));
	req.hdr.qb.id = FERRY_IPC_STATUS;
	return ferryclient_view(c, &req, sizeof(req), (void **)ret, ret_len);
}

int
ferryclient_dump(struct ferryclient *c, struct ferry_ipc_dump_rsp **ret, size_t *ret_len)
{
	struct ferry_ipc_empty_req req;

	memset(&req, 0, sizeof(req));
	req.hdr.qb.id = FERRY_IPC_LEDGER_DUMP;
	return ferryclient_view(c, &req, sizeof(req), (void **)ret, ret_len);
}

int
ferryclient_history(struct ferryclient *c, const char *vm, uint32_t max_records,
                    struct ferry_ipc_history_rsp **ret, size_t *ret_len)
{
	struct ferry_ipc_history_req req;

	memset(&req, 0, sizeof(req));
	req.hdr.qb.id = FERRY_IPC_HISTORY;
	if (vm != NULL) {
		if (strlen(vm) >= sizeof(req.vm))
			return -ENAMETOOLONG;
		memcpy(req.vm, vm, strlen(vm));
	}
	req.max_records = max_records;
	return ferryclient_view(c, &req, sizeof(req), (void **)ret, ret_len);
}

int
ferryclient_drain_submit(struct ferryclient *c, struct ferry_ipc_drain_submit_req *req,
                         struct ferry_ipc_drain_rsp *ret)
{
	struct ferry_ipc_drain_rsp rsp;
	int r;

	req->hdr.qb.id = FERRY_IPC_DRAIN_SUBMIT;
	memset(&rsp, 0, sizeof(rsp));
	r = ferryclient_call(c, req, sizeof(*req), &rsp, sizeof(rsp), NULL);
	if (r < 0)
		return r;
	rsp.reason[sizeof(rsp.reason) - 1] = '\0';
	*ret = rsp;
	return 0;
}

int
ferryclient_drain_cancel(struct ferryclient *c, uint32_t id, const char *by,
                         struct ferry_ipc_drain_rsp *ret)
{
	struct ferry_ipc_drain_id_req req;
	struct ferry_ipc_drain_rsp rsp;
	int r;

	memset(&req, 0, sizeof(req));
	req.hdr.qb.id = FERRY_IPC_DRAIN_CANCEL;
	req.id = id;
	snprintf(req.requested_by, sizeof(req.requested_by), "%s", by != NULL ? by : "");
	memset(&rsp, 0, sizeof(rsp));
	r = ferryclient_call(c, &req, sizeof(req), &rsp, sizeof(rsp), NULL);
	if (r < 0)
		return r;
	rsp.reason[sizeof(rsp.reason) - 1] = '\0';
	*ret = rsp;
	return 0;
}

/* The drain views: one request shape (a drain id, 0 = the latest), three answers. */
static int
ferryclient_drain_view(struct ferryclient *c, int32_t type, uint32_t id, void **ret,
                       size_t *ret_len)
{
	struct ferry_ipc_drain_id_req req;

	memset(&req, 0, sizeof(req));
	req.hdr.qb.id = type;
	req.id = id;
	return ferryclient_view(c, &req, sizeof(req), ret, ret_len);
}

int
ferryclient_drain_list(struct ferryclient *c, struct ferry_ipc_drain_list_rsp **ret,
                       size_t *ret_len)
{
	return ferryclient_drain_view(c, FERRY_IPC_DRAIN_LIST, 0, (void **)ret, ret_len);
}

int
ferryclient_drain_report(struct ferryclient *c, uint32_t id,
                         struct ferry_ipc_drain_report_rsp **ret, size_t *ret_len)
{
	return ferryclient_drain_view(c, FERRY_IPC_DRAIN_REPORT, id, (void **)ret, ret_len);
}

int
ferryclient_drain_progress(struct ferryclient *c, uint32_t id,
                           struct ferry_ipc_drain_progress_rsp **ret, size_t *ret_len)
{
	return ferryclient_drain_view(c, FERRY_IPC_DRAIN_PROGRESS, id, (void **)ret, ret_len);
}

int
ferryclient_path_check(struct ferryclient *c, const char *path,
                       struct ferry_ipc_path_check_rsp **ret, size_t *ret_len)
{
	struct ferry_ipc_path_check_req req;
	struct ferry_ipc_path_check_rsp *rsp = NULL;
	size_t len = 0;
	int r;

	if (path == NULL || path[0] != '/' || ret == NULL || ret_len == NULL)
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	if (strlen(path) >= sizeof(req.path))
		return -ENAMETOOLONG;
	req.hdr.qb.id = FERRY_IPC_PATH_CHECK;
	snprintf(req.path, sizeof(req.path), "%s", path);
	r = ferryclient_view(c, &req, sizeof(req), (void **)&rsp, &len);
	if (r < 0)
		return r;
	rsp->text[sizeof(rsp->text) - 1] = '\0';
	for (uint32_t i = 0; i < rsp->n; i++) {
		rsp->answers[i].node[sizeof(rsp->answers[i].node) - 1] = '\0';
		rsp->answers[i].text[sizeof(rsp->answers[i].text) - 1] = '\0';
	}
	*ret = rsp;
	*ret_len = len;
	return 0;
}
