/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* live.c - the live migration loop: sample job stats, apply the policy. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ferry/budget.h"
#include "ferry/clock.h"
#include "ferry/policy.h"
#include "live.h"
#include "quick.h"

/* A peer's libvirtd must answer within this for settling and statistics. */
#define LIVE_CONNECT_MS 5000

struct live_worker {
	/* in */
	char hypervisor[PARAMS_URI_MAX];
	char uuid[DOMXML_UUID_LEN + 1];
	char dconnuri[PARAMS_URI_MAX];
	char migration_uri[PARAMS_URI_MAX];
	struct virt_migrate_opts opts;
	/* out */
	atomic_bool done;
	int rc;
	char err[VIRT_ERR_MAX];
};

static void *
live_worker_main(void *arg)
{
	struct live_worker *w = arg;
	struct virt *v = NULL;
	virDomainPtr d = NULL;
	int r;

	r = virt_open(w->hypervisor, &v, w->err, sizeof(w->err));
	if (r == 0) {
		r = virt_lookup(v, w->uuid, NULL, &d);
		if (r == 0) {
			r = virt_migrate(v, d, &w->opts);
			virDomainFree(d);
		}
		if (r != 0)
			snprintf(w->err, sizeof(w->err), "%s", v->err);
		virt_close(v);
	}
	w->rc = r;
	atomic_store(&w->done, true);
	return NULL;
}

/* What settling does, decided from both nodes' states before anything is
 * touched (live_settle_plan); the outcome (enum live_where) follows. */
enum live_plan {
	LIVE_PLAN_KEEP_SOURCE,      /* the source runs: a target copy goes */
	LIVE_PLAN_RESUME_SOURCE,    /* the target never ran the guest: its copy goes, then the
	                             * source resumes */
	LIVE_PLAN_KEEP_TARGET,      /* the target runs the guest: the paused (stale) source goes */
	LIVE_PLAN_HOLD_UNREACHABLE, /* source paused, target unreachable: touch nothing */
	LIVE_PLAN_HOLD_SPLIT,       /* post-copy broke off: memory on both nodes, touch nothing */
	LIVE_PLAN_HOLD_LOST,        /* post-copy, the target has no copy: touch nothing */
	LIVE_PLAN_UNKNOWN,
};

struct live_side {
	bool known; /* reachable and answered */
	enum virt_state state;
	enum virt_why why;
};

static bool
live_side_gone(const struct live_side *s)
{
	return s->known && (s->state == VIRT_ABSENT || s->state == VIRT_SHUTOFF);
}

/* The target's copy is in a post-copy (running or paused): the guest has run
 * there and may need the source's pages. */
static bool
live_side_postcopy(const struct live_side *s)
{
	return s->known && (s->state == VIRT_RUNNING || s->state == VIRT_PAUSED) &&
	       (s->why == VIRT_WHY_POSTCOPY || s->why == VIRT_WHY_POSTCOPY_FAILED);
}

/* Whether the paused source may have handed the guest over in post-copy: libvirt
 * says so, or this agent started post-copy and the source is paused by it. */
static bool
live_source_postcopy(const struct live_side *src, bool postcopy_started)
{
	return src->state == VIRT_PAUSED &&
	       (src->why == VIRT_WHY_POSTCOPY || src->why == VIRT_WHY_POSTCOPY_FAILED ||
	        (postcopy_started && src->why == VIRT_WHY_MIGRATION));
}

/* Pure: a paused source is resumed only when the target answered and certainly
 * never ran the guest (no copy, or an incoming copy never started), and never
 * after a post-copy switch. */
static enum live_plan
live_settle_plan(const struct live_side *src, const struct live_side *dst, bool postcopy_started)
{
	if (!src->known)
		return LIVE_PLAN_UNKNOWN;
	if (src->state == VIRT_RUNNING)
		return LIVE_PLAN_KEEP_SOURCE;
	if (src->state == VIRT_ABSENT || src->state == VIRT_SHUTOFF)
		return dst->known && dst->state == VIRT_RUNNING && !live_side_postcopy(dst)
		               ? LIVE_PLAN_KEEP_TARGET
		               : LIVE_PLAN_UNKNOWN;
	if (src->state != VIRT_PAUSED)
		return LIVE_PLAN_UNKNOWN;
	if (!dst->known)
		return LIVE_PLAN_HOLD_UNREACHABLE;
	if (live_side_postcopy(dst))
		return LIVE_PLAN_HOLD_SPLIT;
	if (dst->state == VIRT_RUNNING)
		return LIVE_PLAN_KEEP_TARGET;
	if (live_source_postcopy(src, postcopy_started))
		return dst->state == VIRT_PAUSED ? LIVE_PLAN_HOLD_SPLIT : LIVE_PLAN_HOLD_LOST;
	if (live_side_gone(dst) || (dst->state == VIRT_PAUSED && dst->why == VIRT_WHY_MIGRATION))
		return LIVE_PLAN_RESUME_SOURCE;
	return LIVE_PLAN_UNKNOWN; /* paused or crashed on the target: it may have run it */
}

