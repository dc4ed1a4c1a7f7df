/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bounded.h - run a blocking call (libvirt) in a worker thread with a deadline.
 *
 * libvirt calls block for as long as libvirtd does; a SIGSTOPped daemon
 * blocks them forever.  bounded_run() gives up waiting after timeout_ms and
 * lets the caller answer from another source (procscan) or fail cleanly.  A
 * worker that is given up on keeps running until the process exits, so
 * everything it touches must live until then (the struct vm_agent owned by
 * main()).
 */
#ifndef FERRY_AGENT_BOUNDED_H
#define FERRY_AGENT_BOUNDED_H

#include <stdint.h>

typedef int (*bounded_fn)(void *arg);
/* Called by a worker that finishes after its waiter gave up: cleans up arg. */
typedef void (*bounded_orphan_fn)(void *arg, int result);

/* 0 and *ret_result = fn(arg) if fn returned in time; -ETIMEDOUT if not;
 * another -errno if the thread could not be started. */
int bounded_run(bounded_fn fn, void *arg, uint64_t timeout_ms, int *ret_result);

/* The same; on -ETIMEDOUT arg belongs to the worker, which hands it to
 * orphan(arg, result) when fn returns at last. */
int bounded_run_orphan(bounded_fn fn, void *arg, uint64_t timeout_ms, int *ret_result,
                       bounded_orphan_fn orphan);

#endif
