/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gluedrain.c - the ledger glue's drains: ferryctl's drain and undrain
 * requests, running the drains this node is the runner of, a live step's
 * progress, and ferryctl's drain views.  Part of the ledgerglue module
 * (ledgerglue-int.h says how the two files share struct ledgerglue);
 * ferryd.c sees only ledgerglue.h.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <qb/qblog.h>
#include <qb/qbutil.h>

#include "ledger.h"
#include "ledgerblob.h"
#include "ledgerglue-int.h"
#include "ledgerglue.h"
#include "ledgermsg.h"

/* ---- a live drain move's progress: heard from its source, shown by ferryctl ---- */

static struct ledgerglue_progress *
ledgerglue_progress_find(struct ledgerglue *g, uint32_t id, uint32_t step)
{
	for (size_t i = 0; i < LEDGERGLUE_MAX_PROGRESS; i++)
		if (g->progress[i].id == id && g->progress[i].step == step)
			return &g->progress[i];
	return NULL;
}

/* Keeps the last figure per step; a new step takes a free slot, else the oldest. */
void
ledgerglue_progress_note(struct ledgerglue *g, const struct ledgermsg_progress *p)
{
	struct ledgerglue_progress *e = ledgerglue_progress_find(g, p->id, p->step);

	if (p->id == 0)
		return;
	for (size_t i = 0; e == NULL && i < LEDGERGLUE_MAX_PROGRESS; i++)
		if (g->progress[i].id == 0)
			e = &g->progress[i];
	if (e == NULL) {
		e = &g->progress[0];
		for (size_t i = 1; i < LEDGERGLUE_MAX_PROGRESS; i++)
			if (g->progress[i].at_ms < e->at_ms)
				e = &g->progress[i];
	}
	*e = (struct ledgerglue_progress){
	        .id = p->id,
	        .step = p->step,
	        .left_bytes = p->left_bytes,
	        .total_bytes = p->total_bytes,
	        .at_ms = p->time_ms,
	};
	qb_log(LOG_DEBUG,
	       "vm %s: drain %" PRIu32 " step %" PRIu32 ": %" PRIu64 " of %" PRIu64 " bytes left",
	       p->vm, p->id, p->step, p->left_bytes, p->total_bytes);
}

void
ledgerglue_progress_tick(struct ledgerglue *g)
{
	const char *here;

	if (g == NULL || g->ops->job_progress == NULL || !g->m.membership_known)
		return;
	here = ledgerglue_node(g, g->m.local_nodeid);
	for (size_t i = 0; i < ledger_drain_count(g->l); i++) {
		const struct ledger_drain *d = ledger_drain_get(g->l, i);

		for (uint32_t k = 0; d->state == LEDGER_DRAIN_RUNNING && k < d->n_steps; k++) {
			const struct ledger_drain_step *st = &d->steps[k];
			struct ledgermsg_progress p = {.id = d->id, .step = k};
			unsigned char buf[sizeof(struct ledgermsg_hdr) +
			                  sizeof(struct ledgermsg_progress_wire)];
			size_t len = 0;

			if (st->state != LEDGER_STEP_RUNNING || st->kind != LEDGER_MODE_LIVE ||
			    strcmp(st->from, here) != 0 ||
			    g->ops->job_progress(g->ctx, st->vm, &p.left_bytes, &p.total_bytes) < 0)
				continue;
			p.time_ms = ledgerglue_now_ms();
			snprintf(p.vm, sizeof(p.vm), "%s", st->vm);
			/* a send that fails is not retried: the next tick sends a newer figure */
			if (ledgermsg_encode_progress(&p, buf, sizeof(buf), &len) == 0)
				(void)g->ops->send(g->ctx, buf, len);
		}
	}
}

/* ---- maintenance drains ------------------------------------------------- */

/*
 * ferryctl submits a drain (its plan) or an undrain; the ledger keeps the
 * record and names its runner.  On the runner, drain_act() (after every
 * delivery and on the tick) turns the record into the next thing to do:
 * start it at its time, begin the next wave's steps, run a begun step
 * through ops->drain_away/drain_back (also a step found running after a
 * takeover: the ban is idempotent and the wait checks where the resource
 * is), and at the end put the node in standby and clear the bans.  What
 * the runner does comes back through ledgerglue_drain_done() and goes into
 * the record as a ledger op, so another runner knows what was done.
 */

