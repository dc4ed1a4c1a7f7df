/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * simnet.c - a simulated cluster of ledger replicas (see simnet.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simnet.h"
#include "cfgid.h"
#include "ledgermsg.h"

struct cmsg {
	uint32_t sender;
	size_t len;
	uint8_t *buf;
};

struct cgroup {
	bool used;
	uint32_t members[SIMNET_MAX_NODES];
	size_t n;
	struct cmsg *q;
	size_t head, tail, cap;
};

struct cnode {
	struct simnet *c;
	uint32_t id;
	bool up;
	struct ledger *l;
	char *persisted;
	size_t persisted_len;
	int group;
	bool slow;
	bool owes_state; /* slow in the current round, state not sent yet */
	int64_t skew_ms; /* this node's clock minus the true time */
	bool lost_mark;  /* ferryd's ledger.lost: set at a boot with an unusable file */
	bool bad_state;  /* its next state is sent damaged (header intact) */
	bool seen_all;   /* corosync saw every node since it started (wait_for_all) */
	/* the configuration-id rule (cfgid mode): what this ferryd's glue keeps */
	struct cfgid cid;
	uint32_t view[SIMNET_MAX_NODES]; /* its last CPG membership, 0 members: none yet */
	size_t n_view;
	bool totem_seen;  /* its initial totem configuration was delivered */
	uint64_t ring_at; /* the totem ring it was last told */
	bool slow_config; /* its next CONFIG is ordered late (simnet_send_config) */
	bool owes_config; /* ... and not sent yet: owed_cfg_id */
	uint64_t owed_cfg_id;
};

struct simnet {
	struct ledger_limits lim;
	struct cnode nodes[SIMNET_MAX_NODES + 1];
	struct cgroup groups[SIMNET_MAX_NODES];
	uint64_t ring_seq;
	bool same_ring; /* CPG changes inside one totem ring */
	bool cfgid;     /* configuration ids through daemon/cfgid.c, as ferryd */
	int64_t now_ms;
	uint32_t expected;
	bool two_node;
	uint64_t (*rnd)(void *);
	void *rnd_data;
	simnet_line_fn line_fn;
	simnet_decision_fn decision_fn;
	void *userdata;
};

static bool
valid_node(uint32_t node)
{
	return node >= 1 && node <= SIMNET_MAX_NODES;
}

struct simnet *
simnet_new(const struct ledger_limits *limits)
{
	struct simnet *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if (limits != NULL) {
		c->lim = *limits;
	} else {
		c->lim.max_vms = LEDGER_MAX_VMS;
		c->lim.max_nodes = LEDGER_MAX_NODES;
	}
	for (uint32_t i = 0; i <= SIMNET_MAX_NODES; i++) {
		c->nodes[i].c = c;
		c->nodes[i].id = i;
		c->nodes[i].group = -1;
	}
	c->now_ms = 1000;
	return c;
}

static void
group_clear_queue(struct cgroup *g)
{
	for (size_t i = g->head; i < g->tail; i++)
		free(g->q[i].buf);
	free(g->q);
	g->q = NULL;
	g->head = g->tail = g->cap = 0;
}

struct simnet *
simnet_free(struct simnet *c)
{
	if (c == NULL)
		return NULL;
	for (uint32_t i = 0; i <= SIMNET_MAX_NODES; i++) {
		ledger_free(c->nodes[i].l);
		free(c->nodes[i].persisted);
	}
	for (size_t g = 0; g < SIMNET_MAX_NODES; g++)
		group_clear_queue(&c->groups[g]);
	free(c);
	return NULL;
}

void
simnet_set_callbacks(struct simnet *c, simnet_line_fn line, simnet_decision_fn decision,
                     void *userdata)
{
	c->line_fn = line;
	c->decision_fn = decision;
	c->userdata = userdata;
}

void
simnet_set_expected(struct simnet *c, uint32_t expected)
{
	c->expected = expected;
}

void
simnet_set_shuffle(struct simnet *c, uint64_t (*rnd)(void *), void *rnd_data)
{
	c->rnd = rnd;
	c->rnd_data = rnd_data;
}

int64_t
simnet_now(const struct simnet *c)
{
	return c->now_ms;
}

void
simnet_set_now(struct simnet *c, int64_t now_ms)
{
	c->now_ms = now_ms;
}

bool
simnet_is_up(const struct simnet *c, uint32_t node)
{
	return valid_node(node) && c->nodes[node].up;
}

struct ledger *
simnet_ledger(struct simnet *c, uint32_t node)
{
	return simnet_is_up(c, node) ? c->nodes[node].l : NULL;
}

int
simnet_group_of(const struct simnet *c, uint32_t node)
{
	return valid_node(node) ? c->nodes[node].group : -1;
}

size_t
simnet_group_members(const struct simnet *c, int g, uint32_t *ret, size_t max)
{
	size_t n = 0;

	if (g < 0 || g >= SIMNET_MAX_NODES || !c->groups[g].used)
		return 0;
	for (size_t i = 0; i < c->groups[g].n && n < max; i++)
		ret[n++] = c->groups[g].members[i];
	return n;
}

int
simnet_groups(const struct simnet *c, int *ret, size_t max)
{
	/* ordered by lowest member, so output does not depend on slot reuse */
	int n = 0;

	for (uint32_t node = 1; node <= SIMNET_MAX_NODES; node++) {
		int g = c->nodes[node].group;
		bool seen = false;

		if (!c->nodes[node].up || g < 0)
			continue;
		for (int i = 0; i < n; i++)
			if (ret[i] == g)
				seen = true;
		if (!seen && (size_t)n < max)
			ret[n++] = g;
	}
	return n;
}

size_t
simnet_pending(const struct simnet *c, int g)
{
	size_t n;

	if (g < 0 || g >= SIMNET_MAX_NODES || !c->groups[g].used)
		return 0;
	n = c->groups[g].tail - c->groups[g].head;
	/* a CONFIG ordered late is on its way too */
	for (size_t i = 0; i < c->groups[g].n; i++)
		if (c->nodes[c->groups[g].members[i]].owes_config)
			n++;
	return n;
}

static void
on_line(const char *line, void *userdata)
{
	struct cnode *n = userdata;

	if (n->c->line_fn != NULL)
		n->c->line_fn(n->id, line, n->c->userdata);
}

static void
on_decision(const struct ledger_decision *d, void *userdata)
{
	struct cnode *n = userdata;

	if (n->c->decision_fn != NULL)
		n->c->decision_fn(n->id, d, n->c->userdata);
}

static void
persist(struct cnode *n)
{
	char *buf = NULL;
	size_t len = 0;

	if (ledger_serialize(n->l, &buf, &len) < 0) {
		on_line("persist failed", n);
		return;
	}
	free(n->persisted);
	n->persisted = buf;
	n->persisted_len = len;
	if (n->lost_mark && ledger_is_synced(n->l) && !ledger_is_lost(n->l))
		n->lost_mark = false; /* ferryd removes ledger.lost */
}

int
simnet_boot(struct simnet *c, uint32_t node)
{
	struct cnode *n;
	int r;

	if (!valid_node(node))
		return -EINVAL;
	n = &c->nodes[node];
	if (n->up)
		return -EALREADY;
	n->l = ledger_new(&c->lim);
	if (n->l == NULL)
		return -ENOMEM;
	ledger_set_log(n->l, on_line, n);
	ledger_set_decision_cb(n->l, on_decision, n);
	n->up = true;
	n->group = -1;
	memset(&n->cid, 0, sizeof(n->cid)); /* a new ferryd: a new glue */
	n->n_view = 0;
	n->totem_seen = false;
	n->ring_at = 0;
	n->owes_config = false;
	if (!c->same_ring)
		n->seen_all = false; /* corosync starts too */
	if (n->persisted != NULL) {
		r = ledger_load(n->l, n->persisted, n->persisted_len);
		if (r < 0) {
			char line[80];

			snprintf(line, sizeof(line),
			         "node %u: persisted state unreadable (%d), lost", node, r);
			on_line(line, n);
			n->lost_mark = true;
		}
	}
	if (n->lost_mark)
		ledger_set_lost(n->l);
	return 0;
}

void
simnet_corrupt(struct simnet *c, uint32_t node)
{
	if (!valid_node(node) || c->nodes[node].persisted == NULL ||
	    c->nodes[node].persisted_len == 0)
		return;
	c->nodes[node].persisted[0] ^= 0x20; /* "ferry-ledger" no more */
}

void
simnet_set_bad_state(struct simnet *c, uint32_t node)
{
	if (valid_node(node))
		c->nodes[node].bad_state = true;
}

void
simnet_set_two_node(struct simnet *c, bool two_node)
{
	c->two_node = two_node;
}

void
simnet_wipe(struct simnet *c, uint32_t node)
{
	if (!valid_node(node))
		return;
	free(c->nodes[node].persisted);
	c->nodes[node].persisted = NULL;
	c->nodes[node].persisted_len = 0;
}

static int
queue_push(struct cgroup *g, uint32_t sender, const void *buf, size_t len)
{
	struct cmsg *m;

	if (g->tail == g->cap) {
		if (g->head > 0) {
			memmove(g->q, g->q + g->head, (g->tail - g->head) * sizeof(*g->q));
			g->tail -= g->head;
			g->head = 0;
		}
		if (g->tail == g->cap) {
			size_t ncap = g->cap == 0 ? 16 : g->cap * 2;
			struct cmsg *nq = realloc(g->q, ncap * sizeof(*nq));

			if (nq == NULL)
				return -ENOMEM;
			g->q = nq;
			g->cap = ncap;
		}
	}
	m = &g->q[g->tail];
	m->buf = malloc(len == 0 ? 1 : len);
	if (m->buf == NULL)
		return -ENOMEM;
	memcpy(m->buf, buf, len);
	m->len = len;
	m->sender = sender;
	g->tail++;
	return 0;
}

int
simnet_send(struct simnet *c, uint32_t sender, const void *buf, size_t len)
{
	int g = simnet_group_of(c, sender);

	if (!simnet_is_up(c, sender) || g < 0)
		return -ENOTCONN;
	return queue_push(&c->groups[g], sender, buf, len);
}

static void deliver_cfgid(struct simnet *c, int gi, uint64_t cfg_id);

size_t
simnet_deliver(struct simnet *c, int gi, size_t max)
{
	struct cgroup *g;
	size_t done = 0;

	if (gi < 0 || gi >= SIMNET_MAX_NODES || !c->groups[gi].used)
		return 0;
	g = &c->groups[gi];
	while (done < max && g->head < g->tail) {
		struct cmsg m = g->q[g->head++];
		uint64_t cfg_id;
		int r = c->cfgid ? ledgermsg_decode_cfgid(m.buf, m.len, &cfg_id) : -ENOMSG;

		if (r != -ENOMSG) {
			/* the configuration-id rule's (a malformed one: dropped) */
			if (r == 0)
				deliver_cfgid(c, gi, cfg_id);
			free(m.buf);
			done++;
			continue;
		}
		for (size_t i = 0; i < g->n; i++) {
			struct cnode *n = &c->nodes[g->members[i]];

			if (ledger_deliver(n->l, m.sender, m.buf, m.len) > 0)
				persist(n);
		}
		free(m.buf);
		done++;
	}
	if (g->head == g->tail)
		g->head = g->tail = 0;
	return done;
}

void
simnet_flush(struct simnet *c)
{
	bool again = true;

	while (again) {
		again = false;
		for (int g = 0; g < SIMNET_MAX_NODES; g++)
			if (simnet_deliver(c, g, SIZE_MAX) > 0)
				again = true;
	}
}

void
simnet_set_skew(struct simnet *c, uint32_t node, int64_t skew_ms)
{
	if (valid_node(node))
		c->nodes[node].skew_ms = skew_ms;
}

void
simnet_set_same_ring(struct simnet *c, bool same)
{
	c->same_ring = same;
}

void
simnet_set_cfgid(struct simnet *c, bool on)
{
	c->cfgid = on;
}

bool
simnet_cfgid(const struct simnet *c)
{
	return c->cfgid;
}

void
simnet_set_slow(struct simnet *c, uint32_t node, bool slow)
{
	if (valid_node(node))
		c->nodes[node].slow = slow;
}

static int send_state(struct simnet *c, uint32_t node);

int
simnet_send_state(struct simnet *c, uint32_t node)
{
	if (!simnet_is_up(c, node))
		return -ENOTCONN;
	c->nodes[node].owes_state = false;
	return send_state(c, node);
}

bool
simnet_owes_state(const struct simnet *c, uint32_t node)
{
	return simnet_is_up(c, node) && c->nodes[node].owes_state;
}

static int
send_state(struct simnet *c, uint32_t node)
{
	static uint8_t buf[LEDGERMSG_MAX_LEN];
	struct cnode *n = &c->nodes[node];

	for (uint32_t idx = 0;; idx++) {
		size_t len;
		int r = ledger_state_msg(n->l, c->now_ms + n->skew_ms, idx, buf, sizeof(buf), &len);

		if (r < 0)
			return r;
		if (n->bad_state && idx == 0 &&
		    len > sizeof(struct ledgermsg_hdr) + sizeof(struct ledgermsg_state_wire))
			buf[sizeof(struct ledgermsg_hdr) + sizeof(struct ledgermsg_state_wire)] ^=
			        0x20;
		if (r == 0)
			n->bad_state = false;
		int e = simnet_send(c, node, buf, len);
		if (e < 0)
			return e;
		if (r == 0)
			return 0;
	}
}

/* The sync round after members of group gi (sorted) took a configuration:
 * each sends its state, and with auto quorum the lowest of them reports. */
static int
sync_round(struct simnet *c, int gi, const uint32_t *members, size_t n)
{
	uint32_t order[SIMNET_MAX_NODES + 1];
	size_t n_order = 0;

	(void)gi;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		order[n_order++] = members[i];
		c->nodes[members[i]].owes_state = false;
	}
	if (c->expected > 0)
		order[n_order++] = 0; /* the quorum report */
	if (c->rnd != NULL) {
		for (size_t i = n_order; i > 1; i--) {
			size_t j = (size_t)(c->rnd(c->rnd_data) % i);
			uint32_t t = order[i - 1];

			order[i - 1] = order[j];
			order[j] = t;
		}
	}
	for (size_t i = 0; i < n_order; i++) {
		int r;

		if (order[i] != 0 && c->nodes[order[i]].slow) {
			c->nodes[order[i]].slow = false;
			c->nodes[order[i]].owes_state = true;
			r = 0;
		} else if (order[i] != 0)
			r = send_state(c, order[i]);
		else
			r = simnet_send_auto_quorum(c, members[0]);
		if (r < 0 && r != -EAGAIN)
			return r;
	}
	return 0;
}

