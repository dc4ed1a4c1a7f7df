/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_cluster - the corosync adapter against --wrap mocks of libcpg,
 * libquorum, libcmap and the qb loop: bounded CS_ERR_TRY_AGAIN at start-up,
 * errors that stop the daemon, membership and quorum callbacks, and the
 * send queue under corosync's flow control. */
#include "config.c"
#include "cluster.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

/* ---- mock state ---------------------------------------------------------- */

#define MAX_SCRIPT 16
static cs_error_t init_script[MAX_SCRIPT]; /* cpg_model_initialize results, in order */
static size_t init_n, init_i;
static cs_error_t join_rc, mcast_script[MAX_SCRIPT];
static size_t mcast_n, mcast_i, mcast_calls;
static int cpg_finalized, quorum_finalized;
static cpg_model_v1_data_t *model;
static void *cpg_ctx_ptr;
static const void *quorum_ctx_ptr;
static quorum_callbacks_t *qcb;
static qb_loop_timer_dispatch_fn timer_fn;
static void *timer_data;
static int timers_pending;
static int polls;
/* ferryd / ledgerglue stubs */
static int fatal_code = -1, known_calls, confchg_calls, totem_calls, quorum_calls;

cs_error_t __wrap_cpg_model_initialize(cpg_handle_t *h, cpg_model_t m, cpg_model_data_t *data,
                                       void *ctx);
cs_error_t
__wrap_cpg_model_initialize(cpg_handle_t *h, cpg_model_t m, cpg_model_data_t *data, void *ctx)
{
	cs_error_t rc = init_i < init_n ? init_script[init_i] : CS_ERR_TRY_AGAIN;

	(void)m;
	init_i++;
	if (rc == CS_OK) {
		*h = 1;
		model = (cpg_model_v1_data_t *)data;
		cpg_ctx_ptr = ctx;
	}
	return rc;
}
cs_error_t __wrap_cpg_local_get(cpg_handle_t h, unsigned int *id);
cs_error_t
__wrap_cpg_local_get(cpg_handle_t h, unsigned int *id)
{
	(void)h;
	*id = 1;
	return CS_OK;
}
cs_error_t __wrap_cpg_fd_get(cpg_handle_t h, int *fd);
cs_error_t
__wrap_cpg_fd_get(cpg_handle_t h, int *fd)
{
	(void)h;
	*fd = 10;
	return CS_OK;
}
cs_error_t __wrap_cpg_join(cpg_handle_t h, const struct cpg_name *g);
cs_error_t
__wrap_cpg_join(cpg_handle_t h, const struct cpg_name *g)
{
	(void)h;
	assert_int_equal(g->length, strlen("ferry"));
	assert_memory_equal(g->value, "ferry", g->length);
	return join_rc;
}
cs_error_t __wrap_cpg_leave(cpg_handle_t h, const struct cpg_name *g);
cs_error_t
__wrap_cpg_leave(cpg_handle_t h, const struct cpg_name *g)
{
	(void)h, (void)g;
	return CS_OK;
}
cs_error_t __wrap_cpg_finalize(cpg_handle_t h);
cs_error_t
__wrap_cpg_finalize(cpg_handle_t h)
{
	(void)h;
	cpg_finalized++;
	return CS_OK;
}
cs_error_t __wrap_cpg_dispatch(cpg_handle_t h, cs_dispatch_flags_t f);
cs_error_t
__wrap_cpg_dispatch(cpg_handle_t h, cs_dispatch_flags_t f)
{
	(void)h, (void)f;
	return CS_OK;
}
cs_error_t __wrap_cpg_mcast_joined(cpg_handle_t h, cpg_guarantee_t g, const struct iovec *iov,
                                   unsigned int n);