static void
live_side_text(const struct live_side *s, char *buf, size_t len)
{
	if (!s->known)
		snprintf(buf, len, "unreachable");
	else if (s->why != VIRT_WHY_OTHER && (s->state == VIRT_PAUSED || s->state == VIRT_RUNNING))
		snprintf(buf, len, "%s (%s)", virt_state_name(s->state), virt_why_name(s->why));
	else
		snprintf(buf, len, "%s", virt_state_name(s->state));
}

static void
live_query(struct virt *v, const char *uuid, struct live_side *ret)
{
	struct live_side s = {.known = false, .state = VIRT_UNKNOWN, .why = VIRT_WHY_OTHER};

	if (v != NULL && virt_query_why(v, uuid, NULL, &s.state, &s.why) == 0)
		s.known = true;
	*ret = s;
}

/* Destroys the domain on v if it is there; 0 once it is gone. */
static int
live_remove(struct vm_agent *a, struct virt *v, const char *node, struct live_side *side)
{
	virDomainPtr d = NULL;

	if (live_side_gone(side))
		return 0;
	if (virt_lookup(v, a->uuid, NULL, &d) == 0) {
		if (virt_destroy(v, d) != 0)
			vm_log(a, LOG_WARNING, "cannot destroy the copy on %s: %s", node, v->err);
		virDomainFree(d);
	}
	(void)virt_wait(v, a->uuid, NULL, VIRT_ABSENT, 3000);
	live_query(v, a->uuid, side);
	return live_side_gone(side) ? 0 : -EBUSY;
}

enum live_where
live_settle(struct vm_agent *a, struct virt *v, const char *target_uri, bool postcopy_started,
            char *msg, size_t msg_len)
{
	struct live_side src;
	struct live_side dst = {.known = false, .state = VIRT_UNKNOWN, .why = VIRT_WHY_OTHER};
	struct virt *t = NULL;
	char err[VIRT_ERR_MAX] = "";
	char src_text[64];
	char dst_text[64];
	enum live_where where = LIVE_WHERE_UNKNOWN;
	virDomainPtr d = NULL;

	live_query(v, a->uuid, &src);
	/* the target first: whether it has run the guest decides what the source may do */
	if (virt_open_within(target_uri, LIVE_CONNECT_MS, &t, err, sizeof(err)) == 0) {
		live_query(t, a->uuid, &dst);
		/* an incoming copy that never started may take a moment to vanish */
		if (dst.known && dst.state == VIRT_PAUSED && dst.why == VIRT_WHY_MIGRATION &&
		    virt_wait(t, a->uuid, NULL, VIRT_ABSENT, 3000) == 0)
			live_query(t, a->uuid, &dst);
		if (!dst.known)
			snprintf(err, sizeof(err), "%s", t->err);
	}
	switch (live_settle_plan(&src, &dst, postcopy_started)) {
	case LIVE_PLAN_KEEP_SOURCE:
		if (!dst.known) {
			vm_log(a, LOG_WARNING, "runs on this node; target %s unreachable (%s)",
			       a->p.migrate_target, err);
			where = LIVE_WHERE_SOURCE;
			break;
		}
		if (!live_side_gone(&dst))
			vm_log(a, LOG_WARNING,
			       "target copy on %s is %s while the source runs, destroying it",
			       a->p.migrate_target, virt_state_name(dst.state));
		if (live_remove(a, t, a->p.migrate_target, &dst) == 0) {
			vm_log(a, LOG_NOTICE, "one copy: runs on this node, none on %s",
			       a->p.migrate_target);
			where = LIVE_WHERE_SOURCE;
		}
		break;
	case LIVE_PLAN_RESUME_SOURCE:
		if (!live_side_gone(&dst))
			vm_log(a, LOG_WARNING,
			       "target copy on %s is %s and never ran, destroying it",
			       a->p.migrate_target, virt_state_name(dst.state));
		if (live_remove(a, t, a->p.migrate_target, &dst) != 0)
			break; /* never two copies: the source stays paused */
		vm_log(a, LOG_WARNING, "source left paused by the failed migration (%s), resuming",
		       virt_why_name(src.why));
		if (virt_lookup(v, a->uuid, NULL, &d) == 0) {
			if (virt_resume(v, d) != 0)
				vm_log(a, LOG_ERR, "cannot resume: %s", v->err);
			virDomainFree(d);
			d = NULL;
		}
		live_query(v, a->uuid, &src);
		if (src.known && src.state == VIRT_RUNNING) {
			vm_log(a, LOG_NOTICE, "one copy: runs on this node, none on %s",
			       a->p.migrate_target);
			where = LIVE_WHERE_SOURCE;
		}
		break;
	case LIVE_PLAN_KEEP_TARGET:
		if (src.state == VIRT_PAUSED) {
			vm_log(a, LOG_WARNING,
			       "the guest runs on %s; destroying the stale copy paused here (%s)",
			       a->p.migrate_target, virt_why_name(src.why));
			if (live_remove(a, v, "this node", &src) != 0)
				vm_log(a, LOG_ERR, "the stale copy is still here: never resume it");
		}
		vm_log(a, LOG_NOTICE, "one copy: the migration completed, runs on %s",
		       a->p.migrate_target);
		where = LIVE_WHERE_TARGET;
		break;
	case LIVE_PLAN_HOLD_UNREACHABLE:
		vm_log(a, LOG_ERR,
		       "source paused (%s) and target %s unreachable (%s): the guest may run "
		       "there, not resuming",
		       virt_why_name(src.why), a->p.migrate_target, err);
		where = live_source_postcopy(&src, postcopy_started) ? LIVE_WHERE_POSTCOPY_TARGET
		                                                     : LIVE_WHERE_MAYBE_TARGET;
		break;
	case LIVE_PLAN_HOLD_SPLIT:
		vm_log(a, LOG_ERR,
		       "post-copy to %s broke off: the memory is split, keeping both copies",
		       a->p.migrate_target);
		where = LIVE_WHERE_SPLIT;
		break;
	case LIVE_PLAN_HOLD_LOST:
		vm_log(a, LOG_ERR,
		       "post-copy to %s failed and %s has no copy: this node's paused copy is "
		       "stale, not resuming it",
		       a->p.migrate_target, a->p.migrate_target);
		where = LIVE_WHERE_LOST;
		break;
	case LIVE_PLAN_UNKNOWN:
	default:
		break;
	}
	virt_close(t);
	live_side_text(&src, src_text, sizeof(src_text));
	live_side_text(&dst, dst_text, sizeof(dst_text));
	snprintf(msg, msg_len, "source %s, target %s", src_text, dst_text);
	if (where == LIVE_WHERE_UNKNOWN)
		vm_log(a, LOG_ERR, "cannot confirm a single running copy: %s", msg);
	return where;
}

