/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fencehist.h - Pacemaker's fencing history, asked on demand (the fencer
 * connection is opened on the first question and again after a failure).
 */
#ifndef FENCEHIST_H
#define FENCEHIST_H

#include <stdint.h>

struct fencehist;

/* Never connects: that waits for the first question.  NULL without memory. */
struct fencehist *fencehist_new(void);
/* Accepts NULL; returns NULL. */
struct fencehist *fencehist_free(struct fencehist *f);

/* 1 if Pacemaker's fencing history shows `node` fenced (completed, success)
 * at or after since_unix_ms (*ret_when_unix_ms: the latest such fence, with
 * the history's sub-second part), 0 if not, negative errno if the fencer
 * can't be asked. */
int fencehist_fenced_after(struct fencehist *f, const char *node, int64_t since_unix_ms,
                           int64_t *ret_when_unix_ms);

#endif
