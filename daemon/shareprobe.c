/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * shareprobe.c - a shared directory check across the group (shareprobe.h).
 */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qb/qblog.h>
#include <qb/qbutil.h>

#include "ledgermsg.h"
#include "shareprobe.h"

_Static_assert(LEDGERMSG_PATH_MAX == FERRY_IPC_PATH_LEN, "a checked path fits a probe");
_Static_assert(LEDGERMSG_PATH_TEXT_MAX == FERRY_IPC_PATH_TEXT_LEN, "an answer's text fits");

struct shareprobe_check {
	uint64_t probe_id; /* 0 = free */
	uint64_t token;    /* the parked IPC request */
	struct shareprobe *p;
	qb_loop_timer_handle timer;
	char path[LEDGERMSG_PATH_MAX];
	char mark[LEDGERMSG_TOKEN_MAX];
	bool answered[FERRY_IPC_MAX_NODES];
	struct ferry_ipc_path_check_rsp rsp;
};

struct shareprobe {
	qb_loop_t *loop;
	const struct shareprobe_ops *ops;
	void *ctx;
	uint64_t next_probe_id;
	struct shareprobe_check checks[SHAREPROBE_MAX];
};

int
shareprobe_start(qb_loop_t *loop, const struct shareprobe_ops *ops, void *ctx,
                 struct shareprobe **ret)
{
	struct shareprobe *p;

	if (loop == NULL || ops == NULL || ret == NULL)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->loop = loop;
	p->ops = ops;
	p->ctx = ctx;
	*ret = p;
	return 0;
}

/* Answers a check that could not run. */
static void
shareprobe_fail(struct shareprobe *p, uint64_t token, uint32_t local, int err, const char *text)
{
	struct ferry_ipc_path_check_rsp *rsp = calloc(1, sizeof(*rsp));

	if (rsp == NULL)
		return; /* the client's request stays parked until it gives up */
	rsp->result = err;
	rsp->local_nodeid = local;
	snprintf(rsp->text, sizeof(rsp->text), "%s", text);
	p->ops->reply(p->ctx, token, rsp, sizeof(*rsp));
	free(rsp);
}

/* Answers a check with what came (no answer from the rest) and frees it;
 * timed_out: its timer fired (and is gone), else it is deleted here. */
static void
shareprobe_finish(struct shareprobe_check *c, bool timed_out)
{
	struct shareprobe *p = c->p;
	size_t i;

	if (!timed_out)
		qb_loop_timer_del(p->loop, c->timer);
	for (i = 0; i < c->rsp.n; i++) {
		if (c->answered[i])
			continue;
		c->rsp.answers[i].result = -ETIMEDOUT;
		snprintf(c->rsp.answers[i].text, sizeof(c->rsp.answers[i].text),
		         "no answer from ferryd");
	}
	p->ops->unmark(p->ctx, c->path, c->mark);
	for (i = 0; i < c->rsp.n; i++)
		qb_log(LOG_INFO, "node %s: path check of %s: %s", c->rsp.answers[i].node, c->path,
		       c->rsp.answers[i].result == 0 ? "ok" : c->rsp.answers[i].text);
	p->ops->reply(p->ctx, c->token, &c->rsp, sizeof(c->rsp));
	memset(c, 0, sizeof(*c));
}

static void
shareprobe_timeout(void *data)
{
	struct shareprobe_check *c = data;

	if (c->probe_id != 0)
		shareprobe_finish(c, true);
}

static void
shareprobe_name(const struct membership *m, uint32_t nodeid, char *buf, size_t len)
{
	const char *name = membership_node_name(m, nodeid);

	if (name != NULL && name[0] != '\0')
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%" PRIu32, nodeid);
}

