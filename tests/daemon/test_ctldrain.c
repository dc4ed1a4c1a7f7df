/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ctldrain - ctldrain_gather(), the facts of a drain, as the execute
 * path calls it: on the recorded 3-node CIB (drain/three-nodes.xml, see
 * drain/README.md) through CIB_file, with Pacemaker's own tools run offline.
 * The VMs in the CIB's order with their targets, priorities, kinds of move
 * and predictions; the blocked ones; the other resources; parallel from
 * migration-limit or the options; --move overriding; the capacities
 * (-E2BIG); unknown node (-ENODEV); bad arguments (-EINVAL).  And what the
 * local ferryd's PATH_CHECK answer about a quick move's save_dir makes of a
 * VM (ctldrain_share_apply): blocked, noted, or nothing.  Skips when
 * Pacemaker's tools are missing. */
#include "ctlcib.c"
#include "ctldrain.c"
#include "ctlpredict.c"
#include "ctlstack.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

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
	const char *src = getenv("top_srcdir");
	char cmd[2048];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/ferry-test-ctldrain-XXXXXX",
	         getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(
	        cmd, sizeof(cmd),
	        "set -e; cd '%s'; mkdir conf work; "
	        "for v in web1:1024 db1:2048 big1:3500 pinned1:256 app2:512; do "
	        "printf \"<domain type='kvm'><name>%%s</name><memory unit='MiB'>%%s</memory>"
	        "</domain>\\n\" ${v%%%%:*} ${v#*:} >conf/${v%%%%:*}.xml; done; "
	        "printf \"<domain type='test'><name>test</name><memory>1048576</memory>"
	        "</domain>\\n\" >conf/test.xml; "
	        "sed \"s|@CONFDIR@|$PWD/conf|g\" '%s/tests/daemon/drain/three-nodes.xml' >cib.xml; "
	        ": >moves.jsonl",
	        tmpdir, src != NULL ? src : "../..");
	if (run(cmd) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "%s/cib.xml", tmpdir);
	setenv("CIB_file", cmd, 1);
	snprintf(cmd, sizeof(cmd), "%s/moves.jsonl", tmpdir);
	setenv("FERRY_MOVES_LOG", cmd, 1);
	snprintf(cmd, sizeof(cmd), "%s/cache", tmpdir);
	setenv("FERRY_PROBE_CACHE_DIR", cmd, 1);
	snprintf(cmd, sizeof(cmd), "%s/work", tmpdir);
	setenv("TMPDIR", cmd, 1);
	setenv("PATH", "/usr/sbin:/sbin:/usr/bin:/bin", 1);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return run(cmd) == 0 ? 0 : -1;
}

static struct ctldrain_opts
opts(void)
{
	struct ctldrain_opts o = {.order = DRAIN_ORDER_DEFAULT,
	                          .move = CTLDRAIN_MOVE_RESOURCE,
	                          .uri = "test:///default",
	                          .dirty_seconds = 0};
	return o;
}

static const struct drain_vm *
find(const struct drain_vm *vms, size_t n, const char *rsc)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(vms[i].resource, rsc) == 0)
			return &vms[i];
	fail_msg("no VM %s", rsc);
	return NULL;
}

static void
test_facts(void **state)
{
	struct ctldrain_opts o = opts();
	struct drain_vm vms[DRAIN_MAX_VMS];
	struct ctldrain_other others[8];
	struct ctldrain_info info;
	size_t n = DRAIN_MAX_VMS, n_others = 8;
	char err[512] = "";
	const struct drain_vm *v;

	(void)state;
	assert_int_equal(ctldrain_gather_info("node1", &o, vms, &n, others, &n_others, &info, err,
	                                      sizeof(err)),
	                 0);
	/* the CIB's order; app2 runs on node2 and is not drained */
	assert_int_equal(n, 5);
	assert_string_equal(vms[0].resource, "web1");
	assert_string_equal(vms[1].resource, "db1");
	assert_string_equal(vms[2].resource, "big1");
	assert_string_equal(vms[3].resource, "pinned1");
	assert_string_equal(vms[4].resource, "vm-test");

	v = find(vms, n, "web1");
	assert_string_equal(v->target, "node2");
	assert_string_equal(v->blocked, "");
	assert_int_equal(v->priority, 10);
	assert_int_equal(v->move, DRAIN_MOVE_LIVE);
	assert_int_equal(v->memory_bytes, 1024ull << 20);
	assert_true(v->predicted_gap_ms > 0 && v->predicted_duration_ms > v->predicted_gap_ms);
	assert_string_equal(v->note, "estimated from configured memory");

	v = find(vms, n, "db1");
	assert_int_equal(v->move, DRAIN_MOVE_QUICK);
	assert_int_equal(v->priority, 5);
	assert_string_equal(v->target, "node2");

	v = find(vms, n, "big1");
	assert_string_equal(v->target, "");
	assert_string_equal(v->blocked,
	                    "no node can take it (utilization memory=3500 fits no other node)");

	v = find(vms, n, "pinned1");
	assert_string_equal(v->target, "");
	assert_non_null(strstr(v->blocked, "pinned to node1 by pin-pinned1"));

	/* sampled in test:///default (the domain "test"); auto decided */
	v = find(vms, n, "vm-test");
	assert_string_equal(v->vm, "test");
	assert_string_equal(v->target, "node3");
	assert_int_equal(v->move, DRAIN_MOVE_LIVE);
	assert_non_null(strstr(v->note, "auto: live"));
	assert_null(strstr(v->note, "estimated"));

	assert_int_equal(n_others, 2);
	assert_string_equal(others[0].resource, "ip1");
	assert_string_equal(others[0].agent, "ocf:heartbeat:IPaddr2");
	assert_string_equal(others[0].target, "node3");
	assert_string_equal(others[1].resource, "dummy1");
	assert_string_equal(others[1].target, "");

	assert_int_equal(info.parallel, 2);
	assert_string_equal(info.parallel_from, "migration-limit=2 in crm_config");
	assert_int_equal(info.n_nodes, 3);
	assert_int_equal(info.n_sampled, 1);
	assert_int_equal(info.n_estimated, 4);
}

