/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_glue - the ledger glue (ledgerglue.c, gluedrain.c) with the real ledger (libledger.a) and
 * real persistence, N nodes in one process over a simulated CPG that delivers in one total order.
 * Each node's glue gets the operations table ferryd.c would give it: CPG send, IPC reply, libvirt
 * and the fencer are stand-ins that record what they were asked; persistence is persist.c's. */
#include "config.c"
#include "persist.c"
#include "membership.c"
#include "ledgerglue.c"
#include "gluedrain.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#define N 3

/* what ferryd.c holds for one node */
struct glue_ctx {
	struct config cfg;
	qb_loop_t *loop;
	struct membership cluster; /* what corosync says (cluster_membership) */
	struct ledgerglue *glue;
	struct persist_history history;
};

struct node {
	struct glue_ctx d;
	bool up;      /* reachable in the simulated network */
	bool started; /* has a glue to stop */
	char dir[64];
	struct ferry_ipc_vm_rsp answer;
	struct ferry_ipc_drain_rsp drain_answer;
	uint64_t answered_token;
	int scans;
	/* the drain runner's jobs this node was asked for (drainrun stand-in) */
	struct {
		uint64_t job;
		char what[16]; /* away, back, standby-on, standby-off */
		char rsc[64];
		char node[64];
		char expect_on[64];
		size_t n_clear;
	} jobs[16];
	size_t n_jobs;
	unsigned char last_cfgid[24]; /* the last "FGLU" CONFIG it multicast */
};

static struct node nodes[N + 1]; /* index = node id, 0 unused */
static qb_loop_t *loop;

struct wire {
	uint32_t from;
	size_t len;
	unsigned char *data;
	uint64_t view; /* the configuration it was sent in */
	struct wire *next;
};
static struct wire *head, **tail = &head;
static uint64_t view_id;     /* bumps on every configuration change */
static int fenced_node;      /* fencehist stub: this node was fenced ... */
static bool two_node;        /* cmap stub: quorum.two_node, nodes 1 and 2 */
static unsigned view_mask;   /* votequorum stub: nodes in the quorum view */
static int64_t fenced_at_ms; /* ... at this time */

/* ---- the glue's operations, as ferryd.c wires them ------------------------- */

static int
op_send(void *ctx, const void *msg, size_t len)
{
	struct node *n = ctx;
	struct wire *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	w->from = n->d.cluster.local_nodeid;
	w->len = len;
	w->data = malloc(len);
	memcpy(w->data, msg, len);
	w->view = view_id;
	if (len == sizeof(n->last_cfgid) && memcmp(msg, "FGLU", 4) == 0)
		memcpy(n->last_cfgid, msg, len);
	*tail = w;
	tail = &w->next;
	return 0;
}
static int
op_reply(void *ctx, uint64_t token, const void *rsp, size_t len)
{
	struct node *n = ctx;

	if (len == sizeof(struct ferry_ipc_drain_rsp)) {
		memcpy(&n->drain_answer, rsp, len);
		n->answered_token = token;
		return 0;
	}
	assert_int_equal(len, sizeof(struct ferry_ipc_vm_rsp));
	memcpy(&n->answer, rsp, len);
	n->answered_token = token;
	return 0;
}
static uint64_t next_job = 1000;
static int
op_job(struct node *n, const char *what, const char *rsc, const char *node, const char *expect_on,
       size_t n_clear, uint64_t *ret_job)
{
	assert_true(n->n_jobs < 16);
	n->jobs[n->n_jobs].job = ++next_job;
	snprintf(n->jobs[n->n_jobs].what, sizeof(n->jobs[0].what), "%s", what);
	snprintf(n->jobs[n->n_jobs].rsc, sizeof(n->jobs[0].rsc), "%s", rsc);
	snprintf(n->jobs[n->n_jobs].node, sizeof(n->jobs[0].node), "%s", node);
	snprintf(n->jobs[n->n_jobs].expect_on, sizeof(n->jobs[0].expect_on), "%s", expect_on);
	n->jobs[n->n_jobs].n_clear = n_clear;
	n->n_jobs++;
	*ret_job = next_job;
	return 0;
}
static int
op_drain_away(void *ctx, const char *rsc, const char *node, uint32_t timeout_ms, uint64_t *ret_job)
{
	(void)timeout_ms;
	return op_job(ctx, "away", rsc, node, "", 0, ret_job);
}
static int
op_drain_back(void *ctx, const char *rsc, const char *node, const char *expect_on,
              uint32_t timeout_ms, uint64_t *ret_job)
{
	(void)timeout_ms;
	return op_job(ctx, "back", rsc, node, expect_on, 0, ret_job);
}
static int
op_drain_standby(void *ctx, const char *node, bool on, const char *const *clear, size_t n_clear,
                 uint64_t *ret_job)
{
	(void)clear;
	return op_job(ctx, on ? "standby-on" : "standby-off", "", node, "", n_clear, ret_job);
}
static void
op_vm_set_rsc(void *ctx, const char *uuid, const char *rsc)
{
	(void)ctx, (void)uuid, (void)rsc;
}
static void
op_vm_scan(void *ctx)
{
	((struct node *)ctx)->scans++;
}
static int
op_fenced_after(void *ctx, const char *node, int64_t since, int64_t *ret)
{
	static const char *const names[] = {"?", "node1", "node2", "node3"};

	(void)ctx, (void)since;
	if (fenced_node == 0 || strcmp(node, names[fenced_node]) != 0)
		return 0;
	*ret = fenced_at_ms;
	return 1;
}
static int
op_ledger_save(void *ctx, const void *blob, size_t len)
{
	return persist_ledger_save(((struct node *)ctx)->d.cfg.state_dir, blob, len);
}
static int
op_ledger_load(void *ctx, size_t max_len, void **ret_blob, size_t *ret_len)
{
	return persist_ledger_load(((struct node *)ctx)->d.cfg.state_dir, max_len, ret_blob,
	                           ret_len);
}
static int
op_ledger_set_aside(void *ctx, int64_t now_ms, char *ret_name, size_t len)
{
	return persist_ledger_set_aside(((struct node *)ctx)->d.cfg.state_dir, now_ms, ret_name,
	                                len);
}
static bool
op_lost_marked(void *ctx)
{
	return persist_lost_marked(((struct node *)ctx)->d.cfg.state_dir);
}
static int
op_lost_mark(void *ctx, const char *why)
{
	return persist_lost_mark(((struct node *)ctx)->d.cfg.state_dir, why);
}
static int
op_lost_clear(void *ctx)
{
	return persist_lost_clear(((struct node *)ctx)->d.cfg.state_dir);
}
static void
op_move_recorded(void *ctx, const struct ferry_ipc_move *rec)
{
	struct node *n = ctx;

	persist_history_add(&n->d.history, rec);
	(void)persist_history_save(&n->d.history, n->d.cfg.state_dir); /* ferryd.c logs a failure */
}
/* the hypervisor's migration jobs (virtwatch stand-in): web1 is being copied */
static unsigned job_asks;
static int
op_job_progress(void *ctx, const char *vm, uint64_t *ret_left, uint64_t *ret_total)
{
	(void)ctx;
	job_asks++;
	if (strcmp(vm, "web1") != 0)
		return -EAGAIN;
	*ret_left = 100u << 20;
	*ret_total = 512u << 20;
	return 0;
}
static const struct ledgerglue_ops ops = {
        .job_progress = op_job_progress,
        .send = op_send,
        .reply = op_reply,
        .vm_scan = op_vm_scan,
        .vm_set_rsc = op_vm_set_rsc,
        .fenced_after = op_fenced_after,
        .ledger_save = op_ledger_save,
        .ledger_load = op_ledger_load,
        .ledger_set_aside = op_ledger_set_aside,
        .lost_marked = op_lost_marked,
        .lost_mark = op_lost_mark,
        .lost_clear = op_lost_clear,
        .move_recorded = op_move_recorded,
        .drain_away = op_drain_away,
        .drain_back = op_drain_back,
        .drain_standby = op_drain_standby,
};