/* After libvirt reported the migration done: the guest must run on the target
 * (resumed there if it was left paused).  0 when it does; else -errno and
 * why says where the guest is. */
static int
live_confirm(struct vm_agent *a, struct virt *v, const char *target_uri, char *why, size_t why_len)
{
	struct live_side src;
	struct live_side dst = {.known = false, .state = VIRT_UNKNOWN, .why = VIRT_WHY_OTHER};
	struct virt *t = NULL;
	char err[VIRT_ERR_MAX] = "";
	char src_text[64];
	char dst_text[64];
	virDomainPtr d = NULL;
	int r;

	r = virt_open_within(target_uri, LIVE_CONNECT_MS, &t, err, sizeof(err));
	if (r == 0)
		live_query(t, a->uuid, &dst);
	if (dst.known && dst.state == VIRT_PAUSED && dst.why != VIRT_WHY_POSTCOPY_FAILED) {
		vm_log(a, LOG_WARNING, "migrated, but paused on %s (%s): resuming it there",
		       a->p.migrate_target, virt_why_name(dst.why));
		if (virt_lookup(t, a->uuid, NULL, &d) == 0) {
			if (virt_resume(t, d) != 0)
				vm_log(a, LOG_ERR, "cannot resume it on %s: %s",
				       a->p.migrate_target, t->err);
			virDomainFree(d);
		}
		live_query(t, a->uuid, &dst);
	}
	virt_close(t);
	if (dst.known && dst.state == VIRT_RUNNING && dst.why != VIRT_WHY_POSTCOPY_FAILED)
		return 0;
	live_query(v, a->uuid, &src);
	live_side_text(&src, src_text, sizeof(src_text));
	live_side_text(&dst, dst_text, sizeof(dst_text));
	if (!dst.known) {
		vm_log(a, LOG_ERR,
		       "libvirt reported the migration done, but %s cannot be reached (%s)",
		       a->p.migrate_target, err);
		snprintf(why, why_len, "target %.64s, %.64s here", dst_text, src_text);
		return -EHOSTUNREACH;
	}
	vm_log(a, LOG_ERR,
	       "libvirt reported the migration done, but the guest is %s on %s and %s "
	       "on this node",
	       dst_text, a->p.migrate_target, src_text);
	snprintf(why, why_len, "the guest is %.64s on %.64s and %.64s on this node", dst_text,
	         a->p.migrate_target, src_text);
	return -EIO;
}