static void
test_options(void **state)
{
	struct ctldrain_opts o = opts();
	struct drain_vm vms[DRAIN_MAX_VMS];
	struct ctldrain_other others[8];
	struct ctldrain_info info;
	size_t n = DRAIN_MAX_VMS, n_others = 8;

	(void)state;
	o.parallel = 3;
	o.move = CTLDRAIN_MOVE_QUICK;
	assert_int_equal(
	        ctldrain_gather_info("node1", &o, vms, &n, others, &n_others, &info, NULL, 0), 0);
	assert_int_equal(info.parallel, 3);
	assert_string_equal(info.parallel_from, "--parallel");
	for (size_t i = 0; i < n; i++)
		assert_int_equal(vms[i].move, DRAIN_MOVE_QUICK);
}

static void
test_capacity(void **state)
{
	struct ctldrain_opts o = opts();
	struct drain_vm vms[DRAIN_MAX_VMS];
	struct ctldrain_other others[8];
	size_t n = 2, n_others = 8;
	char err[512] = "";

	(void)state;
	assert_int_equal(ctldrain_gather("node1", &o, vms, &n, others, &n_others, err, sizeof(err)),
	                 -E2BIG);
	assert_int_equal(n, 2); /* untouched on failure */
	assert_string_equal(err,
	                    "node node1 runs more than 2 ferry VMs: one drain plans at most 2");
	n = DRAIN_MAX_VMS;
	n_others = 1;
	assert_int_equal(ctldrain_gather("node1", &o, vms, &n, others, &n_others, err, sizeof(err)),
	                 -E2BIG);
}

static void
test_refusals(void **state)
{
	struct ctldrain_opts o = opts();
	struct drain_vm vms[DRAIN_MAX_VMS];
	struct ctldrain_other others[8];
	size_t n = DRAIN_MAX_VMS, n_others = 8;
	char err[512] = "";

	(void)state;
	assert_int_equal(ctldrain_gather("node9", &o, vms, &n, others, &n_others, err, sizeof(err)),
	                 -ENODEV);
	assert_string_equal(err, "node node9 is not in the cluster's configuration; its nodes are: "
	                         "node1, node2, node3");
	assert_int_equal(ctldrain_gather(NULL, &o, vms, &n, others, &n_others, err, sizeof(err)),
	                 -EINVAL);
	assert_int_equal(
	        ctldrain_gather("node1", NULL, vms, &n, others, &n_others, err, sizeof(err)),
	        -EINVAL);
}

/* ---- a quick move's save_dir on both ends (ctldrain_share_apply) ---- */

static struct ferry_ipc_path_check_rsp share_rsp;

/* The local ferryd's answer: node1 (here, the drained node) first. */
static void
share_answers(int node1, int node2, int node3)
{
	const int results[] = {node1, node2, node3};

	memset(&share_rsp, 0, sizeof(share_rsp));
	share_rsp.local_nodeid = 1;
	share_rsp.n = 3;
	for (uint32_t i = 0; i < 3; i++) {
		struct ferry_ipc_path_answer *a = &share_rsp.answers[i];

		a->nodeid = i + 1;
		snprintf(a->node, sizeof(a->node), "node%u", i + 1);
		a->result = results[i];
		if (results[i] == -EXDEV)
			snprintf(a->text, sizeof(a->text),
			         "not the same storage as node1's (no .ferry-share file from it)");
		else if (results[i] == -ETIMEDOUT)
			snprintf(a->text, sizeof(a->text), "no answer from ferryd");
		else if (results[i] != 0)
			snprintf(a->text, sizeof(a->text), "%s", strerror(-results[i]));
	}
}

static void
share_vm(struct drain_vm *v, enum drain_move move, const char *target)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->resource, sizeof(v->resource), "db1");
	snprintf(v->vm, sizeof(v->vm), "db1");
	snprintf(v->target, sizeof(v->target), "%s", target);
	v->move = move;
}

