/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cluster.c - corosync: the CPG group that carries the ledger in agreed
 * order, the totem ring id, quorum, and node names from the nodelist.
 *
 * This is the only file that sees cs_error_t; cluster_cs_to_errno() turns
 * it into a negative errno.  At start-up CS_ERR_TRY_AGAIN (and a corosync
 * that is not up yet) is retried from a loop timer, a bounded number of
 * times; at run time a lost corosync connection stops the daemon (systemd
 * or the lab restarts it, and it resyncs from its peers).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <corosync/cmap.h>
#include <corosync/corotypes.h>
#include <corosync/cpg.h>
#include <corosync/quorum.h>
#include <qb/qblog.h>

#include "cluster.h"

int
cluster_cs_to_errno(int cs_err)
{
	switch ((cs_error_t)cs_err) {
	case CS_OK:
		return 0;
	case CS_ERR_TRY_AGAIN:
		return -EAGAIN;
	case CS_ERR_NO_MEMORY:
		return -ENOMEM;
	case CS_ERR_INVALID_PARAM:
		return -EINVAL;
	case CS_ERR_BAD_HANDLE:
		return -EBADF;
	case CS_ERR_ACCESS:
	case CS_ERR_SECURITY:
		return -EACCES;
	case CS_ERR_NOT_EXIST:
		return -ENOENT;
	case CS_ERR_EXIST:
		return -EEXIST;
	case CS_ERR_TIMEOUT:
		return -ETIMEDOUT;
	case CS_ERR_TOO_BIG:
		return -EMSGSIZE;
	case CS_ERR_LIBRARY:
		return -ENOTCONN; /* corosync not running */
	case CS_ERR_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	case CS_ERR_NO_SPACE:
		return -ENOSPC;
	default:
		return -EIO;
	}
}

static struct cluster *
cpg_ctx(cpg_handle_t h)
{
	void *ctx = NULL;

	if (cpg_context_get(h, &ctx) != CS_OK)
		return NULL;
	return ctx;
}

bool
cluster_is_member(const struct cluster *c, uint32_t nodeid)
{
	size_t i;

	for (i = 0; i < c->n_members; i++)
		if (c->members[i].nodeid == nodeid)
			return true;
	return false;
}

/* An integer key of any width (quorum.* are u8 when set in corosync.conf);
 * def when it is not set. */
static bool
cluster_cmap_flag(cmap_handle_t cmap, const char *key, bool def)
{
	uint64_t v = 0;
	size_t len = sizeof(v);
	cmap_value_types_t type;

	if (cmap_get(cmap, key, &v, &len, &type) != CS_OK)
		return def;
	switch (type) {
	case CMAP_VALUETYPE_INT8:
	case CMAP_VALUETYPE_UINT8:
		return (v & 0xffu) != 0;
	case CMAP_VALUETYPE_INT16:
	case CMAP_VALUETYPE_UINT16:
		return (v & 0xffffu) != 0;
	case CMAP_VALUETYPE_INT32:
	case CMAP_VALUETYPE_UINT32:
		return (v & 0xffffffffu) != 0;
	case CMAP_VALUETYPE_INT64:
	case CMAP_VALUETYPE_UINT64:
		return v != 0;
	default:
		qb_log(LOG_WARNING, "cmap: %s is not a number, taking %d", key, def);
		return def;
	}
}

/* corosync's nodelist.node.N.{nodeid,name,ring0_addr}: names for logs, for
 * ferryctl, and to turn Pacemaker's node names into node ids; and the quorum
 * options the ledger must know (two_node). */
