/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ipclive - the IPC server and the client library over real libqb IPC,
 * in one process (server on a qb loop in the main thread, client in a
 * thread): deferred ownership answers, views, a path check, malformed requests answered
 * with an error, the client limit; and, with clients in child processes, an
 * idle haclient client cut off while root's is kept.  Uses a private
 * service name. */
#include "config.c"
#include "ipcsrv.c"

#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ferry/client.h"

#define UUID1 "6695eb01-f6a4-8304-79aa-97f2502e193f"

/* what ferryd.c gives the server: its loop and config; and the server */
static struct {
	struct config cfg;
	qb_loop_t *loop;
	struct ipcsrv *ipc;
} d;
static atomic_bool client_done;
static uint64_t parked_token;
static struct ferry_ipc_vm_req parked_req;
static qb_loop_timer_handle reply_timer;
static int expect_calls;

/* ledgerglue stand-in: answers an ownership request 20 ms later, from the
 * loop, like a decision coming back from CPG. */
static void
answer_later(void *data)
{
	struct ferry_ipc_vm_rsp rsp;

	(void)data;
	memset(&rsp, 0, sizeof(rsp));
	rsp.verdict =
	        strcmp(parked_req.vm, "taken") == 0 ? FERRY_VERDICT_OWNED : FERRY_VERDICT_GRANTED;
	rsp.owner_nodeid = 2;
	rsp.generation = parked_req.generation + 1;
	snprintf(rsp.reason, sizeof(rsp.reason), "%s %s", parked_req.vm, parked_req.rsc);
	assert_int_equal(ipcsrv_reply(d.ipc, parked_token, &rsp, sizeof(rsp)), 0);
	assert_int_equal(ipcsrv_reply(d.ipc, parked_token, &rsp, sizeof(rsp)), -ENOENT);
}

static void
ev_request(void *ctx, uint64_t token, const struct ferry_ipc_vm_req *req)
{
	(void)ctx;
	parked_token = token;
	parked_req = *req;
	qb_loop_timer_add(d.loop, QB_LOOP_MED, 20 * QB_TIME_NS_IN_MSEC, NULL, answer_later,
	                  &reply_timer);
}
static void
ev_record_move(void *ctx, uint64_t token, const struct ferry_ipc_move *m)
{
	struct ferry_ipc_vm_rsp rsp;

	(void)ctx;
	memset(&rsp, 0, sizeof(rsp));
	rsp.verdict = strcmp(m->result, "ok") == 0 ? FERRY_VERDICT_GRANTED : FERRY_VERDICT_REFUSED;
	ipcsrv_reply(d.ipc, token, &rsp, sizeof(rsp));
}
static ssize_t
ev_status(void *ctx, void *buf, size_t len)
{
	struct ferry_ipc_status_rsp *s = buf;
	struct ferry_ipc_vm_info *v = (void *)(s + 1);

	(void)ctx;
	assert_true(len >= sizeof(*s) + sizeof(*v));
	memset(buf, 0, sizeof(*s) + sizeof(*v));
	s->local_nodeid = 1;
	s->quorate = 1;
	s->n_nodes = 1;
	s->nodes[0].nodeid = 1;
	snprintf(s->nodes[0].name, sizeof(s->nodes[0].name), "node1");
	s->n_vms = 1;
	snprintf(v->vm, sizeof(v->vm), "web1");
	v->state = FERRY_VM_RUNNING;
	v->generation = 3;
	return (ssize_t)(sizeof(*s) + sizeof(*v));
}
static ssize_t
ev_dump(void *ctx, void *buf, size_t len)
{
	struct ferry_ipc_dump_rsp *r = buf;

	(void)ctx, (void)len;
	memset(r, 0, sizeof(*r));
	r->blob_len = 5;
	memcpy(r + 1, "hello", 5);
	return (ssize_t)(sizeof(*r) + 5);
}
static ssize_t
ev_history(void *ctx, const struct ferry_ipc_history_req *req, void *buf, size_t len)
{
	(void)ctx, (void)req, (void)buf, (void)len;
	return -EIO;
}
static void
ev_expect_stop(void *ctx, const char *uuid, uint32_t timeout_ms)
{
	(void)ctx;
	assert_string_equal(uuid, UUID1);
	assert_int_equal(timeout_ms, d.cfg.expect_stop_max_ms); /* 0 = the maximum */
	expect_calls++;
}

