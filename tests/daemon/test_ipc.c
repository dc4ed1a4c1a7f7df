/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ipc - the IPC protocol's checks on both sides: the server's request
 * validation (length, size field, version, type), the peer credential
 * check, and the client's answer validation; then the server's request path
 * on fake libqb connections (libqb's connection calls are --wrap'ed). */
#include "config.c"
#include "ipcsrv.c"

#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "ferry/client.h"

/* ipcsrv.c's neighbours, not used by the pure checks */
static uint64_t glue_token; /* the last request handed to the glue */
static int glue_calls;

static void
ev_request(void *ctx, uint64_t token, const struct ferry_ipc_vm_req *req)
{
	(void)ctx, (void)req;
	glue_token = token;
	glue_calls++;
}
static void
ev_record_move(void *ctx, uint64_t token, const struct ferry_ipc_move *m)
{
	(void)ctx, (void)m;
	glue_token = token;
	glue_calls++;
}
static ssize_t
ev_status(void *ctx, void *buf, size_t len)
{
	(void)ctx, (void)buf, (void)len;
	return -ENOSYS;
}
static ssize_t
ev_dump(void *ctx, void *buf, size_t len)
{
	(void)ctx, (void)buf, (void)len;
	return -ENOSYS;
}
static ssize_t
ev_history(void *ctx, const struct ferry_ipc_history_req *req, void *buf, size_t len)
{
	(void)ctx, (void)req, (void)buf, (void)len;
	return -ENOSYS;
}
static void
ev_drain_submit(void *ctx, uint64_t token, const struct ferry_ipc_drain_submit_req *r)
{
	(void)ctx, (void)r;
	glue_token = token;
	glue_calls++;
}
static void
ev_drain_cancel(void *ctx, uint64_t token, const struct ferry_ipc_drain_id_req *r)
{
	(void)ctx, (void)r;
	glue_token = token;
	glue_calls++;
}
static ssize_t
ev_drain_view(void *ctx, const struct ferry_ipc_drain_id_req *req, void *buf, size_t len)
{
	(void)ctx, (void)req, (void)buf, (void)len;
	return -ENOSYS;
}
static void
ev_path_check(void *ctx, uint64_t token, const struct ferry_ipc_path_check_req *r)
{
	(void)ctx, (void)r;
	glue_token = token;
	glue_calls++;
}
static char expect_uuid[64];
static int expect_calls;

/* Reads the UUID as virtwatch does (up to its terminator). */
static void
ev_expect_stop(void *ctx, const char *uuid, uint32_t timeout_ms)
{
	(void)ctx, (void)timeout_ms;
	snprintf(expect_uuid, sizeof(expect_uuid), "%s", uuid);
	expect_calls++;
}

/* the stand-ins above, as ferryd.c would wire its neighbours */
static const struct ipcsrv_events events = {
        .request = ev_request,
        .record_move = ev_record_move,
        .expect_stop = ev_expect_stop,
        .status = ev_status,
        .dump = ev_dump,
        .history = ev_history,
        .drain_submit = ev_drain_submit,
        .drain_cancel = ev_drain_cancel,
        .drain_view = ev_drain_view,
        .path_check = ev_path_check,
};

/* ---- fake libqb connections ------------------------------------------------ */

struct fake_conn {
	void *ctx; /* qb_ipcs_context_set */
	int refs;
	pid_t pid;
	bool disconnected;
	int n_rsp;
	int32_t rsp_type;
	int32_t rsp_error;
	size_t rsp_len;
	struct ferry_ipc_vm_rsp rsp; /* the last answer, when it fits */
};

/* what ferryd.c gives the server: its config; and the server */
static struct {
	struct config cfg;
	struct ipcsrv *ipc;
} srv;

#define HACLIENT_GID ((gid_t)189)
#define USER_UID     ((uid_t)1000)

void *__wrap_qb_ipcs_connection_service_context_get(qb_ipcs_connection_t *c);
void *__wrap_qb_ipcs_context_get(qb_ipcs_connection_t *c);
void __wrap_qb_ipcs_context_set(qb_ipcs_connection_t *c, void *context);
ssize_t __wrap_qb_ipcs_response_send(qb_ipcs_connection_t *c, const void *data, size_t size);
void __wrap_qb_ipcs_connection_ref(qb_ipcs_connection_t *c);
void __wrap_qb_ipcs_connection_unref(qb_ipcs_connection_t *c);
void __wrap_qb_ipcs_connection_auth_set(qb_ipcs_connection_t *c, uid_t uid, gid_t gid, mode_t mode);
int32_t __wrap_qb_ipcs_connection_stats_get(qb_ipcs_connection_t *c,
                                            struct qb_ipcs_connection_stats *stats, int32_t clear);
void __wrap_qb_ipcs_disconnect(qb_ipcs_connection_t *c);