static int
ledgerglue_drain_send(struct ledgerglue *g, struct ledger_drain_msg *dm)
{
	unsigned char buf[LEDGERMSG_MAX_LEN];
	size_t len = 0;
	int r;

	dm->req_id = ++g->next_req_id;
	dm->time_ms = ledgerglue_now_ms();
	r = ledgermsg_encode_drain(dm, buf, sizeof(buf), &len);
	if (r == 0)
		r = g->ops->send(g->ctx, buf, len);
	return r;
}

/* Whether this op for (drain, step) went out in the last 30 s; with mark,
 * remembers it now when it did not. */
static bool
ledgerglue_drain_sent(struct ledgerglue *g, uint32_t id, int op, int32_t step, bool mark)
{
	uint64_t now = qb_util_nano_current_get();
	struct ledgerglue_dsent *free_slot = NULL;

	for (size_t i = 0; i < LEDGERGLUE_MAX_DSENT; i++) {
		struct ledgerglue_dsent *s = &g->dsent[i];

		if (s->id != 0 && now - s->at_ns > 30ull * QB_TIME_NS_IN_SEC)
			s->id = 0;
		if (s->id == id && s->op == op && s->step == step)
			return true;
		if (s->id == 0 && free_slot == NULL)
			free_slot = s;
	}
	if (mark && free_slot != NULL) {
		free_slot->id = id;
		free_slot->op = op;
		free_slot->step = step;
		free_slot->at_ns = now;
	}
	return false;
}

static void
ledgerglue_drain_op(struct ledgerglue *g, const struct ledger_drain *d, enum ledger_drain_op op,
                    int32_t step, uint32_t state, const char *node, const char *text)
{
	struct ledger_drain_msg dm;
	int r;

	if (ledgerglue_drain_sent(g, d->id, (int)op, step, true))
		return;
	memset(&dm, 0, sizeof(dm));
	dm.op = op;
	dm.id = d->id;
	dm.step = step < 0 ? 0 : (uint32_t)step;
	dm.state = state;
	snprintf(dm.node, sizeof(dm.node), "%s", node != NULL ? node : "");
	snprintf(dm.text, sizeof(dm.text), "%s", text != NULL ? text : "");
	r = ledgerglue_drain_send(g, &dm);
	if (r < 0)
		qb_log(LOG_ERR, "node %s: drain %" PRIu32 ": cannot send %s: %s", d->node, d->id,
		       ledger_drain_op_name(op), strerror(-r));
}

static struct ledgerglue_djob *
ledgerglue_djob_find(struct ledgerglue *g, uint32_t id, int32_t step)
{
	for (size_t i = 0; i < LEDGERGLUE_MAX_DJOBS; i++)
		if (g->djobs[i].job != 0 && g->djobs[i].id == id && g->djobs[i].step == step)
			return &g->djobs[i];
	return NULL;
}

static void
ledgerglue_djob_add(struct ledgerglue *g, uint32_t id, int32_t step, uint64_t job)
{
	for (size_t i = 0; i < LEDGERGLUE_MAX_DJOBS; i++) {
		if (g->djobs[i].job == 0) {
			g->djobs[i].job = job;
			g->djobs[i].id = id;
			g->djobs[i].step = step;
			return;
		}
	}
}

static uint32_t
ledgerglue_step_timeout_ms(const struct ledger_drain_step *st)
{
	uint64_t t = (uint64_t)st->pred_duration_ms * 4;

	if (t < 300000)
		t = 300000;
	if (t > 1800000)
		t = 1800000;
	return (uint32_t)t;
}