/* ---- configuration ids (cfgid mode): each node runs daemon/cfgid.c as
 * ferryd's glue does, on the events corosync would give it ---- */

static bool
id_in(const uint32_t *ids, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* appliers: sorted, no repeats */
static void
appliers_add(uint32_t *appliers, size_t *n, uint32_t node)
{
	size_t i = 0;

	while (i < *n && appliers[i] < node)
		i++;
	if (i < *n && appliers[i] == node)
		return;
	memmove(&appliers[i + 1], &appliers[i], (*n - i) * sizeof(*appliers));
	appliers[i] = node;
	(*n)++;
}

/* What node n's glue does with a decision of the rule.  APPLY: the ledger
 * takes the id with the group's current members (a refusal, -ESTALE for
 * one overtaken, is the ledger's and the same on every member). */
static int
node_decided(struct simnet *c, int gi, struct cnode *n, const struct cfgid_decision *d,
             uint32_t *appliers, size_t *n_appliers)
{
	const struct cgroup *g = &c->groups[gi];
	uint32_t members[SIMNET_MAX_NODES];
	uint8_t buf[sizeof(struct ledgermsg_cfgid_wire)];
	size_t len = 0, k;
	int r;

	switch (d->action) {
	case CFGID_APPLY:
		k = cfgid_members(g->members, g->n, members);
		r = ledger_confchg(n->l, d->cfg_id, members, k, c->now_ms + n->skew_ms);
		if (r == -ESTALE)
			return 0;
		if (r < 0)
			return r;
		cfgid_applied(&n->cid, d->cfg_id);
		appliers_add(appliers, n_appliers, n->id);
		persist(n);
		return 0;
	case CFGID_ANNOUNCE:
		if (n->slow_config) {
			/* the glue sent it; agreed order puts it after what others
			 * send until simnet_send_config() */
			n->slow_config = false;
			n->owes_config = true;
			n->owed_cfg_id = d->cfg_id;
			cfgid_announced(&n->cid, d->cfg_id);
			return 0;
		}
		r = ledgermsg_encode_cfgid(d->cfg_id, buf, sizeof(buf), &len);
		if (r == 0)
			r = simnet_send(c, n->id, buf, len);
		if (r == 0)
			cfgid_announced(&n->cid, d->cfg_id);
		return r;
	default:
		return 0;
	}
}

static struct cfgid_view
node_view(const struct cnode *n, const uint32_t *joined, size_t n_joined)
{
	return (struct cfgid_view){
	        .local_nodeid = n->id,
	        .members = n->view,
	        .n_members = n->n_view,
	        .joined = joined,
	        .n_joined = n_joined,
	        .ring_seq = n->ring_at,
	        .totem_seen = n->totem_seen,
	};
}

/*
 * New membership for group gi, in corosync's order (the one test_glue
 * follows): the CPG confchg on every member (joined: the members not in its
 * previous view; for a ferryd that just started, the others that just
 * started), the initial totem configuration for those that just started,
 * then, if the ring changed, the totem confchg on every member.  Then the
 * sync round of the members that applied an id; CONFIGs sent here are
 * delivered (and applied) in agreed order by simnet_deliver.
 */
static int
group_change_cfgid(struct simnet *c, int gi, bool new_ring)
{
	struct cgroup *g = &c->groups[gi];
	bool fresh[SIMNET_MAX_NODES + 1] = {false};
	uint32_t appliers[SIMNET_MAX_NODES], joined[SIMNET_MAX_NODES];
	size_t n_appliers = 0, n_joined;
	struct cfgid_decision d;
	struct cfgid_view v;
	int err = 0, r;

	for (size_t i = 0; i < g->n; i++)
		fresh[g->members[i]] = c->nodes[g->members[i]].n_view == 0;
	for (size_t i = 0; i < g->n; i++) {
		struct cnode *n = &c->nodes[g->members[i]];

		n_joined = 0;
		for (size_t k = 0; k < g->n; k++)
			if (fresh[n->id] ? fresh[g->members[k]]
			                 : !id_in(n->view, n->n_view, g->members[k]))
				joined[n_joined++] = g->members[k];
		memcpy(n->view, g->members, g->n * sizeof(uint32_t));
		n->n_view = g->n;
		v = node_view(n, joined, n_joined);
		r = cfgid_confchg(&n->cid, &v, &d);
		if (r == 0)
			r = node_decided(c, gi, n, &d, appliers, &n_appliers);
		if (r < 0)
			err = r;
	}
	for (size_t i = 0; i < g->n; i++) {
		struct cnode *n = &c->nodes[g->members[i]];

		if (n->totem_seen)
			continue;
		n->totem_seen = true;
		n->ring_at = c->ring_seq;
		n_joined = 0;
		for (size_t k = 0; k < g->n; k++)
			if (fresh[g->members[k]])
				joined[n_joined++] = g->members[k];
		v = node_view(n, joined, n_joined);
		r = cfgid_totem(&n->cid, &v, true, &d);
		if (r == 0)
			r = node_decided(c, gi, n, &d, appliers, &n_appliers);
		if (r < 0)
			err = r;
	}
	for (size_t i = 0; i < g->n && new_ring; i++) {
		struct cnode *n = &c->nodes[g->members[i]];

		n->ring_at = c->ring_seq;
		v = node_view(n, NULL, 0);
		r = cfgid_totem(&n->cid, &v, false, &d);
		if (r == 0)
			r = node_decided(c, gi, n, &d, appliers, &n_appliers);
		if (r < 0)
			err = r;
	}
	r = sync_round(c, gi, appliers, n_appliers);
	return r < 0 ? r : err;
}

void
simnet_set_slow_config(struct simnet *c, uint32_t node, bool slow)
{
	if (valid_node(node))
		c->nodes[node].slow_config = slow;
}

bool
simnet_owes_config(const struct simnet *c, uint32_t node)
{
	return simnet_is_up(c, node) && c->nodes[node].owes_config;
}

int
simnet_send_config(struct simnet *c, uint32_t node)
{
	uint8_t buf[sizeof(struct ledgermsg_cfgid_wire)];
	size_t len = 0;
	int r;

	if (!simnet_owes_config(c, node))
		return -ENOENT;
	c->nodes[node].owes_config = false;
	r = ledgermsg_encode_cfgid(c->nodes[node].owed_cfg_id, buf, sizeof(buf), &len);
	if (r == 0)
		r = simnet_send(c, node, buf, len);
	return r;
}

/* Before a membership change: what was sent is sent (it is delivered in
 * the configuration it was sent in, virtual synchrony). */
static void
send_owed_configs(struct simnet *c)
{
	for (uint32_t node = 1; node <= SIMNET_MAX_NODES; node++)
		if (simnet_owes_config(c, node))
			(void)simnet_send_config(c, node);
}

/* A CONFIG delivered to every member of group gi. */
static void
deliver_cfgid(struct simnet *c, int gi, uint64_t cfg_id)
{
	struct cgroup *g = &c->groups[gi];
	uint32_t appliers[SIMNET_MAX_NODES];
	size_t n_appliers = 0;
	struct cfgid_decision d;

	for (size_t i = 0; i < g->n; i++) {
		struct cnode *n = &c->nodes[g->members[i]];

		if (cfgid_received(&n->cid, cfg_id, &d) == 0)
			(void)node_decided(c, gi, n, &d, appliers, &n_appliers);
	}
	(void)sync_round(c, gi, appliers, n_appliers);
}

/* New membership for group gi: confchg everywhere, then the sync round. */
static int
group_change(struct simnet *c, int gi)
{
	struct cgroup *g = &c->groups[gi];
	bool new_ring = !c->same_ring || c->ring_seq == 0;
	int err = 0, r;

	if (new_ring)
		c->ring_seq++;
	for (size_t i = 0; i < g->n; i++)
		if (c->expected > 0 && g->n >= c->expected)
			c->nodes[g->members[i]].seen_all = true;
	if (c->cfgid)
		return group_change_cfgid(c, gi, new_ring);
	for (size_t i = 0; i < g->n; i++) {
		r = ledger_confchg(c->nodes[g->members[i]].l, c->ring_seq, g->members, g->n,
		                   c->now_ms + c->nodes[g->members[i]].skew_ms);
		if (r < 0)
			err = r; /* every member still sees the change */
	}
	r = sync_round(c, gi, g->members, g->n);
	return r < 0 ? r : err;
}

static void
group_remove(struct cgroup *g, uint32_t node)
{
	for (size_t i = 0; i < g->n; i++) {
		if (g->members[i] == node) {
			memmove(&g->members[i], &g->members[i + 1],
			        (g->n - i - 1) * sizeof(uint32_t));
			g->n--;
			return;
		}
	}
}

static void
group_release(struct cgroup *g)
{
	group_clear_queue(g);
	memset(g, 0, sizeof(*g));
}

int
simnet_crash(struct simnet *c, uint32_t node)
{
	struct cnode *n;
	int gi, r = 0;

	if (!simnet_is_up(c, node))
		return -EINVAL;
	send_owed_configs(c);
	n = &c->nodes[node];
	gi = n->group;
	if (gi >= 0)
		simnet_deliver(c, gi, SIZE_MAX);
	n->l = ledger_free(n->l);
	n->up = false;
	n->group = -1;
	if (gi >= 0) {
		group_remove(&c->groups[gi], node);
		if (c->groups[gi].n == 0)
			group_release(&c->groups[gi]);
		else
			r = group_change(c, gi);
	}
	return r;
}

void
simnet_crash_all(struct simnet *c)
{
	for (uint32_t node = 1; node <= SIMNET_MAX_NODES; node++) {
		struct cnode *n = &c->nodes[node];

		n->l = ledger_free(n->l);
		n->up = false;
		n->group = -1;
		n->owes_config = false;
	}
	for (int g = 0; g < SIMNET_MAX_NODES; g++)
		group_release(&c->groups[g]);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

int
simnet_partition(struct simnet *c, const uint32_t *const *sides, const size_t *sizes,
                 size_t n_sides)
{
	uint32_t sorted[SIMNET_MAX_NODES][SIMNET_MAX_NODES];
	bool touched[SIMNET_MAX_NODES] = {false};
	bool listed[SIMNET_MAX_NODES + 1] = {false};
	int r;

	if (n_sides == 0 || n_sides > SIMNET_MAX_NODES)
		return -EINVAL;
	send_owed_configs(c);
	for (size_t s = 0; s < n_sides; s++) {
		size_t n = sizes[s];

		if (n == 0 || n > SIMNET_MAX_NODES)
			return -EINVAL;
		memcpy(sorted[s], sides[s], n * sizeof(uint32_t));
		qsort(sorted[s], n, sizeof(uint32_t), cmp_u32);
		for (size_t i = 0; i < n; i++) {
			if (!simnet_is_up(c, sorted[s][i]) || listed[sorted[s][i]])
				return -EINVAL;
			listed[sorted[s][i]] = true;
		}
	}
	/* a side that already is exactly one group stays as it is */
	bool keep[SIMNET_MAX_NODES] = {false};
	for (size_t s = 0; s < n_sides; s++) {
		int g0 = c->nodes[sorted[s][0]].group;

		keep[s] =
		        g0 >= 0 && c->groups[g0].n == sizes[s] &&
		        memcmp(c->groups[g0].members, sorted[s], sizes[s] * sizeof(uint32_t)) == 0;
	}
	/* virtual synchrony: the old groups deliver what they have first */
	for (size_t s = 0; s < n_sides; s++) {
		if (keep[s])
			continue;
		for (size_t i = 0; i < sizes[s]; i++) {
			int og = c->nodes[sorted[s][i]].group;

			if (og >= 0 && !touched[og]) {
				touched[og] = true;
				simnet_deliver(c, og, SIZE_MAX);
			}
		}
	}
	for (size_t s = 0; s < n_sides; s++) {
		if (keep[s])
			continue;
		for (size_t i = 0; i < sizes[s]; i++) {
			int og = c->nodes[sorted[s][i]].group;

			if (og >= 0)
				group_remove(&c->groups[og], sorted[s][i]);
			c->nodes[sorted[s][i]].group = -1;
		}
	}
	for (int og = 0; og < SIMNET_MAX_NODES; og++) {
		if (!touched[og])
			continue;
		if (c->groups[og].n == 0) {
			group_release(&c->groups[og]);
		} else {
			r = group_change(c, og);
			if (r < 0)
				return r;
		}
	}
	for (size_t s = 0; s < n_sides; s++) {
		int gi = -1;

		if (keep[s])
			continue;
		for (int g = 0; g < SIMNET_MAX_NODES; g++) {
			if (!c->groups[g].used) {
				gi = g;
				break;
			}
		}
		if (gi < 0)
			return -ENOSPC;
		c->groups[gi].used = true;
		memcpy(c->groups[gi].members, sorted[s], sizes[s] * sizeof(uint32_t));
		c->groups[gi].n = sizes[s];
		for (size_t i = 0; i < sizes[s]; i++)
			c->nodes[sorted[s][i]].group = gi;
	}
	for (size_t s = 0; s < n_sides; s++) {
		if (keep[s])
			continue;
		r = group_change(c, c->nodes[sorted[s][0]].group);
		if (r < 0)
			return r;
	}
	return 0;
}

int
simnet_form(struct simnet *c, const uint32_t *nodes, size_t n)
{
	const uint32_t *sides[1] = {nodes};

	return simnet_partition(c, sides, &n, 1);
}

int
simnet_send_request(struct simnet *c, uint32_t sender, struct ledger_request *r)
{
	uint8_t buf[LEDGERMSG_MAX_LEN];
	size_t len;
	int e;

	r->time_ms = c->now_ms + c->nodes[sender].skew_ms;
	e = ledgermsg_encode_request(r, buf, sizeof(buf), &len);
	if (e < 0)
		return e;
	return simnet_send(c, sender, buf, len);
}

static int
send_quorum(struct simnet *c, uint32_t sender, const struct ledger_quorum *in)
{
	uint8_t buf[256];
	size_t len;
	struct ledger *l = simnet_ledger(c, sender);
	struct ledger_quorum q = *in;
	int e;

	if (l == NULL)
		return -ENOTCONN;
	q.ring_seq = ledger_ring(l);
	q.time_ms = c->now_ms + c->nodes[sender].skew_ms;
	e = ledgermsg_encode_quorum(&q, buf, sizeof(buf), &len);
	if (e < 0)
		return e;
	return simnet_send(c, sender, buf, len);
}

int
simnet_send_quorum(struct simnet *c, uint32_t sender, bool quorate)
{
	struct ledger_quorum q = {.quorate = quorate};

	return send_quorum(c, sender, &q);
}

int
simnet_send_auto_quorum(struct simnet *c, uint32_t sender)
{
	struct ledger_quorum q = {0};
	const struct cnode *n;
	const struct cgroup *g;
	uint32_t peer;

	if (!valid_node(sender) || !c->nodes[sender].up || c->nodes[sender].group < 0)
		return -ENOTCONN;
	n = &c->nodes[sender];
	g = &c->groups[n->group];
	q.expected = (uint16_t)c->expected;
	if (!c->two_node) {
		q.quorate = g->n * 2 > c->expected;
		return send_quorum(c, sender, &q);
	}
	/* two_node, wait_for_all: nodes 1 and 2 */
	peer = sender == 1 ? 2 : 1;
	q.two_node = true;
	q.wait_for_all = true;
	q.peer = peer;
	q.peer_in_view = false;
	for (size_t i = 0; i < g->n; i++)
		if (g->members[i] == peer)
			q.peer_in_view = true;
	/* a ferryd restart leaves corosync, hence the view, as it was: a peer
	 * whose ferryd is restarting (up, in no group yet) is still in it; one
	 * in another group is on the other side of a partition */
	if (c->same_ring && c->nodes[peer].up && c->nodes[peer].group < 0)
		q.peer_in_view = true;
	q.quorate = q.peer_in_view || n->seen_all;
	return send_quorum(c, sender, &q);
}

int
simnet_send_fence(struct simnet *c, uint32_t sender, uint32_t node, int64_t fenced_at_ms)
{
	uint8_t buf[256];
	size_t len;
	int e;

	if (!valid_node(sender))
		return -EINVAL;
	e = ledgermsg_encode_fence(node, fenced_at_ms, c->now_ms + c->nodes[sender].skew_ms, buf,
	                           sizeof(buf), &len);
	if (e < 0)
		return e;
	return simnet_send(c, sender, buf, len);
}

bool
simnet_group_identical(struct simnet *c, int gi, char *why, size_t why_len)
{
	struct cgroup *g;
	char *first = NULL;
	size_t first_len = 0;
	bool ok = true;

	if (gi < 0 || gi >= SIMNET_MAX_NODES || !c->groups[gi].used)
		return true;
	g = &c->groups[gi];
	for (size_t i = 0; i < g->n && ok; i++) {
		struct ledger *l = c->nodes[g->members[i]].l;
		char *buf = NULL;
		size_t len = 0;

		if (!ledger_is_synced(l)) {
			snprintf(why, why_len, "node %u not synced", g->members[i]);
			ok = false;
			break;
		}
		if (ledger_serialize(l, &buf, &len) < 0) {
			snprintf(why, why_len, "node %u: serialize failed", g->members[i]);
			ok = false;
			break;
		}
		if (first == NULL) {
			first = buf;
			first_len = len;
			continue;
		}
		if (len != first_len || memcmp(buf, first, len) != 0 ||
		    ledger_is_quorate(l) != ledger_is_quorate(c->nodes[g->members[0]].l)) {
			snprintf(why, why_len, "node %u differs from node %u", g->members[i],
			         g->members[0]);
			ok = false;
		}
		free(buf);
	}
	free(first);
	return ok;
}