cs_error_t
__wrap_cpg_mcast_joined(cpg_handle_t h, cpg_guarantee_t g, const struct iovec *iov, unsigned int n)
{
	(void)h, (void)iov, (void)n;
	assert_int_equal(g, CPG_TYPE_AGREED);
	mcast_calls++;
	return mcast_i < mcast_n ? mcast_script[mcast_i++] : CS_OK;
}
cs_error_t __wrap_cpg_context_get(cpg_handle_t h, void **ctx);
cs_error_t
__wrap_cpg_context_get(cpg_handle_t h, void **ctx)
{
	(void)h;
	*ctx = cpg_ctx_ptr;
	return CS_OK;
}
cs_error_t __wrap_quorum_initialize(quorum_handle_t *h, quorum_callbacks_t *cb, uint32_t *t);
cs_error_t
__wrap_quorum_initialize(quorum_handle_t *h, quorum_callbacks_t *cb, uint32_t *t)
{
	*h = 2;
	*t = 1;
	qcb = cb;
	return CS_OK;
}
cs_error_t __wrap_quorum_context_set(quorum_handle_t h, const void *ctx);
cs_error_t
__wrap_quorum_context_set(quorum_handle_t h, const void *ctx)
{
	(void)h;
	quorum_ctx_ptr = ctx;
	return CS_OK;
}
cs_error_t __wrap_quorum_context_get(quorum_handle_t h, const void **ctx);
cs_error_t
__wrap_quorum_context_get(quorum_handle_t h, const void **ctx)
{
	(void)h;
	*ctx = quorum_ctx_ptr;
	return CS_OK;
}
cs_error_t __wrap_quorum_fd_get(quorum_handle_t h, int *fd);
cs_error_t
__wrap_quorum_fd_get(quorum_handle_t h, int *fd)
{
	(void)h;
	*fd = 11;
	return CS_OK;
}
cs_error_t __wrap_quorum_getquorate(quorum_handle_t h, int *q);
cs_error_t
__wrap_quorum_getquorate(quorum_handle_t h, int *q)
{
	(void)h;
	*q = 1;
	return CS_OK;
}
cs_error_t __wrap_quorum_trackstart(quorum_handle_t h, unsigned int f);
cs_error_t
__wrap_quorum_trackstart(quorum_handle_t h, unsigned int f)
{
	(void)h;
	assert_true(f & CS_TRACK_CHANGES);
	return CS_OK;
}
cs_error_t __wrap_quorum_trackstop(quorum_handle_t h);
cs_error_t
__wrap_quorum_trackstop(quorum_handle_t h)
{
	(void)h;
	return CS_OK;
}
cs_error_t __wrap_quorum_finalize(quorum_handle_t h);
cs_error_t
__wrap_quorum_finalize(quorum_handle_t h)
{
	(void)h;
	quorum_finalized++;
	return CS_OK;
}
cs_error_t __wrap_quorum_dispatch(quorum_handle_t h, cs_dispatch_flags_t f);
cs_error_t
__wrap_quorum_dispatch(quorum_handle_t h, cs_dispatch_flags_t f)
{
	(void)h, (void)f;
	return CS_OK;
}
cs_error_t __wrap_cmap_initialize(cmap_handle_t *h);
cs_error_t
__wrap_cmap_initialize(cmap_handle_t *h)
{
	(void)h;
	return CS_ERR_LIBRARY; /* names unknown: the adapter must cope */
}
int32_t __wrap_qb_loop_timer_add(qb_loop_t *l, enum qb_loop_priority p, uint64_t ns, void *data,
                                 qb_loop_timer_dispatch_fn fn, qb_loop_timer_handle *h);
int32_t
__wrap_qb_loop_timer_add(qb_loop_t *l, enum qb_loop_priority p, uint64_t ns, void *data,
                         qb_loop_timer_dispatch_fn fn, qb_loop_timer_handle *h)
{
	(void)l, (void)p, (void)ns, (void)h;
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
	return 0;
}
int32_t __wrap_qb_loop_poll_add(qb_loop_t *l, enum qb_loop_priority p, int32_t fd, int32_t ev,
                                void *data, qb_loop_poll_dispatch_fn fn);
int32_t
__wrap_qb_loop_poll_add(qb_loop_t *l, enum qb_loop_priority p, int32_t fd, int32_t ev, void *data,
                        qb_loop_poll_dispatch_fn fn)
{
	(void)l, (void)p, (void)fd, (void)ev, (void)data, (void)fn;
	polls++;
	return 0;
}
int32_t __wrap_qb_loop_poll_del(qb_loop_t *l, int32_t fd);
int32_t
__wrap_qb_loop_poll_del(qb_loop_t *l, int32_t fd)
{
	(void)l, (void)fd;
	polls--;
	return 0;
}

/* the events cluster.c reports (ferryd.c wires them to main and the glue) */
static void
ev_fatal(void *ctx, int code)
{
	(void)ctx;
	fatal_code = code;
}
static void
ev_membership_known(void *ctx)
{
	(void)ctx;
	known_calls++;
}
static void
ev_deliver(void *ctx, uint32_t nodeid, uint32_t pid, const void *msg, size_t len)
{
	(void)ctx, (void)nodeid, (void)pid, (void)msg, (void)len;
}
static void
ev_confchg(void *ctx)
{
	(void)ctx;
	confchg_calls++;
}
static void
ev_totem_confchg(void *ctx, bool initial)
{
	(void)ctx;
	(void)initial;
	totem_calls++;
}
static void
ev_quorum(void *ctx)
{
	(void)ctx;
	quorum_calls++;
}
static const struct cluster_events events = {
        .deliver = ev_deliver,
        .membership_known = ev_membership_known,
        .confchg = ev_confchg,
        .totem_confchg = ev_totem_confchg,
        .quorum = ev_quorum,
        .fatal = ev_fatal,
};