/* A running step without a job here: run it (after our begin, or a takeover). */
static void
ledgerglue_drain_run_step(struct ledgerglue *g, const struct ledger_drain *d, uint32_t i)
{
	const struct ledger_drain_step *st = &d->steps[i];
	uint64_t job = 0;
	int r;

	if (ledgerglue_djob_find(g, d->id, (int32_t)i) != NULL ||
	    ledgerglue_drain_sent(g, d->id, -LEDGER_DOP_STEP_END - 1, (int32_t)i, false))
		return;
	if (d->kind == LEDGER_DRAIN_DRAIN)
		r = g->ops->drain_away(g->ctx, st->resource, d->node,
		                       ledgerglue_step_timeout_ms(st), &job);
	else
		r = g->ops->drain_back(g->ctx, st->resource, d->node, st->from,
		                       ledgerglue_step_timeout_ms(st), &job);
	if (r < 0) {
		char why[LEDGER_TEXT_MAX];

		snprintf(why, sizeof(why), "cannot start the move: %s", strerror(-r));
		ledgerglue_drain_op(g, d, LEDGER_DOP_STEP_END, (int32_t)i, LEDGER_STEP_FAILED, "",
		                    why);
		return;
	}
	qb_log(LOG_NOTICE, "vm %s: drain %" PRIu32 " of %s: %s", st->vm, d->id, d->node,
	       d->kind == LEDGER_DRAIN_DRAIN ? "moving away" : "moving back");
	ledgerglue_djob_add(g, d->id, (int32_t)i, job);
}

static void
ledgerglue_drain_act_one(struct ledgerglue *g, const struct ledger_drain *d, int64_t now_ms)
{
	uint32_t wave = UINT32_MAX, n_pending = 0;
	bool running = false;
	char text[LEDGER_TEXT_MAX];
	uint64_t job = 0;
	int r;

	if (d->state == LEDGER_DRAIN_SCHEDULED) {
		if (d->at_ms > now_ms)
			return;
		if (d->window_end_ms > 0 && now_ms >= d->window_end_ms) {
			ledgerglue_drain_op(g, d, LEDGER_DOP_FINISH, -1, LEDGER_DRAIN_WINDOW_END,
			                    "", "the window ended before the drain could start");
			return;
		}
		if (d->kind == LEDGER_DRAIN_DRAIN) {
			ledgerglue_drain_op(g, d, LEDGER_DOP_START, -1, 0, "", "");
			return;
		}
		/* undrain: out of standby first, then the moves back */
		if (ledgerglue_djob_find(g, d->id, -1) != NULL ||
		    ledgerglue_drain_sent(g, d->id, LEDGER_DOP_START, -1, false))
			return;
		r = g->ops->drain_standby(g->ctx, d->node, false, NULL, 0, &job);
		if (r == 0)
			ledgerglue_djob_add(g, d->id, -1, job);
		return;
	}
	if (d->state != LEDGER_DRAIN_RUNNING && d->state != LEDGER_DRAIN_CANCELLED)
		return;
	for (uint32_t i = 0; i < d->n_steps; i++) {
		const struct ledger_drain_step *st = &d->steps[i];

		if (st->state == LEDGER_STEP_RUNNING) {
			running = true;
			ledgerglue_drain_run_step(g, d, i);
		} else if (st->state == LEDGER_STEP_PENDING) {
			n_pending++;
			if (st->wave < wave)
				wave = st->wave;
		}
	}
	if (running || d->state != LEDGER_DRAIN_RUNNING)
		return;
	if (n_pending > 0) {
		if (d->window_end_ms > 0 && now_ms >= d->window_end_ms) {
			snprintf(text, sizeof(text), "the window ended: %" PRIu32 " VMs not moved",
			         n_pending);
			ledgerglue_drain_op(g, d, LEDGER_DOP_FINISH, -1, LEDGER_DRAIN_WINDOW_END,
			                    "", text);
			return;
		}
		for (uint32_t i = 0; i < d->n_steps; i++)
			if (d->steps[i].state == LEDGER_STEP_PENDING && d->steps[i].wave == wave)
				ledgerglue_drain_op(
				        g, d, LEDGER_DOP_STEP_BEGIN, (int32_t)i, 0,
				        d->kind == LEDGER_DRAIN_DRAIN ? d->node : d->steps[i].from,
				        "");
		return;
	}
	if (d->kind == LEDGER_DRAIN_UNDRAIN) {
		ledgerglue_drain_op(g, d, LEDGER_DOP_FINISH, -1, LEDGER_DRAIN_DONE, "", "");
		return;
	}
	/* every move ended: standby on, then the bans go */
	if (ledgerglue_djob_find(g, d->id, -1) != NULL ||
	    ledgerglue_drain_sent(g, d->id, LEDGER_DOP_FINISH, -1, false))
		return;
	{
		const char *clear[LEDGER_DRAIN_STEPS];
		size_t n = 0;

		for (uint32_t i = 0; i < d->n_steps; i++)
			if (d->steps[i].state != LEDGER_STEP_SKIPPED)
				clear[n++] = d->steps[i].resource;
		r = g->ops->drain_standby(g->ctx, d->node, true, clear, n, &job);
		if (r == 0)
			ledgerglue_djob_add(g, d->id, -1, job);
		else
			qb_log(LOG_ERR, "node %s: drain %" PRIu32 ": cannot set standby: %s",
			       d->node, d->id, strerror(-r));
	}
}

