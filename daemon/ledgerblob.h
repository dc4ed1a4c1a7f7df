/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ledgerblob.h - the ledger's replicated state and its text format
 * (private to the ledger's files and ledgerblob.c).  It speaks ledgertypes.h only:
 * the format does not depend on the state machine that uses it.
 *
 * The same blob is the persisted file and the sync round's state message:
 *
 *   ferry-ledger 2
 *   epoch E                 quorate rings this state went through
 *   seq S                   agreed messages applied
 *   members A B ..          the ring it was last synced in
 *   node ID left=MS|- fenced=MS|- seen=MS|-    (sorted by id)
 *   vm UUID NAME state=.. owner=.. target=.. mode=.. gen=.. since=..
 *      tsince=.. cseq=.. cms=..           (one line, sorted by name)
 *   move from=.. to=.. mode=.. result=.. start=.. total=.. downtime=..
 *      gap=.. bytes=.. error=ESCAPED|-    (optional, after its vm line)
 *   drain ID kind=.. node=.. nodeid=.. parallel=.. flags=.. at=.. wend=..
 *      created=.. start=.. end=.. runner=.. requester=.. by=.. state=.. note=..
 *   step rsc=.. vm=.. wave=.. kind=.. pgap=.. pdur=.. target=.. state=..
 *      from=.. to=.. start=.. end=.. result=..   (the drain's steps, in order)
 *   end
 *
 * Parsing is strict: only what ledgerblob_write() produces is accepted, so
 * a loaded blob of the current format serializes back to the same bytes.
 * Format history (every older format still loads):
 *   1  ferry 0.1.
 *   2  2026-12: node lines end in seen= (when the node was last known to be
 *      up: a member at a sync, or in votequorum's view in a two_node
 *      cluster; a version-1 line loads as seen=-); the vm state
 *      "restoring".
 *   3  2026-12: drain records (drain and step lines, after the vms, sorted
 *      by id).  A state without drains is still written as format 2, so a
 *      ferryd of format 2 reads it.
 */
#ifndef FERRY_LEDGERBLOB_H
#define FERRY_LEDGERBLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgertypes.h"

struct ledger_vmrec {
	char uuid[LEDGER_UUID_MAX];
	char name[LEDGER_NAME_MAX];
	enum ledger_vm_state state;
	uint32_t owner;  /* RUNNING, MIGRATING (source) */
	uint32_t target; /* MIGRATING */
	enum ledger_mode mode;
	uint64_t gen;
	int64_t since_ms;        /* owner holds it since */
	int64_t target_since_ms; /* target may hold it since */
	uint64_t change_seq;
	int64_t change_ms;
	bool has_move;
	struct ledger_move move;
};

struct ledger_noderec {
	uint32_t id;
	int64_t left_ms;   /* last seen leaving, -1 never */
	int64_t fenced_ms; /* last accepted fence confirmation, -1 never */
	int64_t seen_ms;   /* last known up (member at a sync, in the quorum view), -1 never */
};

struct ledger_rstate {
	uint64_t epoch;
	uint64_t seq;
	uint32_t members[LEDGER_MAX_NODES]; /* sorted */
	size_t n_members;
	struct ledger_noderec nodes[LEDGER_MAX_NODES]; /* sorted by id */
	size_t n_nodes;
	struct ledger_vmrec *vms; /* sorted by name, capacity max_vms */
	size_t n_vms;
	struct ledger_drain *drains; /* sorted by id, capacity LEDGER_MAX_DRAINS */
	size_t n_drains;
};

/* Allocates *ret_buf (free() it).  -E2BIG past LEDGER_STATE_MAX, -ENOMEM. */
int ledgerblob_write(const struct ledger_rstate *st, char **ret_buf, size_t *ret_len);
/* st->vms must have room for lim->max_vms.  -EBADMSG on anything else than
 * a canonical blob within the limits; st is then garbage. */
int ledgerblob_parse(const char *buf, size_t len, const struct ledger_limits *lim,
                     struct ledger_rstate *st);

/* One drain record as drain and step lines (the SUBMIT message's text);
 * parse accepts exactly what write produces. */
int ledgerblob_drain_write(const struct ledger_drain *d, char **ret_buf, size_t *ret_len);
int ledgerblob_drain_parse(const char *buf, size_t len, struct ledger_drain *ret);

#endif
