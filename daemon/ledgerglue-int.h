/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ledgerglue-int.h - private to the ledger glue's files: ledgerglue.c (the
 * seam: deliveries, requests, fence confirmations, views, life cycle) and
 * gluedrain.c (the drains).  One module, ledgerglue (MODULE_OF in
 * scripts/check-layers); ferryd.c sees only ledgerglue.h.
 *
 * gluedrain.c is the lower file: ledgerglue.c calls it (the functions at the
 * end), it calls nothing in ledgerglue.c (the few helpers both need are
 * inline here), so their objects make no circle (scripts/check-cycles).
 */
#ifndef LEDGERGLUE_INT_H
#define LEDGERGLUE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <qb/qbloop.h>

#include "cfgid.h"
#include "ledger.h"
#include "ledgerglue.h"
#include "ledgermsg.h"

#define LEDGERGLUE_MAX_PENDING    64
#define LEDGERGLUE_REQ_TIMEOUT_MS 15000u

struct ledgerglue_pending {
	uint64_t req_id; /* 0 = free */
	uint64_t token;
	uint64_t deadline_ns;
	enum ledger_op op;
	char uuid[FERRY_IPC_UUID_LEN];
	char rsc[FERRY_IPC_RSC_LEN];
};

#define LEDGERGLUE_MAX_DJOBS 64
/* a step's result when the drained node left during the move (ferryctl's
 * report counts it as a reboot: FERRY_IPC_DRAIN_HA_RESTART) */
#define LEDGERGLUE_DRAIN_HA_RESTART FERRY_IPC_DRAIN_HA_RESTART
#define LEDGERGLUE_MAX_DSENT        256
#define LEDGERGLUE_MAX_PROGRESS     16

/* The last progress heard of a running live step (LEDGERMSG_PROGRESS). */
struct ledgerglue_progress {
	uint32_t id; /* 0 = free */
	uint32_t step;
	uint64_t left_bytes;
	uint64_t total_bytes;
	int64_t at_ms; /* the sender's clock */
};

/* A runner's job (drainrun through ops) for a drain's step, or step -1: its standby. */
struct ledgerglue_djob {
	uint64_t job; /* 0 = free */
	uint32_t id;
	int32_t step;
};

/* A drain op this runner sent lately: not sent again until it is applied. */
struct ledgerglue_dsent {
	uint32_t id; /* 0 = free */
	int op;
	int32_t step;
	uint64_t at_ns;
};

struct ledgerglue {
	struct ledger *l;
	struct ledgerglue_djob djobs[LEDGERGLUE_MAX_DJOBS];
	struct ledgerglue_dsent dsent[LEDGERGLUE_MAX_DSENT];
	struct ledgerglue_progress progress[LEDGERGLUE_MAX_PROGRESS];
	uint64_t next_req_id;
	bool was_synced;
	struct cfgid cfgid; /* the configuration-id rule's memory (cfgid.h) */
	struct ledgerglue_pending pending[LEDGERGLUE_MAX_PENDING];
	qb_loop_timer_handle tick_timer;
	uint64_t last_fence_poll_ns;
	int decision_fd; /* -1 = none */
	uint64_t decision_bytes;
	/* fence confirmations already sent, per node; forgotten when the
	 * ledger refuses one (syncing, not quorate), so it goes again */
	struct {
		uint32_t nodeid;
		int64_t fenced_at_ms;
	} fence_sent[FERRYD_MAX_MEMBERS];
	size_t n_fence_sent;
	/* nodes that joined since the fencing history was last read for them:
	 * one rebooted by a fence may be back before anyone read it */
	uint32_t fence_recheck[FERRYD_MAX_MEMBERS];
	size_t n_fence_recheck;
	bool lost_marked; /* PERSIST_LOST_FILE is there: cleared once synced */
	qb_loop_t *loop;
	const struct config *cfg;
	const struct ledgerglue_ops *ops;
	void *ctx;
	struct membership m; /* the last membership ferryd.c gave us */
};

static inline int64_t
ledgerglue_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline const char *
ledgerglue_node(const struct ledgerglue *g, uint32_t nodeid)
{
	const char *n = membership_node_name(&g->m, nodeid);

	return n != NULL && n[0] != '\0' ? n : "?";
}

/* A free slot for a request that waits for its decision, or NULL. */
static inline struct ledgerglue_pending *
ledgerglue_pending_new(struct ledgerglue *g)
{
	size_t i;

	for (i = 0; i < LEDGERGLUE_MAX_PENDING; i++)
		if (g->pending[i].req_id == 0)
			return &g->pending[i];
	return NULL;
}

/* gluedrain.c, for ledgerglue.c */

/* On the drains this node runs: what is to be done next (after every
 * delivery and on the tick). */
void ledgerglue_drain_act(struct ledgerglue *g);
/* The answer to a DRAIN_SUBMIT or DRAIN_CANCEL. */
void ledgerglue_drain_answer(struct ledgerglue *g, uint64_t token, enum ferry_ipc_verdict v,
                             uint32_t id, const char *reason);
/* A live step's progress, heard from its source (LEDGERMSG_PROGRESS). */
void ledgerglue_progress_note(struct ledgerglue *g, const struct ledgermsg_progress *p);

#endif