void *
__wrap_qb_ipcs_connection_service_context_get(qb_ipcs_connection_t *c)
{
	(void)c;
	return srv.ipc;
}
void *
__wrap_qb_ipcs_context_get(qb_ipcs_connection_t *c)
{
	return ((struct fake_conn *)(void *)c)->ctx;
}
void
__wrap_qb_ipcs_context_set(qb_ipcs_connection_t *c, void *context)
{
	((struct fake_conn *)(void *)c)->ctx = context;
}
ssize_t
__wrap_qb_ipcs_response_send(qb_ipcs_connection_t *c, const void *data, size_t size)
{
	struct fake_conn *f = (void *)c;
	const struct ferry_ipc_rsp_hdr *h = data;

	assert_true(size >= sizeof(*h));
	f->n_rsp++;
	f->rsp_type = h->qb.id;
	f->rsp_error = h->qb.error;
	f->rsp_len = size;
	memset(&f->rsp, 0, sizeof(f->rsp));
	memcpy(&f->rsp, data, size < sizeof(f->rsp) ? size : sizeof(f->rsp));
	return (ssize_t)size;
}
void
__wrap_qb_ipcs_connection_ref(qb_ipcs_connection_t *c)
{
	((struct fake_conn *)(void *)c)->refs++;
}
void
__wrap_qb_ipcs_connection_unref(qb_ipcs_connection_t *c)
{
	((struct fake_conn *)(void *)c)->refs--;
}
void
__wrap_qb_ipcs_connection_auth_set(qb_ipcs_connection_t *c, uid_t uid, gid_t gid, mode_t mode)
{
	(void)c, (void)uid, (void)gid, (void)mode;
}
int32_t
__wrap_qb_ipcs_connection_stats_get(qb_ipcs_connection_t *c, struct qb_ipcs_connection_stats *stats,
                                    int32_t clear)
{
	(void)clear;
	memset(stats, 0, sizeof(*stats));
	stats->client_pid = ((struct fake_conn *)(void *)c)->pid;
	return 0;
}
/* As libqb: the server's destroyed hook runs when the last reference goes. */
void
__wrap_qb_ipcs_disconnect(qb_ipcs_connection_t *c)
{
	struct fake_conn *f = (void *)c;

	if (f->disconnected)
		return;
	f->disconnected = true;
	ipcsrv_destroyed(c);
}

static qb_ipcs_connection_t *
qbc(struct fake_conn *f)
{
	return (qb_ipcs_connection_t *)(void *)f;
}

/* A server without the libqb service, for the fake connections. */
static int
server_setup(void **state)
{
	(void)state;
	memset(&srv, 0, sizeof(srv));
	config_defaults(&srv.cfg);
	srv.ipc = ipcsrv_new(&srv.cfg, &events, &srv);
	if (srv.ipc == NULL)
		return -1;
	srv.ipc->allowed_gid = HACLIENT_GID; /* whatever this host has */
	srv.ipc->gid_known = true;
	expect_calls = 0;
	expect_uuid[0] = '\0';
	glue_calls = 0;
	glue_token = 0;
	return 0;
}

static int
server_teardown(void **state)
{
	(void)state;
	srv.ipc = ipcsrv_stop(srv.ipc);
	return 0;
}

/* A connection libqb accepted and created for uid:gid. */
static void
fake_connect(struct fake_conn *f, uid_t uid, gid_t gid)
{
	memset(f, 0, sizeof(*f));
	f->refs = 1;
	f->pid = getpid();
	assert_int_equal(ipcsrv_accept(qbc(f), uid, gid), 0);
	ipcsrv_created(qbc(f));
}

static void
fake_close(struct fake_conn *f)
{
	__wrap_qb_ipcs_disconnect(qbc(f));
}

#define GOOD_UUID "6695eb01-f6a4-8304-79aa-97f2502e193f"

static void
fill(void *buf, size_t len, int32_t type)
{
	struct ferry_ipc_req_hdr *h = buf;

	memset(buf, 0, len);
	h->qb.id = type;
	h->qb.size = (int32_t)len;
	h->version = FERRY_IPC_VERSION;
}

static void
test_request_good(void **state)
{
	struct ferry_ipc_vm_req vm;
	struct ferry_ipc_move_req mv;
	struct ferry_ipc_empty_req e;
	struct ferry_ipc_history_req hi;
	static struct ferry_ipc_drain_submit_req ds;
	struct ferry_ipc_drain_id_req di;
	struct ferry_ipc_path_check_req pc;
	static const int32_t vm_types[] = {FERRY_IPC_ACQUIRE,       FERRY_IPC_RELEASE,
	                                   FERRY_IPC_MIGRATE_BEGIN, FERRY_IPC_MIGRATE_COMMIT,
	                                   FERRY_IPC_MIGRATE_ABORT, FERRY_IPC_SAVE,
	                                   FERRY_IPC_EXPECT_STOP,   FERRY_IPC_FORCE_RELEASE};
	size_t i;
	int idx;

	(void)state;
	for (i = 0; i < sizeof(vm_types) / sizeof(vm_types[0]); i++) {
		fill(&vm, sizeof(vm), vm_types[i]);
		idx = ipcsrv_check_request(&vm, sizeof(vm));
		assert_true(idx >= 0);
		assert_int_equal(ipcsrv_table[idx].type, vm_types[i]);
	}
	fill(&mv, sizeof(mv), FERRY_IPC_RECORD_MOVE);
	assert_true(ipcsrv_check_request(&mv, sizeof(mv)) >= 0);
	fill(&e, sizeof(e), FERRY_IPC_STATUS);
	assert_true(ipcsrv_check_request(&e, sizeof(e)) >= 0);
	fill(&e, sizeof(e), FERRY_IPC_LEDGER_DUMP);
	assert_true(ipcsrv_check_request(&e, sizeof(e)) >= 0);
	fill(&hi, sizeof(hi), FERRY_IPC_HISTORY);
	assert_true(ipcsrv_check_request(&hi, sizeof(hi)) >= 0);
	fill(&ds, sizeof(ds), FERRY_IPC_DRAIN_SUBMIT);
	assert_true(ipcsrv_check_request(&ds, sizeof(ds)) >= 0);
	fill(&di, sizeof(di), FERRY_IPC_DRAIN_REPORT);
	assert_true(ipcsrv_check_request(&di, sizeof(di)) >= 0);
	fill(&di, sizeof(di), FERRY_IPC_DRAIN_PROGRESS);
	assert_true(ipcsrv_check_request(&di, sizeof(di)) >= 0);
	fill(&pc, sizeof(pc), FERRY_IPC_PATH_CHECK);
	idx = ipcsrv_check_request(&pc, sizeof(pc));
	assert_true(idx >= 0);
	assert_int_equal(ipcsrv_table[idx].size, sizeof(struct ferry_ipc_path_check_req));
	/* only the read-only views are open to haclient */
	for (i = 0; i < IPCSRV_N_TYPES; i++)
		assert_int_equal(ipcsrv_table[i].root_only,
		                 ipcsrv_table[i].type != FERRY_IPC_STATUS &&
		                         ipcsrv_table[i].type != FERRY_IPC_LEDGER_DUMP &&
		                         ipcsrv_table[i].type != FERRY_IPC_HISTORY &&
		                         ipcsrv_table[i].type != FERRY_IPC_DRAIN_LIST &&
		                         ipcsrv_table[i].type != FERRY_IPC_DRAIN_REPORT &&
		                         ipcsrv_table[i].type != FERRY_IPC_DRAIN_PROGRESS);
}