void
ledgerglue_drain_act(struct ledgerglue *g)
{
	int64_t now_ms;

	if (g == NULL || g->ops->drain_away == NULL || !ledger_is_synced(g->l) ||
	    !ledger_is_quorate(g->l) || g->m.local_nodeid == 0)
		return;
	now_ms = ledgerglue_now_ms();
	for (size_t i = 0; i < ledger_drain_count(g->l); i++) {
		const struct ledger_drain *d = ledger_drain_get(g->l, i);

		if (d != NULL && d->runner == g->m.local_nodeid)
			ledgerglue_drain_act_one(g, d, now_ms);
	}
}

void
ledgerglue_drain_done(struct ledgerglue *g, uint64_t job, int rc, const char *node,
                      const char *text)
{
	struct ledgerglue_djob *dj = NULL;
	const struct ledger_drain *d;
	enum ledger_step_state st;
	int32_t step;
	uint32_t id;

	if (g == NULL)
		return;
	for (size_t i = 0; i < LEDGERGLUE_MAX_DJOBS && dj == NULL; i++)
		if (g->djobs[i].job == job)
			dj = &g->djobs[i];
	if (dj == NULL)
		return;
	id = dj->id;
	step = dj->step;
	memset(dj, 0, sizeof(*dj));
	d = ledger_drain_find(g->l, id);
	if (d == NULL || d->runner != g->m.local_nodeid) {
		qb_log(LOG_NOTICE,
		       "drain %" PRIu32 ": a job ended after this node stopped running "
		       "it (%s), its new runner checks again",
		       id, text);
		return;
	}
	if (step < 0) {
		if (d->state == LEDGER_DRAIN_SCHEDULED && rc == 0)
			ledgerglue_drain_op(g, d, LEDGER_DOP_START, -1, 0, "", "");
		else if (d->state == LEDGER_DRAIN_SCHEDULED)
			ledgerglue_drain_op(g, d, LEDGER_DOP_FINISH, -1, LEDGER_DRAIN_DONE, "",
			                    text);
		else
			ledgerglue_drain_op(g, d, LEDGER_DOP_FINISH, -1, LEDGER_DRAIN_DONE, "",
			                    rc == 0 ? "" : text);
		return;
	}
	if ((uint32_t)step >= d->n_steps)
		return;
	if (rc == 0)
		st = LEDGER_STEP_DONE;
	else if (rc == -ESTALE)
		st = LEDGER_STEP_SKIPPED;
	else
		st = LEDGER_STEP_FAILED;
	qb_log(rc == 0 ? LOG_NOTICE : LOG_ERR, "vm %s: drain %" PRIu32 " of %s: %s, on %s (%s)",
	       d->steps[step].vm, id, d->node, ledger_step_state_name(st),
	       node[0] != '\0' ? node : "no node", text);
	/* the drained node left while its VM was moving: Pacemaker recovered the
	 * VM elsewhere by restarting it, and the report must say so */
	if (rc == 0 && d->kind == LEDGER_DRAIN_DRAIN && !membership_is_member(&g->m, d->node_id))
		text = LEDGERGLUE_DRAIN_HA_RESTART;
	else if (rc == 0)
		text = "";
	/* mark it so that drain_act does not run the step again before the end comes back */
	(void)ledgerglue_drain_sent(g, id, -LEDGER_DOP_STEP_END - 1, step, true);
	ledgerglue_drain_op(g, d, LEDGER_DOP_STEP_END, step, st, node, text);
}