/* ---- helpers --------------------------------------------------------------- */

/* what ferryd.c gives the cluster: its config, and the cluster itself */
static struct {
	struct config cfg;
	struct cluster cluster;
} d;

static int
cluster_start_d(void)
{
	return cluster_start(&d.cluster, NULL, &d.cfg, &events, &d);
}

static int
setup(void **state)
{
	(void)state;
	memset(&d, 0, sizeof(d));
	config_defaults(&d.cfg);
	init_n = init_i = 0;
	join_rc = CS_OK;
	mcast_n = mcast_i = mcast_calls = 0;
	cpg_finalized = quorum_finalized = 0;
	model = NULL;
	timer_fn = NULL;
	timers_pending = polls = 0;
	fatal_code = -1;
	known_calls = confchg_calls = totem_calls = quorum_calls = 0;
	return 0;
}

static void
run_timer(void)
{
	qb_loop_timer_dispatch_fn fn = timer_fn;

	assert_non_null(fn);
	assert_true(timers_pending > 0);
	timers_pending--;
	timer_fn = NULL;
	fn(timer_data);
}

/* ---- tests ----------------------------------------------------------------- */

static void
test_try_again_then_join(void **state)
{
	(void)state;
	init_script[0] = CS_ERR_TRY_AGAIN;
	init_script[1] = CS_ERR_LIBRARY; /* corosync not up yet */
	init_script[2] = CS_OK;
	init_n = 3;
	d.cfg.startup_retries = 5;
	assert_int_equal(cluster_start_d(), 0);
	assert_int_equal(d.cluster.n_names, 0);
	run_timer(); /* attempt 1: TRY_AGAIN, re-armed */
	assert_false(d.cluster.cpg_joined);
	run_timer(); /* attempt 2: not running, re-armed */
	assert_false(d.cluster.cpg_joined);
	run_timer(); /* attempt 3: joined */
	assert_true(d.cluster.cpg_joined);
	assert_int_equal(d.cluster.join_attempts, 3);
	assert_int_equal(d.cluster.local_nodeid, 1);
	assert_true(d.cluster.quorate);
	assert_int_equal(polls, 2); /* cpg fd and quorum fd */
	assert_int_equal(fatal_code, -1);
	assert_null(timer_fn); /* no further attempt armed */
	assert_int_equal(quorum_calls, 1);
	cluster_stop(&d.cluster);
	assert_int_equal(cpg_finalized, 1);
	assert_int_equal(quorum_finalized, 1);
	assert_int_equal(polls, 0);
}

static void
test_retries_bounded(void **state)
{
	(void)state;
	init_n = 0; /* always TRY_AGAIN */
	d.cfg.startup_retries = 2;
	assert_int_equal(cluster_start_d(), 0);
	run_timer();
	run_timer();
	assert_int_equal(fatal_code, -1);
	run_timer(); /* third attempt = startup_retries + 1: give up */
	assert_int_equal(fatal_code, 1);
	assert_null(timer_fn);
	assert_false(d.cluster.cpg_joined);
}

static void
test_join_error_is_fatal(void **state)
{
	(void)state;
	init_script[0] = CS_OK;
	init_n = 1;
	join_rc = CS_ERR_ACCESS; /* not retried: a configuration problem */
	assert_int_equal(cluster_start_d(), 0);
	run_timer();
	assert_int_equal(fatal_code, 1);
	assert_int_equal(cpg_finalized, 1);
	assert_int_equal(quorum_finalized, 1);
	assert_false(d.cluster.cpg_joined);
}

static void
join(void)
{
	init_script[0] = CS_OK;
	init_n = 1;
	assert_int_equal(cluster_start_d(), 0);
	run_timer();
	assert_true(d.cluster.cpg_joined);
}