/* share probe stand-in: this node can use the path, node2 is another disk */
static void
ev_path_check(void *ctx, uint64_t token, const struct ferry_ipc_path_check_req *req)
{
	static struct ferry_ipc_path_check_rsp rsp;

	(void)ctx;
	memset(&rsp, 0, sizeof(rsp));
	rsp.local_nodeid = 1;
	rsp.n = 2;
	rsp.answers[0].nodeid = 1;
	snprintf(rsp.answers[0].node, sizeof(rsp.answers[0].node), "node1");
	rsp.answers[1].nodeid = 2;
	snprintf(rsp.answers[1].node, sizeof(rsp.answers[1].node), "node2");
	rsp.answers[1].result = -EXDEV;
	snprintf(rsp.answers[1].text, sizeof(rsp.answers[1].text), "%.100s", req->path);
	ipcsrv_reply(d.ipc, token, &rsp, sizeof(rsp));
}

/* the stand-ins above, as ferryd.c would wire its neighbours */
static const struct ipcsrv_events events = {
        .request = ev_request,
        .record_move = ev_record_move,
        .expect_stop = ev_expect_stop,
        .status = ev_status,
        .dump = ev_dump,
        .history = ev_history,
        .path_check = ev_path_check,
};

static int client_result = -1;
static char client_error[256];

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			snprintf(client_error, sizeof(client_error), "%s:%d: %s", __FILE__,        \
			         __LINE__, #cond);                                                 \
			goto out;                                                                  \
		}                                                                                  \
	} while (0)

static void *
client_thread(void *arg)
{
	struct ferryclient *c = NULL, *c2 = NULL;
	struct ferry_ipc_vm_rsp rsp;
	struct ferry_ipc_status_rsp *st = NULL;
	struct ferry_ipc_dump_rsp *du = NULL;
	struct ferry_ipc_history_rsp *hi = NULL;
	struct ferry_ipc_path_check_rsp *pc = NULL;
	struct ferry_ipc_empty_req bad;
	struct ferry_ipc_move mv;
	unsigned char buf[512];
	size_t len = 0;

	(void)arg;
	CHECK(ferryclient_connect(&c) == 0);
	/* a deferred ownership answer */
	CHECK(ferryclient_acquire(c, "web1", "u-1", "rsc-web1", FERRY_ACQUIRE_RESTORE, 41, &rsp) ==
	      0);
	CHECK(rsp.verdict == FERRY_VERDICT_GRANTED);
	CHECK(rsp.generation == 42);
	CHECK(strcmp(rsp.reason, "web1 rsc-web1") == 0);
	CHECK(ferryclient_migrate_begin(c, "taken", "u-2", "node2", FERRY_MIGRATE_LIVE, &rsp) == 0);
	CHECK(rsp.verdict == FERRY_VERDICT_OWNED);
	CHECK(strcmp(parked_req.peer, "node2") == 0);
	/* local request answered at once */
	CHECK(ferryclient_expect_stop(c, "web1", UUID1, 0) == 0);
	CHECK(ferryclient_expect_stop(c, "web1", "u-1", 0) == -EINVAL); /* not a UUID */
	/* views */
	CHECK(ferryclient_status(c, &st, &len) == 0);
	CHECK(st->n_vms == 1);
	CHECK(strcmp(((struct ferry_ipc_vm_info *)(st + 1))->vm, "web1") == 0);
	CHECK(ferryclient_dump(c, &du, &len) == 0);
	CHECK(du->blob_len == 5 && memcmp(du + 1, "hello", 5) == 0);
	CHECK(ferryclient_history(c, NULL, 0, &hi, &len) == -EIO); /* the server's error */
	/* a move record */
	memset(&mv, 0, sizeof(mv));
	snprintf(mv.result, sizeof(mv.result), "ok");
	CHECK(ferryclient_record_move(c, &mv) == 0);
	/* a path check: one answer per member, the path carried through */
	CHECK(ferryclient_path_check(c, "/srv/save", &pc, &len) == 0);
	CHECK(len == sizeof(*pc) && pc->result == 0 && pc->n == 2);
	CHECK(pc->answers[1].result == -EXDEV && strcmp(pc->answers[1].text, "/srv/save") == 0);
	CHECK(ferryclient_path_check(c, "srv/save", &pc, &len) == -EINVAL);
	/* malformed: a STATUS of the wrong size is answered -EBADMSG, the
	 * connection stays usable */
	memset(buf, 0, sizeof(buf));
	((struct ferry_ipc_req_hdr *)buf)->qb.id = FERRY_IPC_STATUS;
	CHECK(ferryclient_call(c, buf, sizeof(bad) + 8, buf, sizeof(buf), &len) == -EBADMSG);
	memset(buf, 0, sizeof(buf));
	((struct ferry_ipc_req_hdr *)buf)->qb.id = 77;
	CHECK(ferryclient_call(c, buf, sizeof(bad), buf, sizeof(buf), &len) == -EOPNOTSUPP);
	CHECK(ferryclient_release(c, "web1", "u-1", &rsp) == 0);
	/* the client limit (ipc_max_clients = 1) */
	CHECK(ferryclient_connect(&c2) < 0);
	client_result = 0;
out:
	free(st);
	free(du);
	free(hi);
	free(pc);
	ferryclient_free(c2);
	ferryclient_free(c);
	atomic_store(&client_done, true);
	return NULL;
}