void
ledgerglue_drain_answer(struct ledgerglue *g, uint64_t token, enum ferry_ipc_verdict v, uint32_t id,
                        const char *reason)
{
	struct ferry_ipc_drain_rsp rsp;

	memset(&rsp, 0, sizeof(rsp));
	rsp.verdict = v;
	rsp.id = id;
	snprintf(rsp.reason, sizeof(rsp.reason), "%s", reason);
	g->ops->reply(g->ctx, token, &rsp, sizeof(rsp));
}

static void
ledgerglue_drain_park(struct ledgerglue *g, uint64_t token, struct ledger_drain_msg *dm)
{
	struct ledgerglue_pending *p = ledgerglue_pending_new(g);
	char why[FERRY_IPC_REASON_LEN];
	int r;

	if (p == NULL) {
		ledgerglue_drain_answer(g, token, FERRY_VERDICT_UNAVAILABLE, 0,
		                        "too many requests in flight");
		return;
	}
	r = ledgerglue_drain_send(g, dm);
	if (r < 0) {
		snprintf(why, sizeof(why), "cannot send the drain to the cluster: %s",
		         strerror(-r));
		ledgerglue_drain_answer(
		        g, token,
		        r == -EMSGSIZE ? FERRY_VERDICT_REFUSED : FERRY_VERDICT_UNAVAILABLE, 0, why);
		return;
	}
	p->req_id = dm->req_id;
	p->token = token;
	p->op = LEDGER_OP_DRAIN;
	p->deadline_ns = qb_util_nano_current_get() +
	                 (uint64_t)LEDGERGLUE_REQ_TIMEOUT_MS * QB_TIME_NS_IN_MSEC;
}

void
ledgerglue_drain_submit(struct ledgerglue *g, uint64_t token,
                        const struct ferry_ipc_drain_submit_req *in)
{
	static struct ledger_drain d; /* 30 KiB: not on the stack */
	struct ledger_drain_msg dm;
	char why[FERRY_IPC_REASON_LEN], *rec = NULL;
	uint32_t nodeid = 0;
	int r;

	if (g == NULL || !g->m.membership_known) {
		ledgerglue_drain_answer(g, token, FERRY_VERDICT_UNAVAILABLE, 0,
		                        "ferryd has not joined the cluster yet");
		return;
	}
	memset(&d, 0, sizeof(d));
	memcpy(d.node, in->node, sizeof(d.node));
	d.node[sizeof(d.node) - 1] = '\0';
	memcpy(d.requested_by, in->requested_by, sizeof(d.requested_by));
	d.requested_by[sizeof(d.requested_by) - 1] = '\0';
	why[0] = '\0';
	if (in->kind > FERRY_DRAIN_UNDRAIN || in->parallel == 0 ||
	    in->n_steps > FERRY_IPC_DRAIN_MAX_STEPS || in->at_unix_ms < 0 ||
	    in->window_end_unix_ms < 0)
		snprintf(why, sizeof(why), "bad drain request (kind, parallel, steps or times)");
	else if (!ledger_valid_name(d.node) ||
	         membership_nodeid_by_name(&g->m, d.node, &nodeid) < 0 || nodeid == 0)
		snprintf(why, sizeof(why), "unknown node '%s' (see ferryctl status)", d.node);
	for (uint32_t i = 0; why[0] == '\0' && i < in->n_steps; i++) {
		const struct ferry_ipc_drain_plan_step *s = &in->steps[i];
		struct ledger_drain_step *st = &d.steps[i];

		memcpy(st->resource, s->resource, sizeof(st->resource));
		st->resource[sizeof(st->resource) - 1] = '\0';
		memcpy(st->vm, s->vm, sizeof(st->vm));
		st->vm[sizeof(st->vm) - 1] = '\0';
		memcpy(st->target, s->target, sizeof(st->target));
		st->target[sizeof(st->target) - 1] = '\0';
		if (!ledger_valid_name(st->resource) || !ledger_valid_name(st->vm) ||
		    (st->target[0] != '\0' && !ledger_valid_name(st->target)) ||
		    s->kind >= _LEDGER_MODE_MAX)
			snprintf(why, sizeof(why),
			         "step %" PRIu32 ": bad resource, vm, target or kind", i);
		st->kind = (enum ledger_mode)s->kind;
		st->wave = s->wave;
		st->pred_gap_ms = s->pred_gap_ms;
		st->pred_duration_ms = s->pred_duration_ms;
		st->start_ms = st->end_ms = -1;
	}
	if (why[0] != '\0') {
		ledgerglue_drain_answer(g, token, FERRY_VERDICT_REFUSED, 0, why);
		return;
	}
	d.id = 1; /* the ledger gives the real one */
	d.kind = in->kind == FERRY_DRAIN_UNDRAIN ? LEDGER_DRAIN_UNDRAIN : LEDGER_DRAIN_DRAIN;
	d.node_id = nodeid;
	d.parallel = in->parallel;
	d.flags = in->flags & LEDGER_DRAIN_F_FORCE;
	d.at_ms = in->at_unix_ms;
	d.window_end_ms = in->window_end_unix_ms;
	d.start_ms = d.end_ms = -1;
	d.n_steps = d.kind == LEDGER_DRAIN_UNDRAIN ? 0 : in->n_steps;
	memset(&dm, 0, sizeof(dm));
	dm.op = LEDGER_DOP_SUBMIT;
	r = ledgerblob_drain_write(&d, &rec, &dm.record_len);
	if (r < 0) {
		ledgerglue_drain_answer(g, token, FERRY_VERDICT_REFUSED, 0, strerror(-r));
		return;
	}
	dm.record = rec;
	qb_log(LOG_NOTICE, "node %s: %s of %" PRIu32 " VMs requested by %s", d.node,
	       ledger_drain_kind_name(d.kind), d.n_steps, d.requested_by);
	ledgerglue_drain_park(g, token, &dm);
	free(rec);
}