/* Node i's membership as corosync says it now: votequorum's view follows
 * view_mask. */
static const struct membership *
said(uint32_t i)
{
	struct membership *m = &nodes[i].d.cluster;

	m->n_view = 0;
	for (uint32_t k = 1; k <= N; k++)
		if (view_mask & (1u << k))
			m->view[m->n_view++] = k;
	return m;
}

/* ---- the simulated cluster ------------------------------------------------- */

/* CPG: every message goes to the members of the configuration it was sent
 * in, in one order; messages of an older configuration are dropped (virtual
 * synchrony would have delivered them before the change). */
static void
deliver_all(void)
{
	struct wire *w;
	uint32_t i;

	while (head != NULL) {
		w = head;
		head = w->next;
		if (head == NULL)
			tail = &head;
		if (w->view == view_id) {
			for (i = 1; i <= N; i++)
				if (nodes[i].up &&
				    membership_is_member(&nodes[i].d.cluster, w->from) &&
				    membership_is_member(&nodes[w->from].d.cluster, i))
					ledgerglue_deliver(nodes[i].d.glue, w->from, 0, w->data,
					                   w->len);
		}
		free(w->data);
		free(w);
	}
}

static unsigned group_mask; /* the CPG group's members before the change */

/* A CPG configuration change: `members` (bitmask of node ids) see each
 * other; joined = those that were not in the group before (the same list on
 * every member, as corosync reports it). */
static void
cpg_change(unsigned members)
{
	unsigned joined = members & ~group_mask;
	uint32_t i, j;

	view_id++;
	for (i = 1; i <= N; i++) {
		struct glue_ctx *d = &nodes[i].d;

		if (!(members & (1u << i)) || !nodes[i].up)
			continue;
		d->cluster.n_members = d->cluster.n_joined = 0;
		for (j = 1; j <= N; j++) {
			if (!(members & (1u << j)) || !nodes[j].up)
				continue;
			d->cluster.members[d->cluster.n_members++] = j;
			if (joined & (1u << j))
				d->cluster.joined[d->cluster.n_joined++] = j;
		}
		d->cluster.membership_known = true;
		ledgerglue_confchg(d->glue, said(i));
	}
	group_mask = members;
	deliver_all();
}

/* A new totem ring, seen by every member at the same point. */
static void
totem_change(unsigned members, uint64_t ring)
{
	uint32_t i;

	view_id++;
	for (i = 1; i <= N; i++) {
		if (!(members & (1u << i)) || !nodes[i].up)
			continue;
		nodes[i].d.cluster.ring_seq = ring;
		ledgerglue_totem_confchg(nodes[i].d.glue, said(i), false);
	}
	deliver_all();
}

/* corosync's order for a change: the CPG confchg, then (if the ring
 * changed) the totem confchg. */
static void
confchg(unsigned members, uint64_t ring, bool quorate)
{
	uint32_t i;

	for (i = 1; i <= N; i++) {
		if (!(members & (1u << i)) || !nodes[i].up)
			continue;
		nodes[i].d.cluster.quorate = quorate;
	}
	view_mask = members;
	cpg_change(members);
	/* a process that just joined gets its initial totem configuration after
	 * its CPG join (the order seen on corosync 3.1) */
	for (i = 1; i <= N; i++) {
		if (!(members & (1u << i)) || !nodes[i].up || nodes[i].d.cluster.totem_seen)
			continue;
		nodes[i].d.cluster.ring_seq = ring;
		nodes[i].d.cluster.totem_seen = true;
		ledgerglue_totem_confchg(nodes[i].d.glue, said(i), true);
	}
	deliver_all();
	if (nodes[1 + (unsigned)__builtin_ctz(members >> 1)].d.cluster.ring_seq != ring)
		totem_change(members, ring);
	/* then votequorum's notification for the ring */
	for (i = 1; i <= N; i++) {
		if (!(members & (1u << i)) || !nodes[i].up ||
		    nodes[i].d.cluster.quorum_ring == ring)
			continue;
		nodes[i].d.cluster.quorum_ring = ring;
		ledgerglue_quorum(nodes[i].d.glue, said(i));
	}
	deliver_all();
}

static void
node_start(uint32_t i)
{
	struct glue_ctx *d = &nodes[i].d;

	memset(d, 0, sizeof(*d));
	config_defaults(&d->cfg);
	memcpy(d->cfg.state_dir, nodes[i].dir, sizeof(nodes[i].dir));
	{
		char dir_copy[sizeof(nodes[i].dir)];

		memcpy(dir_copy, nodes[i].dir, sizeof(dir_copy));
		snprintf(d->cfg.decision_log, sizeof(d->cfg.decision_log), "%s/decisions.log",
		         dir_copy);
	}
	d->loop = loop;
	d->cluster.local_nodeid = i;
	d->cluster.two_node = two_node;
	/* corosync's nodelist: N nodes (two_node: nodes 1 and 2) */
	d->cluster.n_names = two_node ? 2 : N;
	for (uint32_t k = 0; k < d->cluster.n_names; k++) {
		d->cluster.names[k].nodeid = k + 1;
		snprintf(d->cluster.names[k].name, sizeof(d->cluster.names[k].name), "node%u",
		         k + 1);
	}
	assert_int_equal(persist_history_init(&d->history, 10), 0);
	assert_int_equal(ledgerglue_start(d->loop, &d->cfg, &ops, &nodes[i], &d->glue), 0);
	/* ferryd.c loads the move history after the glue (a missing file is none) */
	(void)persist_history_load(&d->history, d->cfg.state_dir);
	nodes[i].up = true;
	nodes[i].started = true;
}