static void
test_request_bad(void **state)
{
	unsigned char big[FERRY_IPC_MAX_REQ_BYTES + 8];
	struct ferry_ipc_vm_req vm;
	struct ferry_ipc_empty_req e;

	(void)state;
	assert_int_equal(ipcsrv_check_request(NULL, 0), -EBADMSG);
	/* truncated: shorter than a header */
	fill(&vm, sizeof(vm), FERRY_IPC_ACQUIRE);
	assert_int_equal(ipcsrv_check_request(&vm, sizeof(struct ferry_ipc_req_hdr) - 1), -EBADMSG);
	/* truncated: the size field says more than was received */
	assert_int_equal(ipcsrv_check_request(&vm, sizeof(vm) - 1), -EBADMSG);
	/* body of the wrong size for its type (size field consistent) */
	fill(&vm, sizeof(e), FERRY_IPC_ACQUIRE);
	assert_int_equal(ipcsrv_check_request(&vm, sizeof(e)), -EBADMSG);
	fill(&vm, sizeof(vm), FERRY_IPC_STATUS);
	assert_int_equal(ipcsrv_check_request(&vm, sizeof(vm)), -EBADMSG);
	/* a path check the size of another request (its path cut short) */
	fill(&vm, sizeof(vm), FERRY_IPC_PATH_CHECK);
	assert_int_equal(ipcsrv_check_request(&vm, sizeof(vm)), -EBADMSG);
	fill(&e, sizeof(e), FERRY_IPC_PATH_CHECK);
	assert_int_equal(ipcsrv_check_request(&e, sizeof(e)), -EBADMSG);
	/* negative size field */
	fill(&vm, sizeof(vm), FERRY_IPC_ACQUIRE);
	vm.hdr.qb.size = -1;
	assert_int_equal(ipcsrv_check_request(&vm, sizeof(vm)), -EBADMSG);
	/* oversize */
	fill(big, sizeof(big), FERRY_IPC_ACQUIRE);
	assert_int_equal(ipcsrv_check_request(big, sizeof(big)), -EMSGSIZE);
	/* wrong version */
	fill(&vm, sizeof(vm), FERRY_IPC_ACQUIRE);
	vm.hdr.version = FERRY_IPC_VERSION + 1;
	assert_int_equal(ipcsrv_check_request(&vm, sizeof(vm)), -EPROTO);
	/* unknown type */
	fill(&e, sizeof(e), 99);
	assert_int_equal(ipcsrv_check_request(&e, sizeof(e)), -EOPNOTSUPP);
	/* garbage */
	memset(big, 0xa5, sizeof(big));
	assert_true(ipcsrv_check_request(big, 100) < 0);
}

static void
test_peer(void **state)
{
	(void)state;
	assert_int_equal(ipcsrv_check_peer(0, 0, NULL, 189), 0);      /* root */
	assert_int_equal(ipcsrv_check_peer(0, 1000, NULL, 189), 0);   /* root, any group */
	assert_int_equal(ipcsrv_check_peer(189, 189, NULL, 189), 0);  /* hacluster:haclient */
	assert_int_equal(ipcsrv_check_peer(1000, 189, NULL, 189), 0); /* primary group haclient */
	assert_int_equal(ipcsrv_check_peer(1000, 1000, NULL, 189), -EACCES);
	assert_int_equal(ipcsrv_check_peer(1000, 0, NULL, 189), -EACCES); /* gid 0 is not uid 0 */
	/* no haclient group on this host: root only */
	assert_int_equal(ipcsrv_check_peer(1000, (gid_t)-1, NULL, (gid_t)-1), -EACCES);
	assert_int_equal(ipcsrv_check_peer(0, 5, NULL, (gid_t)-1), 0);
}

/* /proc/PID/status of a uid 1000 gid 1000 process, with these groups. */
#define STATUS(uid_line, gid_line, groups_line)                                                    \
	"Name:\tferryctl\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\nPid:\t4242\n"           \
	"PPid:\t1\nTracerPid:\t0\n" uid_line gid_line "FDSize:\t64\n" groups_line                  \
	"NStgid:\t4242\nVmPeak:\t   1000 kB\n"
#define UIDS "Uid:\t1000\t1000\t1000\t1000\n"
#define GIDS "Gid:\t1000\t1000\t1000\t1000\n"

/* Issue 10, item 11: a member of haclient through a supplementary group
 * (the usual case: "usermod -aG haclient alice") was refused, as only the
 * primary group was compared. */