/* Completed-job stats from the target (the source's transient domain is gone). */
static void
live_record_stats(struct vm_agent *a, const char *target_uri, struct move_record *rec)
{
	struct virt *t = NULL;
	virDomainPtr d = NULL;
	struct virt_job j;

	if (virt_open_within(target_uri, LIVE_CONNECT_MS, &t, NULL, 0) != 0)
		return;
	if (virt_lookup(t, a->uuid, NULL, &d) == 0) {
		if (virt_job_stats(t, d, true, &j) == 0) {
			rec->downtime_ms = j.downtime_ms;
			if (j.mem_bps > 0 && j.mem_bps <= INT64_MAX &&
			    (int64_t)j.mem_bps > rec->net_bps)
				rec->net_bps = (int64_t)j.mem_bps;
			if (j.data_processed > 0)
				rec->bytes = (int64_t)j.data_processed;
			if (j.mem_iteration > 0)
				rec->iterations = (int64_t)j.mem_iteration;
		} else {
			vm_log(a, LOG_INFO, "no completed job stats on %s: %s", a->p.migrate_target,
			       t->err);
		}
		virDomainFree(d);
	}
	virt_close(t);
}

/* What to do while the target cannot be reached and may hold the guest: the
 * ledger keeps the VM held by the target until it is fenced (MIGRATE_ABORT is
 * refused while the target is not a member). */
static const char *
live_held_advice(const struct vm_agent *a, char *buf, size_t len)
{
	if (a->p.ledger)
		snprintf(buf, len,
		         "ferryctl status shows who holds it (%.64s, until fenced, if it left the "
		         "cluster): check %.64s or fence it before starting the VM elsewhere",
		         a->p.migrate_target, a->p.migrate_target);
	else
		snprintf(buf, len, "check %.64s or fence it before starting the VM elsewhere",
		         a->p.migrate_target);
	return buf;
}

int
live_move(struct vm_agent *a, struct virt *v, virDomainPtr d, struct move_record *rec,
          struct ocf_reason *why)
{
	struct budget_input bin;
	struct budget budget;
	struct policy pol;
	struct live_worker *w;
	struct virt_job last;
	pthread_t tid;
	char target_uri[PARAMS_URI_MAX];
	char settle[256];
	char advice[384];
	enum live_where where;
	uint64_t mem = 0;
	uint64_t t0;
	uint64_t used;
	uint64_t deadline;
	uint64_t hard_ms;
	uint64_t peak_bps = 0;
	bool abort_sent = false;
	bool fallback = false;
	bool postcopy = false;
	const char *why_abort = "";
	int r;

	memset(&last, 0, sizeof(last));
	if (params_target_uri(&a->p, PARAMS_URI_REMOTE, a->p.migrate_target, target_uri,
	                      sizeof(target_uri)) != 0)
		return ocf_fail(why, OCF_ERR_CONFIGURED,
		                "remote_uri is too long once %%n is expanded");
	if (virt_memory_bytes(v, d, &mem) != 0)
		vm_log(a, LOG_WARNING, "cannot read the memory size (%s), budgeting from the XML",
		       v->err);
	if (mem == 0)
		mem = a->info.memory_kib * 1024u;

	memset(&bin, 0, sizeof(bin));
	bin.op_timeout_ms = a->p.op_timeout_ms;
	bin.mem_bytes = mem;
	bin.completion_timeout_s_per_gib = a->p.completion_timeout_s_per_gib;
	bin.fallback_quick = a->p.policy.fallback == POLICY_FALLBACK_QUICK;
	r = budget_compute(&bin, &budget);
	if (r != 0) {
		snprintf(rec->error, sizeof(rec->error), "migrate_to timeout too short");
		return ocf_fail(why, OCF_ERR_GENERIC,
		                "the migrate_to timeout (%" PRIu64
		                " ms) cannot hold a live move of %" PRIu64
		                " MiB and its abort%s; raise the migrate_to timeout",
		                a->p.op_timeout_ms, mem >> 20,
		                bin.fallback_quick ? " and quick fallback" : "");
	}
	used = ferry_clock_ms() - a->t0_ms;
	deadline = budget.live_deadline_ms > used ? budget.live_deadline_ms - used : 0;
	hard_ms = deadline + budget.abort_reserve_ms / 2;
	vm_log(a, LOG_NOTICE,
	       "live to %s: timeout %" PRIu64 " ms, live deadline %" PRIu64
	       " ms, max downtime %u ms, bandwidth %u MiB/s, data %s",
	       a->p.migrate_target, budget.op_timeout_ms, deadline, a->p.policy.max_downtime_ms,
	       a->p.bandwidth_mib_s, params_data_name(a->p.migration_data));