static void
cluster_read_names(struct cluster *c)
{
	cmap_handle_t cmap;
	char key[128];
	char *str;
	uint32_t nodeid;
	unsigned i;

	c->n_names = 0;
	if (cmap_initialize(&cmap) != CS_OK) {
		qb_log(LOG_WARNING, "cmap: cannot read the nodelist, node names unknown, ignoring");
		return;
	}
	for (i = 0; i < FERRYD_MAX_MEMBERS; i++) {
		snprintf(key, sizeof(key), "nodelist.node.%u.nodeid", i);
		if (cmap_get_uint32(cmap, key, &nodeid) != CS_OK)
			break;
		str = NULL;
		snprintf(key, sizeof(key), "nodelist.node.%u.name", i);
		if (cmap_get_string(cmap, key, &str) != CS_OK) {
			snprintf(key, sizeof(key), "nodelist.node.%u.ring0_addr", i);
			if (cmap_get_string(cmap, key, &str) != CS_OK)
				str = NULL;
		}
		c->names[c->n_names].nodeid = nodeid;
		snprintf(c->names[c->n_names].name, FERRY_IPC_NODE_LEN, "%s",
		         str != NULL ? str : "");
		free(str);
		c->n_names++;
	}
	c->two_node = cluster_cmap_flag(cmap, "quorum.two_node", false);
	c->wait_for_all = cluster_cmap_flag(cmap, "quorum.wait_for_all", c->two_node);
	cmap_finalize(cmap);
	qb_log(LOG_INFO, "cmap: %zu nodes in the nodelist", c->n_names);
	if (c->two_node)
		qb_log(LOG_NOTICE,
		       "quorum: two_node cluster%s: a node alone changes no owner "
		       "until its peer is fenced",
		       c->wait_for_all ? " (wait_for_all)" : "");
	if (c->two_node && !c->wait_for_all)
		qb_log(LOG_WARNING,
		       "quorum: two_node without wait_for_all: a node that boots alone is "
		       "quorate; ferry still waits for its peer's fence");
	if (c->two_node && c->n_names != 2)
		qb_log(LOG_WARNING,
		       "quorum: two_node with %zu nodes in the nodelist, ignoring two_node",
		       c->n_names);
}

void
cluster_membership(const struct cluster *c, struct membership *ret)
{
	size_t i;

	memset(ret, 0, sizeof(*ret));
	ret->local_nodeid = c->local_nodeid;
	ret->membership_known = c->membership_known;
	for (i = 0; i < c->n_members; i++)
		ret->members[i] = c->members[i].nodeid;
	ret->n_members = c->n_members;
	memcpy(ret->joined, c->joined, c->n_joined * sizeof(c->joined[0]));
	ret->n_joined = c->n_joined;
	ret->ring_seq = c->ring_seq;
	ret->ring_nodeid = c->ring_nodeid;
	ret->totem_seen = c->totem_seen;
	ret->quorate = c->quorate;
	ret->quorum_ring = c->quorum_ring;
	memcpy(ret->view, c->view, c->n_view * sizeof(c->view[0]));
	ret->n_view = c->n_view;
	ret->two_node = c->two_node;
	ret->wait_for_all = c->wait_for_all;
	memcpy(ret->names, c->names, c->n_names * sizeof(c->names[0]));
	ret->n_names = c->n_names;
}

static void
cluster_deliver(cpg_handle_t h, const struct cpg_name *group, uint32_t nodeid, uint32_t pid,
                void *msg, size_t len)
{
	struct cluster *c = cpg_ctx(h);

	(void)group;
	if (c == NULL)
		return;
	c->ev->deliver(c->ctx, nodeid, pid, msg, len);
}

static const char *
cluster_reason_name(uint32_t reason)
{
	switch (reason) {
	case CPG_REASON_JOIN:
		return "joined";
	case CPG_REASON_LEAVE:
		return "left";
	case CPG_REASON_NODEDOWN:
		return "node down";
	case CPG_REASON_NODEUP:
		return "node up";
	case CPG_REASON_PROCDOWN:
		return "process down";
	default:
		return "unknown reason";
	}
}