static void
test_peer_supplementary(void **state)
{
	(void)state;
	/* haclient among the supplementary groups: admitted */
	assert_int_equal(
	        ipcsrv_check_peer(1000, 1000, STATUS(UIDS, GIDS, "Groups:\t24 27 189 \n"), 189), 0);
	assert_int_equal(ipcsrv_check_peer(1000, 1000, STATUS(UIDS, GIDS, "Groups:\t189\n"), 189),
	                 0);
	/* the last line of the text */
	assert_int_equal(ipcsrv_check_peer(1000, 1000,
	                                   "Uid:\t1000\t1000\t1000\t1000\n"
	                                   "Gid:\t1000\t1000\t1000\t1000\nGroups:\t4 189",
	                                   189),
	                 0);
	/* other groups only, or none */
	assert_int_equal(
	        ipcsrv_check_peer(1000, 1000, STATUS(UIDS, GIDS, "Groups:\t24 27 1890\n"), 189),
	        -EACCES);
	assert_int_equal(ipcsrv_check_peer(1000, 1000, STATUS(UIDS, GIDS, "Groups:\t18 9\n"), 189),
	                 -EACCES);
	assert_int_equal(ipcsrv_check_peer(1000, 1000, STATUS(UIDS, GIDS, "Groups:\t \n"), 189),
	                 -EACCES);
	assert_int_equal(ipcsrv_check_peer(1000, 1000, STATUS(UIDS, GIDS, ""), 189), -EACCES);
	/* unreadable status: primary group only */
	assert_int_equal(ipcsrv_check_peer(1000, 1000, NULL, 189), -EACCES);
	/* a status that is not the peer's any more (pid reused by another user,
	 * or ids changed since connect): its groups do not count */
	assert_int_equal(
	        ipcsrv_check_peer(1000, 1000,
	                          STATUS("Uid:\t1001\t1001\t1001\t1001\n", GIDS, "Groups:\t189\n"),
	                          189),
	        -EACCES);
	assert_int_equal(
	        ipcsrv_check_peer(1000, 1000,
	                          STATUS(UIDS, "Gid:\t1000\t5\t1000\t1000\n", "Groups:\t189\n"),
	                          189),
	        -EACCES);
	/* the effective uid is the one that counts (SO_PEERCRED's) */
	assert_int_equal(
	        ipcsrv_check_peer(1000, 1000,
	                          STATUS("Uid:\t0\t1000\t0\t1000\n", GIDS, "Groups:\t189\n"), 189),
	        0);
	/* a Groups-like text elsewhere is not the Groups: line */
	assert_int_equal(
	        ipcsrv_check_peer(1000, 1000, "Name:\tGroups: 189\n" UIDS GIDS "Groups:\t7\n", 189),
	        -EACCES);
	/* malformed ids */
	assert_int_equal(
	        ipcsrv_check_peer(1000, 1000, STATUS(UIDS, GIDS, "Groups:\t18x9 189\n"), 189),
	        -EACCES);
	assert_int_equal(ipcsrv_check_peer(1000, 1000, STATUS(UIDS, GIDS, "Groups:\t-189\n"), 189),
	                 -EACCES);
	/* no haclient group on this host */
	assert_int_equal(
	        ipcsrv_check_peer(1000, 1000, STATUS(UIDS, GIDS, "Groups:\t189\n"), (gid_t)-1),
	        -EACCES);
}

/* The accept path reads the peer's real /proc/PID/status: a child that
 * carries haclient only as a supplementary group (needs root to set up). */