	/* limits before the copy starts */
	r = virt_set_max_downtime(v, d, a->p.policy.max_downtime_ms);
	if (r != 0)
		vm_log(a, LOG_WARNING, "%s, ignoring", v->err);
	if (a->p.bandwidth_mib_s > 0) {
		r = virt_set_max_speed(v, d, a->p.bandwidth_mib_s);
		if (r != 0)
			vm_log(a, LOG_WARNING, "%s, ignoring", v->err);
	}

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return ocf_fail(why, OCF_ERR_GENERIC, "out of memory");
	snprintf(w->hypervisor, sizeof(w->hypervisor), "%s", a->p.hypervisor);
	snprintf(w->uuid, sizeof(w->uuid), "%s", a->uuid);
	snprintf(w->dconnuri, sizeof(w->dconnuri), "%s", target_uri);
	if (a->p.migration_uri[0] != '\0' &&
	    params_target_uri(&a->p, PARAMS_URI_MIGRATION, a->p.migrate_target, w->migration_uri,
	                      sizeof(w->migration_uri)) != 0) {
		free(w);
		return ocf_fail(why, OCF_ERR_CONFIGURED,
		                "migration_uri is too long once %%n is expanded");
	}
	w->opts.dconnuri = w->dconnuri;
	w->opts.migration_uri = w->migration_uri;
	w->opts.parallel_connections = a->p.parallel_connections;
	w->opts.auto_converge = a->p.auto_converge;
	w->opts.data = a->p.migration_data;
	w->opts.postcopy = a->p.policy.postcopy == POLICY_POSTCOPY_AFTER_STALL;
	atomic_init(&w->done, false);

	policy_init(&pol, &a->p.policy, deadline);
	t0 = ferry_clock_ms();
	r = pthread_create(&tid, NULL, live_worker_main, w);
	if (r != 0) {
		free(w);
		return ocf_fail(why, OCF_ERR_GENERIC, "cannot start the migration thread: %s",
		                strerror(r));
	}

	while (!atomic_load(&w->done)) {
		struct policy_sample s;
		struct policy_action act = {.type = POLICY_ACT_NONE};
		struct virt_job j;
		uint64_t elapsed;

		ferry_sleep_ms(LIVE_SAMPLE_MS);
		if (atomic_load(&w->done))
			break;
		elapsed = ferry_clock_ms() - t0;
		if (virt_job_stats(v, d, false, &j) == 0 && j.active) {
			last = j;
			if (j.mem_bps > peak_bps)
				peak_bps = j.mem_bps;
			memset(&s, 0, sizeof(s));
			s.elapsed_ms = elapsed;
			s.data_total_bytes = j.data_total;
			s.data_remaining_bytes = j.data_remaining;
			s.mem_iteration = j.mem_iteration;
			s.mem_dirty_rate_pages_s = j.mem_dirty_rate;
			s.mem_bps = j.mem_bps;
			if (!abort_sent)
				act = policy_step(&pol, &s);
			vm_log(a, LOG_DEBUG,
			       "job: %" PRIu64 " ms, remaining %" PRIu64 " MiB, pass %" PRIu64
			       ", %" PRIu64 " MiB/s -> %s",
			       elapsed, j.data_remaining >> 20, j.mem_iteration, j.mem_bps >> 20,
			       policy_action_name(act.type));
		}
		if (!abort_sent && !postcopy && act.type == POLICY_ACT_NONE && elapsed >= hard_ms) {
			/* safety net: the policy should have stopped us already */
			act.type =
			        bin.fallback_quick ? POLICY_ACT_FALLBACK_QUICK : POLICY_ACT_ABORT;
		}
		switch (act.type) {
		case POLICY_ACT_SET_DOWNTIME:
			vm_log(a, LOG_NOTICE,
			       "migration to %s not converging, downtime limit -> %u ms",
			       a->p.migrate_target, act.downtime_ms);
			if (virt_set_max_downtime(v, d, act.downtime_ms) != 0)
				vm_log(a, LOG_WARNING, "%s, ignoring", v->err);
			rec->max_downtime_ms = act.downtime_ms;
			break;
		case POLICY_ACT_START_POSTCOPY:
			vm_log(a, LOG_NOTICE, "migration to %s stalled, switching to post-copy",
			       a->p.migrate_target);
			if (virt_start_postcopy(v, d) != 0)
				vm_log(a, LOG_WARNING, "%s, ignoring", v->err);
			else
				postcopy = true;
			break;
		case POLICY_ACT_FALLBACK_QUICK:
			fallback = true;
			/* fall through */
		case POLICY_ACT_ABORT:
			why_abort = elapsed >= deadline ? "deadline reached" : "not converging";
			vm_log(a, LOG_NOTICE,
			       "aborting the migration to %s after %" PRIu64 " ms (%s)%s",
			       a->p.migrate_target, elapsed, why_abort,
			       fallback ? ", then moving by save/restore" : "");
			if (virt_abort_job(v, d) != 0)
				vm_log(a, LOG_WARNING, "%s", v->err);
			abort_sent = true;
			break;
		case POLICY_ACT_NONE:
		default:
			break;
		}
		if (abort_sent && vmctx_left_ms(a, 1000) == 0)
			break; /* the worker hangs: do not wait past the timeout */
	}
	rec->total_ms = (int64_t)(ferry_clock_ms() - t0);
	if (rec->max_downtime_ms < 0)
		rec->max_downtime_ms = pol.downtime_ms;
	/* what the last sample saw; completed stats replace it on success */
	if (last.data_processed > 0)
		rec->bytes = (int64_t)last.data_processed;
	if (last.mem_iteration > 0)
		rec->iterations = (int64_t)last.mem_iteration;
	if (peak_bps > 0 && peak_bps <= INT64_MAX)
		rec->net_bps = (int64_t)peak_bps;

