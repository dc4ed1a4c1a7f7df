/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bounded.c - worker thread + timed wait; the job is freed by whoever is last. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "bounded.h"

struct bounded_job {
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	bounded_fn fn;
	bounded_orphan_fn orphan;
	void *arg;
	int result;
	bool done;
	bool waiter_gone;
	int refs; /* the waiter and the worker */
};

static void
bounded_unref(struct bounded_job *j)
{
	bool last;

	pthread_mutex_lock(&j->lock);
	last = --j->refs == 0;
	pthread_mutex_unlock(&j->lock);
	if (!last)
		return;
	pthread_cond_destroy(&j->done_cond);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

static void *
bounded_worker(void *data)
{
	struct bounded_job *j = data;
	int r = j->fn(j->arg);
	bool orphaned;

	pthread_mutex_lock(&j->lock);
	j->result = r;
	j->done = true;
	orphaned = j->waiter_gone;
	pthread_cond_signal(&j->done_cond);
	pthread_mutex_unlock(&j->lock);
	if (orphaned && j->orphan != NULL)
		j->orphan(j->arg, r);
	bounded_unref(j);
	return NULL;
}

int
bounded_run(bounded_fn fn, void *arg, uint64_t timeout_ms, int *ret_result)
{
	return bounded_run_orphan(fn, arg, timeout_ms, ret_result, NULL);
}

int
bounded_run_orphan(bounded_fn fn, void *arg, uint64_t timeout_ms, int *ret_result,
                   bounded_orphan_fn orphan)
{
	struct bounded_job *j;
	pthread_condattr_t ca;
	pthread_attr_t ta;
	pthread_t tid;
	struct timespec until;
	int r;

	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return -ENOMEM;
	pthread_mutex_init(&j->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->done_cond, &ca);
	pthread_condattr_destroy(&ca);
	j->fn = fn;
	j->orphan = orphan;
	j->arg = arg;
	j->refs = 2;

	pthread_attr_init(&ta);
	pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&tid, &ta, bounded_worker, j);
	pthread_attr_destroy(&ta);
	if (r != 0) {
		j->refs = 1;
		bounded_unref(j);
		return -r;
	}

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(timeout_ms / 1000);
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	r = 0;
	pthread_mutex_lock(&j->lock);
	while (!j->done && r == 0)
		r = pthread_cond_timedwait(&j->done_cond, &j->lock, &until);
	if (j->done) {
		*ret_result = j->result;
		r = 0;
	} else {
		j->waiter_gone = true;
		r = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&j->lock);
	bounded_unref(j);
	return r;
}