static void
test_accept_supplementary(void **state)
{
	gid_t groups[] = {HACLIENT_GID};
	struct fake_conn f;
	int p[2], status;
	char ok = 0;
	pid_t pid;

	(void)state;
	if (geteuid() != 0) {
		printf("# test_accept_supplementary: needs root to give a child other groups\n");
		skip();
	}
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		if (setgroups(1, groups) == 0 && setresgid(USER_UID, USER_UID, USER_UID) == 0 &&
		    setresuid(USER_UID, USER_UID, USER_UID) == 0)
			ok = 1;
		if (write(p[1], &ok, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &ok, 1), 1);
	close(p[0]);
	assert_int_equal(ok, 1);
	memset(&f, 0, sizeof(f));
	f.pid = pid;
	assert_int_equal(ipcsrv_accept(qbc(&f), USER_UID, USER_UID), 0);
	assert_non_null(f.ctx);
	fake_close(&f);
	/* the same process is not in another group */
	srv.ipc->allowed_gid = HACLIENT_GID + 1;
	memset(&f, 0, sizeof(f));
	f.pid = pid;
	assert_int_equal(ipcsrv_accept(qbc(&f), USER_UID, USER_UID), -EACCES);
	/* nor does its status speak for another uid */
	srv.ipc->allowed_gid = HACLIENT_GID;
	assert_int_equal(ipcsrv_accept(qbc(&f), USER_UID + 1, USER_UID), -EACCES);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

/* An EXPECT_STOP request on the heap, sized exactly like libqb's copy. */
static struct ferry_ipc_vm_req *
expect_req(const char *uuid)
{
	struct ferry_ipc_vm_req *r = malloc(sizeof(*r));

	assert_non_null(r);
	fill(r, sizeof(*r), FERRY_IPC_EXPECT_STOP);
	snprintf(r->vm, sizeof(r->vm), "web1");
	if (uuid != NULL)
		snprintf(r->uuid, sizeof(r->uuid), "%s", uuid);
	r->timeout_ms = 1000;
	return r;
}

/* Issue 10 item 7: a UUID field without a terminator, and nothing but
 * non-zero bytes after it up to the end of the request, was read past the
 * request's end (ASan: heap-buffer-overflow); it is refused now. */
static void
test_expect_unterminated_uuid(void **state)
{
	struct ferry_ipc_vm_req *r = expect_req(NULL);
	struct fake_conn f;

	(void)state;
	fake_connect(&f, 0, 0);
	memset(r->uuid, 'a', sizeof(*r) - offsetof(struct ferry_ipc_vm_req, uuid));
	ipcsrv_process(qbc(&f), r, sizeof(*r));
	assert_int_equal(f.n_rsp, 1);
	assert_int_equal(f.rsp_error, -EINVAL);
	assert_int_equal(expect_calls, 0);
	free(r);
	fake_close(&f);
}

/* Terminated but not a canonical lower-case 8-4-4-4-12 UUID: refused. */
static void
test_expect_bad_uuid(void **state)
{
	static const char *const bad[] = {
	        "",
	        "web1",
	        "6695EB01-F6A4-8304-79AA-97F2502E193F", /* upper case */
	        "6695eb01f6a4830479aa97f2502e193f",     /* no dashes */
	        "6695eb01-f6a4-8304-79aa-97f2502e193f0",
	        "6695eb01-f6a4-8304-79aa-97f2502e193",
	        "6695eb01-f6a4-8304-79aa_97f2502e193f",
	        "../../../../etc/passwd",
	};
	struct fake_conn f;
	size_t i;

	(void)state;
	fake_connect(&f, 0, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ferry_ipc_vm_req *r = expect_req(bad[i]);

		ipcsrv_process(qbc(&f), r, sizeof(*r));
		assert_int_equal(f.n_rsp, (int)i + 1);
		assert_int_equal(f.rsp_error, -EINVAL);
		free(r);
	}
	assert_int_equal(expect_calls, 0);
	fake_close(&f);
}

static void
test_expect_good_uuid(void **state)
{
	struct ferry_ipc_vm_req *r = expect_req(GOOD_UUID);
	struct fake_conn f;

	(void)state;
	fake_connect(&f, 0, 0);
	/* the fields after the UUID need no terminator of their own */
	memset(r->rsc, 'x', sizeof(r->rsc));
	memset(r->peer, 'y', sizeof(r->peer));
	ipcsrv_process(qbc(&f), r, sizeof(*r));
	assert_int_equal(f.n_rsp, 1);
	assert_int_equal(f.rsp_error, 0);
	assert_int_equal(f.rsp.verdict, FERRY_VERDICT_GRANTED);
	assert_int_equal(expect_calls, 1);
	assert_string_equal(expect_uuid, GOOD_UUID);
	free(r);
	fake_close(&f);
}

/* ---- who may send what (issue 10, item 8) ------------------------------------ */

/* A well-formed request of this type on the heap; *ret_len: its size. */
static void *
type_req(int32_t type, size_t *ret_len)
{
	struct ferry_ipc_vm_req *vm;
	size_t i;
	void *r;

	for (i = 0; i < IPCSRV_N_TYPES && ipcsrv_table[i].type != type; i++)
		;
	assert_true(i < IPCSRV_N_TYPES);
	r = calloc(1, ipcsrv_table[i].size);
	assert_non_null(r);
	fill(r, ipcsrv_table[i].size, type);
	if (ipcsrv_table[i].size == sizeof(*vm)) {
		vm = r;
		snprintf(vm->vm, sizeof(vm->vm), "web1");
		snprintf(vm->uuid, sizeof(vm->uuid), GOOD_UUID);
	}
	*ret_len = ipcsrv_table[i].size;
	return r;
}

/* The test's request type and peer class (the case's initial state). */
enum peer_class { PEER_ROOT, PEER_HACLIENT };
struct type_case {
	int32_t type;
	enum peer_class peer;
	char name[64];
};

/* One request of the case's type from root (uid 0) or from a member of
 * haclient (uid 1000, primary group haclient).  Root reaches the handler for
 * every type; haclient reaches it only for the views and gets -EPERM for
 * everything that changes or records ownership. */
static void
test_type_access(void **state)
{
	const struct type_case *tc = *state;
	struct fake_conn f;
	size_t len, i;
	void *r = type_req(tc->type, &len);
	bool root_only;

	for (i = 0; i < IPCSRV_N_TYPES && ipcsrv_table[i].type != tc->type; i++)
		;
	root_only = ipcsrv_table[i].root_only;
	if (tc->peer == PEER_ROOT)
		fake_connect(&f, 0, 0);
	else
		fake_connect(&f, USER_UID, HACLIENT_GID);
	ipcsrv_process(qbc(&f), r, len);
	if (tc->peer == PEER_HACLIENT && root_only) {
		assert_int_equal(f.n_rsp, 1);
		assert_int_equal(f.rsp_type, tc->type);
		assert_int_equal(f.rsp_error, -EPERM);
		assert_int_equal(glue_calls + expect_calls, 0);
	} else if (ipcsrv_table[i].handler == ipcsrv_handle_view) {
		/* the stub glue's views answer -ENOSYS: the handler ran */
		assert_int_equal(f.n_rsp, 1);
		assert_int_equal(f.rsp_error, -ENOSYS);
	} else if (ipcsrv_table[i].handler == ipcsrv_handle_expect) {
		assert_int_equal(f.n_rsp, 1);
		assert_int_equal(f.rsp_error, 0);
		assert_int_equal(expect_calls, 1);
	} else {
		/* parked for the ledger's answer, then answered */
		struct ferry_ipc_vm_rsp rsp;

		assert_int_equal(f.n_rsp, 0);
		assert_int_equal(glue_calls, 1);
		memset(&rsp, 0, sizeof(rsp));
		assert_int_equal(ipcsrv_reply(srv.ipc, glue_token, &rsp, sizeof(rsp)), 0);
		assert_int_equal(f.n_rsp, 1);
		assert_int_equal(f.rsp_error, 0);
	}
	free(r);
	fake_close(&f);
}

/* Neither root nor haclient: not even a connection. */
static void
test_other_refused(void **state)
{
	struct fake_conn f;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.pid = getpid();
	assert_int_equal(ipcsrv_accept(qbc(&f), USER_UID, USER_UID), -EACCES);
	assert_null(f.ctx);
	assert_int_equal(srv.ipc->n_clients, 0);
}

/* ---- connection slots and idle clients (issue 10, item 9) ------------------ */

static void
test_slots_pure(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c); /* 32 clients, 8 kept for root, 4 per other uid */
	assert_int_equal(config_ipc_root_reserved(&c), 8);
	assert_int_equal(ipcsrv_check_slots(&c, 1000, 0, 0, 0), 0);
	assert_int_equal(ipcsrv_check_slots(&c, 1000, 3, 3, 3), 0);
	assert_int_equal(ipcsrv_check_slots(&c, 1000, 4, 4, 4), -EUSERS);
	assert_int_equal(ipcsrv_check_slots(&c, 1001, 4, 4, 0), 0);
	/* the others' share is full: only root gets in */
	assert_int_equal(ipcsrv_check_slots(&c, 1001, 24, 24, 0), -EMFILE);
	assert_int_equal(ipcsrv_check_slots(&c, 0, 24, 24, 0), 0);
	assert_int_equal(ipcsrv_check_slots(&c, 0, 31, 24, 7), 0);
	/* every slot taken: nobody */
	assert_int_equal(ipcsrv_check_slots(&c, 0, 32, 24, 8), -EMFILE);
	assert_int_equal(ipcsrv_check_slots(&c, 1001, 32, 8, 0), -EMFILE);
	/* root may hold any number (the agent: one per resource operation) */
	assert_int_equal(ipcsrv_check_slots(&c, 0, 20, 0, 20), 0);
	/* nothing kept for root */
	c.ipc_root_reserved = 0;
	assert_int_equal(ipcsrv_check_slots(&c, 1001, 31, 31, 0), 0);
	/* one slot: a quarter of it is nothing */
	config_defaults(&c);
	c.ipc_max_clients = 1;
	assert_int_equal(config_ipc_root_reserved(&c), 0);
	assert_int_equal(ipcsrv_check_slots(&c, 1000, 0, 0, 0), 0);
}