	if (!atomic_load(&w->done)) {
		pthread_detach(tid); /* w is leaked on purpose: the worker still uses it */
		snprintf(rec->error, sizeof(rec->error), "migration job did not end after abort");
		return ocf_fail(
		        why, OCF_ERR_GENERIC,
		        "the migration to %s did not end after abort; check libvirtd on both nodes",
		        a->p.migrate_target);
	}
	pthread_join(tid, NULL);

	if (w->rc == 0) {
		free(w);
		/* libvirt's word is not enough: the guest must run on the target */
		r = live_confirm(a, v, target_uri, settle, sizeof(settle));
		if (r != 0) {
			snprintf(rec->error, sizeof(rec->error), "reported done, but %.200s",
			         settle);
			if (r == -EHOSTUNREACH)
				return ocf_fail(
				        why, OCF_ERR_GENERIC,
				        "libvirt reported the migration to %s done but %s "
				        "cannot be reached to confirm it runs there (%s); %s",
				        a->p.migrate_target, a->p.migrate_target, settle,
				        live_held_advice(a, advice, sizeof(advice)));
			return ocf_fail(why, OCF_ERR_GENERIC,
			                "libvirt reported the migration to %s done but %s; check "
			                "both nodes",
			                a->p.migrate_target, settle);
		}
		live_record_stats(a, target_uri, rec);
		vm_log(a, LOG_NOTICE,
		       "live migration to %s done in %" PRId64 " ms, downtime %" PRId64 " ms",
		       a->p.migrate_target, rec->total_ms, rec->downtime_ms);
		return OCF_SUCCESS;
	}