static void
test_share_apply(void **state)
{
	struct drain_vm v;

	(void)state;
	/* shared everywhere: nothing said */
	share_answers(0, 0, 0);
	share_vm(&v, DRAIN_MOVE_QUICK, "node2");
	ctldrain_share_apply(&v, "node1", "/srv/save", 0, &share_rsp);
	assert_string_equal(v.blocked, "");
	assert_string_equal(v.note, "");

	/* the target has its own directory of that name */
	share_answers(0, -EXDEV, 0);
	ctldrain_share_apply(&v, "node1", "/srv/save", 0, &share_rsp);
	assert_string_equal(
	        v.blocked,
	        "save_dir /srv/save is not usable on node2: not the same storage as "
	        "node1's (no .ferry-share file from it); mount the shared save_dir there");
	/* ... which is no matter for a live move, or another target */
	share_vm(&v, DRAIN_MOVE_LIVE, "node2");
	ctldrain_share_apply(&v, "node1", "/srv/save", 0, &share_rsp);
	assert_string_equal(v.blocked, "");
	share_vm(&v, DRAIN_MOVE_QUICK, "node3");
	ctldrain_share_apply(&v, "node1", "/srv/save", 0, &share_rsp);
	assert_string_equal(v.blocked, "");
	/* a VM blocked already keeps its first reason */
	share_vm(&v, DRAIN_MOVE_QUICK, "node2");
	snprintf(v.blocked, sizeof(v.blocked), "pinned");
	ctldrain_share_apply(&v, "node1", "/srv/save", 0, &share_rsp);
	assert_string_equal(v.blocked, "pinned");

	/* the drained node (here) cannot write it: the source writes the image */
	share_answers(0, 0, 0);
	share_rsp.n = 1; /* ferryd asked nobody else */
	share_rsp.answers[0].result = -EROFS;
	snprintf(share_rsp.answers[0].text, sizeof(share_rsp.answers[0].text),
	         "read-only file system");
	share_vm(&v, DRAIN_MOVE_QUICK, "node2");
	ctldrain_share_apply(&v, "node1", "/srv/save", 0, &share_rsp);
	assert_string_equal(v.blocked,
	                    "save_dir /srv/save is not usable on node1: read-only file system");
	/* ... but where ferryctl runs is not the drained node: nobody could tell */
	share_vm(&v, DRAIN_MOVE_QUICK, "node3");
	ctldrain_share_apply(&v, "node2", "/srv/save", 0, &share_rsp);
	assert_string_equal(v.blocked, "");
	assert_non_null(strstr(v.note, "save_dir not checked: not usable where ferryctl runs"));

	/* a target whose ferryd did not answer: a note, not a refusal */
	share_answers(0, -ETIMEDOUT, 0);
	share_vm(&v, DRAIN_MOVE_QUICK, "node2");
	ctldrain_share_apply(&v, "node1", "/srv/save", 0, &share_rsp);
	assert_string_equal(v.blocked, "");
	assert_string_equal(v.note, "save_dir on node2 not checked: no answer from ferryd");
	/* a target not in the group at all */
	share_answers(0, 0, 0);
	share_vm(&v, DRAIN_MOVE_QUICK, "node4");
	ctldrain_share_apply(&v, "node1", "/srv/save", 0, &share_rsp);
	assert_string_equal(v.note,
	                    "save_dir on node4 not checked: its ferryd is not in the group");

	/* no ferryd, or not root: a note */
	share_vm(&v, DRAIN_MOVE_QUICK, "node2");
	ctldrain_share_apply(&v, "node1", "/srv/save", -ENOENT, NULL);
	assert_string_equal(v.blocked, "");
	assert_string_equal(v.note, "save_dir on the target not checked: no ferryd");
	share_vm(&v, DRAIN_MOVE_QUICK, "node2");
	ctldrain_share_apply(&v, "node1", "/srv/save", -EPERM, NULL);
	assert_string_equal(v.note, "save_dir on the target not checked: needs root");
	/* no save_dir: nothing to check here */
	share_vm(&v, DRAIN_MOVE_QUICK, "node2");
	ctldrain_share_apply(&v, "node1", "", 0, &share_rsp);
	assert_string_equal(v.note, "");
}

/* test_ctldrain [CASE]: one case alone, e.g. test_ctldrain test_capacity */
int
main(int argc, char **argv)
{
	static const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_facts),       cmocka_unit_test(test_options),
	        cmocka_unit_test(test_capacity),    cmocka_unit_test(test_refusals),
	        cmocka_unit_test(test_share_apply),
	};

	if (run("command -v crm_simulate >/dev/null 2>&1 || test -x /usr/sbin/crm_simulate") != 0) {
		printf("1..0 # SKIP crm_simulate (Pacemaker's tools) is not installed\n");
		return 0;
	}
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, setup, teardown);
}