void
ledgerglue_drain_cancel(struct ledgerglue *g, uint64_t token,
                        const struct ferry_ipc_drain_id_req *in)
{
	struct ledger_drain_msg dm;
	char by[FERRY_IPC_DRAIN_NAME_LEN];

	if (g == NULL || !g->m.membership_known) {
		ledgerglue_drain_answer(g, token, FERRY_VERDICT_UNAVAILABLE, 0,
		                        "ferryd has not joined the cluster yet");
		return;
	}
	memcpy(by, in->requested_by, sizeof(by));
	by[sizeof(by) - 1] = '\0';
	memset(&dm, 0, sizeof(dm));
	dm.op = LEDGER_DOP_CANCEL;
	dm.id = in->id;
	snprintf(dm.text, sizeof(dm.text), "cancelled by %s", by[0] != '\0' ? by : "an admin");
	ledgerglue_drain_park(g, token, &dm);
}

static void
ledgerglue_drain_info(struct ledgerglue *g, const struct ledger_drain *d,
                      struct ferry_ipc_drain_info *o)
{
	memset(o, 0, sizeof(*o));
	o->id = d->id;
	o->kind = d->kind == LEDGER_DRAIN_UNDRAIN ? FERRY_DRAIN_UNDRAIN : FERRY_DRAIN_DRAIN;
	snprintf(o->state, sizeof(o->state), "%s", ledger_drain_state_name(d->state));
	o->runner_nodeid = d->runner;
	o->requester_nodeid = d->requester;
	o->parallel = d->parallel;
	o->flags = d->flags;
	o->n_steps = d->n_steps;
	o->at_unix_ms = d->at_ms;
	o->window_end_unix_ms = d->window_end_ms;
	o->created_unix_ms = d->created_ms;
	o->start_unix_ms = d->start_ms;
	o->end_unix_ms = d->end_ms;
	snprintf(o->node, sizeof(o->node), "%s", d->node);
	snprintf(o->runner, sizeof(o->runner), "%s",
	         d->runner != 0 ? ledgerglue_node(g, d->runner) : "");
	snprintf(o->requested_by, sizeof(o->requested_by), "%s", d->requested_by);
	snprintf(o->note, sizeof(o->note), "%s", d->note);
}

