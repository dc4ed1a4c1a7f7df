/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * drainrun.h - carries out a drain's moves through Pacemaker's own tools.
 * An adapter: it only runs crm_resource and crm_attribute (fork/exec, each
 * with a bounded time, never blocking the loop) and reports the end of a
 * job through struct drainrun_events; it knows no other module of ferryd.
 *
 * It never starts, stops or migrates a VM itself: a drain's move is a ban
 * of the resource from the node (Pacemaker picks the target and moves the
 * resource its own way), an undrain's a move constraint back to the node;
 * both with a lifetime, so a constraint a dead runner leaves behind ends.
 */
#ifndef DRAINRUN_H
#define DRAINRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <qb/qbloop.h>

#include "ferrydconf.h"

#define DRAINRUN_MAX_JOBS 32
#define DRAINRUN_NAME_MAX 64

/* A job ended: rc 0 done, -ETIMEDOUT, -ESTALE (undrain: the resource is no
 * longer where the drain put it), -EIO (a command failed); node = where the
 * resource runs now ("" unknown or not running), text = what happened. */
struct drainrun_events {
	void (*done)(void *ctx, uint64_t job, int rc, const char *node, const char *text);
};

struct drainrun;

int drainrun_start(qb_loop_t *loop, const struct config *cfg, const struct drainrun_events *ev,
                   void *ctx, struct drainrun **ret);
struct drainrun *drainrun_stop(struct drainrun *r); /* accepts NULL; kills running commands */

/* Ban rsc from node and wait until it is active on another node. */
int drainrun_away(struct drainrun *r, const char *rsc, const char *node, uint32_t timeout_ms,
                  uint64_t *ret_job);
/* If rsc is active on expect_on: move it to node, wait until it is active
 * there, then clear its constraints; otherwise -ESTALE with where it is. */
int drainrun_back(struct drainrun *r, const char *rsc, const char *node, const char *expect_on,
                  uint32_t timeout_ms, uint64_t *ret_job);
/* Set node's standby attribute on or off, then clear the bans of the given
 * resources from node. */
int drainrun_standby(struct drainrun *r, const char *node, bool on, const char *const *clear,
                     size_t n_clear, uint64_t *ret_job);

/* Pure, for the tests: the node names in crm_resource --locate -Q output,
 * the first one not equal to `not` (or any when not is NULL) into ret. */
bool drainrun_parse_locate(const char *out, const char * not, char *ret, size_t len);

#endif