static void
cluster_confchg(cpg_handle_t h, const struct cpg_name *group, const struct cpg_address *members,
                size_t n_members, const struct cpg_address *left, size_t n_left,
                const struct cpg_address *joined, size_t n_joined)
{
	struct cluster *c = cpg_ctx(h);
	size_t i;
	bool had = false;

	(void)group;
	if (c == NULL)
		return;
	for (i = 0; i < n_left; i++)
		qb_log(LOG_NOTICE, "node %" PRIu32 ": left group (%s)", left[i].nodeid,
		       cluster_reason_name(left[i].reason));
	for (i = 0; i < n_joined; i++)
		qb_log(LOG_NOTICE, "node %" PRIu32 ": joined group", joined[i].nodeid);
	if (n_members > FERRYD_MAX_MEMBERS) {
		qb_log(LOG_ERR, "cpg: %zu members, more than the %u supported; using the first %u",
		       n_members, FERRYD_MAX_MEMBERS, FERRYD_MAX_MEMBERS);
		n_members = FERRYD_MAX_MEMBERS;
	}
	c->n_joined = 0;
	for (i = 0; i < n_joined && i < FERRYD_MAX_MEMBERS; i++) {
		c->joined[c->n_joined++] = joined[i].nodeid;
		/* our own join, even if corosync sees another pid (pid namespace) */
		if (joined[i].nodeid == c->local_nodeid && !c->membership_known)
			had = true;
	}
	c->n_members = 0;
	for (i = 0; i < n_members; i++) {
		c->members[i].nodeid = members[i].nodeid;
		c->members[i].pid = members[i].pid;
		c->n_members++;
		if (members[i].nodeid == c->local_nodeid && members[i].pid == (uint32_t)getpid())
			had = true;
	}
	qb_log(LOG_NOTICE, "cpg: membership has %zu members (ring %" PRIu32 "/%" PRIu64 ")",
	       c->n_members, c->ring_nodeid, c->ring_seq);
	if (had && !c->membership_known) {
		c->membership_known = true;
		c->ev->membership_known(c->ctx);
	}
	c->ev->confchg(c->ctx);
}

static void
cluster_totem_confchg(cpg_handle_t h, struct cpg_ring_id ring_id, uint32_t n,
                      const uint32_t *members)
{
	struct cluster *c = cpg_ctx(h);
	bool initial;

	(void)members;
	if (c == NULL)
		return;
	initial = !c->totem_seen;
	c->totem_seen = true;
	c->ring_nodeid = ring_id.nodeid;
	c->ring_seq = ring_id.seq;
	qb_log(LOG_INFO, "totem: ring %" PRIu32 "/%" PRIu64 " with %" PRIu32 " nodes",
	       ring_id.nodeid, ring_id.seq, n);
	c->ev->totem_confchg(c->ctx, initial);
}

static void
cluster_quorum_notify(quorum_handle_t h, uint32_t quorate, uint64_t ring_seq, uint32_t n,
                      uint32_t *view)
{
	struct cluster *c = NULL;
	void *ctx = NULL;
	bool was;

	if (quorum_context_get(h, (const void **)&ctx) != CS_OK || ctx == NULL)
		return;
	c = ctx;
	was = c->quorate;
	c->quorate = quorate != 0;
	c->quorum_ring = ring_seq;
	c->n_view = 0;
	for (uint32_t i = 0; i < n && view != NULL && c->n_view < FERRYD_MAX_MEMBERS; i++)
		c->view[c->n_view++] = view[i];
	if (was != c->quorate)
		qb_log(LOG_NOTICE, "quorum: %s (ring seq %" PRIu64 ", %" PRIu32 " nodes in view)",
		       c->quorate ? "gained" : "lost", ring_seq, n);
	c->ev->quorum(c->ctx);
}

static int32_t
cluster_cpg_dispatch(int32_t fd, int32_t revents, void *data)
{
	struct cluster *c = data;
	cs_error_t rc;

	(void)fd;
	(void)revents;
	rc = cpg_dispatch((cpg_handle_t)c->cpg_handle, CS_DISPATCH_ALL);
	if (rc != CS_OK && rc != CS_ERR_TRY_AGAIN) {
		qb_log(LOG_ERR, "cpg: lost the connection to corosync (%s), stopping",
		       strerror(-cluster_cs_to_errno(rc)));
		c->cpg_fd = -1;
		c->ev->fatal(c->ctx, 1);
		return -1; /* removes the fd from the loop */
	}
	return 0;
}

static int32_t
cluster_quorum_dispatch(int32_t fd, int32_t revents, void *data)
{
	struct cluster *c = data;
	cs_error_t rc;

	(void)fd;
	(void)revents;
	rc = quorum_dispatch((quorum_handle_t)c->quorum_handle, CS_DISPATCH_ALL);
	if (rc != CS_OK && rc != CS_ERR_TRY_AGAIN) {
		qb_log(LOG_ERR, "quorum: lost the connection to corosync (%s), stopping",
		       strerror(-cluster_cs_to_errno(rc)));
		c->quorum_fd = -1;
		c->ev->fatal(c->ctx, 1);
		return -1;
	}
	return 0;
}

