/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_live.c - the live migration loop against a scripted fake migration.
 *
 * Every virt_* call of live.c is wrapped (see Makefile.am): the "migration"
 * runs in the agent's worker thread and ends when the script says or when
 * the loop aborts it; job stats come from the script.  Checks: limits set
 * before the copy, the policy's downtime steps and post-copy applied, the
 * abort at the budget's deadline with one copy left, the quick fallback,
 * and what is recorded.  After the job, both nodes' states, why they are in
 * them (virt_query_why) and whether the target answers come from the script
 * too: settling a failed move and checking a reported success.  move=auto's choice (live_choose)
 * runs against a scripted sample (vmsample_take is wrapped too).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent.h"
#include "ferry/clock.h"
#include "ferry/moverec.h"
#include "ferry/predict.h"
#include "live.h"
#include "quick.h"
#include "virt.h"

#define UUID "a1b2c3d4-0000-4000-8000-00000000f003"
#define MIB  (1024ull * 1024)

/* ---- the script -------------------------------------------------------------- */

static struct {
	pthread_mutex_t lock;
	/* script */
	uint64_t remaining[64]; /* per sample; the last one repeats */
	size_t n_remaining;
	size_t finish_after;          /* migrate returns 0 after this many samples; 0 = never */
	int fail_migrate;             /* migrate fails with this -errno ... */
	size_t fail_after;            /* ... after this many samples (0: at once) */
	enum virt_state source_after; /* what settle sees on the source */
	enum virt_why source_why;
	enum virt_state target_after;
	enum virt_why target_why;
	enum virt_state target_done; /* the target once migrate returned 0 (source: absent) */
	bool target_unreachable;     /* virt_open_within(dst://...) fails */
	/* observed */
	size_t samples;
	bool migrating;
	bool aborted;
	bool postcopy_started;
	bool postcopy_flag;
	enum params_data data; /* migration_transport's flag */
	bool resumed;          /* the source */
	bool destroyed;        /* the target's copy */
	bool target_resumed;   /* the target's copy */
	bool source_destroyed; /* the source's copy */
	char order[128];       /* "destroy:dst resume:src ..." */
	bool quick_called;
	uint32_t downtime_before_start;
	uint32_t speed_before_start;
	uint32_t downtimes[16];
	size_t n_downtimes;
} fx = {.lock = PTHREAD_MUTEX_INITIALIZER};

static char fake_dom; /* any non-NULL pointer stands for the domain */

int __wrap_virt_open(const char *uri, struct virt **ret, char *err, size_t err_len);
int __wrap_virt_open_within(const char *uri, uint64_t timeout_ms, struct virt **ret, char *err,
                            size_t err_len);
struct virt *__wrap_virt_close(struct virt *v);
int __wrap_virt_lookup(struct virt *v, const char *uuid, const char *name, virDomainPtr *ret);
int __wrap_virt_migrate(struct virt *v, virDomainPtr d, const struct virt_migrate_opts *o);
int __wrap_virt_job_stats(struct virt *v, virDomainPtr d, bool completed, struct virt_job *ret);
int __wrap_virt_set_max_downtime(struct virt *v, virDomainPtr d, uint32_t ms);
int __wrap_virt_set_max_speed(struct virt *v, virDomainPtr d, uint32_t mib_s);
int __wrap_virt_abort_job(struct virt *v, virDomainPtr d);
int __wrap_virt_start_postcopy(struct virt *v, virDomainPtr d);
int __wrap_virt_query(struct virt *v, const char *uuid, const char *name, enum virt_state *ret);
int __wrap_virt_query_why(struct virt *v, const char *uuid, const char *name, enum virt_state *ret,
                          enum virt_why *ret_why);
int __wrap_virt_resume(struct virt *v, virDomainPtr d);
int __wrap_virt_destroy(struct virt *v, virDomainPtr d);
int __wrap_virt_wait(struct virt *v, const char *uuid, const char *name, enum virt_state want,
                     uint64_t timeout_ms);
int __wrap_virt_memory_bytes(struct virt *v, virDomainPtr d, uint64_t *ret);
int __wrap_virDomainFree(virDomainPtr d);
int __wrap_quick_move(struct vm_agent *a, struct virt *v, virDomainPtr d, struct move_record *rec,
                      struct ocf_reason *why);
int __wrap_vmsample_take(virDomainPtr d, const struct vmsample_opts *o, struct vmsample *ret,
                         char *err, size_t err_len);

/* what the wrapped vmsample_take answers, and what it was asked */
static struct {
	int rc;                 /* != 0: fails with this */
	struct vmsample sample; /* else this */
	char target[64];
	char save_dir[64];
	char cache_dir[64];
	char node[64];
	uint32_t dirty_seconds;
} smp;

int
__wrap_vmsample_take(virDomainPtr d, const struct vmsample_opts *o, struct vmsample *ret, char *err,
                     size_t err_len)
{
	assert_ptr_equal(d, &fake_dom);
	snprintf(smp.target, sizeof(smp.target), "%s", o->target);
	snprintf(smp.save_dir, sizeof(smp.save_dir), "%s", o->save_dir);
	snprintf(smp.cache_dir, sizeof(smp.cache_dir), "%s", o->cache_dir);
	snprintf(smp.node, sizeof(smp.node), "%s", o->node != NULL ? o->node : "(null)");
	smp.dirty_seconds = o->dirty_seconds;
	if (smp.rc != 0) {
		snprintf(err, err_len, "cannot read the domain's memory size: fake says no");
		return smp.rc;
	}
	*ret = smp.sample;
	return 0;
}