static void
node_stop(uint32_t i)
{
	nodes[i].d.glue = ledgerglue_stop(nodes[i].d.glue);
	persist_history_done(&nodes[i].d.history);
	nodes[i].up = false;
	nodes[i].started = false;
}

static uint64_t next_token = 100;

static uint64_t
request(uint32_t i, int32_t type, const char *vm, const char *uuid, const char *peer, uint32_t mode)
{
	struct ferry_ipc_vm_req r;

	memset(&r, 0, sizeof(r));
	r.hdr.qb.id = type;
	snprintf(r.vm, sizeof(r.vm), "%s", vm);
	snprintf(r.uuid, sizeof(r.uuid), "%s", uuid);
	if (peer != NULL)
		snprintf(r.peer, sizeof(r.peer), "%s", peer);
	r.mode = mode;
	nodes[i].answered_token = 0;
	ledgerglue_request(nodes[i].d.glue, ++next_token, &r);
	return next_token;
}

static uint32_t
ask(uint32_t i, int32_t type, const char *vm, const char *uuid, const char *peer)
{
	uint64_t t = request(i, type, vm, uuid, peer, 0);

	deliver_all();
	assert_int_equal(nodes[i].answered_token, t);
	return nodes[i].answer.verdict;
}

#define U1 "11111111-1111-1111-1111-111111111111"
#define U2 "22222222-2222-2222-2222-222222222222"

static int
setup(void **state)
{
	uint32_t i;

	(void)state;
	if (loop == NULL)
		loop = qb_loop_create();
	view_id = 0;
	group_mask = 0;
	fenced_node = 0;
	for (i = 1; i <= N; i++) {
		memset(&nodes[i], 0, sizeof(nodes[i]));
		snprintf(nodes[i].dir, sizeof(nodes[i].dir), "/tmp/ferry-glue-XXXXXX");
		assert_non_null(mkdtemp(nodes[i].dir));
		node_start(i);
	}
	confchg(0xe, 10, true); /* nodes 1, 2, 3 */
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];
	uint32_t i;

	(void)state;
	two_node = false;
	for (i = 1; i <= N; i++) {
		if (nodes[i].started)
			node_stop(i);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", nodes[i].dir);
		assert_int_equal(system(cmd), 0);
	}
	return 0;
}

static int
setup_two_node(void **state)
{
	(void)state;
	if (loop == NULL)
		loop = qb_loop_create();
	view_id = 0;
	group_mask = 0;
	fenced_node = 0;
	two_node = true;
	for (uint32_t i = 1; i <= N; i++) {
		memset(&nodes[i], 0, sizeof(nodes[i]));
		snprintf(nodes[i].dir, sizeof(nodes[i].dir), "/tmp/ferry-glue-XXXXXX");
		assert_non_null(mkdtemp(nodes[i].dir));
		if (i <= 2)
			node_start(i);
	}
	confchg(0x6, 10, true); /* nodes 1 and 2 */
	return 0;
}

/* ---- tests ------------------------------------------------------------------ */