	vm_log(a, abort_sent ? LOG_NOTICE : LOG_ERR, "migration to %s ended: %s",
	       a->p.migrate_target, w->err);
	where = live_settle(a, v, target_uri, postcopy, settle, sizeof(settle));
	if (where == LIVE_WHERE_TARGET) {
		live_record_stats(a, target_uri, rec);
		free(w);
		return OCF_SUCCESS;
	}
	if (where == LIVE_WHERE_SOURCE && fallback) {
		struct move_record q;
		int rc;

		free(w);
		moverec_init(&q);
		moverec_set_kind(rec, FERRY_MOVE_LIVE_QUICK);
		rc = quick_move(a, v, d, &q, why);
		rec->save_ms = q.save_ms;
		rec->restore_ms = q.restore_ms;
		rec->bytes = q.bytes;
		rec->downtime_ms = q.downtime_ms;
		snprintf(rec->error, sizeof(rec->error), "%s", q.error);
		rec->total_ms = (int64_t)(ferry_clock_ms() - t0);
		return rc;
	}
	if (abort_sent)
		moverec_set_result(rec, FERRY_MOVE_ABORTED);
	snprintf(rec->error, sizeof(rec->error), "%.300s (%.200s)", abort_sent ? why_abort : w->err,
	         settle);
	if (where == LIVE_WHERE_SOURCE && abort_sent)
		r = ocf_fail(why, OCF_ERR_GENERIC,
		             "live migration to %s aborted, the VM keeps running on this node "
		             "(after %" PRId64 " ms: %s); raise the migrate_to timeout, set "
		             "fallback=quick or use move=quick",
		             a->p.migrate_target, rec->total_ms, why_abort);
	else if (where == LIVE_WHERE_SOURCE)
		r = ocf_fail(why, OCF_ERR_GENERIC,
		             "live migration to %s failed, the VM keeps running on this node "
		             "(after %" PRId64 " ms: %s); check that %s answers and the migration "
		             "port is open",
		             a->p.migrate_target, rec->total_ms, w->err, target_uri);
	/* Pacemaker keeps 128 characters of an exit reason: the outcome comes first. */
	else if (where == LIVE_WHERE_POSTCOPY_TARGET)
		r = ocf_fail(why, OCF_ERR_GENERIC,
		             "live migration to %s failed in post-copy and %s "
		             "cannot be reached: the guest's only current memory may be on %s; "
		             "this copy stays paused; %s",
		             a->p.migrate_target, a->p.migrate_target, a->p.migrate_target,
		             live_held_advice(a, advice, sizeof(advice)));
	else if (where == LIVE_WHERE_MAYBE_TARGET)
		r = ocf_fail(why, OCF_ERR_GENERIC,
		             "live migration to %s failed and %s cannot be reached: the VM stays "
		             "paused here and may run on %s (the handover may have completed); %s",
		             a->p.migrate_target, a->p.migrate_target, a->p.migrate_target,
		             live_held_advice(a, advice, sizeof(advice)));
	else if (where == LIVE_WHERE_SPLIT)
		r = ocf_fail(
		        why, OCF_ERR_GENERIC,
		        "live migration to %s failed in post-copy: the guest's memory is split "
		        "between this node and %s, both copies kept paused; recover with "
		        "virsh migrate --postcopy --postcopy-resume, never resume or destroy "
		        "one copy alone (%s)",
		        a->p.migrate_target, a->p.migrate_target, settle);
	else if (where == LIVE_WHERE_LOST)
		r = ocf_fail(
		        why, OCF_ERR_GENERIC,
		        "live migration to %s failed in post-copy and %s has no copy: the copy "
		        "paused here is stale (the guest ran on %s since), not resumed; check "
		        "%s's logs before starting the VM from its disks",
		        a->p.migrate_target, a->p.migrate_target, a->p.migrate_target,
		        a->p.migrate_target);
	else
		r = ocf_fail(why, OCF_ERR_GENERIC,
		             "live migration to %s failed (%s) and a single running copy cannot be "
		             "confirmed (%s); check both nodes",
		             a->p.migrate_target, abort_sent ? why_abort : w->err, settle);
	free(w);
	return r;
}

/* ---- move=auto ---------------------------------------------------------- */

/* The live deadline live_move() would compute now (budget.h). */
static uint64_t
live_deadline_now(const struct vm_agent *a, uint64_t mem_bytes, uint64_t fallback_ms)
{
	struct budget_input bin;
	struct budget budget;
	uint64_t used = ferry_clock_ms() - a->t0_ms;

	memset(&bin, 0, sizeof(bin));
	bin.op_timeout_ms = a->p.op_timeout_ms;
	bin.mem_bytes = mem_bytes;
	bin.completion_timeout_s_per_gib = a->p.completion_timeout_s_per_gib;
	bin.fallback_quick = a->p.policy.fallback == POLICY_FALLBACK_QUICK;
	if (budget_compute(&bin, &budget) != 0)
		return fallback_ms; /* live_move refuses it and says why */
	return budget.live_deadline_ms > used ? budget.live_deadline_ms - used : 1;
}

void
live_predict_input(const struct vm_agent *a, const struct vmsample *s, struct predict_input *ret)
{
	struct predict_input in = s->in;
	size_t n = a->p.policy.n_downtime_steps;

	if (n > PREDICT_MAX_STEPS)
		n = PREDICT_MAX_STEPS;
	in.max_downtime_ms = a->p.policy.max_downtime_ms;
	memset(in.downtime_steps_ms, 0, sizeof(in.downtime_steps_ms));
	for (size_t i = 0; i < n; i++)
		in.downtime_steps_ms[i] = a->p.policy.downtime_steps_ms[i];
	in.n_downtime_steps = n;
	in.live_deadline_ms = live_deadline_now(a, in.mem_bytes, in.live_deadline_ms);
	*ret = in;
}