static void
test_membership(void **state)
{
	struct cpg_address members[3] = {
	        {.nodeid = 1, .pid = (uint32_t)getpid(), .reason = CPG_REASON_JOIN},
	        {.nodeid = 2, .pid = 100, .reason = CPG_REASON_JOIN},
	        {.nodeid = 3, .pid = 100, .reason = CPG_REASON_JOIN},
	};
	struct cpg_address left = {.nodeid = 3, .pid = 100, .reason = CPG_REASON_NODEDOWN};
	struct cpg_ring_id ring = {.nodeid = 1, .seq = 44};
	uint32_t totem[2] = {1, 2};

	(void)state;
	join();
	model->cpg_totem_confchg_fn(1, ring, 2, totem);
	assert_int_equal(d.cluster.ring_seq, 44);
	assert_int_equal(totem_calls, 1);
	/* a membership without us: not yet known */
	model->cpg_confchg_fn(1, NULL, &members[1], 2, NULL, 0, &members[1], 2);
	assert_int_equal(known_calls, 0);
	assert_false(d.cluster.membership_known);
	model->cpg_confchg_fn(1, NULL, members, 3, NULL, 0, members, 1);
	assert_true(d.cluster.membership_known);
	assert_int_equal(known_calls, 1);
	assert_int_equal(d.cluster.n_members, 3);
	assert_true(cluster_is_member(&d.cluster, 3));
	model->cpg_confchg_fn(1, NULL, members, 2, &left, 1, NULL, 0);
	assert_int_equal(known_calls, 1); /* once */
	assert_false(cluster_is_member(&d.cluster, 3));
	assert_int_equal(confchg_calls, 3);
	/* quorum lost */
	qcb->quorum_notify_fn(2, 0, 45, 1, totem);
	assert_false(d.cluster.quorate);
	assert_int_equal(quorum_calls, 2);
	cluster_stop(&d.cluster);
}

static void
test_send_flow_control(void **state)
{
	(void)state;
	join();
	assert_int_equal(cluster_send(&d.cluster, "a", 1), 0);
	assert_int_equal(mcast_calls, 1);
	mcast_script[0] = CS_ERR_TRY_AGAIN; /* b: queued */
	mcast_script[1] = CS_ERR_TRY_AGAIN; /* flush 1: still busy */
	mcast_script[2] = CS_OK;            /* flush 2: b */
	mcast_script[3] = CS_OK;            /* flush 2: c */
	mcast_n = 4;
	assert_int_equal(cluster_send(&d.cluster, "b", 1), 0);
	assert_int_equal(d.cluster.n_pending, 1);
	assert_int_equal(cluster_send(&d.cluster, "c", 1), 0); /* behind b, not sent directly */
	assert_int_equal(d.cluster.n_pending, 2);
	assert_int_equal(mcast_calls, 2);
	run_timer();
	assert_int_equal(d.cluster.n_pending, 2);
	run_timer();
	assert_int_equal(d.cluster.n_pending, 0);
	assert_int_equal(mcast_calls, 5);
	assert_null(timer_fn);
	/* a hard error is returned, not queued */
	mcast_script[4] = CS_ERR_TOO_BIG;
	mcast_n = 5;
	assert_int_equal(cluster_send(&d.cluster, "d", 1), -EMSGSIZE);
	assert_int_equal(d.cluster.n_pending, 0);
	cluster_stop(&d.cluster);
	assert_int_equal(cluster_send(&d.cluster, "e", 1), -ENOTCONN);
}

static void
test_send_queue_bounded(void **state)
{
	unsigned i;

	(void)state;
	join();
	for (i = 0; i < MAX_SCRIPT; i++)
		mcast_script[i] = CS_ERR_TRY_AGAIN;
	mcast_n = MAX_SCRIPT;
	for (i = 0; i < CLUSTER_MAX_PENDING; i++)
		assert_int_equal(cluster_send(&d.cluster, "x", 1), 0);
	assert_int_equal(cluster_send(&d.cluster, "x", 1), -ENOBUFS);
	cluster_stop(&d.cluster); /* frees the queue */
	assert_int_equal(d.cluster.n_pending, 0);
}

static void
test_cs_errors(void **state)
{
	(void)state;
	assert_int_equal(cluster_cs_to_errno(CS_OK), 0);
	assert_int_equal(cluster_cs_to_errno(CS_ERR_TRY_AGAIN), -EAGAIN);
	assert_int_equal(cluster_cs_to_errno(CS_ERR_LIBRARY), -ENOTCONN);
	assert_int_equal(cluster_cs_to_errno(CS_ERR_ACCESS), -EACCES);
	assert_int_equal(cluster_cs_to_errno(CS_ERR_TOO_BIG), -EMSGSIZE);
	assert_int_equal(cluster_cs_to_errno(9999), -EIO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup(test_try_again_then_join, setup),
	        cmocka_unit_test_setup(test_retries_bounded, setup),
	        cmocka_unit_test_setup(test_join_error_is_fatal, setup),
	        cmocka_unit_test_setup(test_membership, setup),
	        cmocka_unit_test_setup(test_send_flow_control, setup),
	        cmocka_unit_test_setup(test_send_queue_bounded, setup),
	        cmocka_unit_test_setup(test_cs_errors, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