static void
test_sync_and_acquire(void **state)
{
	uint32_t owner = 0, st = 0, peer = 0, i;

	(void)state;
	for (i = 1; i <= N; i++) {
		assert_true(ledger_is_synced(nodes[i].d.glue->l));
		assert_true(ledger_is_quorate(nodes[i].d.glue->l));
		assert_int_equal(nodes[i].scans, 1); /* foreign-VM scan once synced */
	}
	assert_int_equal(ask(1, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
	assert_int_equal(nodes[1].answer.owner_nodeid, 1);
	/* the others look for a twin of web1 running on them */
	assert_int_equal(nodes[1].scans, 1);
	assert_int_equal(nodes[2].scans, 2);
	assert_int_equal(nodes[3].scans, 2);
	assert_int_equal(ask(2, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_OWNED);
	assert_non_null(strstr(nodes[2].answer.reason, "node1"));
	for (i = 1; i <= N; i++) {
		assert_int_equal(ledgerglue_vm_lookup(nodes[i].d.glue, U1, &owner, &st, &peer), 0);
		assert_int_equal(owner, 1);
		assert_int_equal(st, FERRY_VM_RUNNING);
	}
	assert_int_equal(ledgerglue_vm_lookup(nodes[1].d.glue, U2, &owner, &st, &peer), -ENOENT);
}

static void
test_race(void **state)
{
	uint64_t t1, t2;

	(void)state;
	t1 = request(2, FERRY_IPC_ACQUIRE, "db1", U2, NULL, 0);
	t2 = request(3, FERRY_IPC_ACQUIRE, "db1", U2, NULL, 0);
	deliver_all();
	assert_int_equal(nodes[2].answered_token, t1);
	assert_int_equal(nodes[3].answered_token, t2);
	/* the first in agreed order wins, the other learns who */
	assert_int_equal(nodes[2].answer.verdict, FERRY_VERDICT_GRANTED);
	assert_int_equal(nodes[3].answer.verdict, FERRY_VERDICT_OWNED);
	assert_int_equal(nodes[3].answer.owner_nodeid, 2);
}

static void
test_migrate(void **state)
{
	uint32_t owner = 0, st = 0, peer = 0;

	(void)state;
	assert_int_equal(ask(1, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
	assert_int_equal(ask(1, FERRY_IPC_MIGRATE_BEGIN, "web1", U1, "node9"),
	                 FERRY_VERDICT_REFUSED);
	assert_non_null(strstr(nodes[1].answer.reason, "unknown target node"));
	assert_int_equal(ask(1, FERRY_IPC_MIGRATE_BEGIN, "web1", U1, "node3"),
	                 FERRY_VERDICT_GRANTED);
	assert_int_equal(ledgerglue_vm_lookup(nodes[3].d.glue, U1, &owner, &st, &peer), 0);
	assert_int_equal(st, FERRY_VM_MIGRATING);
	assert_int_equal(peer, 3);
	assert_int_equal(ask(1, FERRY_IPC_MIGRATE_COMMIT, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
	assert_int_equal(ledgerglue_vm_lookup(nodes[2].d.glue, U1, &owner, &st, &peer), 0);
	assert_int_equal(owner, 3);
	assert_int_equal(st, FERRY_VM_RUNNING);
	/* only the owner releases */
	assert_int_equal(ask(1, FERRY_IPC_RELEASE, "web1", U1, NULL), FERRY_VERDICT_BAD_STATE);
	assert_int_equal(ask(3, FERRY_IPC_RELEASE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
}

static void
test_orphan_then_fenced(void **state)
{
	uint32_t owner = 0, st = 0, peer = 0;

	(void)state;
	assert_int_equal(ask(3, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
	/* node 3 is cut off: 1 and 2 keep quorum */
	nodes[3].up = false;
	confchg(0x6, 11, true);
	assert_true(ledger_is_synced(nodes[1].d.glue->l));
	assert_int_equal(ask(1, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_ORPHANED);
	/* fence history says nothing yet: no confirmation sent */
	ledgerglue_fence_poll(nodes[1].d.glue);
	deliver_all();
	assert_int_equal(ask(1, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_ORPHANED);
	/* node 2 is not the lowest member: it never asks the fencer */
	fenced_node = 3;
	fenced_at_ms = ((int64_t)time(NULL) + 5) * 1000;
	ledgerglue_fence_poll(nodes[2].d.glue);
	assert_null(head);
	ledgerglue_fence_poll(nodes[1].d.glue);
	assert_non_null(head);
	deliver_all();
	ledgerglue_fence_poll(nodes[1].d.glue); /* the same fence is sent once */
	assert_null(head);
	assert_int_equal(ask(2, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
	assert_int_equal(ledgerglue_vm_lookup(nodes[1].d.glue, U1, &owner, &st, &peer), 0);
	assert_int_equal(owner, 2);
}

/* Pacemaker fences a lost node within the same second as the leave: the
 * sub-second part decides (the lab showed a fence at .9 refused as .0). */
static void
test_fence_same_second(void **state)
{
	(void)state;
	assert_int_equal(ask(3, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
	nodes[3].up = false;
	confchg(0x6, 11, true);
	fenced_node = 3;
	fenced_at_ms = ledgerglue_now_ms() + 40;
	ledgerglue_fence_poll(nodes[1].d.glue);
	deliver_all();
	assert_int_equal(ask(2, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
}

/* Review finding 2: pcs's 2-node clusters have two_node, so each half of a
 * split is quorate for corosync.  Node 1 alone must grant nothing until node
 * 2's fence is confirmed; its fence poll asks for node 2 although node 2
 * holds nothing; then node 1 grants. */
static void
test_two_node_split_waits_for_fence(void **state)
{
	(void)state;
	assert_int_equal(ask(1, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
	/* the split: each node alone, both quorate for corosync */
	nodes[2].up = false;
	confchg(0x2, 11, true);
	assert_true(ledger_is_synced(nodes[1].d.glue->l));
	assert_false(ledger_is_quorate(nodes[1].d.glue->l));
	assert_int_equal(ledger_fence_wanted(nodes[1].d.glue->l), 2);
	assert_int_equal(ask(1, FERRY_IPC_ACQUIRE, "web2", U2, NULL), FERRY_VERDICT_NO_QUORUM);
	assert_non_null(strstr(nodes[1].answer.reason, "node 2 not fenced yet"));
	/* no fence in the history yet: nothing changes */
	ledgerglue_fence_poll(nodes[1].d.glue);
	deliver_all();
	assert_false(ledger_is_quorate(nodes[1].d.glue->l));
	/* Pacemaker on node 1 fenced node 2 */
	fenced_node = 2;
	fenced_at_ms = ledgerglue_now_ms() + 10;
	ledgerglue_fence_poll(nodes[1].d.glue);
	assert_non_null(head);
	deliver_all();
	assert_true(ledger_is_quorate(nodes[1].d.glue->l));
	assert_int_equal(ask(1, FERRY_IPC_ACQUIRE, "web2", U2, NULL), FERRY_VERDICT_GRANTED);
}

/* Review finding 6: an unusable ledger file is set aside and the node joins
 * without state; with only a stale node beside it nothing is decided; once
 * the nodes with state are a majority, it takes the newest state. */
static void
test_corrupt_ledger_file_joins_lost(void **state)
{
	char path[128], cmd[256];
	struct stat st;
	FILE *f;

	(void)state;
	assert_int_equal(ask(1, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
	for (uint32_t i = 1; i <= N; i++)
		node_stop(i);
	group_mask = 0;
	/* node 2's file is damaged on disk */
	snprintf(path, sizeof(path), "%s/%s", nodes[2].dir, PERSIST_LEDGER_FILE);
	f = fopen(path, "r+");
	assert_non_null(f);
	assert_int_equal(fseek(f, 30, SEEK_SET), 0);
	fputc('#', f);
	fclose(f);
	node_start(2);
	assert_true(ledger_is_lost(nodes[2].d.glue->l));
	snprintf(path, sizeof(path), "%s/%s", nodes[2].dir, PERSIST_LOST_FILE);
	assert_int_equal(stat(path, &st), 0);
	snprintf(cmd, sizeof(cmd), "ls %s | grep -q '^ledger.bin.bad-'", nodes[2].dir);
	assert_int_equal(system(cmd), 0);
	/* restarted alone it is still lost: the mark is on disk */
	node_stop(2);
	node_start(2);
	assert_true(ledger_is_lost(nodes[2].d.glue->l));
	/* with node 3 only: 1 of 3 nodes with state, nothing decided */
	node_start(3);
	confchg(0xc, 20, true);
	assert_false(ledger_is_synced(nodes[3].d.glue->l));
	assert_int_equal(ask(3, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_UNAVAILABLE);
	/* node 1 comes back: 2 of 3, the newest state wins, the mark goes */
	node_start(1);
	confchg(0xe, 21, true);
	assert_true(ledger_is_synced(nodes[2].d.glue->l));
	assert_false(ledger_is_lost(nodes[2].d.glue->l));
	assert_int_not_equal(stat(path, &st), 0);
	assert_int_equal(ask(2, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_OWNED);
}

static void
test_force_release_by_name(void **state)
{
	(void)state;
	assert_int_equal(ask(3, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
	nodes[3].up = false;
	confchg(0x6, 11, true);
	assert_int_equal(ask(1, FERRY_IPC_FORCE_RELEASE, "nope", "", NULL), FERRY_VERDICT_REFUSED);
	assert_int_equal(ask(1, FERRY_IPC_FORCE_RELEASE, "web1", "", NULL), FERRY_VERDICT_GRANTED);
	assert_int_equal(ask(2, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
}

/* The partition's quorum notification comes after its totem confchg: until
 * then, the old ring's "quorate" must not make the new configuration
 * quorate. */
static void
test_stale_quorum_not_reported(void **state)
{
	(void)state;
	nodes[2].up = false;
	nodes[3].up = false;
	/* node 1 alone in ring 11, libquorum still says quorate for ring 10 */
	cpg_change(0x2);
	totem_change(0x2, 11);
	assert_true(nodes[1].d.cluster.quorate);
	assert_int_equal(nodes[1].d.cluster.quorum_ring, 10);
	assert_false(ledger_is_quorate(nodes[1].d.glue->l));
	assert_int_equal(ask(1, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_NO_QUORUM);
	/* the notification for ring 11: not quorate */
	nodes[1].d.cluster.quorate = false;
	nodes[1].d.cluster.quorum_ring = 11;
	ledgerglue_quorum(nodes[1].d.glue, said(1));
	deliver_all();
	assert_false(ledger_is_quorate(nodes[1].d.glue->l));
}

static void
test_minority_refuses(void **state)
{
	(void)state;
	nodes[2].up = false;
	nodes[3].up = false;
	confchg(0x2, 11, false);
	assert_int_equal(ask(1, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_NO_QUORUM);
}

static void
test_persist_restart(void **state)
{
	uint32_t owner = 0, st = 0, peer = 0;
	struct ferry_ipc_move m;

	(void)state;
	assert_int_equal(ask(2, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
	memset(&m, 0, sizeof(m));
	snprintf(m.vm, sizeof(m.vm), "web1");
	snprintf(m.uuid, sizeof(m.uuid), U1);
	snprintf(m.from, sizeof(m.from), "node1");
	snprintf(m.to, sizeof(m.to), "node2");
	snprintf(m.mode, sizeof(m.mode), "live");
	snprintf(m.result, sizeof(m.result), "ok");
	m.downtime_ms = 57;
	ledgerglue_record_move(nodes[2].d.glue, 1, &m);
	assert_int_equal(nodes[2].answer.verdict, FERRY_VERDICT_GRANTED);
	deliver_all();
	assert_int_equal(nodes[3].d.history.n, 1); /* replicated */
	assert_string_equal(nodes[3].d.history.moves[0].to, "node2");
	/* whole-cluster restart: every node comes back from its files */
	for (uint32_t i = 1; i <= N; i++)
		node_stop(i);
	group_mask = 0;
	for (uint32_t i = 1; i <= N; i++) {
		node_start(i);
		assert_int_equal(nodes[i].d.history.n, 1);
		assert_int_equal(ledgerglue_vm_lookup(nodes[i].d.glue, U1, &owner, &st, &peer), 0);
		assert_int_equal(owner, 2);
	}
	confchg(0xe, 20, true);
	assert_true(ledger_is_quorate(nodes[1].d.glue->l));
	assert_int_equal(ask(1, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_OWNED);
}

static struct ferry_ipc_move
move_of(const char *mode, const char *result)
{
	struct ferry_ipc_move m;

	memset(&m, 0, sizeof(m));
	snprintf(m.vm, sizeof(m.vm), "web1");
	snprintf(m.uuid, sizeof(m.uuid), U1);
	snprintf(m.from, sizeof(m.from), "node1");
	snprintf(m.to, sizeof(m.to), "node2");
	snprintf(m.mode, sizeof(m.mode), "%s", mode);
	snprintf(m.result, sizeof(m.result), "%s", result);
	return m;
}

/* RECORD_MOVE's mode and result are movekind.h's names: a live move that fell
 * back is recorded as quick; a name this ferryd does not know is refused, with
 * the name in the answer, and nothing is stored. */
static void
test_record_move_names(void **state)
{
	static const char *const bad[][2] = {
	        {"auto", "ok"}, {"post-copy", "ok"}, {"", "ok"}, {"live", "maybe"}, {"live", ""},
	};
	struct ferry_ipc_move m;

	(void)state;
	assert_int_equal(ask(2, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
	m = move_of("live->quick", "aborted");
	ledgerglue_record_move(nodes[2].d.glue, 1, &m);
	assert_int_equal(nodes[2].answer.verdict, FERRY_VERDICT_GRANTED);
	deliver_all();
	assert_int_equal(nodes[3].d.history.n, 1);
	assert_string_equal(nodes[3].d.history.moves[0].mode, "quick");
	assert_string_equal(nodes[3].d.history.moves[0].result, "aborted");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = move_of(bad[i][0], bad[i][1]);
		ledgerglue_record_move(nodes[2].d.glue, 1, &m);
		assert_int_equal(nodes[2].answer.verdict, FERRY_VERDICT_REFUSED);
		assert_non_null(strstr(nodes[2].answer.reason, "unknown move mode"));
		deliver_all();
		assert_int_equal(nodes[3].d.history.n, 1);
	}
}

/* kill -9 ferryd on node 3 and restart it while corosync keeps running: a
 * CPG configuration change without a new totem ring. */
static void
test_process_restart_same_ring(void **state)
{
	(void)state;
	assert_int_equal(ask(3, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
	node_stop(3);
	confchg(0x6, 10, true); /* same ring 10 */
	node_start(3);
	confchg(0xe, 10, true);
	assert_true(ledger_is_synced(nodes[1].d.glue->l));
	assert_true(ledger_is_synced(nodes[3].d.glue->l));
	assert_true(ledger_is_quorate(nodes[3].d.glue->l));
	assert_int_equal(ask(3, FERRY_IPC_RELEASE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
}

/* ferryd starts after corosync, one node after the other: every join is a
 * CPG change in the same totem ring. */
static int
setup_staggered(void **state)
{
	uint32_t i;

	(void)state;
	if (loop == NULL)
		loop = qb_loop_create();
	view_id = 0;
	group_mask = 0;
	fenced_node = 0;
	for (i = 1; i <= N; i++) {
		memset(&nodes[i], 0, sizeof(nodes[i]));
		snprintf(nodes[i].dir, sizeof(nodes[i].dir), "/tmp/ferry-glue-XXXXXX");
		assert_non_null(mkdtemp(nodes[i].dir));
	}
	return 0;
}

static void
test_staggered_start(void **state)
{
	uint32_t i;

	(void)state;
	node_start(2);
	confchg(0x4, 8, false); /* node 2 alone: 1 of 3 votes */
	assert_true(ledger_is_synced(nodes[2].d.glue->l));
	assert_int_equal(ask(2, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_NO_QUORUM);
	node_start(1);
	confchg(0x6, 8, true); /* same ring: 1 joins */
	node_start(3);
	confchg(0xe, 8, true); /* same ring: 3 joins */
	for (i = 1; i <= N; i++) {
		assert_true(ledger_is_synced(nodes[i].d.glue->l));
		assert_true(ledger_is_quorate(nodes[i].d.glue->l));
	}
	assert_int_equal(ask(3, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
	assert_int_equal(ask(1, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_OWNED);
	/* each join was announced by the lowest node already there */
	assert_int_equal(nodes[2].d.glue->cfgid.announced, (8u << 20) + 1);
	assert_int_equal(nodes[1].d.glue->cfgid.announced, (8u << 20) + 2);
	assert_int_equal(nodes[3].d.glue->cfgid.applied, (8u << 20) + 2);
	/* node 1's announcement is, byte for byte, what ferryd 0.1 sent */
	static const unsigned char config_8_2[24] = {
	        'F', 'G', 'L', 'U', 1, 0, 1, 0, 24, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x80, 0, 0, 0, 0, 0,
	};
	assert_memory_equal(nodes[1].last_cfgid, config_8_2, sizeof(config_8_2));
	/* and a CONFIG from an old ferryd (those bytes, another id) is applied
	 * by every member, who then sync again */
	unsigned char old[24];
	memcpy(old, config_8_2, sizeof(old));
	old[16] = 7;
	for (i = 1; i <= N; i++)
		ledgerglue_deliver(nodes[i].d.glue, 2, 0, old, sizeof(old));
	deliver_all();
	for (i = 1; i <= N; i++) {
		assert_int_equal(nodes[i].d.glue->cfgid.applied, (8u << 20) + 7);
		assert_true(ledger_is_synced(nodes[i].d.glue->l));
	}
	/* a damaged one is dropped, not handed to the ledger */
	old[8] = 25;
	ledgerglue_deliver(nodes[1].d.glue, 2, 0, old, sizeof(old));
	ledgerglue_deliver(nodes[1].d.glue, 2, 0, old, 20);
	assert_int_equal(nodes[1].d.glue->cfgid.applied, (8u << 20) + 7);
}

static char *
slurp(uint32_t i)
{
	char path[PATH_MAX + 16];
	void *buf = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s", nodes[i].dir);
	assert_int_equal(persist_read(path, "decisions.log", 1 << 20, &buf, &len), 0);
	return buf;
}

/* Members of one configuration log the same decision lines in the same
 * order (what the lab compares across nodes). */
static void
test_decision_logs_agree(void **state)
{
	char *a, *b, *c;

	(void)state;
	assert_int_equal(ask(1, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
	assert_int_equal(ask(2, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_OWNED);
	assert_int_equal(ask(1, FERRY_IPC_RELEASE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
	a = slurp(1);
	b = slurp(2);
	c = slurp(3);
	/* from the first line every node applied (its own confchg) onwards */
	assert_non_null(strstr(a, "acquire"));
	assert_string_equal(strstr(a, "acquire"), strstr(b, "acquire"));
	assert_string_equal(strstr(b, "acquire"), strstr(c, "acquire"));
	free(a);
	free(b);
	free(c);
}

static void
test_status_views(void **state)
{
	unsigned char buf[8192];
	struct ferry_ipc_status_rsp *s = (void *)buf;
	struct ferry_ipc_dump_rsp *du = (void *)buf;
	struct ferry_ipc_vm_info *v = (void *)(s + 1);
	ssize_t n;

	(void)state;
	assert_int_equal(ask(1, FERRY_IPC_ACQUIRE, "web1", U1, NULL), FERRY_VERDICT_GRANTED);
	nodes[1].d.cluster.n_names = 0;
	n = ledgerglue_status(nodes[2].d.glue, buf, sizeof(buf));
	assert_int_equal(n, sizeof(*s) + sizeof(*v));
	assert_int_equal(s->n_vms, 1);
	assert_int_equal(s->quorate, 1);
	assert_int_equal(s->n_nodes, 3);
	assert_string_equal(v->vm, "web1");
	assert_int_equal(v->owner_nodeid, 1);
	assert_int_equal(ledgerglue_status(nodes[2].d.glue, buf, sizeof(*s) + 10), sizeof(*s));
	assert_int_equal(s->truncated, 1);
	n = ledgerglue_dump(nodes[3].d.glue, buf, sizeof(buf));
	assert_true(n > (ssize_t)sizeof(*du));
	assert_int_equal(du->n_vms, 1);
	assert_non_null(memmem(du + 1, du->blob_len, U1, strlen(U1)));
}

/* ---- drains: the record, its one runner, a takeover ------------------------------ */

static uint32_t
drain_submit(uint32_t i, uint32_t kind, const char *node, const char *const *vms, uint32_t n,
             uint32_t parallel)
{
	static struct ferry_ipc_drain_submit_req r;

	memset(&r, 0, sizeof(r));
	r.hdr.qb.id = FERRY_IPC_DRAIN_SUBMIT;
	r.kind = kind;
	r.parallel = parallel;
	r.n_steps = n;
	snprintf(r.node, sizeof(r.node), "%s", node);
	snprintf(r.requested_by, sizeof(r.requested_by), "root@node%u", i);
	for (uint32_t k = 0; k < n; k++) {
		snprintf(r.steps[k].resource, sizeof(r.steps[k].resource), "%s", vms[k]);
		snprintf(r.steps[k].vm, sizeof(r.steps[k].vm), "%s", vms[k]);
		r.steps[k].wave = k / parallel;
		r.steps[k].pred_duration_ms = 1000;
	}
	nodes[i].answered_token = 0;
	ledgerglue_drain_submit(nodes[i].d.glue, ++next_token, &r);
	deliver_all();
	assert_int_equal(nodes[i].answered_token, next_token);
	return nodes[i].drain_answer.verdict == FERRY_VERDICT_GRANTED ? nodes[i].drain_answer.id
	                                                              : 0;
}

/* A job of node i ends; what it caused goes around. */
static void
job_done(uint32_t i, size_t k, int rc, const char *where, const char *text)
{
	ledgerglue_drain_done(nodes[i].d.glue, nodes[i].jobs[k].job, rc, where, text);
	deliver_all();
}

static const struct ledger_drain *
drain_of(uint32_t i, uint32_t id)
{
	return ledger_drain_find(nodes[i].d.glue->l, id);
}

static void
test_drain_runner(void **state)
{
	static const char *const vms[] = {"web1", "web2", "web3"};
	uint32_t id;

	(void)state;
	/* unknown node: refused before the ledger */
	assert_int_equal(drain_submit(3, FERRY_DRAIN_DRAIN, "node9", vms, 3, 1), 0);
	assert_non_null(strstr(nodes[3].drain_answer.reason, "unknown node 'node9'"));
	id = drain_submit(3, FERRY_DRAIN_DRAIN, "node1", vms, 3, 2);
	assert_int_equal(id, 1);
	/* node 2 runs it (lowest member but the drained node): started, wave 1 begun */
	assert_int_equal(nodes[1].n_jobs + nodes[3].n_jobs, 0);
	assert_int_equal(nodes[2].n_jobs, 2);
	assert_string_equal(nodes[2].jobs[0].what, "away");
	assert_string_equal(nodes[2].jobs[0].rsc, "web1");
	assert_string_equal(nodes[2].jobs[0].node, "node1");
	assert_string_equal(nodes[2].jobs[1].rsc, "web2");
	assert_int_equal(drain_of(1, id)->state, LEDGER_DRAIN_RUNNING);
	/* the second wave waits for the whole first one; a failure does not stop it */
	job_done(2, 0, 0, "node3", "moved");
	assert_int_equal(nodes[2].n_jobs, 2);
	job_done(2, 1, -EIO, "node1", "crm_resource --ban failed");
	assert_int_equal(nodes[2].n_jobs, 3);
	assert_string_equal(nodes[2].jobs[2].rsc, "web3");
	assert_int_equal(drain_of(3, id)->steps[0].state, LEDGER_STEP_DONE);
	assert_string_equal(drain_of(3, id)->steps[0].to, "node3");
	assert_int_equal(drain_of(3, id)->steps[1].state, LEDGER_STEP_FAILED);
	/* runner 2 dies while web3 moves: node 3 takes over and checks web3 again */
	nodes[2].up = false;
	confchg(0xa, 11, true);
	assert_int_equal(drain_of(1, id)->runner, 3);
	assert_int_equal(nodes[3].n_jobs, 1);
	assert_string_equal(nodes[3].jobs[0].what, "away");
	assert_string_equal(nodes[3].jobs[0].rsc, "web3");
	/* the old runner's late end is ignored (it is not the runner any more) */
	job_done(3, 0, 0, "node3", "moved");
	/* all moves ended: standby on, clearing the bans of web1..web3 */
	assert_int_equal(nodes[3].n_jobs, 2);
	assert_string_equal(nodes[3].jobs[1].what, "standby-on");
	assert_int_equal(nodes[3].jobs[1].n_clear, 3);
	job_done(3, 1, 0, "", "done");
	assert_int_equal(drain_of(1, id)->state, LEDGER_DRAIN_DONE);

	/* undrain: standby off first, then web1 and web3 (what moved) go back */
	id = drain_submit(1, FERRY_DRAIN_UNDRAIN, "node1", NULL, 0, 1);
	assert_int_equal(id, 2);
	assert_int_equal(nodes[3].n_jobs, 3);
	assert_string_equal(nodes[3].jobs[2].what, "standby-off");
	job_done(3, 2, 0, "", "done");
	assert_int_equal(nodes[3].n_jobs, 4);
	assert_string_equal(nodes[3].jobs[3].what, "back");
	assert_string_equal(nodes[3].jobs[3].rsc, "web1");
	assert_string_equal(nodes[3].jobs[3].expect_on, "node3");
	job_done(3, 3, -ESTALE, "node2", "moved by someone else: on node2, not node3");
	assert_int_equal(drain_of(1, id)->steps[0].state, LEDGER_STEP_SKIPPED);
	assert_string_equal(nodes[3].jobs[4].rsc, "web3");
	job_done(3, 4, 0, "node1", "moved back");
	assert_int_equal(drain_of(1, id)->state, LEDGER_DRAIN_DONE);
	assert_int_equal(drain_of(1, id)->steps[1].state, LEDGER_STEP_DONE);
}

/* A live step's memory left: sampled only by the node the VM moves from, heard by every
 * ferryd, shown while the step runs and not after. */
static void
test_drain_progress(void **state)
{
	static const char *const vms[] = {"web1", "web2"};
	struct ferry_ipc_drain_id_req req;
	unsigned char *buf = calloc(1, FERRY_IPC_MAX_MSG_BYTES);
	const struct ferry_ipc_drain_progress_rsp *rsp = (const void *)buf;
	const struct ferry_ipc_drain_progress *p = (const void *)(rsp + 1);
	uint32_t id;

	(void)state;
	id = drain_submit(3, FERRY_DRAIN_DRAIN, "node1", vms, 2, 1);
	assert_int_equal(id, 1);
	assert_int_equal(drain_of(3, id)->steps[0].state, LEDGER_STEP_RUNNING);
	memset(&req, 0, sizeof(req));
	req.hdr.qb.id = FERRY_IPC_DRAIN_PROGRESS;
	req.id = id;
	/* nodes 2 and 3 move nothing from themselves: they do not ask their hypervisor */
	job_asks = 0;
	ledgerglue_progress_tick(nodes[2].d.glue);
	ledgerglue_progress_tick(nodes[3].d.glue);
	deliver_all();
	assert_int_equal(job_asks, 0);
	assert_int_equal(ledgerglue_drain_view(nodes[3].d.glue, &req, buf, FERRY_IPC_MAX_MSG_BYTES),
	                 sizeof(*rsp));
	assert_int_equal(rsp->n, 0);
	/* node 1, the source, asks for web1 (running) and not web2 (pending) */
	ledgerglue_progress_tick(nodes[1].d.glue);
	deliver_all();
	assert_int_equal(job_asks, 1);
	for (uint32_t i = 1; i <= 3; i++) {
		assert_int_equal(
		        ledgerglue_drain_view(nodes[i].d.glue, &req, buf, FERRY_IPC_MAX_MSG_BYTES),
		        sizeof(*rsp) + sizeof(*p));
		assert_int_equal(rsp->id, id);
		assert_int_equal(rsp->n, 1);
		assert_int_equal(p[0].step, 0);
		assert_int_equal(p[0].mem_left_bytes, 100u << 20);
		assert_int_equal(p[0].mem_total_bytes, 512u << 20);
		assert_true(p[0].at_unix_ms > 0);
	}
	/* web1's move ended: its figure is no longer shown; web2's job has none yet */
	job_done(2, 0, 0, "node3", "moved");
	ledgerglue_progress_tick(nodes[1].d.glue);
	deliver_all();
	req.id = 0; /* the latest */
	assert_int_equal(ledgerglue_drain_view(nodes[3].d.glue, &req, buf, FERRY_IPC_MAX_MSG_BYTES),
	                 sizeof(*rsp));
	assert_int_equal(rsp->n, 0);
	free(buf);
}

/* The progress table is full of other drains' figures: a new step takes the oldest slot, and
 * a second new step does not take the first one's. */
static void
test_drain_progress_full(void **state)
{
	static const char *const vms[] = {"web1", "web2"};
	struct ferry_ipc_drain_id_req req;
	unsigned char *buf = calloc(1, FERRY_IPC_MAX_MSG_BYTES);
	const struct ferry_ipc_drain_progress_rsp *rsp = (const void *)buf;
	unsigned char msg[256];
	uint32_t id;
	size_t len;

	(void)state;
	id = drain_submit(3, FERRY_DRAIN_DRAIN, "node1", vms, 2, 2); /* both running at once */
	assert_int_equal(drain_of(3, id)->steps[1].state, LEDGER_STEP_RUNNING);
	for (uint32_t k = 0; k < LEDGERGLUE_MAX_PROGRESS + 2; k++) {
		struct ledgermsg_progress p = {
		        .id = k < LEDGERGLUE_MAX_PROGRESS ? 50
		                                          : id, /* 16 of another drain, then ours */
		        .step = k < LEDGERGLUE_MAX_PROGRESS ? k : k - LEDGERGLUE_MAX_PROGRESS,
		        .left_bytes = 1,
		        .total_bytes = 2,
		        .time_ms = 1000 + k,
		};

		snprintf(p.vm, sizeof(p.vm), "vm%u", k);
		assert_int_equal(ledgermsg_encode_progress(&p, msg, sizeof(msg), &len), 0);
		ledgerglue_deliver(nodes[3].d.glue, 1, 1, msg, len);
	}
	memset(&req, 0, sizeof(req));
	req.hdr.qb.id = FERRY_IPC_DRAIN_PROGRESS;
	req.id = id;
	assert_int_equal(ledgerglue_drain_view(nodes[3].d.glue, &req, buf, FERRY_IPC_MAX_MSG_BYTES),
	                 sizeof(*rsp) + 2 * sizeof(struct ferry_ipc_drain_progress));
	assert_int_equal(rsp->n, 2);
	free(buf);
}

static void
test_drain_scheduled_and_cancelled(void **state)
{
	static const char *const vms[] = {"web1"};
	static struct ferry_ipc_drain_submit_req r;
	struct ferry_ipc_drain_id_req c;
	unsigned char *buf = calloc(1, FERRY_IPC_MAX_MSG_BYTES);
	const struct ferry_ipc_drain_report_rsp *rep = (const void *)buf;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.kind = FERRY_DRAIN_DRAIN;
	r.parallel = 1;
	r.n_steps = 1;
	r.at_unix_ms = ((int64_t)time(NULL) + 3600) * 1000;
	snprintf(r.node, sizeof(r.node), "node3");
	snprintf(r.steps[0].resource, sizeof(r.steps[0].resource), "%s", vms[0]);
	snprintf(r.steps[0].vm, sizeof(r.steps[0].vm), "%s", vms[0]);
	ledgerglue_drain_submit(nodes[2].d.glue, ++next_token, &r);
	deliver_all();
	assert_int_equal(nodes[2].drain_answer.verdict, FERRY_VERDICT_GRANTED);
	/* an hour ahead: scheduled, runner node 1, nothing done yet */
	assert_int_equal(drain_of(2, 1)->state, LEDGER_DRAIN_SCHEDULED);
	assert_int_equal(drain_of(2, 1)->runner, 1);
	assert_int_equal(nodes[1].n_jobs, 0);
	/* the report view */
	memset(&c, 0, sizeof(c));
	c.hdr.qb.id = FERRY_IPC_DRAIN_REPORT;
	assert_true(ledgerglue_drain_view(nodes[3].d.glue, &c, buf, FERRY_IPC_MAX_MSG_BYTES) > 0);
	assert_int_equal(rep->found, 1);
	assert_string_equal(rep->info.state, "scheduled");
	assert_string_equal(rep->info.runner, "node1");
	/* a second drain of the same node is refused by the ledger */
	ledgerglue_drain_submit(nodes[3].d.glue, ++next_token, &r);
	deliver_all();
	assert_int_equal(nodes[3].drain_answer.verdict, FERRY_VERDICT_REFUSED);
	assert_non_null(strstr(nodes[3].drain_answer.reason, "already scheduled"));
	/* cancel */
	snprintf(c.requested_by, sizeof(c.requested_by), "admin@node3");
	c.id = 1;
	ledgerglue_drain_cancel(nodes[3].d.glue, ++next_token, &c);
	deliver_all();
	assert_int_equal(nodes[3].drain_answer.verdict, FERRY_VERDICT_GRANTED);
	assert_int_equal(drain_of(1, 1)->state, LEDGER_DRAIN_CANCELLED);
	assert_string_equal(drain_of(1, 1)->note, "cancelled by admin@node3");
	free(buf);
}

/* The drained node loses power while its VM moves: Pacemaker restarts the VM
 * elsewhere; the step ends done, and its result says it was an HA restart. */
static void
test_drain_node_lost(void **state)
{
	static const char *const vms[] = {"web1"};
	uint32_t id;

	(void)state;
	id = drain_submit(3, FERRY_DRAIN_DRAIN, "node1", vms, 1, 1);
	assert_int_equal(nodes[2].n_jobs, 1);
	nodes[1].up = false;
	confchg(0xc, 11, true);
	job_done(2, 0, 0, "node3", "moved");
	assert_int_equal(drain_of(3, id)->steps[0].state, LEDGER_STEP_DONE);
	assert_string_equal(drain_of(3, id)->steps[0].result, FERRY_IPC_DRAIN_HA_RESTART);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_sync_and_acquire, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_drain_runner, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_drain_node_lost, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_drain_scheduled_and_cancelled, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_race, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_migrate, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_orphan_then_fenced, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_fence_same_second, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_force_release_by_name, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_minority_refuses, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stale_quorum_not_reported, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_persist_restart, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_record_move_names, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_status_views, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_drain_progress, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_drain_progress_full, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_decision_logs_agree, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_process_restart_same_ring, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_staggered_start, setup_staggered, teardown),
	        cmocka_unit_test_setup_teardown(test_two_node_split_waits_for_fence, setup_two_node,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_corrupt_ledger_file_joins_lost, setup,
	                                        teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