/* The attack of the review: one haclient uid opening connections until
 * the agent can't get in.  It gets its per-uid share, other haclient uids
 * the rest of the shared slots, and root always finds a reserved one. */
static void
test_slots_haclient_cannot_starve_root(void **state)
{
	static struct fake_conn f[40];
	uint32_t max = srv.cfg.ipc_max_clients, reserved = config_ipc_root_reserved(&srv.cfg);
	uint32_t per_uid = srv.cfg.ipc_max_clients_per_uid;
	size_t n = 0, i;
	uid_t u;

	(void)state;
	assert_true(max <= sizeof(f) / sizeof(f[0]));
	/* one uid: per_uid connections, then -EUSERS */
	for (i = 0; i < per_uid; i++)
		fake_connect(&f[n++], USER_UID, HACLIENT_GID);
	memset(&f[n], 0, sizeof(f[n]));
	assert_int_equal(ipcsrv_accept(qbc(&f[n]), USER_UID, HACLIENT_GID), -EUSERS);
	/* more uids fill the shared slots, then -EMFILE */
	for (u = USER_UID + 1; n < max - reserved; u++)
		for (i = 0; i < per_uid && n < max - reserved; i++)
			fake_connect(&f[n++], u, HACLIENT_GID);
	memset(&f[n], 0, sizeof(f[n]));
	assert_int_equal(ipcsrv_accept(qbc(&f[n]), u + 1, HACLIENT_GID), -EMFILE);
	/* root still gets every reserved slot */
	while (n < max)
		fake_connect(&f[n++], 0, 0);
	assert_int_equal(srv.ipc->n_clients, max);
	memset(&f[n], 0, sizeof(f[n]));
	assert_int_equal(ipcsrv_accept(qbc(&f[n]), 0, 0), -EMFILE);
	/* a freed slot is usable again */
	fake_close(&f[0]);
	fake_connect(&f[0], USER_UID, HACLIENT_GID);
	for (i = 0; i < n; i++)
		fake_close(&f[i]);
	assert_int_equal(srv.ipc->n_clients, 0);
}

/* libqb calls connection_destroyed for refused connections too; they
 * used to be subtracted from the count, which then let in more clients
 * than ipc_max_clients. */
static void
test_slots_refused_not_counted(void **state)
{
	struct fake_conn a, b, refused;
	int k;

	(void)state;
	srv.cfg.ipc_max_clients = 1;
	fake_connect(&a, 0, 0);
	for (k = 0; k < 3; k++) {
		memset(&refused, 0, sizeof(refused));
		assert_int_equal(ipcsrv_accept(qbc(&refused), 0, 0), -EMFILE);
		ipcsrv_destroyed(qbc(&refused)); /* as libqb does on a refusal */
	}
	assert_int_equal(srv.ipc->n_clients, 1);
	memset(&b, 0, sizeof(b));
	assert_int_equal(ipcsrv_accept(qbc(&b), 0, 0), -EMFILE);
	fake_close(&a);
	assert_int_equal(srv.ipc->n_clients, 0);
	srv.cfg.ipc_max_clients = 32;
}

static struct ipcsrv_client *
client_of(struct fake_conn *f)
{
	return f->ctx;
}

/* A non-root client with no request in flight is cut off once idle for
 * ipc_idle_timeout_ms; a request or an answer restarts its clock; root's
 * connections and one waiting for the ledger's answer are kept. */
static void
test_idle_cutoff(void **state)
{
	uint64_t t = srv.cfg.ipc_idle_timeout_ms * QB_TIME_NS_IN_MSEC;
	struct fake_conn user, busy, root, late;
	struct ferry_ipc_vm_rsp rsp;
	uint64_t t0;
	size_t len;
	void *r;

	(void)state;
	fake_connect(&user, USER_UID, HACLIENT_GID);
	fake_connect(&busy, 0, 0);
	fake_connect(&root, 0, 0);
	fake_connect(&late, USER_UID + 1, HACLIENT_GID);
	t0 = client_of(&user)->active_ns;
	/* busy: root, with a request parked for the ledger */
	r = type_req(FERRY_IPC_RELEASE, &len);
	ipcsrv_process(qbc(&busy), r, len);
	free(r);
	assert_int_equal(glue_calls, 1);
	/* late: asked something half-way */
	client_of(&late)->active_ns = t0 + t / 2;

	assert_int_equal(ipcsrv_sweep_idle(srv.ipc, t0 + t - 1), 0);
	assert_int_equal(ipcsrv_sweep_idle(srv.ipc, t0 + t), 1);
	assert_true(user.disconnected);
	assert_false(late.disconnected);
	assert_int_equal(srv.ipc->n_clients, 3);
	assert_int_equal(ipcsrv_sweep_idle(srv.ipc, t0 + t / 2 + t), 1);
	assert_true(late.disconnected);
	/* root's stay, idle or waiting, however long */
	assert_int_equal(ipcsrv_sweep_idle(srv.ipc, t0 + 100 * t), 0);
	assert_false(root.disconnected);
	assert_false(busy.disconnected);
	memset(&rsp, 0, sizeof(rsp));
	assert_int_equal(ipcsrv_reply(srv.ipc, glue_token, &rsp, sizeof(rsp)), 0);
	assert_int_equal(srv.ipc->n_clients, 2);
	fake_close(&busy);
	fake_close(&root);
	assert_int_equal(srv.ipc->n_clients, 0);
}