static cpg_model_v1_data_t cluster_cpg_model = {
        .model = CPG_MODEL_V1,
        .cpg_deliver_fn = cluster_deliver,
        .cpg_confchg_fn = cluster_confchg,
        .cpg_totem_confchg_fn = cluster_totem_confchg,
        .flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF,
};

static quorum_callbacks_t cluster_quorum_callbacks = {
        .quorum_notify_fn = cluster_quorum_notify,
};

/* One attempt at everything; a partial success is undone so the next try
 * starts clean.  Returns 0, -EAGAIN (worth retrying) or another -errno. */
static int
cluster_connect(struct cluster *c)
{
	struct cpg_name group;
	cpg_handle_t cpg = 0;
	quorum_handle_t q = 0;
	uint32_t qtype = 0;
	unsigned int local = 0;
	int cpg_fd = -1, q_fd = -1, quorate = 0;
	cs_error_t rc;
	int r;

	memset(&group, 0, sizeof(group));
	group.length = (uint32_t)strlen(c->cfg->cpg_group);
	memcpy(group.value, c->cfg->cpg_group, group.length);

	rc = cpg_model_initialize(&cpg, CPG_MODEL_V1, (cpg_model_data_t *)&cluster_cpg_model, c);
	if (rc != CS_OK)
		return cluster_cs_to_errno(rc);
	rc = cpg_local_get(cpg, &local);
	if (rc != CS_OK)
		goto fail;
	rc = cpg_fd_get(cpg, &cpg_fd);
	if (rc != CS_OK)
		goto fail;
	rc = quorum_initialize(&q, &cluster_quorum_callbacks, &qtype);
	if (rc != CS_OK)
		goto fail;
	rc = quorum_context_set(q, c);
	if (rc != CS_OK)
		goto fail;
	rc = quorum_fd_get(q, &q_fd);
	if (rc != CS_OK)
		goto fail;
	rc = quorum_getquorate(q, &quorate);
	if (rc != CS_OK)
		goto fail;
	/* CURRENT: a first notification at once, with the ring it is for */
	rc = quorum_trackstart(q, CS_TRACK_CURRENT | CS_TRACK_CHANGES);
	if (rc != CS_OK)
		goto fail;
	rc = cpg_join(cpg, &group);
	if (rc != CS_OK)
		goto fail;

	c->cpg_handle = cpg;
	c->quorum_handle = q;
	c->local_nodeid = local;
	c->quorate = quorate != 0;
	c->cpg_joined = true;
	c->cpg_fd = cpg_fd;
	c->quorum_fd = q_fd;
	qb_log(LOG_NOTICE, "node %u: joined CPG group %s, %s", local, c->cfg->cpg_group,
	       c->quorate ? "quorate" : "not quorate");
	r = qb_loop_poll_add(c->loop, QB_LOOP_HIGH, cpg_fd, POLLIN | POLLPRI, c,
	                     cluster_cpg_dispatch);
	if (r < 0)
		return r;
	r = qb_loop_poll_add(c->loop, QB_LOOP_HIGH, q_fd, POLLIN | POLLPRI, c,
	                     cluster_quorum_dispatch);
	if (r < 0)
		return r;
	c->ev->quorum(c->ctx);
	return 0;
fail:
	r = cluster_cs_to_errno(rc);
	if (q != 0)
		quorum_finalize(q);
	cpg_finalize(cpg);
	return r;
}

static void
cluster_retry(void *data)
{
	struct cluster *c = data;
	int r;

	c->join_attempts++;
	r = cluster_connect(c);
	if (r == 0)
		return;
	if ((r == -EAGAIN || r == -ENOTCONN) && c->join_attempts <= c->cfg->startup_retries) {
		qb_log(LOG_INFO, "corosync: not ready (%s), attempt %u of %u", strerror(-r),
		       c->join_attempts, c->cfg->startup_retries + 1);
		qb_loop_timer_add(c->loop, QB_LOOP_MED,
		                  (uint64_t)c->cfg->retry_interval_ms * QB_TIME_NS_IN_MSEC, c,
		                  cluster_retry, &c->retry_timer);
		return;
	}
	qb_log(LOG_ERR, "corosync: cannot join CPG group %s after %u attempts: %s",
	       c->cfg->cpg_group, c->join_attempts, strerror(-r));
	c->ev->fatal(c->ctx, 1);
}