static void
live_fmt_value(char *buf, size_t len, const struct vmsample *s, enum vmsample_field f)
{
	uint64_t v = vmsample_value(s, f);
	bool rate = f != VMSAMPLE_MEM && f != VMSAMPLE_TOUCHED;

	if (v == PREDICT_UNKNOWN)
		snprintf(buf, len, "? (%s)", vmsample_source_name(s->how[f].source));
	else
		snprintf(buf, len, "%" PRIu64 " MiB%s (%s)", v / PREDICT_MIB, rate ? "/s" : "",
		         vmsample_source_name(s->how[f].source));
}

static enum params_move
live_choose_live(struct vm_agent *a, struct move_record *rec, const char *what, const char *err)
{
	vm_log(a, LOG_WARNING, "move=auto: %s (%s); moving live, as move=live does", what, err);
	snprintf(rec->predicted_move, sizeof(rec->predicted_move), "%s",
	         ferry_move_kind_name(FERRY_MOVE_LIVE));
	snprintf(rec->predicted_why, sizeof(rec->predicted_why), "not predicted: %.90s (%.140s)",
	         what, err);
	return PARAMS_MOVE_LIVE;
}

enum params_move
live_choose(struct vm_agent *a, virDomainPtr d, struct move_record *rec)
{
	struct vmsample_opts o;
	struct vmsample s;
	struct predict_params pp;
	struct predict_input in;
	struct predict_result *r;
	char v[_VMSAMPLE_FIELD_MAX][48];
	char err[256] = "";
	char why[200] = "";
	enum ferry_move_kind m;
	int rc;

	vmsample_opts_default(&o);
	o.target = a->p.migrate_target;
	o.node = a->node;
	o.save_dir = a->p.save_dir;
	o.cache_dir = a->p.rsctmp;
	rc = vmsample_take(d, &o, &s, err, sizeof(err));
	if (rc != 0)
		return live_choose_live(a, rec, "cannot sample the VM",
		                        err[0] != '\0' ? err : strerror(-rc));
	for (int f = 0; f < _VMSAMPLE_FIELD_MAX; f++)
		live_fmt_value(v[f], sizeof(v[f]), &s, (enum vmsample_field)f);
	vm_log(a, LOG_INFO,
	       "move=auto inputs: memory %s, touched %s, dirty %s, bandwidth to %s %s, save "
	       "write %s, read %s",
	       v[VMSAMPLE_MEM], v[VMSAMPLE_TOUCHED], v[VMSAMPLE_DIRTY], a->p.migrate_target,
	       v[VMSAMPLE_NET], v[VMSAMPLE_SAVE_WRITE], v[VMSAMPLE_SAVE_READ]);
	for (int f = 0; f < _VMSAMPLE_FIELD_MAX; f++)
		vm_log(a, LOG_DEBUG, "move=auto %s: %s",
		       vmsample_field_name((enum vmsample_field)f), s.how[f].text);

	for (int q = 0; q < _CALIBRATE_QTY_MAX; q++)
		vm_log(a, LOG_INFO, "move=auto %s (%s): %" PRIu64 ", %s",
		       calibrate_qty_label((enum calibrate_qty)q),
		       calibrate_param_name((enum calibrate_qty)q), s.cal.q[q].value,
		       s.cal.q[q].how);

	live_predict_input(a, &s, &in);
	predict_params_default(&pp);
	calibrate_apply(&s.cal, &pp);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return live_choose_live(a, rec, "cannot predict", strerror(ENOMEM));
	rc = predict_compute(&in, &pp, r);
	if (rc != 0) {
		free(r);
		return live_choose_live(a, rec, "cannot predict the moves", strerror(-rc));
	}
	m = predict_auto(r, why, sizeof(why));
	vm_log(a, LOG_NOTICE, "move=auto to %s: %s", a->p.migrate_target, why);
	snprintf(rec->predicted_move, sizeof(rec->predicted_move), "%s", ferry_move_kind_name(m));
	snprintf(rec->predicted_why, sizeof(rec->predicted_why), "%s", why);
	if (m == FERRY_MOVE_QUICK) {
		rec->predicted_downtime_ms = (int64_t)r->quick.downtime_ms;
		rec->predicted_gap_ms = (int64_t)r->quick.guest_gap_ms;
		rec->predicted_total_ms = (int64_t)r->quick.total_ms;
	} else {
		rec->predicted_downtime_ms = (int64_t)r->live.downtime_ms;
		rec->predicted_gap_ms = (int64_t)r->live.guest_gap_ms;
		rec->predicted_total_ms = (int64_t)r->live.total_ms;
	}
	free(r);
	return m == FERRY_MOVE_QUICK ? PARAMS_MOVE_QUICK : PARAMS_MOVE_LIVE;
}