int
__wrap_virt_open(const char *uri, struct virt **ret, char *err, size_t err_len)
{
	struct virt *v = calloc(1, sizeof(*v));

	(void)err;
	(void)err_len;
	if (v == NULL)
		return -ENOMEM;
	snprintf(v->uri, sizeof(v->uri), "%s", uri);
	*ret = v;
	return 0;
}

int
__wrap_virt_open_within(const char *uri, uint64_t timeout_ms, struct virt **ret, char *err,
                        size_t err_len)
{
	bool down;

	pthread_mutex_lock(&fx.lock);
	down = fx.target_unreachable && strncmp(uri, "dst://", 6) == 0;
	pthread_mutex_unlock(&fx.lock);
	if (down) {
		if (err != NULL)
			snprintf(err, err_len, "cannot connect to %s: no answer within %llu ms",
			         uri, (unsigned long long)timeout_ms);
		return -ETIMEDOUT;
	}
	return __wrap_virt_open(uri, ret, err, err_len);
}

struct virt *
__wrap_virt_close(struct virt *v)
{
	free(v);
	return NULL;
}

int
__wrap_virt_lookup(struct virt *v, const char *uuid, const char *name, virDomainPtr *ret)
{
	(void)v;
	(void)uuid;
	(void)name;
	*ret = (virDomainPtr)&fake_dom;
	return 0;
}

int
__wrap_virDomainFree(virDomainPtr d)
{
	assert_ptr_equal(d, &fake_dom);
	return 0;
}

int
__wrap_virt_migrate(struct virt *v, virDomainPtr d, const struct virt_migrate_opts *o)
{
	int waited_ms = 0;

	(void)d;
	pthread_mutex_lock(&fx.lock);
	fx.migrating = true;
	fx.postcopy_flag = o->postcopy;
	fx.data = o->data;
	for (;;) {
		if (fx.fail_migrate != 0 && fx.samples >= fx.fail_after) {
			int r = fx.fail_migrate;

			snprintf(v->err, sizeof(v->err), "migrate: this function is not supported");
			pthread_mutex_unlock(&fx.lock);
			return r;
		}
		if (fx.aborted) {
			snprintf(v->err, sizeof(v->err),
			         "migrate: operation aborted: migration job: canceled by client");
			pthread_mutex_unlock(&fx.lock);
			return -ECANCELED;
		}
		if (fx.finish_after != 0 && fx.samples >= fx.finish_after) {
			fx.source_after = VIRT_ABSENT;
			fx.source_why = VIRT_WHY_OTHER;
			fx.target_after = fx.target_done;
			pthread_mutex_unlock(&fx.lock);
			return 0;
		}
		if (waited_ms > 20000) { /* the loop never aborted: fail, do not hang */
			snprintf(v->err, sizeof(v->err), "migrate: fake gave up after 20 s");
			pthread_mutex_unlock(&fx.lock);
			return -ETIMEDOUT;
		}
		pthread_mutex_unlock(&fx.lock);
		usleep(5 * 1000);
		waited_ms += 5;
		pthread_mutex_lock(&fx.lock);
	}
}

int
__wrap_virt_job_stats(struct virt *v, virDomainPtr d, bool completed, struct virt_job *ret)
{
	(void)v;
	(void)d;
	memset(ret, 0, sizeof(*ret));
	if (completed) {
		ret->downtime_ms = 42;
		ret->data_processed = 1000;
		ret->mem_iteration = 3;
		return 0;
	}
	pthread_mutex_lock(&fx.lock);
	if (!fx.migrating) {
		pthread_mutex_unlock(&fx.lock);
		ret->downtime_ms = -1;
		return 0; /* no job yet */
	}
	ret->active = true;
	ret->data_total = 1024 * MIB;
	ret->data_remaining =
	        fx.remaining[fx.samples < fx.n_remaining ? fx.samples : fx.n_remaining - 1];
	ret->data_processed = 2048 * MIB;
	ret->mem_iteration = fx.samples + 1;
	ret->mem_bps = 100 * MIB;
	ret->downtime_ms = -1;
	fx.samples++;
	pthread_mutex_unlock(&fx.lock);
	return 0;
}

int
__wrap_virt_set_max_downtime(struct virt *v, virDomainPtr d, uint32_t ms)
{
	(void)v;
	(void)d;
	pthread_mutex_lock(&fx.lock);
	if (!fx.migrating)
		fx.downtime_before_start = ms;
	else if (fx.n_downtimes < 16)
		fx.downtimes[fx.n_downtimes++] = ms;
	pthread_mutex_unlock(&fx.lock);
	return 0;
}

int
__wrap_virt_set_max_speed(struct virt *v, virDomainPtr d, uint32_t mib_s)
{
	(void)v;
	(void)d;
	pthread_mutex_lock(&fx.lock);
	if (!fx.migrating)
		fx.speed_before_start = mib_s;
	pthread_mutex_unlock(&fx.lock);
	return 0;
}

int
__wrap_virt_abort_job(struct virt *v, virDomainPtr d)
{
	(void)v;
	(void)d;
	pthread_mutex_lock(&fx.lock);
	fx.aborted = true;
	pthread_mutex_unlock(&fx.lock);
	return 0;
}