void
shareprobe_request(struct shareprobe *p, uint64_t token, const struct ferry_ipc_path_check_req *req,
                   const struct membership *m)
{
	struct ledgermsg_path_probe probe;
	struct shareprobe_check *c = NULL;
	uint8_t buf[512];
	char path[LEDGERMSG_PATH_MAX], text[FERRY_IPC_PATH_TEXT_LEN] = "";
	uint32_t local = m->local_nodeid;
	size_t i, len;
	int r;

	memcpy(path, req->path, sizeof(path));
	path[sizeof(path) - 1] = '\0';
	if (path[0] != '/') {
		shareprobe_fail(p, token, local, -EINVAL, "not an absolute path");
		return;
	}
	if (local == 0 || !m->membership_known) {
		shareprobe_fail(p, token, local, -EAGAIN, "ferryd has not joined its group yet");
		return;
	}
	for (i = 0; i < SHAREPROBE_MAX && c == NULL; i++)
		if (p->checks[i].probe_id == 0)
			c = &p->checks[i];
	if (c == NULL) {
		shareprobe_fail(p, token, local, -EBUSY, "too many path checks at once");
		return;
	}
	memset(c, 0, sizeof(*c));
	c->p = p;
	c->token = token;
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->rsp.local_nodeid = local;
	/* this node first, then every other member; each answers for itself */
	c->rsp.answers[0].nodeid = local;
	shareprobe_name(m, local, c->rsp.answers[0].node, sizeof(c->rsp.answers[0].node));
	c->rsp.n = 1;
	for (i = 0; i < m->n_members && c->rsp.n < FERRY_IPC_MAX_NODES; i++) {
		struct ferry_ipc_path_answer *a = &c->rsp.answers[c->rsp.n];

		if (m->members[i] == local)
			continue;
		a->nodeid = m->members[i];
		shareprobe_name(m, a->nodeid, a->node, sizeof(a->node));
		c->rsp.n++;
	}

	r = p->ops->mark(p->ctx, path, local, c->mark, sizeof(c->mark), text, sizeof(text));
	if (r < 0) {
		/* nothing to compare with: this node's answer is the only one */
		qb_log(LOG_INFO, "node %s: path check of %s: %s", c->rsp.answers[0].node, path,
		       text);
		c->rsp.n = 1;
		c->rsp.answers[0].result = r;
		snprintf(c->rsp.answers[0].text, sizeof(c->rsp.answers[0].text), "%s", text);
		p->ops->reply(p->ctx, token, &c->rsp, sizeof(c->rsp));
		memset(c, 0, sizeof(*c));
		return;
	}
	memset(&probe, 0, sizeof(probe));
	probe.probe_id = ++p->next_probe_id;
	snprintf(probe.path, sizeof(probe.path), "%s", path);
	snprintf(probe.token, sizeof(probe.token), "%s", c->mark);
	r = ledgermsg_encode_path_probe(&probe, buf, sizeof(buf), &len);
	if (r == 0)
		r = p->ops->send(p->ctx, buf, len);
	if (r < 0) {
		p->ops->unmark(p->ctx, path, c->mark);
		memset(c, 0, sizeof(*c));
		snprintf(text, sizeof(text), "cannot ask the other ferryds: %s", strerror(-r));
		shareprobe_fail(p, token, local, r, text);
		return;
	}
	c->probe_id = probe.probe_id;
	r = qb_loop_timer_add(p->loop, QB_LOOP_LOW,
	                      (uint64_t)SHAREPROBE_TIMEOUT_MS * QB_TIME_NS_IN_MSEC, c,
	                      shareprobe_timeout, &c->timer);
	if (r != 0) {
		/* without its deadline a lost member would hold the slot forever */
		qb_log(LOG_ERR, "path check of %s: no timer: %s", path, strerror(r < 0 ? -r : r));
		shareprobe_finish(c, true);
	}
}