/* A request restarts a haclient client's clock, and one with a request in
 * flight is never idle (for haclient only root's requests park today, but
 * the rule is on the request, not on the uid). */
static void
test_idle_activity_restarts(void **state)
{
	uint64_t t = srv.cfg.ipc_idle_timeout_ms * QB_TIME_NS_IN_MSEC;
	struct ferry_ipc_empty_req e;
	struct fake_conn user;
	uint64_t t0;

	(void)state;
	fake_connect(&user, USER_UID, HACLIENT_GID);
	fill(&e, sizeof(e), FERRY_IPC_STATUS);
	ipcsrv_process(qbc(&user), &e, sizeof(e));
	assert_int_equal(user.n_rsp, 1);
	t0 = client_of(&user)->active_ns;
	assert_int_equal(ipcsrv_sweep_idle(srv.ipc, t0 + t - 1), 0);
	client_of(&user)->token = 42; /* as if waiting for an answer */
	assert_int_equal(ipcsrv_sweep_idle(srv.ipc, t0 + 10 * t), 0);
	client_of(&user)->token = 0;
	assert_int_equal(ipcsrv_sweep_idle(srv.ipc, t0 + 10 * t), 1);
	assert_true(user.disconnected);
	/* swept once: a second sweep before libqb destroys it does nothing */
	assert_int_equal(ipcsrv_sweep_idle(srv.ipc, t0 + 20 * t), 0);
}

static void
rsp_fill(void *buf, size_t len, int32_t type, uint32_t seq)
{
	struct ferry_ipc_rsp_hdr *h = buf;

	memset(buf, 0, len);
	h->qb.id = type;
	h->qb.size = (int32_t)len;
	h->version = FERRY_IPC_VERSION;
	h->seq = seq;
}

static void
test_client_vm_rsp(void **state)
{
	struct ferry_ipc_vm_rsp r;
	struct ferry_ipc_rsp_hdr e;

	(void)state;
	rsp_fill(&r, sizeof(r), FERRY_IPC_ACQUIRE, 7);
	assert_int_equal(ferryclient_check_rsp(&r, sizeof(r), FERRY_IPC_ACQUIRE, 7), 0);
	assert_int_equal(ferryclient_check_rsp(&r, sizeof(r), FERRY_IPC_ACQUIRE, 8), -EPROTO);
	assert_int_equal(ferryclient_check_rsp(&r, sizeof(r), FERRY_IPC_RELEASE, 7), -EPROTO);
	assert_int_equal(ferryclient_check_rsp(&r, sizeof(r) - 1, FERRY_IPC_ACQUIRE, 7), -EPROTO);
	assert_int_equal(ferryclient_check_rsp(&r, 3, FERRY_IPC_ACQUIRE, 7), -EPROTO);
	assert_int_equal(ferryclient_check_rsp(NULL, 0, FERRY_IPC_ACQUIRE, 7), -EPROTO);
	r.hdr.version = 9;
	assert_int_equal(ferryclient_check_rsp(&r, sizeof(r), FERRY_IPC_ACQUIRE, 7), -EPROTO);
	/* a bare header carrying the server's error */
	rsp_fill(&e, sizeof(e), FERRY_IPC_FORCE_RELEASE, 3);
	e.qb.error = -EPERM;
	assert_int_equal(ferryclient_check_rsp(&e, sizeof(e), FERRY_IPC_FORCE_RELEASE, 3), -EPERM);
	/* a bare header without an error is too short */
	e.qb.error = 0;
	assert_int_equal(ferryclient_check_rsp(&e, sizeof(e), FERRY_IPC_FORCE_RELEASE, 3), -EPROTO);
}