int
__wrap_virt_start_postcopy(struct virt *v, virDomainPtr d)
{
	(void)v;
	(void)d;
	pthread_mutex_lock(&fx.lock);
	fx.postcopy_started = true;
	pthread_mutex_unlock(&fx.lock);
	return 0;
}

static bool
is_source(const struct virt *v)
{
	return strncmp(v->uri, "src://", 6) == 0;
}

/* settle: the source is the connection to the hypervisor ("src://") */
int
__wrap_virt_query_why(struct virt *v, const char *uuid, const char *name, enum virt_state *ret,
                      enum virt_why *ret_why)
{
	(void)uuid;
	(void)name;
	pthread_mutex_lock(&fx.lock);
	if (is_source(v) && fx.resumed) {
		*ret = VIRT_RUNNING;
		*ret_why = VIRT_WHY_OTHER;
	} else if (is_source(v) && fx.source_destroyed) {
		*ret = VIRT_ABSENT;
		*ret_why = VIRT_WHY_OTHER;
	} else if (is_source(v)) {
		*ret = fx.source_after;
		*ret_why = fx.source_why;
	} else if (fx.destroyed) {
		*ret = VIRT_ABSENT;
		*ret_why = VIRT_WHY_OTHER;
	} else if (fx.target_resumed) {
		*ret = VIRT_RUNNING;
		*ret_why = VIRT_WHY_OTHER;
	} else {
		*ret = fx.target_after;
		*ret_why = fx.target_why;
	}
	pthread_mutex_unlock(&fx.lock);
	return 0;
}

int
__wrap_virt_query(struct virt *v, const char *uuid, const char *name, enum virt_state *ret)
{
	enum virt_why why;

	return __wrap_virt_query_why(v, uuid, name, ret, &why);
}

static void
note(const char *what, const struct virt *v)
{
	size_t n = strlen(fx.order);

	snprintf(fx.order + n, sizeof(fx.order) - n, "%s%s:%s", n > 0 ? " " : "", what,
	         is_source(v) ? "src" : "dst");
}

int
__wrap_virt_resume(struct virt *v, virDomainPtr d)
{
	(void)d;
	pthread_mutex_lock(&fx.lock);
	if (is_source(v))
		fx.resumed = true;
	else
		fx.target_resumed = true;
	note("resume", v);
	pthread_mutex_unlock(&fx.lock);
	return 0;
}

int
__wrap_virt_destroy(struct virt *v, virDomainPtr d)
{
	(void)d;
	pthread_mutex_lock(&fx.lock);
	if (is_source(v))
		fx.source_destroyed = true;
	else
		fx.destroyed = true;
	note("destroy", v);
	pthread_mutex_unlock(&fx.lock);
	return 0;
}

int
__wrap_virt_wait(struct virt *v, const char *uuid, const char *name, enum virt_state want,
                 uint64_t timeout_ms)
{
	enum virt_state s;

	(void)timeout_ms;
	__wrap_virt_query(v, uuid, name, &s);
	return s == want || (want == VIRT_ABSENT && s == VIRT_SHUTOFF) ? 0 : -ETIMEDOUT;
}

int
__wrap_virt_memory_bytes(struct virt *v, virDomainPtr d, uint64_t *ret)
{
	(void)v;
	(void)d;
	*ret = 128 * MIB;
	return 0;
}

int
__wrap_quick_move(struct vm_agent *a, struct virt *v, virDomainPtr d, struct move_record *rec,
                  struct ocf_reason *why)
{
	(void)a;
	(void)v;
	(void)d;
	(void)why;
	fx.quick_called = true;
	rec->save_ms = 300;
	rec->restore_ms = 200;
	rec->downtime_ms = 520;
	return OCF_SUCCESS;
}

/* ---- helpers ------------------------------------------------------------------- */

static void
script(const uint64_t *remaining, size_t n, size_t finish_after)
{
	pthread_mutex_lock(&fx.lock);
	memset((char *)&fx + sizeof(fx.lock), 0, sizeof(fx) - sizeof(fx.lock));
	memcpy(fx.remaining, remaining, n * sizeof(*remaining));
	fx.n_remaining = n;
	fx.finish_after = finish_after;
	fx.source_after = VIRT_RUNNING;
	fx.target_after = VIRT_ABSENT;
	fx.target_done = VIRT_RUNNING;
	pthread_mutex_unlock(&fx.lock);
}

/* An agent parsed from base (the test's fixed parameters) + extra (NULL-terminated, may be
 * NULL), named web1, its operation started now.  Freed by the caller. */
static struct vm_agent *
agent_new(const char *const *base, size_t n_base, const char *const *extra)
{
	const char *env[32];
	struct vm_agent *a = calloc(1, sizeof(*a));
	struct ocf_reason r = {{0}};
	size_t n = 0;

	assert_non_null(a);
	for (; n < n_base; n++)
		env[n] = base[n];
	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
		env[n++] = extra[i];
	env[n] = NULL;
	assert_int_equal(params_parse(env, &a->p, &r), OCF_SUCCESS);
	snprintf(a->name, sizeof(a->name), "web1");
	snprintf(a->uuid, sizeof(a->uuid), UUID);
	a->t0_ms = ferry_clock_ms();
	return a;
}