/* DRAIN_PROGRESS: the last figure of each running live step of drain id (0: the latest). */
static ssize_t
ledgerglue_progress_view(struct ledgerglue *g, uint32_t id, void *buf, size_t len)
{
	struct ferry_ipc_drain_progress_rsp *r = buf;
	const struct ledger_drain *d;
	size_t off = sizeof(*r), n = ledger_drain_count(g->l);

	if (len < off + LEDGER_DRAIN_STEPS * sizeof(struct ferry_ipc_drain_progress))
		return -ENOBUFS;
	memset(r, 0, sizeof(*r));
	d = id != 0 ? ledger_drain_find(g->l, id) : n > 0 ? ledger_drain_get(g->l, n - 1) : NULL;
	if (d == NULL)
		return (ssize_t)off;
	r->id = d->id;
	for (uint32_t i = 0; i < d->n_steps; i++) {
		const struct ledgerglue_progress *p = ledgerglue_progress_find(g, d->id, i);
		struct ferry_ipc_drain_progress *o;

		if (p == NULL || d->steps[i].state != LEDGER_STEP_RUNNING)
			continue;
		o = (struct ferry_ipc_drain_progress *)((char *)buf + off);
		memset(o, 0, sizeof(*o));
		o->step = i;
		o->mem_left_bytes = p->left_bytes;
		o->mem_total_bytes = p->total_bytes;
		o->at_unix_ms = p->at_ms;
		off += sizeof(*o);
		r->n++;
	}
	return (ssize_t)off;
}

ssize_t
ledgerglue_drain_view(struct ledgerglue *g, const struct ferry_ipc_drain_id_req *req, void *buf,
                      size_t len)
{
	const struct ledger_drain *d = NULL;
	size_t off, n;

	if (g == NULL)
		return -EAGAIN;
	n = ledger_drain_count(g->l);
	if (req->hdr.qb.id == FERRY_IPC_DRAIN_PROGRESS)
		return ledgerglue_progress_view(g, req->id, buf, len);
	if (req->hdr.qb.id == FERRY_IPC_DRAIN_LIST) {
		struct ferry_ipc_drain_list_rsp *r = buf;

		off = sizeof(*r);
		if (len < off + n * sizeof(struct ferry_ipc_drain_info))
			return -ENOBUFS;
		memset(r, 0, sizeof(*r));
		r->local_nodeid = g->m.local_nodeid;
		r->now_unix_ms = ledgerglue_now_ms();
		for (size_t i = 0; i < n; i++) {
			ledgerglue_drain_info(g, ledger_drain_get(g->l, i),
			                      (struct ferry_ipc_drain_info *)((char *)buf + off));
			off += sizeof(struct ferry_ipc_drain_info);
			r->n++;
		}
		return (ssize_t)off;
	}
	{
		struct ferry_ipc_drain_report_rsp *r = buf;

		off = sizeof(*r);
		if (len < off + LEDGER_DRAIN_STEPS * sizeof(struct ferry_ipc_drain_step))
			return -ENOBUFS;
		memset(r, 0, sizeof(*r));
		r->local_nodeid = g->m.local_nodeid;
		r->now_unix_ms = ledgerglue_now_ms();
		if (req->id != 0)
			d = ledger_drain_find(g->l, req->id);
		else if (n > 0)
			d = ledger_drain_get(g->l, n - 1);
		if (d == NULL)
			return (ssize_t)off;
		r->found = 1;
		ledgerglue_drain_info(g, d, &r->info);
		for (uint32_t i = 0; i < d->n_steps; i++) {
			const struct ledger_drain_step *st = &d->steps[i];
			struct ferry_ipc_drain_step *o =
			        (struct ferry_ipc_drain_step *)((char *)buf + off);

			memset(o, 0, sizeof(*o));
			snprintf(o->resource, sizeof(o->resource), "%s", st->resource);
			snprintf(o->vm, sizeof(o->vm), "%s", st->vm);
			snprintf(o->target, sizeof(o->target), "%s", st->target);
			snprintf(o->from, sizeof(o->from), "%s", st->from);
			snprintf(o->to, sizeof(o->to), "%s", st->to);
			snprintf(o->state, sizeof(o->state), "%s",
			         ledger_step_state_name(st->state));
			snprintf(o->result, sizeof(o->result), "%s", st->result);
			o->kind = (uint32_t)st->kind;
			o->wave = st->wave;
			o->pred_gap_ms = st->pred_gap_ms;
			o->pred_duration_ms = st->pred_duration_ms;
			o->start_unix_ms = st->start_ms;
			o->end_unix_ms = st->end_ms;
			off += sizeof(*o);
		}
		return (ssize_t)off;
	}
}
