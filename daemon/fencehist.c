/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fencehist.c - "was node X fenced after time T?" from Pacemaker's fencing
 * history (the fencer's own records, replicated by Pacemaker to every node).
 *
 * An orphaned VM (owner left the membership) may be acquired elsewhere only
 * once this says yes.  The fencer connection is made on first use and
 * re-made after an error; the query is synchronous with a short timeout (the
 * fencer is local), which is why it is asked from a timer, never per event.
 * Pacemaker's return codes are converted here and only here.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <crm/stonith-ng.h>
#include <qb/qblog.h>

#include "fencehist.h"

#define FENCEHIST_TIMEOUT_S 5

struct fencehist {
	stonith_t *st;
	bool connected;
};

/* Pacemaker's legacy return codes are negative errnos, or -pcmk_err_* (in
 * the 200s) for Pacemaker-specific failures: those become -EIO. */
static int
fencehist_rc_to_errno(int rc)
{
	if (rc >= 0)
		return 0;
	if (rc > -200)
		return rc;
	return -EIO;
}

struct fencehist *
fencehist_new(void)
{
	return calloc(1, sizeof(struct fencehist));
}

static int
fencehist_connect(struct fencehist *f)
{
	int rc;

	if (f->connected)
		return 0;
	if (f->st == NULL) {
		f->st = stonith_api_new();
		if (f->st == NULL)
			return -ENOMEM;
	}
	rc = f->st->cmds->connect(f->st, "ferryd", NULL);
	if (rc < 0) {
		qb_log(LOG_WARNING, "fencer: cannot connect (%s), will retry",
		       strerror(-fencehist_rc_to_errno(rc)));
		return fencehist_rc_to_errno(rc);
	}
	f->connected = true;
	qb_log(LOG_INFO, "fencer: connected");
	return 0;
}

int
fencehist_fenced_after(struct fencehist *f, const char *node, int64_t since_unix_ms,
                       int64_t *ret_when_unix_ms)
{
	stonith_history_t *hist = NULL, *h;
	int64_t best = -1, when_ms;
	int rc, r;

	r = fencehist_connect(f);
	if (r < 0)
		return r;
	rc = f->st->cmds->history(f->st, st_opt_sync_call, node, &hist, FENCEHIST_TIMEOUT_S);
	if (rc < 0) {
		r = fencehist_rc_to_errno(rc);
		qb_log(LOG_WARNING, "node %s: fencing history query failed (%s), will retry", node,
		       strerror(-r));
		f->st->cmds->disconnect(f->st);
		f->connected = false;
		return r;
	}
	for (h = hist; h != NULL; h = h->next) {
		if (h->target == NULL || strcmp(h->target, node) != 0 || h->state != st_done)
			continue;
		if (h->action != NULL && strcmp(h->action, "on") == 0)
			continue; /* unfencing proves nothing */
		/* milliseconds: a fence and the leave it caused are often in the
		 * same second */
		when_ms = (int64_t)h->completed * 1000 + h->completed_nsec / 1000000;
		if (when_ms >= since_unix_ms && when_ms > best)
			best = when_ms;
	}
	stonith_history_free(hist);
	if (best < 0)
		return 0;
	qb_log(LOG_INFO, "node %s: fenced at %" PRId64 " ms (asked for fences after %" PRId64 ")",
	       node, best, since_unix_ms);
	if (ret_when_unix_ms != NULL)
		*ret_when_unix_ms = best;
	return 1;
}

struct fencehist *
fencehist_free(struct fencehist *f)
{
	if (f == NULL)
		return NULL;
	if (f->st != NULL) {
		if (f->connected)
			f->st->cmds->disconnect(f->st);
		stonith_api_delete(f->st);
	}
	free(f);
	return NULL;
}
