/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_share - the shared directory check: sharecheck.c on temp dirs (ok,
 * missing, not a directory, not writable, no mark, another token, a token
 * that leaves the directory), and shareprobe.c between stand-in members
 * whose "same path" is a directory of their own under the temp dir (one
 * sees the asker's storage, one does not, one never answers), with CPG's
 * agreed order played by a queue and the timer --wrap'ed. */
#include "config.h"

#include "membership.c"
#include "sharecheck.c"
#include "shareprobe.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "testutil.h"

static char tmpdir[256];

static int
run(const char *cmd)
{
	int rc = system(cmd);

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int
setup(void **state)
{
	(void)state;
	testutil_tmpdir(tmpdir, sizeof(tmpdir), "test-share");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[1024];

	(void)state;
	snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s'; rm -rf '%s'", tmpdir, tmpdir);
	return run(cmd) == 0 ? 0 : -1;
}

static void
tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

/* ---- sharecheck on temp dirs ---- */

static void
test_mark_and_check(void **state)
{
	char dir[512], token[SHARECHECK_TOKEN_MAX], text[192], file[640], got[64] = "";
	FILE *f;

	(void)state;
	tmp_path(dir, sizeof(dir), "shared");
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(sharecheck_mark(dir, 7, token, sizeof(token), text, sizeof(text)), 0);
	assert_string_equal(text, "");
	assert_true(strncmp(token, "7.", 2) == 0);
	assert_int_equal(strlen(token), 2 + 32);
	snprintf(file, sizeof(file), "%s/.ferry-share.%s", dir, token);
	f = fopen(file, "r");
	assert_non_null(f);
	assert_non_null(fgets(got, sizeof(got), f));
	fclose(f);
	assert_string_equal(got, token);

	assert_int_equal(sharecheck_dir(dir, token, "node1", text, sizeof(text)), 0);
	assert_string_equal(text, "");
	sharecheck_unmark(dir, token);
	assert_int_equal(access(file, F_OK), -1);
	/* the mark gone: what a node with its own directory of that name sees */
	assert_int_equal(sharecheck_dir(dir, token, "node1", text, sizeof(text)), -EXDEV);
	assert_string_equal(text, "not the same storage as node1's (no .ferry-share file from it)");
	assert_int_equal(sharecheck_dir(dir, token, NULL, text, sizeof(text)), -EXDEV);
	assert_non_null(strstr(text, "the asking node's"));
}

static void
test_check_other_token(void **state)
{
	char dir[512], token[SHARECHECK_TOKEN_MAX], text[192], file[640];
	FILE *f;

	(void)state;
	tmp_path(dir, sizeof(dir), "other-token");
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(file, sizeof(file), "%s/.ferry-share.1.abcd", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("1.ffff", f);
	fclose(f);
	assert_int_equal(sharecheck_dir(dir, "1.abcd", "node1", text, sizeof(text)), -EXDEV);
	assert_non_null(strstr(text, "holds another token"));
	/* a token that would leave the directory is no token */
	assert_int_equal(sharecheck_dir(dir, "../x", "node1", text, sizeof(text)), -EINVAL);
	assert_int_equal(sharecheck_dir(dir, ".x", "node1", text, sizeof(text)), -EINVAL);
	assert_int_equal(sharecheck_dir(dir, "", "node1", text, sizeof(text)), -EINVAL);
	(void)token;
}

static void
test_check_not_a_dir(void **state)
{
	char dir[512], file[512], token[SHARECHECK_TOKEN_MAX], text[192];
	FILE *f;

	(void)state;
	tmp_path(dir, sizeof(dir), "missing");
	assert_int_equal(sharecheck_dir(dir, "1.ab", "node1", text, sizeof(text)), -ENOENT);
	assert_string_equal(text, "no such directory");
	assert_int_equal(sharecheck_mark(dir, 1, token, sizeof(token), text, sizeof(text)),
	                 -ENOENT);
	assert_string_equal(text, "no such directory");

	tmp_path(file, sizeof(file), "a-file");
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(sharecheck_dir(file, "1.ab", "node1", text, sizeof(text)), -ENOTDIR);
	assert_string_equal(text, "not a directory");
	assert_int_equal(sharecheck_mark(file, 1, token, sizeof(token), text, sizeof(text)),
	                 -ENOTDIR);
	assert_int_equal(sharecheck_dir("relative/dir", "1.ab", "node1", text, sizeof(text)),
	                 -EINVAL);
}

/* Not writable: only without root (root writes anyway, and a read-only
 * mount needs root to make). */
static void
test_check_not_writable(void **state)
{
	char dir[512], token[SHARECHECK_TOKEN_MAX], text[192];

	(void)state;
	if (geteuid() == 0) {
		print_message("# root writes anyway: not-writable not tested\n");
		return;
	}
	tmp_path(dir, sizeof(dir), "read-only");
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(sharecheck_mark(dir, 1, token, sizeof(token), text, sizeof(text)), 0);
	assert_int_equal(chmod(dir, 0555), 0);
	assert_int_equal(sharecheck_dir(dir, token, "node1", text, sizeof(text)), -EACCES);
	assert_non_null(strstr(text, "not writable"));
	assert_int_equal(sharecheck_mark(dir, 1, token, sizeof(token), text, sizeof(text)),
	                 -EACCES);
	assert_int_equal(chmod(dir, 0755), 0);
}

/* ---- shareprobe between stand-in members ---- */

/* CPG in agreed order: every message goes to every member that runs a
 * ferryd, the sender included. */
#define QUEUE_MAX 32
static struct {
	uint32_t from;
	size_t len;
	uint8_t msg[512];
} queue[QUEUE_MAX];
static size_t n_queue;

static qb_loop_timer_dispatch_fn timer_fn;
static void *timer_data;
static int timers_pending;

int32_t __wrap_qb_loop_timer_add(qb_loop_t *l, enum qb_loop_priority p, uint64_t ns, void *data,
                                 qb_loop_timer_dispatch_fn fn, qb_loop_timer_handle *h);
int32_t
__wrap_qb_loop_timer_add(qb_loop_t *l, enum qb_loop_priority p, uint64_t ns, void *data,
                         qb_loop_timer_dispatch_fn fn, qb_loop_timer_handle *h)
{
	(void)l, (void)p, (void)h;
	assert_true(ns == (uint64_t)SHAREPROBE_TIMEOUT_MS * QB_TIME_NS_IN_MSEC);
	timer_fn = fn;
	timer_data = data;
	timers_pending++;
	return 0;
}
int32_t __wrap_qb_loop_timer_del(qb_loop_t *l, qb_loop_timer_handle h);
int32_t
__wrap_qb_loop_timer_del(qb_loop_t *l, qb_loop_timer_handle h)
{
	(void)l, (void)h;
	timers_pending--;
	return 0;
}

/* One member: its node id, where "the same path" is for it, its answers. */
struct member {
	uint32_t nodeid;
	char root[512];
	struct membership m;
	struct shareprobe *p;
	int n_rsp;
	struct ferry_ipc_path_check_rsp rsp;
};

static int
fake_send(void *ctx, const void *msg, size_t len)
{
	struct member *me = ctx;

	assert_true(n_queue < QUEUE_MAX && len <= sizeof(queue[0].msg));
	queue[n_queue].from = me->nodeid;
	queue[n_queue].len = len;
	memcpy(queue[n_queue].msg, msg, len);
	n_queue++;
	return 0;
}

static int
fake_reply(void *ctx, uint64_t token, const void *rsp, size_t len)
{
	struct member *me = ctx;

	assert_int_equal(token, 42);
	assert_int_equal(len, sizeof(me->rsp));
	memcpy(&me->rsp, rsp, len);
	me->n_rsp++;
	return 0;
}

static void
local_path(const struct member *me, const char *dir, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", me->root, dir);
}

static int
fake_mark(void *ctx, const char *dir, uint32_t nodeid, char *ret_token, size_t token_len,
          char *text, size_t text_len)
{
	char path[1024];

	local_path(ctx, dir, path, sizeof(path));
	return sharecheck_mark(path, nodeid, ret_token, token_len, text, text_len);
}

static void
fake_unmark(void *ctx, const char *dir, const char *token)
{
	char path[1024];

	local_path(ctx, dir, path, sizeof(path));
	sharecheck_unmark(path, token);
}

static int
fake_check(void *ctx, const char *dir, const char *token, const char *from, char *text, size_t len)
{
	char path[1024];

	local_path(ctx, dir, path, sizeof(path));
	return sharecheck_dir(path, token, from, text, len);
}

static const struct shareprobe_ops fake_ops = {
        .send = fake_send,
        .reply = fake_reply,
        .mark = fake_mark,
        .unmark = fake_unmark,
        .check = fake_check,
};

static struct member members[3];

/* node1 and node2 share <tmp>/a; node3 has its own <tmp>/c; with_ferryd:
 * how many of them run a ferryd (the rest never answer). */
static void
members_start(size_t n_members)
{
	static const char *const roots[] = {"a", "a", "c"};
	char cmd[1024];

	memset(members, 0, sizeof(members));
	n_queue = 0;
	timers_pending = 0;
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/a/srv/save' '%s/c/srv/save'", tmpdir, tmpdir);
	assert_int_equal(run(cmd), 0);
	for (size_t i = 0; i < 3; i++) {
		struct member *me = &members[i];

		me->nodeid = (uint32_t)i + 1;
		snprintf(me->root, sizeof(me->root), "%s/%s", tmpdir, roots[i]);
		me->m.local_nodeid = me->nodeid;
		me->m.membership_known = true;
		for (size_t k = 0; k < n_members; k++) {
			me->m.members[me->m.n_members++] = (uint32_t)k + 1;
			me->m.names[me->m.n_names].nodeid = (uint32_t)k + 1;
			snprintf(me->m.names[me->m.n_names].name,
			         sizeof(me->m.names[me->m.n_names].name), "node%zu", k + 1);
			me->m.n_names++;
		}
		assert_int_equal(shareprobe_start((qb_loop_t *)me, &fake_ops, me, &me->p), 0);
	}
}

/* Delivers what is queued now to the members that run a ferryd; what they
 * send meanwhile stays queued for the next round. */
static void
deliver_all(size_t with_ferryd)
{
	size_t n = n_queue;

	for (size_t q = 0; q < n; q++)
		for (size_t i = 0; i < with_ferryd; i++)
			assert_true(shareprobe_deliver(members[i].p, queue[q].from, queue[q].msg,
			                               queue[q].len, &members[i].m));
	memmove(queue, queue + n, (n_queue - n) * sizeof(queue[0]));
	n_queue -= n;
}

static void
members_stop(void)
{
	for (size_t i = 0; i < 3; i++)
		members[i].p = shareprobe_stop(members[i].p);
}

static void
ask(struct member *me, const char *path)
{
	struct ferry_ipc_path_check_req req;

	memset(&req, 0, sizeof(req));
	snprintf(req.path, sizeof(req.path), "%s", path);
	shareprobe_request(me->p, 42, &req, &me->m);
}

static void
test_probe_all_answer(void **state)
{
	struct ferry_ipc_path_check_rsp *r = &members[0].rsp;
	char cmd[1024];

	(void)state;
	members_start(3);
	ask(&members[0], "/srv/save");
	assert_int_equal(n_queue, 1);
	assert_int_equal(members[0].n_rsp, 0);
	deliver_all(3); /* the probe: three answers */
	assert_int_equal(n_queue, 3);
	deliver_all(3); /* the answers */
	assert_int_equal(members[0].n_rsp, 1);
	assert_int_equal(timers_pending, 0);
	assert_int_equal(r->result, 0);
	assert_int_equal(r->local_nodeid, 1);
	assert_int_equal(r->n, 3);
	assert_int_equal(r->answers[0].nodeid, 1);
	assert_string_equal(r->answers[0].node, "node1");
	assert_int_equal(r->answers[0].result, 0);
	assert_string_equal(r->answers[1].node, "node2");
	assert_int_equal(r->answers[1].result, 0);
	assert_string_equal(r->answers[2].node, "node3");
	assert_int_equal(r->answers[2].result, -EXDEV);
	assert_string_equal(r->answers[2].text,
	                    "not the same storage as node1's (no .ferry-share file from it)");
	/* only the asker answers ferryctl, and the mark is gone */
	assert_int_equal(members[1].n_rsp + members[2].n_rsp, 0);
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s/a/srv/save')\"", tmpdir);
	assert_int_equal(run(cmd), 0);
	members_stop();
}

static void
test_probe_no_answer(void **state)
{
	struct ferry_ipc_path_check_rsp *r = &members[0].rsp;

	(void)state;
	members_start(3);
	ask(&members[0], "/srv/save");
	deliver_all(2); /* node3 runs no ferryd (or one without the probe) */
	deliver_all(2);
	assert_int_equal(members[0].n_rsp, 0);
	assert_int_equal(timers_pending, 1);
	timers_pending--; /* it fires, and is gone */
	timer_fn(timer_data);
	assert_int_equal(timers_pending, 0);
	assert_int_equal(members[0].n_rsp, 1);
	assert_int_equal(r->n, 3);
	assert_int_equal(r->answers[1].result, 0);
	assert_int_equal(r->answers[2].result, -ETIMEDOUT);
	assert_string_equal(r->answers[2].text, "no answer from ferryd");
	members_stop();
}

static void
test_probe_local_unusable(void **state)
{
	struct ferry_ipc_path_check_rsp *r = &members[0].rsp;

	(void)state;
	members_start(3);
	ask(&members[0], "/srv/nothing-here");
	assert_int_equal(n_queue, 0); /* nothing to compare with: nobody asked */
	assert_int_equal(members[0].n_rsp, 1);
	assert_int_equal(r->result, 0);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->answers[0].result, -ENOENT);
	assert_string_equal(r->answers[0].text, "no such directory");
	ask(&members[0], "srv/save");
	assert_int_equal(members[0].n_rsp, 2);
	assert_int_equal(r->result, -EINVAL);
	members_stop();
}

/* At most SHAREPROBE_MAX checks at once; stopping answers those in flight
 * and removes their marks; an answer to another node's probe is not ours. */
static void
test_probe_busy_and_stop(void **state)
{
	struct ferry_ipc_path_check_rsp *r = &members[0].rsp;
	char cmd[1024];

	(void)state;
	members_start(2);
	for (int i = 0; i < SHAREPROBE_MAX; i++)
		ask(&members[0], "/srv/save");
	assert_int_equal(members[0].n_rsp, 0);
	ask(&members[0], "/srv/save");
	assert_int_equal(members[0].n_rsp, 1);
	assert_int_equal(r->result, -EBUSY);
	/* only node2 hears anything: node1's probes, then its own answers to
	 * them, which are not for it (node1 asked) */
	assert_int_equal(n_queue, SHAREPROBE_MAX);
	for (int round = 0; round < 2; round++) {
		size_t n = n_queue;

		for (size_t q = 0; q < n; q++)
			assert_true(shareprobe_deliver(members[1].p, queue[q].from, queue[q].msg,
			                               queue[q].len, &members[1].m));
		memmove(queue, queue + n, (n_queue - n) * sizeof(queue[0]));
		n_queue -= n;
	}
	assert_int_equal(n_queue, 0);
	assert_int_equal(members[1].n_rsp, 0);
	members[1].p = shareprobe_stop(members[1].p);
	assert_int_equal(members[1].n_rsp, 0); /* it had asked nothing */
	members[0].p = shareprobe_stop(members[0].p);
	assert_int_equal(members[0].n_rsp, 1 + SHAREPROBE_MAX);
	assert_int_equal(r->result, -ESHUTDOWN);
	assert_int_equal(timers_pending, 0);
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s/a/srv/save')\"", tmpdir);
	assert_int_equal(run(cmd), 0);
	members_stop(); /* node3's, never used here */
}

/* What is not a probe or an answer is left for the ledger. */
static void
test_probe_other_messages(void **state)
{
	uint8_t junk[64];

	(void)state;
	members_start(1);
	memset(junk, 0, sizeof(junk));
	assert_false(shareprobe_deliver(members[0].p, 2, junk, sizeof(junk), &members[0].m));
	assert_false(shareprobe_deliver(members[0].p, 2, junk, 3, &members[0].m));
	members_stop();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_mark_and_check),
	        cmocka_unit_test(test_check_other_token),
	        cmocka_unit_test(test_check_not_a_dir),
	        cmocka_unit_test(test_check_not_writable),
	        cmocka_unit_test(test_probe_all_answer),
	        cmocka_unit_test(test_probe_no_answer),
	        cmocka_unit_test(test_probe_local_unusable),
	        cmocka_unit_test(test_probe_busy_and_stop),
	        cmocka_unit_test(test_probe_other_messages),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