static qb_loop_timer_handle watch_timer;

static void
watch_client(void *data)
{
	(void)data;
	if (atomic_load(&client_done)) {
		qb_loop_stop(d.loop);
		return;
	}
	qb_loop_timer_add(d.loop, QB_LOOP_LOW, 10 * QB_TIME_NS_IN_MSEC, NULL, watch_client,
	                  &watch_timer);
}

static void
test_live(void **state)
{
	char name[64];
	pthread_t t;

	(void)state;
	snprintf(name, sizeof(name), "ferry-test-%ld", (long)getpid());
	setenv(FERRY_IPC_SERVICE_ENV, name, 1);
	memset(&d, 0, sizeof(d));
	config_defaults(&d.cfg);
	d.cfg.ipc_max_clients = 1;
	d.loop = qb_loop_create();
	assert_non_null(d.loop);
	assert_int_equal(ipcsrv_start(d.loop, &d.cfg, &events, &d, &d.ipc), 0);
	assert_int_equal(pthread_create(&t, NULL, client_thread, NULL), 0);
	qb_loop_timer_add(d.loop, QB_LOOP_LOW, 10 * QB_TIME_NS_IN_MSEC, NULL, watch_client,
	                  &watch_timer);
	qb_loop_run(d.loop);
	pthread_join(t, NULL);
	if (client_result != 0)
		fail_msg("client: %s", client_error);
	assert_int_equal(expect_calls, 1);
	d.ipc = ipcsrv_stop(d.ipc);
	qb_loop_destroy(d.loop);
}

/* ---- idle clients over real libqb IPC (issue 10, item 9) -------------------- */

#define HACLIENT_GID ((gid_t)189)
#define USER_UID     ((uid_t)1000)

struct idle_child {
	pid_t pid;
	int up_r;   /* the child writes its state: 'c' connected, or an error */
	int go_w;   /* we write 'g': try a request now */
	int status; /* its wait status, -1 while it runs */
};

static struct idle_child idle_kids[2]; /* [0] haclient, [1] root */
static int idle_phase;
static uint64_t idle_t0, idle_grace_end, idle_deadline;
static char idle_error[256];

/* In the child: connect (as haclient or root), ask once, wait for 'g',
 * ask again.  Exit 0 when the second request failed (haclient: cut off)
 * or succeeded (root: kept), else the step that went wrong. */
static int
idle_child_main(bool as_haclient, int up_w, int go_r)
{
	gid_t groups[] = {HACLIENT_GID};
	struct ferry_ipc_status_rsp *st = NULL;
	struct ferryclient *c = NULL;
	size_t len = 0;
	char go = 0;
	int r;

	if (as_haclient && (setgroups(1, groups) != 0 ||
	                    setresgid(HACLIENT_GID, HACLIENT_GID, HACLIENT_GID) != 0 ||
	                    setresuid(USER_UID, USER_UID, USER_UID) != 0))
		return 10;
	if (ferryclient_connect(&c) != 0)
		return 11;
	if (ferryclient_status(c, &st, &len) != 0)
		return 12;
	free(st);
	st = NULL;
	if (write(up_w, "c", 1) != 1 || read(go_r, &go, 1) != 1 || go != 'g')
		return 13;
	r = ferryclient_status(c, &st, &len);
	free(st);
	ferryclient_free(c);
	if (as_haclient)
		return r != 0 ? 0 : 14;
	return r == 0 ? 0 : 15;
}