static void
test_client_arrays(void **state)
{
	unsigned char
	        buf[sizeof(struct ferry_ipc_status_rsp) + 3 * sizeof(struct ferry_ipc_vm_info)];
	struct ferry_ipc_status_rsp *s = (void *)buf;
	struct ferry_ipc_dump_rsp *d = (void *)buf;
	struct ferry_ipc_history_rsp *h = (void *)buf;
	static struct ferry_ipc_path_check_rsp pc;
	size_t len;

	(void)state;
	len = sizeof(*s) + 2 * sizeof(struct ferry_ipc_vm_info);
	rsp_fill(buf, len, FERRY_IPC_STATUS, 1);
	s->n_vms = 2;
	assert_int_equal(ferryclient_check_rsp(buf, len, FERRY_IPC_STATUS, 1), 0);
	s->n_vms = 3; /* claims more than it carries */
	assert_int_equal(ferryclient_check_rsp(buf, len, FERRY_IPC_STATUS, 1), -EPROTO);
	s->n_vms = 2;
	s->n_nodes = FERRY_IPC_MAX_NODES + 1;
	assert_int_equal(ferryclient_check_rsp(buf, len, FERRY_IPC_STATUS, 1), -EPROTO);
	rsp_fill(buf, len - 1, FERRY_IPC_STATUS, 1); /* not a whole entry */
	s->n_vms = 1;
	assert_int_equal(ferryclient_check_rsp(buf, len - 1, FERRY_IPC_STATUS, 1), -EPROTO);

	len = sizeof(*d) + 10;
	rsp_fill(buf, len, FERRY_IPC_LEDGER_DUMP, 2);
	d->blob_len = 10;
	assert_int_equal(ferryclient_check_rsp(buf, len, FERRY_IPC_LEDGER_DUMP, 2), 0);
	d->blob_len = 11;
	assert_int_equal(ferryclient_check_rsp(buf, len, FERRY_IPC_LEDGER_DUMP, 2), -EPROTO);

	len = sizeof(*h) + sizeof(struct ferry_ipc_move);
	rsp_fill(buf, len, FERRY_IPC_HISTORY, 3);
	h->n = 1;
	assert_int_equal(ferryclient_check_rsp(buf, len, FERRY_IPC_HISTORY, 3), 0);
	h->n = 0;
	assert_int_equal(ferryclient_check_rsp(buf, len, FERRY_IPC_HISTORY, 3), -EPROTO);

	{
		struct ferry_ipc_drain_progress_rsp *p = (void *)buf;

		len = sizeof(*p) + 2 * sizeof(struct ferry_ipc_drain_progress);
		assert_true(len <= sizeof(buf));
		rsp_fill(buf, len, FERRY_IPC_DRAIN_PROGRESS, 4);
		p->n = 2;
		assert_int_equal(ferryclient_check_rsp(buf, len, FERRY_IPC_DRAIN_PROGRESS, 4), 0);
		p->n = 3; /* claims more than it carries */
		assert_int_equal(ferryclient_check_rsp(buf, len, FERRY_IPC_DRAIN_PROGRESS, 4),
		                 -EPROTO);
		p->n = FERRY_IPC_DRAIN_MAX_STEPS + 1;
		assert_int_equal(ferryclient_check_rsp(buf, len, FERRY_IPC_DRAIN_PROGRESS, 4),
		                 -EPROTO);
	}
	/* a path check's answer: its exact size, at most one answer per node */
	rsp_fill(&pc, sizeof(pc), FERRY_IPC_PATH_CHECK, 4);
	pc.n = 2;
	assert_int_equal(ferryclient_check_rsp(&pc, sizeof(pc), FERRY_IPC_PATH_CHECK, 4), 0);
	pc.n = FERRY_IPC_MAX_NODES + 1;
	assert_int_equal(ferryclient_check_rsp(&pc, sizeof(pc), FERRY_IPC_PATH_CHECK, 4), -EPROTO);
	pc.n = 2;
	rsp_fill(&pc, sizeof(struct ferry_ipc_vm_rsp), FERRY_IPC_PATH_CHECK, 4);
	assert_int_equal(ferryclient_check_rsp(&pc, sizeof(struct ferry_ipc_vm_rsp),
	                                       FERRY_IPC_PATH_CHECK, 4),
	                 -EPROTO);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(ferryclient_verdict_name(FERRY_VERDICT_ORPHANED), "orphaned");
	assert_string_equal(ferryclient_verdict_name(1000), "unknown");
	assert_string_equal(ferryclient_state_name(FERRY_VM_MIGRATING), "migrating");
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
	        cmocka_unit_test(test_request_good),
	        cmocka_unit_test(test_request_bad),
	        cmocka_unit_test(test_peer),
	        cmocka_unit_test(test_peer_supplementary),
	        cmocka_unit_test(test_client_vm_rsp),
	        cmocka_unit_test(test_client_arrays),
	        cmocka_unit_test(test_names),
	        cmocka_unit_test_setup_teardown(test_expect_unterminated_uuid, server_setup,
	                                        server_teardown),
	        cmocka_unit_test_setup_teardown(test_expect_bad_uuid, server_setup,
	                                        server_teardown),
	        cmocka_unit_test_setup_teardown(test_expect_good_uuid, server_setup,
	                                        server_teardown),
	        cmocka_unit_test_setup_teardown(test_other_refused, server_setup, server_teardown),
	        cmocka_unit_test_setup_teardown(test_accept_supplementary, server_setup,
	                                        server_teardown),
	        cmocka_unit_test(test_slots_pure),
	        cmocka_unit_test_setup_teardown(test_slots_haclient_cannot_starve_root,
	                                        server_setup, server_teardown),
	        cmocka_unit_test_setup_teardown(test_slots_refused_not_counted, server_setup,
	                                        server_teardown),
	        cmocka_unit_test_setup_teardown(test_idle_cutoff, server_setup, server_teardown),
	        cmocka_unit_test_setup_teardown(test_idle_activity_restarts, server_setup,
	                                        server_teardown),
	};
	static struct type_case cases[2 * IPCSRV_N_TYPES];
	static struct CMUnitTest tests[sizeof(fixed) / sizeof(fixed[0]) + 2 * IPCSRV_N_TYPES];
	size_t n = 0, i;

	for (n = 0; n < sizeof(fixed) / sizeof(fixed[0]); n++)
		tests[n] = fixed[n];
	/* one case per request type and peer: test_access_<peer>_<type> */
	for (i = 0; i < 2 * IPCSRV_N_TYPES; i++) {
		struct type_case *tc = &cases[i];
		const char *t = ipcsrv_table[i / 2].name;
		char *p;

		tc->type = ipcsrv_table[i / 2].type;
		tc->peer = i % 2 == 0 ? PEER_ROOT : PEER_HACLIENT;
		snprintf(tc->name, sizeof(tc->name), "test_access_%s_%s",
		         tc->peer == PEER_ROOT ? "root" : "haclient", t);
		for (p = tc->name; *p != '\0'; p++)
			if (*p == ' ')
				*p = '_';
		tests[n].name = tc->name;
		tests[n].test_func = test_type_access;
		tests[n].setup_func = server_setup;
		tests[n].teardown_func = server_teardown;
		tests[n].initial_state = tc;
		n++;
	}
	return _cmocka_run_group_tests("test_ipc", tests, n, NULL, NULL);
}