static int
move(const char *const *extra, struct move_record *rec, char *why, size_t why_len)
{
	static const char *const base[] = {
	        "OCF_RESKEY_config=/x/vm.xml",    "OCF_RESKEY_hypervisor=src://",
	        "OCF_RESKEY_remote_uri=dst://%n", "OCF_RESKEY_CRM_meta_migrate_target=node2",
	        "OCF_RESKEY_save_dir=/x/save",
	};
	struct vm_agent *a = agent_new(base, sizeof(base) / sizeof(base[0]), extra);
	struct virt src = {.uri = "src://"};
	struct ocf_reason r = {{0}};
	int rc;

	a->op_timeout_ms = a->p.op_timeout_ms;
	moverec_init(rec);
	rc = live_move(a, &src, (virDomainPtr)&fake_dom, rec, &r);
	snprintf(why, why_len, "%s", r.text);
	free(a);
	return rc;
}

/* ---- tests ------------------------------------------------------------------------ */

static void
test_converges(void **state)
{
	static const uint64_t rem[] = {400 * MIB, 300 * MIB, 200 * MIB, 100 * MIB};
	const char *extra[] = {"OCF_RESKEY_max_downtime_ms=50", "OCF_RESKEY_bandwidth_mib_s=900",
	                       "OCF_RESKEY_CRM_meta_timeout=120000", NULL};
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	script(rem, 4, 3);
	assert_int_equal(move(extra, &rec, why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(fx.downtime_before_start, 50); /* set before the copy */
	assert_int_equal(fx.speed_before_start, 900);
	assert_int_equal(fx.n_downtimes, 0);
	assert_false(fx.aborted);
	assert_false(fx.postcopy_flag);
	assert_int_equal(fx.data, PARAMS_DATA_PLAIN);
	assert_int_equal(rec.downtime_ms, 42); /* completed stats from the target */
	assert_int_equal(rec.bytes, 1000);
	assert_int_equal(rec.iterations, 3);
	assert_int_equal(rec.max_downtime_ms, 50);
	assert_true(rec.total_ms >= 0);
	assert_int_equal(rec.net_bps, 100 * MIB); /* the highest bandwidth sampled */
}

static void
test_stall_steps_then_abort(void **state)
{
	static const uint64_t rem[] = {500 * MIB};
	/* 128 MiB at 24 s/GiB: a 3 s live deadline */
	const char *extra[] = {"OCF_RESKEY_downtime_steps=200,400,800",
	                       "OCF_RESKEY_completion_timeout_s_per_gib=24",
	                       "OCF_RESKEY_CRM_meta_timeout=60000", NULL};
	struct move_record rec;
	char why[OCF_REASON_MAX];
	uint64_t t0 = ferry_clock_ms();

	(void)state;
	script(rem, 1, 0);
	assert_int_equal(move(extra, &rec, why, sizeof(why)), OCF_ERR_GENERIC);
	assert_true(ferry_clock_ms() - t0 < 5000);
	assert_true(fx.aborted);
	assert_false(fx.quick_called);
	assert_true(fx.n_downtimes >= 1);
	assert_int_equal(fx.downtimes[0], 200);
	for (size_t i = 1; i < fx.n_downtimes; i++)
		assert_true(fx.downtimes[i] > fx.downtimes[i - 1]);
	assert_non_null(strstr(why, "live migration to node2 aborted"));
	assert_non_null(strstr(why, "deadline reached"));
	assert_non_null(strstr(why, "keeps running on this node"));
	assert_string_equal(rec.result, "aborted");
	assert_int_equal(rec.max_downtime_ms, fx.downtimes[fx.n_downtimes - 1]);
	assert_int_equal(rec.bytes, (int64_t)(2048 * MIB)); /* from the last sample */
	assert_true(rec.iterations > 1);
}

static void
test_stall_falls_back_to_quick(void **state)
{
	static const uint64_t rem[] = {500 * MIB};
	const char *extra[] = {"OCF_RESKEY_downtime_steps=none", "OCF_RESKEY_fallback=quick",
	                       "OCF_RESKEY_completion_timeout_s_per_gib=16",
	                       "OCF_RESKEY_CRM_meta_timeout=60000", NULL};
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	script(rem, 1, 0);
	assert_int_equal(move(extra, &rec, why, sizeof(why)), OCF_SUCCESS);
	assert_true(fx.aborted);
	assert_true(fx.quick_called);
	assert_string_equal(rec.mode, "live->quick");
	assert_int_equal(rec.save_ms, 300);
	assert_int_equal(rec.restore_ms, 200);
	assert_int_equal(rec.downtime_ms, 520);
}

/* migration_transport=tunnelled reaches virt_migrate as its flag (with the
 * remote_uri given here; tls would build the remote URI, see test_params). */
static void
test_transport_flags(void **state)
{
	static const uint64_t rem[] = {100 * MIB};
	const char *tunnelled[] = {"OCF_RESKEY_migration_transport=tunnelled",
	                           "OCF_RESKEY_CRM_meta_timeout=120000", NULL};
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	script(rem, 1, 1);
	assert_int_equal(move(tunnelled, &rec, why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(fx.data, PARAMS_DATA_TUNNELLED);
}

static void
test_stall_starts_postcopy(void **state)
{
	static const uint64_t rem[] = {500 * MIB};
	const char *extra[] = {"OCF_RESKEY_downtime_steps=none", "OCF_RESKEY_postcopy=after-stall",
	                       "OCF_RESKEY_CRM_meta_timeout=120000", NULL};
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	script(rem, 1, 12); /* finishes a while after the stall */
	assert_int_equal(move(extra, &rec, why, sizeof(why)), OCF_SUCCESS);
	assert_true(fx.postcopy_flag); /* VIR_MIGRATE_POSTCOPY passed up front */
	assert_true(fx.postcopy_started);
	assert_false(fx.aborted);
}

static void
test_failure_settles_one_copy(void **state)
{
	static const uint64_t rem[] = {1};
	const char *extra[] = {"OCF_RESKEY_CRM_meta_timeout=120000", NULL};
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	script(rem, 1, 0);
	fx.fail_migrate = -EOPNOTSUPP;
	fx.source_after = VIRT_PAUSED; /* left paused by the failed job */
	fx.source_why = VIRT_WHY_MIGRATION;
	fx.target_after = VIRT_PAUSED; /* incoming copy still there, never started */
	fx.target_why = VIRT_WHY_MIGRATION;
	assert_int_equal(move(extra, &rec, why, sizeof(why)), OCF_ERR_GENERIC);
	assert_true(fx.resumed);
	assert_true(fx.destroyed);
	/* the target's copy goes first: never two copies running */
	assert_string_equal(fx.order, "destroy:dst resume:src");
	assert_false(fx.aborted);
	assert_non_null(strstr(why, "live migration to node2 failed"));
	assert_non_null(strstr(why, "not supported"));
	assert_string_equal(rec.result, "");
	assert_non_null(strstr(rec.error, "source running, target absent"));
}

static void
test_failure_but_completed(void **state)
{
	static const uint64_t rem[] = {1};
	const char *extra[] = {"OCF_RESKEY_CRM_meta_timeout=120000", NULL};
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	script(rem, 1, 0);
	fx.fail_migrate = -EIO; /* e.g. the confirm step lost its connection */
	fx.source_after = VIRT_ABSENT;
	fx.target_after = VIRT_RUNNING;
	assert_int_equal(move(extra, &rec, why, sizeof(why)), OCF_SUCCESS);
	assert_false(fx.destroyed);
	assert_int_equal(rec.downtime_ms, 42);
}

/* Pacemaker keeps 128 characters of an exit reason: the outcome must be in them. */
static void
assert_within_128(const char *why, const char *needle)
{
	const char *p = strstr(why, needle);

	if (p == NULL || (size_t)(p - why) + strlen(needle) > 128)
		fail_msg("'%s' not within the first 128 characters of '%s'", needle, why);
}

/* A move that fails (at once, or after a stall with post-copy=after-stall:
 * the policy starts post-copy after a few samples, the job then fails). */
static int
fail_move(bool postcopy, struct move_record *rec, char *why, size_t why_len)
{
	const char *pre[] = {"OCF_RESKEY_CRM_meta_timeout=120000", NULL};
	const char *post[] = {"OCF_RESKEY_downtime_steps=none", "OCF_RESKEY_postcopy=after-stall",
	                      "OCF_RESKEY_CRM_meta_timeout=120000", NULL};

	pthread_mutex_lock(&fx.lock);
	fx.fail_migrate = -EIO;
	fx.fail_after = postcopy ? 12 : 0;
	pthread_mutex_unlock(&fx.lock);
	return move(postcopy ? post : pre, rec, why, why_len);
}

static void
script_failure(void)
{
	static const uint64_t rem[] = {500 * MIB};

	script(rem, 1, 0);
}

/* Finding 3: post-copy failed on the source's side, but the target runs the
 * guest (it has had it since the switch).  The source's memory is stale: it
 * must never be resumed, and the target's copy is the guest. */
static void
test_postcopy_failed_target_runs(void **state)
{
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	script_failure();
	fx.source_after = VIRT_PAUSED;
	fx.source_why = VIRT_WHY_POSTCOPY_FAILED;
	fx.target_after = VIRT_RUNNING;
	fx.target_why = VIRT_WHY_OTHER;
	assert_int_equal(fail_move(true, &rec, why, sizeof(why)), OCF_SUCCESS);
	assert_true(fx.postcopy_started);
	assert_false(fx.resumed);
	assert_false(fx.destroyed);       /* the target's copy is kept */
	assert_false(fx.target_resumed);  /* it runs already */
	assert_true(fx.source_destroyed); /* the stale copy cannot be resumed by a later stop */
	assert_string_equal(fx.order, "destroy:src");
}

/* Finding 3, and the pause reason alone: libvirt says post-copy failed, the
 * target cannot be reached.  Nothing is resumed or destroyed; the reason says
 * where the guest's memory may be and what to do before starting it elsewhere. */
static void
test_postcopy_failed_target_unreachable(void **state)
{
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	script_failure();
	fx.source_after = VIRT_PAUSED;
	fx.source_why = VIRT_WHY_POSTCOPY_FAILED;
	fx.target_unreachable = true;
	assert_int_equal(fail_move(false, &rec, why, sizeof(why)), OCF_ERR_GENERIC);
	assert_false(fx.resumed);
	assert_false(fx.destroyed);
	assert_false(fx.source_destroyed);
	assert_string_equal(fx.order, "");
	assert_true(strlen(why) > 0);
	assert_non_null(strstr(why, "post-copy"));
	assert_non_null(strstr(why, "node2 cannot be reached"));
	assert_within_128(why, "only current memory may be on node2");
	assert_non_null(strstr(why, "fence"));
	assert_non_null(strstr(why, "ferryctl status shows who holds it (node2, until fenced"));
	assert_non_null(strstr(rec.error, "source paused (failed post-copy), target unreachable"));
}

/* Finding 3 with the agent's own flag: it started post-copy, the job failed
 * and the source still says "paused by migration".  The switch may have
 * happened: treated as post-copy, not resumed. */
static void
test_postcopy_started_here_target_unreachable(void **state)
{
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	script_failure();
	fx.source_after = VIRT_PAUSED;
	fx.source_why = VIRT_WHY_MIGRATION;
	fx.target_unreachable = true;
	assert_int_equal(fail_move(true, &rec, why, sizeof(why)), OCF_ERR_GENERIC);
	assert_true(fx.postcopy_started);
	assert_false(fx.resumed);
	assert_non_null(strstr(why, "post-copy"));
	assert_non_null(strstr(why, "only current memory may be on node2"));
}

/* Post-copy broke off with both sides paused: the guest's memory is split
 * between the nodes.  Both copies stay; the reason says how to recover. */
static void
test_postcopy_failed_both_paused(void **state)
{
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	script_failure();
	fx.source_after = VIRT_PAUSED;
	fx.source_why = VIRT_WHY_POSTCOPY_FAILED;
	fx.target_after = VIRT_PAUSED;
	fx.target_why = VIRT_WHY_POSTCOPY_FAILED;
	assert_int_equal(fail_move(true, &rec, why, sizeof(why)), OCF_ERR_GENERIC);
	assert_string_equal(fx.order, "");
	assert_within_128(why, "split between this node and node2");
	assert_non_null(strstr(why, "postcopy-resume"));
}

/* Post-copy, and the target has no copy any more: the guest's current state is
 * gone, the source's is stale.  Resuming it would roll the guest back under
 * disk writes made on the target: left paused. */
static void
test_postcopy_failed_target_lost_copy(void **state)
{
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	script_failure();
	fx.source_after = VIRT_PAUSED;
	fx.source_why = VIRT_WHY_POSTCOPY_FAILED;
	fx.target_after = VIRT_ABSENT;
	assert_int_equal(fail_move(true, &rec, why, sizeof(why)), OCF_ERR_GENERIC);
	assert_false(fx.resumed);
	assert_string_equal(fx.order, "");
	assert_non_null(strstr(why, "stale"));
}

/* Finding 4: paused by a (pre-copy) migration and the target cannot be
 * reached: the handover may have completed as the network split.  Not
 * resumed; the reason is the ledger's (held by node2 until fenced). */
static void
test_precopy_paused_target_unreachable(void **state)
{
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	script_failure();
	fx.source_after = VIRT_PAUSED;
	fx.source_why = VIRT_WHY_MIGRATION;
	fx.target_unreachable = true;
	assert_int_equal(fail_move(false, &rec, why, sizeof(why)), OCF_ERR_GENERIC);
	assert_false(fx.resumed);
	assert_string_equal(fx.order, "");
	assert_non_null(strstr(why, "node2 cannot be reached"));
	assert_within_128(why, "may run on node2");
	assert_non_null(strstr(why, "ferryctl status shows who holds it (node2, until fenced"));
	assert_non_null(strstr(why, "ferryctl status"));
	assert_non_null(strstr(why, "fence"));
	assert_non_null(strstr(rec.error, "source paused (migration), target unreachable"));
}

/* Finding 4, the other half: the job failed after the handover, the target
 * runs the guest.  It is the guest: kept, the source not resumed. */
static void
test_precopy_failed_target_runs(void **state)
{
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	script_failure();
	fx.source_after = VIRT_PAUSED;
	fx.source_why = VIRT_WHY_MIGRATION;
	fx.target_after = VIRT_RUNNING;
	fx.target_why = VIRT_WHY_OTHER;
	assert_int_equal(fail_move(false, &rec, why, sizeof(why)), OCF_SUCCESS);
	assert_false(fx.resumed);
	assert_false(fx.destroyed);
	assert_string_equal(fx.order, "destroy:src");
}

/* An ordinary failure before the switchover, the target reachable and without
 * a copy: the source is resumed, as before. */
static void
test_precopy_failed_target_has_none(void **state)
{
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	script_failure();
	fx.source_after = VIRT_PAUSED;
	fx.source_why = VIRT_WHY_MIGRATION;
	fx.target_after = VIRT_ABSENT;
	assert_int_equal(fail_move(false, &rec, why, sizeof(why)), OCF_ERR_GENERIC);
	assert_true(fx.resumed);
	assert_false(fx.destroyed);
	assert_string_equal(fx.order, "resume:src");
	assert_non_null(strstr(why, "keeps running on this node"));
	assert_non_null(strstr(rec.error, "source running, target absent"));
}

/* libvirt reports success but the guest is paused on the target (seen on
 * libvirt 11.3): resumed there, and only then a success. */
static void
test_success_target_paused(void **state)
{
	static const uint64_t rem[] = {100 * MIB};
	const char *extra[] = {"OCF_RESKEY_CRM_meta_timeout=120000", NULL};
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	script(rem, 1, 2);
	fx.target_done = VIRT_PAUSED;
	fx.target_why = VIRT_WHY_MIGRATION;
	assert_int_equal(move(extra, &rec, why, sizeof(why)), OCF_SUCCESS);
	assert_true(fx.target_resumed);
	assert_false(fx.resumed);
	assert_string_equal(fx.order, "resume:dst");
}

/* libvirt reports success but the target cannot be reached to confirm it:
 * not a success; the reason says where the guest should be. */
static void
test_success_target_unreachable(void **state)
{
	static const uint64_t rem[] = {100 * MIB};
	const char *extra[] = {"OCF_RESKEY_CRM_meta_timeout=120000", NULL};
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	script(rem, 1, 2);
	fx.target_done = VIRT_RUNNING;
	fx.target_unreachable = true;
	assert_int_equal(move(extra, &rec, why, sizeof(why)), OCF_ERR_GENERIC);
	assert_false(fx.resumed);
	assert_string_equal(fx.order, "");
	assert_within_128(why, "reported the migration to node2 done but node2 cannot be reached");
	assert_non_null(strstr(why, "ferryctl status"));
	assert_non_null(strstr(rec.error, "unreachable"));
}

/* libvirt reports success but the guest runs nowhere: not a success. */
static void
test_success_target_has_none(void **state)
{
	static const uint64_t rem[] = {100 * MIB};
	const char *extra[] = {"OCF_RESKEY_CRM_meta_timeout=120000", NULL};
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	script(rem, 1, 2);
	fx.target_done = VIRT_SHUTOFF;
	assert_int_equal(move(extra, &rec, why, sizeof(why)), OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "reported the migration to node2 done"));
	assert_non_null(strstr(why, "shut off on node2"));
	assert_non_null(strstr(why, "absent on this node"));
}

static void
test_budget_refused(void **state)
{
	static const uint64_t rem[] = {1};
	const char *extra[] = {"OCF_RESKEY_fallback=quick", "OCF_RESKEY_CRM_meta_timeout=20000",
	                       NULL};
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	script(rem, 1, 1);
	assert_int_equal(move(extra, &rec, why, sizeof(why)), OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "the migrate_to timeout (20000 ms) cannot hold a live move of "
	                            "128 MiB and its abort and quick fallback"));
	assert_false(fx.migrating); /* nothing was started */
}

/* ---- move=auto ------------------------------------------------------------------- */

/* A sample: mem and touched in MiB, rates in MiB/s, 0 = unknown. */
static void
sample(uint64_t mem, uint64_t touched, uint64_t dirty, uint64_t net, uint64_t save)
{
	memset(&smp, 0, sizeof(smp));
	predict_input_default(&smp.sample.in);
	smp.sample.in.mem_bytes = mem * MIB;
	smp.sample.in.touched_bytes = touched != 0 ? touched * MIB : PREDICT_UNKNOWN;
	smp.sample.in.dirty_bytes_s = dirty != 0 ? dirty * MIB : PREDICT_UNKNOWN;
	smp.sample.in.net_bps = net != 0 ? net * MIB : PREDICT_UNKNOWN;
	smp.sample.in.save_write_bps = save != 0 ? save * MIB : PREDICT_UNKNOWN;
	smp.sample.in.save_read_bps = save != 0 ? 2 * save * MIB : PREDICT_UNKNOWN;
	for (int f = 0; f < _VMSAMPLE_FIELD_MAX; f++)
		smp.sample.how[f].source = VMSAMPLE_MEASURED;
}

static enum params_move
choose(const char *const *extra, struct move_record *rec)
{
	static const char *const base[] = {
	        "OCF_RESKEY_config=/x/vm.xml",
	        "OCF_RESKEY_hypervisor=src://",
	        "OCF_RESKEY_remote_uri=dst://%n",
	        "OCF_RESKEY_CRM_meta_migrate_target=node2",
	        "OCF_RESKEY_save_dir=/x/save",
	        "OCF_RESKEY_move=auto",
	        "HA_RSCTMP=/x/rsctmp",
	};
	struct vm_agent *a = agent_new(base, sizeof(base) / sizeof(base[0]), extra);
	enum params_move m;

	snprintf(a->node, sizeof(a->node), "node1");
	moverec_init(rec);
	m = live_choose(a, (virDomainPtr)&fake_dom, rec);
	free(a);
	return m;
}

static void
test_auto_idle_goes_live(void **state)
{
	struct move_record rec;

	(void)state;
	sample(512, 100, 5, 1000, 500);
	assert_int_equal(choose(NULL, &rec), PARAMS_MOVE_LIVE);
	/* asked for what the resource says */
	assert_string_equal(smp.target, "node2");
	assert_string_equal(smp.save_dir, "/x/save");
	assert_string_equal(smp.cache_dir, "/x/rsctmp");
	assert_int_equal(smp.dirty_seconds, VMSAMPLE_DIRTY_SECONDS);
	assert_string_equal(rec.predicted_move, "live");
	assert_non_null(strstr(rec.predicted_why, "live"));
	assert_true(rec.predicted_downtime_ms > 0 && rec.predicted_downtime_ms <= 800);
	assert_true(rec.predicted_gap_ms > rec.predicted_downtime_ms);
	assert_true(rec.predicted_total_ms > 0);
	assert_string_equal(rec.mode, ""); /* the caller's */
}

static void
test_auto_hot_goes_quick(void **state)
{
	struct move_record rec;
	struct predict_params pp;

	(void)state;
	predict_params_default(&pp);
	/* dirties faster than the link: live never converges */
	sample(512, 400, 2000, 100, 500);
	assert_int_equal(choose(NULL, &rec), PARAMS_MOVE_QUICK);
	assert_string_equal(rec.predicted_move, "quick");
	assert_non_null(strstr(rec.predicted_why, "quick: live does not converge"));
	assert_true(rec.predicted_downtime_ms > 0);
	assert_int_equal(rec.predicted_downtime_ms + pp.quick_gap_extra_ms, rec.predicted_gap_ms);
}

/* the sample's calibration (the moves log) changes the constants move=auto
 * predicts with: a target whose QEMU starts slowly makes quick slower */
static void
test_auto_applies_the_calibration(void **state)
{
	struct move_record rec;
	struct predict_params pp;
	int64_t plain_dt, plain_gap;

	(void)state;
	predict_params_default(&pp);
	sample(512, 400, 2000, 100, 500);
	assert_int_equal(choose(NULL, &rec), PARAMS_MOVE_QUICK);
	assert_string_equal(smp.node, "node1"); /* the move's source, for the pair */
	plain_dt = rec.predicted_downtime_ms;
	plain_gap = rec.predicted_gap_ms;

	sample(512, 400, 2000, 100, 500);
	smp.sample.cal.q[CALIBRATE_QEMU_START] = (struct calibrate_value){
	        .value = 2420, .scope = CALIBRATE_PAIR, .samples = 5, .how = "history"};
	smp.sample.cal.q[CALIBRATE_QUICK_GAP] = (struct calibrate_value){
	        .value = 125, .scope = CALIBRATE_NODE, .samples = 3, .how = "history"};
	/* a constant stays a constant, whatever value it carries */
	smp.sample.cal.q[CALIBRATE_SAVE_FIXED] = (struct calibrate_value){
	        .value = 99999, .scope = CALIBRATE_CONSTANT, .how = "constant"};
	assert_int_equal(choose(NULL, &rec), PARAMS_MOVE_QUICK);
	assert_int_equal(rec.predicted_downtime_ms, plain_dt + 2420 - pp.restore_setup_ms);
	assert_int_equal(rec.predicted_gap_ms, rec.predicted_downtime_ms + 125);
	assert_true(rec.predicted_gap_ms > plain_gap);
}

static void
test_auto_uses_the_resource_limits(void **state)
{
	const char *tight[] = {"OCF_RESKEY_max_downtime_ms=10", "OCF_RESKEY_downtime_steps=none",
	                       NULL};
	const char *loose[] = {"OCF_RESKEY_max_downtime_ms=10",
	                       "OCF_RESKEY_downtime_steps=100,2000", NULL};
	struct move_record rec;

	(void)state;
	/* 200 MiB/s of a 1000 MiB/s link: pending stays near 200 MiB/s x
	 * the iteration time; a 10 ms limit alone cannot hold it */
	sample(1024, 1024, 200, 1000, 2000);
	assert_int_equal(choose(tight, &rec), PARAMS_MOVE_QUICK);
	sample(1024, 1024, 200, 1000, 2000);
	assert_int_equal(choose(loose, &rec), PARAMS_MOVE_LIVE);
}

static void
test_auto_without_sample_goes_live(void **state)
{
	struct move_record rec;

	(void)state;
	sample(512, 0, 0, 0, 0);
	smp.rc = -EIO;
	assert_int_equal(choose(NULL, &rec), PARAMS_MOVE_LIVE);
	assert_string_equal(rec.predicted_move, "live");
	assert_non_null(strstr(rec.predicted_why, "not predicted: cannot sample the VM"));
	assert_int_equal(rec.predicted_gap_ms, -1);
	/* a sample the engine refuses (a bandwidth of 0): live too */
	sample(512, 0, 0, 0, 0);
	smp.sample.in.net_bps = 0;
	assert_int_equal(choose(NULL, &rec), PARAMS_MOVE_LIVE);
	assert_non_null(strstr(rec.predicted_why, "not predicted: cannot predict"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_converges),
	        cmocka_unit_test(test_stall_steps_then_abort),
	        cmocka_unit_test(test_stall_falls_back_to_quick),
	        cmocka_unit_test(test_stall_starts_postcopy),
	        cmocka_unit_test(test_transport_flags),
	        cmocka_unit_test(test_failure_settles_one_copy),
	        cmocka_unit_test(test_failure_but_completed),
	        cmocka_unit_test(test_postcopy_failed_target_runs),
	        cmocka_unit_test(test_postcopy_failed_target_unreachable),
	        cmocka_unit_test(test_postcopy_started_here_target_unreachable),
	        cmocka_unit_test(test_postcopy_failed_both_paused),
	        cmocka_unit_test(test_postcopy_failed_target_lost_copy),
	        cmocka_unit_test(test_precopy_paused_target_unreachable),
	        cmocka_unit_test(test_precopy_failed_target_runs),
	        cmocka_unit_test(test_precopy_failed_target_has_none),
	        cmocka_unit_test(test_success_target_paused),
	        cmocka_unit_test(test_success_target_unreachable),
	        cmocka_unit_test(test_success_target_has_none),
	        cmocka_unit_test(test_budget_refused),
	        cmocka_unit_test(test_auto_idle_goes_live),
	        cmocka_unit_test(test_auto_hot_goes_quick),
	        cmocka_unit_test(test_auto_applies_the_calibration),
	        cmocka_unit_test(test_auto_uses_the_resource_limits),
	        cmocka_unit_test(test_auto_without_sample_goes_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