int
cluster_start(struct cluster *c, qb_loop_t *loop, const struct config *cfg,
              const struct cluster_events *events, void *ctx)
{
	memset(c, 0, sizeof(*c));
	c->loop = loop;
	c->cfg = cfg;
	c->ev = events;
	c->ctx = ctx;
	c->cpg_fd = -1;
	c->quorum_fd = -1;
	cluster_read_names(c);
	/* the first attempt runs from the loop too, so start-up order holds */
	return qb_loop_timer_add(c->loop, QB_LOOP_HIGH, 0, c, cluster_retry, &c->retry_timer);
}

void
cluster_stop(struct cluster *c)
{
	struct cpg_name group;

	qb_loop_timer_del(c->loop, c->retry_timer);
	qb_loop_timer_del(c->loop, c->flush_timer);
	while (c->n_pending > 0)
		free(c->pending[--c->n_pending]);
	if (c->quorum_fd >= 0)
		qb_loop_poll_del(c->loop, c->quorum_fd);
	if (c->cpg_fd >= 0)
		qb_loop_poll_del(c->loop, c->cpg_fd);
	if (c->cpg_joined) {
		memset(&group, 0, sizeof(group));
		group.length = (uint32_t)strlen(c->cfg->cpg_group);
		memcpy(group.value, c->cfg->cpg_group, group.length);
		cpg_leave((cpg_handle_t)c->cpg_handle, &group);
		cpg_finalize((cpg_handle_t)c->cpg_handle);
		quorum_trackstop((quorum_handle_t)c->quorum_handle);
		quorum_finalize((quorum_handle_t)c->quorum_handle);
		c->cpg_joined = false;
	}
	c->cpg_fd = -1;
	c->quorum_fd = -1;
}

/* Agreed (total) order.  CS_ERR_TRY_AGAIN here is corosync's flow control
 * and lasts milliseconds: the message is queued (bounded) and sent from a
 * timer, in order; never a sleep, never a nested dispatch. */
static void cluster_flush(void *data);

static int
cluster_mcast(struct cluster *c, const void *msg, size_t len)
{
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};

	return cluster_cs_to_errno(
	        cpg_mcast_joined((cpg_handle_t)c->cpg_handle, CPG_TYPE_AGREED, &iov, 1));
}

static void
cluster_flush(void *data)
{
	struct cluster *c = data;
	struct cluster_pending *p;
	int r;

	while (c->n_pending > 0) {
		p = c->pending[0];
		r = cluster_mcast(c, p->data, p->len);
		if (r == -EAGAIN)
			break;
		if (r < 0)
			qb_log(LOG_ERR, "cpg: dropped a queued %zu-byte message: %s", p->len,
			       strerror(-r));
		free(p);
		c->n_pending--;
		memmove(&c->pending[0], &c->pending[1], c->n_pending * sizeof(c->pending[0]));
	}
	if (c->n_pending > 0)
		qb_loop_timer_add(c->loop, QB_LOOP_HIGH, 5 * QB_TIME_NS_IN_MSEC, c, cluster_flush,
		                  &c->flush_timer);
}

int
cluster_send(struct cluster *c, const void *msg, size_t len)
{
	struct cluster_pending *p;
	int r;

	if (!c->cpg_joined)
		return -ENOTCONN;
	if (c->n_pending == 0) {
		r = cluster_mcast(c, msg, len);
		if (r != -EAGAIN) {
			if (r < 0)
				qb_log(LOG_ERR, "cpg: cannot send a %zu-byte message: %s", len,
				       strerror(-r));
			return r;
		}
	}
	if (c->n_pending >= CLUSTER_MAX_PENDING) {
		qb_log(LOG_ERR, "cpg: send queue full (%u messages), refusing a %zu-byte message",
		       CLUSTER_MAX_PENDING, len);
		return -ENOBUFS;
	}
	p = calloc(1, sizeof(*p) + len);
	if (p == NULL)
		return -ENOMEM;
	p->len = len;
	memcpy(p->data, msg, len);
	c->pending[c->n_pending++] = p;
	if (c->n_pending == 1)
		qb_loop_timer_add(c->loop, QB_LOOP_HIGH, 5 * QB_TIME_NS_IN_MSEC, c, cluster_flush,
		                  &c->flush_timer);
	return 0;
}
