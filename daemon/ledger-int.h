/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ledger-int.h - private to the ledger's files: struct ledger and what they
 * share.  One module, ledger (MODULE_OF in scripts/check-layers): its
 * interface is ledger.h.  The files call one another one way only
 * (scripts/check-cycles):
 *
 *   ledger.c      life cycle, requests, fence confirmations, move records,
 *                 drains, delivery          uses ledgersync.c, ledgerbase.c
 *   ledgersync.c  configuration changes, the sync round (state transfer
 *                 between members), quorum reports      uses ledgerbase.c
 *   ledgerbase.c  the decision log, the membership test, the node table,
 *                 scratch states                         uses neither
 *
 * Pure like the rest of libledger.a: no I/O, no clock, no logging but the
 * decision log's callback.
 */
#ifndef FERRY_LEDGER_INT_H
#define FERRY_LEDGER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger.h"
#include "ledgerblob.h"
#include "ledgermsg.h"

/* ---- data (the replicated part: ledgerblob.h) ---- */

struct peer {
	uint32_t node;
	bool started;
	bool done;
	bool valid;
	bool have_header; /* was_quorate, epoch, seq are the sender's */
	bool no_state;    /* the sender lost its state */
	bool was_quorate;
	uint64_t epoch;
	uint64_t seq;
	int64_t time_ms;
	uint32_t total_len;
	uint32_t got;
	char *data;
};

struct ledger {
	struct ledger_limits lim;
	struct ledger_rstate st;

	/* local to this replica */
	bool have_ring;
	uint64_t ring;
	uint32_t members[LEDGER_MAX_NODES]; /* sorted */
	size_t n_members;
	bool synced;
	bool quorum_reported;
	bool quorum_yes;
	uint32_t quorum_reporter;
	struct ledger_quorum quorum; /* the last report for this ring */
	bool quorate;
	bool lost;          /* this replica's state was lost (unusable file): never "new" */
	bool snap_lost;     /* ... as it was when the round started */
	bool blocked;       /* the sync round ended without a state that may be taken */
	bool round_waiting; /* every state is in; the quorum report decides (a lost member) */
	char blocked_why[160];
	bool snap_was_quorate;
	bool overfull;   /* the current ring has more members than max_nodes */
	int64_t sync_ms; /* agreed time of the last sync: the latest member clock */
	char *snap;
	size_t snap_len;
	uint64_t snap_epoch;
	uint64_t snap_seq;
	struct peer peers[LEDGER_MAX_NODES]; /* one per member, same order */

	ledger_log_fn log_fn;
	void *log_data;
	bool deferring; /* while a request is decided: its lines follow the verdict */
	int n_deferred;
	char deferred[4][512];
	ledger_decision_fn decision_fn;
	void *decision_data;
};

/* ---- ledgerbase.c ---- */

/* A line of the decision log (deferred while a request is decided). */
__attribute__((format(printf, 2, 3))) void ledgerbase_note(const struct ledger *l, const char *fmt,
                                                           ...);
/* The deferred lines, after the verdict's. */
void ledgerbase_log_flush(struct ledger *l);
bool ledgerbase_id_in(const uint32_t *ids, size_t n, uint32_t id);
struct ledger_noderec *ledgerbase_node_get(struct ledger_rstate *st, uint32_t id);
struct ledger_noderec *ledgerbase_node_add(struct ledger *l, uint32_t id);
bool ledgerbase_vm_orphaned(const struct ledger *l, const struct ledger_vmrec *v);
void ledgerbase_rstate_copy(struct ledger_rstate *dst, const struct ledger_rstate *src);
int ledgerbase_rstate_alloc(struct ledger_rstate *tmp, const struct ledger_limits *lim);
void ledgerbase_rstate_release(struct ledger_rstate *tmp);

/* ---- ledgersync.c (besides ledger_confchg, ledger_state_msg,
 * ledger_apply_quorum of ledger.h) ---- */

/* Drops the sync round's buffers. */
void ledgersync_peers_reset(struct ledger *l);
/* two_node: the peer's id while this half may change nothing, else 0. */
uint32_t ledgersync_two_node_hold(const struct ledger *l);
void ledgersync_become_quorate(struct ledger *l, uint32_t reporter);
/* A STATE message: one chunk of a member's state in the sync round. */
int ledgersync_apply_state(struct ledger *l, uint32_t sender, const struct ledgermsg_state *s);

#endif