/* Every member answers every probe, the asker too. */
static void
shareprobe_answer(struct shareprobe *p, uint32_t asker, const struct ledgermsg_path_probe *probe,
                  const struct membership *m)
{
	struct ledgermsg_path_answer a;
	uint8_t buf[512];
	char from[FERRY_IPC_NODE_LEN];
	size_t len;
	int r;

	shareprobe_name(m, asker, from, sizeof(from));
	memset(&a, 0, sizeof(a));
	a.probe_id = probe->probe_id;
	a.asker = asker;
	a.result = p->ops->check(p->ctx, probe->path, probe->token, from, a.text, sizeof(a.text));
	if (a.result > 0 || a.result <= -4096)
		a.result = -EIO;
	qb_log(a.result == 0 ? LOG_DEBUG : LOG_INFO, "node %s: asks whether %s is shared: %s", from,
	       probe->path, a.result == 0 ? "yes" : a.text);
	r = ledgermsg_encode_path_answer(&a, buf, sizeof(buf), &len);
	if (r == 0)
		r = p->ops->send(p->ctx, buf, len);
	if (r < 0)
		qb_log(LOG_WARNING, "node %s: cannot answer its path check of %s: %s", from,
		       probe->path, strerror(-r));
}

static void
shareprobe_collect(struct shareprobe *p, uint32_t nodeid, const struct ledgermsg_path_answer *a)
{
	struct shareprobe_check *c = NULL;
	size_t i, n_answered = 0;

	for (i = 0; i < SHAREPROBE_MAX && c == NULL; i++)
		if (p->checks[i].probe_id == a->probe_id)
			c = &p->checks[i];
	if (c == NULL)
		return; /* answered already (timed out) */
	for (i = 0; i < c->rsp.n; i++) {
		if (c->rsp.answers[i].nodeid != nodeid || c->answered[i])
			continue;
		c->answered[i] = true;
		c->rsp.answers[i].result = a->result;
		snprintf(c->rsp.answers[i].text, sizeof(c->rsp.answers[i].text), "%s", a->text);
	}
	for (i = 0; i < c->rsp.n; i++)
		n_answered += c->answered[i];
	if (n_answered == c->rsp.n)
		shareprobe_finish(c, false);
}

bool
shareprobe_deliver(struct shareprobe *p, uint32_t nodeid, const void *msg, size_t len,
                   const struct membership *m)
{
	struct ledgermsg_hdr h;
	struct ledgermsg lm;
	uint16_t type;
	int r;

	if (p == NULL || msg == NULL || len < sizeof(h))
		return false;
	memcpy(&h, msg, sizeof(h));
	type = le16toh(h.type);
	if (le32toh(h.magic) != LEDGERMSG_MAGIC ||
	    (type != LEDGERMSG_PATH_PROBE && type != LEDGERMSG_PATH_ANSWER))
		return false;
	r = ledgermsg_decode(msg, len, &lm);
	if (r < 0) {
		qb_log(LOG_WARNING, "node %" PRIu32 ": malformed %s (%zu bytes, %s), dropped",
		       nodeid, ledgermsg_type_name(type), len, ledgermsg_strerror(r));
		return true;
	}
	if (lm.type == LEDGERMSG_PATH_PROBE)
		shareprobe_answer(p, nodeid, &lm.u.probe, m);
	else if (lm.u.answer.asker == m->local_nodeid)
		shareprobe_collect(p, nodeid, &lm.u.answer);
	return true;
}

struct shareprobe *
shareprobe_stop(struct shareprobe *p)
{
	if (p == NULL)
		return NULL;
	for (size_t i = 0; i < SHAREPROBE_MAX; i++) {
		struct shareprobe_check *c = &p->checks[i];

		if (c->probe_id == 0)
			continue;
		qb_loop_timer_del(p->loop, c->timer);
		p->ops->unmark(p->ctx, c->path, c->mark);
		shareprobe_fail(p, c->token, c->rsp.local_nodeid, -ESHUTDOWN, "ferryd is stopping");
	}
	free(p);
	return NULL;
}