static void
idle_spawn(struct idle_child *k, bool as_haclient)
{
	int up[2], go[2];

	assert_int_equal(pipe2(up, O_CLOEXEC), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	k->pid = fork();
	assert_true(k->pid >= 0);
	if (k->pid == 0) {
		close(up[0]);
		close(go[1]);
		_exit(idle_child_main(as_haclient, up[1], go[0]));
	}
	close(up[1]);
	close(go[0]);
	k->up_r = up[0];
	k->go_w = go[1];
	k->status = -1;
	fcntl(k->up_r, F_SETFL, O_NONBLOCK);
}

static bool
idle_child_up(struct idle_child *k)
{
	char c = 0;

	return read(k->up_r, &c, 1) == 1 && c == 'c';
}

static void
idle_reap(void)
{
	for (int i = 0; i < 2; i++) {
		int st;

		if (idle_kids[i].status < 0 &&
		    waitpid(idle_kids[i].pid, &st, WNOHANG) == idle_kids[i].pid)
			idle_kids[i].status = st;
	}
}

/* The test's steps, from a timer: both connected; the haclient one is cut
 * off and root's is not; a few more sweeps; both try a request; both done. */
static void
idle_watch(void *data)
{
	uint64_t now = qb_util_nano_current_get();
	static bool up[2];

	(void)data;
	idle_reap();
	if (now > idle_deadline) {
		snprintf(idle_error, sizeof(idle_error), "stuck in phase %d (%u clients)",
		         idle_phase, d.ipc->n_clients);
		qb_loop_stop(d.loop);
		return;
	}
	switch (idle_phase) {
	case 0: /* both connected and asked once */
		for (int i = 0; i < 2; i++)
			up[i] = up[i] || idle_child_up(&idle_kids[i]);
		if (up[0] && up[1] && d.ipc->n_clients == 2) {
			idle_t0 = now;
			idle_phase = 1;
		}
		if (idle_kids[0].status >= 0 || idle_kids[1].status >= 0) {
			snprintf(idle_error, sizeof(idle_error), "a client ended early");
			qb_loop_stop(d.loop);
			return;
		}
		break;
	case 1: /* the haclient one is cut off */
		if (d.ipc->n_clients == 1) {
			printf("# the idle haclient client was disconnected %" PRIu64
			       " ms after its last answer (ipc_idle_timeout_ms %u)\n",
			       (uint64_t)((now - idle_t0) / QB_TIME_NS_IN_MSEC),
			       d.cfg.ipc_idle_timeout_ms);
			idle_grace_end =
			        now + 3ull * d.cfg.ipc_idle_timeout_ms * QB_TIME_NS_IN_MSEC;
			idle_phase = 2;
		}
		break;
	case 2: /* a few more sweeps: root's stays */
		if (now >= idle_grace_end) {
			if (d.ipc->n_clients != 1) {
				snprintf(idle_error, sizeof(idle_error),
				         "root's idle client was disconnected too");
				qb_loop_stop(d.loop);
				return;
			}
			for (int i = 0; i < 2; i++)
				if (write(idle_kids[i].go_w, "g", 1) != 1)
					snprintf(idle_error, sizeof(idle_error), "write: %s",
					         strerror(errno));
			idle_phase = 3;
		}
		break;
	default: /* both children done */
		if (idle_kids[0].status >= 0 && idle_kids[1].status >= 0) {
			qb_loop_stop(d.loop);
			return;
		}
		break;
	}
	qb_loop_timer_add(d.loop, QB_LOOP_LOW, 10 * QB_TIME_NS_IN_MSEC, NULL, idle_watch,
	                  &watch_timer);
}

static void
test_idle_live(void **state)
{
	char name[64];

	(void)state;
	snprintf(name, sizeof(name), "ferry-test-%ld", (long)getpid());
	setenv(FERRY_IPC_SERVICE_ENV, name, 1);
	memset(&d, 0, sizeof(d));
	config_defaults(&d.cfg);
	d.cfg.ipc_idle_timeout_ms = 300; /* below the config minimum, to keep the test short */
	d.loop = qb_loop_create();
	assert_non_null(d.loop);
	assert_int_equal(ipcsrv_start(d.loop, &d.cfg, &events, &d, &d.ipc), 0);
	d.ipc->allowed_gid = HACLIENT_GID; /* whatever this host has */
	d.ipc->gid_known = true;
	idle_spawn(&idle_kids[0], true);
	idle_spawn(&idle_kids[1], false);
	idle_phase = 0;
	idle_error[0] = '\0';
	/* a guard against a hang, not a time limit on the behaviour */
	idle_deadline = qb_util_nano_current_get() + 60ull * QB_TIME_NS_IN_SEC;
	qb_loop_timer_add(d.loop, QB_LOOP_LOW, 10 * QB_TIME_NS_IN_MSEC, NULL, idle_watch,
	                  &watch_timer);
	qb_loop_run(d.loop);
	for (int i = 0; i < 2; i++) {
		if (idle_kids[i].status < 0) {
			kill(idle_kids[i].pid, SIGKILL);
			waitpid(idle_kids[i].pid, &idle_kids[i].status, 0);
		}
		close(idle_kids[i].up_r);
		close(idle_kids[i].go_w);
	}
	d.ipc = ipcsrv_stop(d.ipc);
	qb_loop_destroy(d.loop);
	if (idle_error[0] != '\0')
		fail_msg("%s", idle_error);
	/* haclient: its request after the cut failed; root: it still worked */
	assert_true(WIFEXITED(idle_kids[0].status));
	assert_int_equal(WEXITSTATUS(idle_kids[0].status), 0);
	assert_true(WIFEXITED(idle_kids[1].status));
	assert_int_equal(WEXITSTATUS(idle_kids[1].status), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_live),
	        cmocka_unit_test(test_idle_live),
	};

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (the IPC server admits root or haclient only)\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
