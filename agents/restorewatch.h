/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * restorewatch.h - where a restore's time goes: QEMU start or image read.
 *
 * virDomainRestore* is one call: libvirt reads the header, starts QEMU with
 * -incoming defer, waits until it is up, then feeds it the image.  The API
 * shows no boundary between the two (the domain cannot even be looked up
 * until the call returns), so this watcher looks at the target's QEMU from
 * /proc, when this host can see it (a restore on this node, or the lab, whose
 * nodes share one kernel): the QEMU reads its firmware, kernel and initrd,
 * then waits for libvirt, then reads the stream.  The end of that wait (the
 * last stretch of >= 3 samples without reads, below half of what it read in
 * all) splits the restore into qemu_start_ms (call to first stream read) and
 * the read that follows.  On a host that cannot see the target's QEMU both
 * stay -1.
 */
#ifndef FERRY_AGENT_RESTOREWATCH_H
#define FERRY_AGENT_RESTOREWATCH_H

#include <stdint.h>

#define RESTOREWATCH_PROC_ROOT "/proc"
#define RESTOREWATCH_TICK_MS   10

struct restorewatch;

/* Starts watching for a new QEMU (not running now) with -uuid uuid. */
int restorewatch_start(const char *proc_root, const char *uuid, struct restorewatch **ret);
/* Stops the watcher; the split of the time since start, -1 when unknown.
 * Accepts NULL (both -1). */
void restorewatch_stop(struct restorewatch *w, int64_t *ret_qemu_start_ms, int64_t *ret_read_ms);

/* The pure part: samples (ms since start, bytes read so far) -> ms at which
 * the stream read began, -1 if the samples show no wait before it. */
int64_t restorewatch_read_start(const uint64_t *t_ms, const uint64_t *rchar, size_t n);

#endif
