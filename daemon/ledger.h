/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ledger.h - the replicated VM-ownership ledger (pure, deterministic).
 *
 * One ledger replica lives in every ferryd.  Replicas change only by applying
 * the same inputs in the same order: CPG configuration changes and CPG
 * messages delivered in agreed (total) order.  There is no I/O and no clock:
 * every time comes in the input (the sender's clock, carried in the message),
 * so every replica of one membership reaches the same answer and the same
 * bytes (ledger_serialize()).
 *
 * What the adapter (ferryd's CPG glue) does:
 *   - on a CPG totem configuration change: ledger_confchg(ring, members), then
 *     multicast this node's state: ledger_state_msg(idx = 0, 1, ... until it
 *     returns 0);
 *   - on every delivered CPG message: ledger_deliver(sender, bytes) (sender is
 *     the CPG nodeid, never a field of the message);
 *   - on a votequorum notification for the current ring: multicast
 *     ledgermsg_encode_quorum(); on a new entry in Pacemaker's fencing history:
 *     ledgermsg_encode_fence(); for an IPC request: ledgermsg_encode_request()
 *     and answer the client when its own message comes back (decision
 *     callback, sender == local nodeid and req_id matching);
 *   - after every ledger_deliver()/ledger_confchg() that returned > 0
 *     ("changed"), write ledger_serialize() atomically (write, fsync, rename);
 *     at start-up ledger_load() the file.
 *
 * Rules (ledger.c and ledgersync.c have them next to the code):
 *   - only a synced, quorate replica changes ownership.  Every configuration
 *     change drops quorum until (a) every member's state has been received
 *     (the sync round) and (b) a quorum report for this very ring is applied;
 *   - a VM whose owner (or migration target) is not a member is orphaned; it
 *     can be acquired elsewhere only after a fence confirmation for that node
 *     with a time after it left (which stops every VM the node held since
 *     before the fence), or after a force-release;
 *   - sync (merge) rule: the state sent by a member whose previous ring was
 *     quorate wins; then higher epoch (number of quorate rings the state went
 *     through), then higher seq (agreed messages applied), then the lowest
 *     node id.  The winner's copy is taken whole.
 */
#ifndef FERRY_LEDGER_H
#define FERRY_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgertypes.h"

struct ledger;

typedef void (*ledger_log_fn)(const char *line, void *userdata);
typedef void (*ledger_decision_fn)(const struct ledger_decision *d, void *userdata);

/* limits NULL = the hard limits.  Returns NULL on bad limits or no memory. */
struct ledger *ledger_new(const struct ledger_limits *limits);
struct ledger *ledger_free(struct ledger *l); /* accepts NULL, returns NULL */

/* Decision log: one deterministic line per applied input (no newline). */
void ledger_set_log(struct ledger *l, ledger_log_fn fn, void *userdata);
void ledger_set_decision_cb(struct ledger *l, ledger_decision_fn fn, void *userdata);

/*
 * A configuration change: ring_seq is the totem ring sequence (the same on
 * every member), members the new membership.  Drops quorum, starts a sync
 * round and snapshots the state to send.  The same ring_seq again is a CPG
 * change inside one totem ring (a ferryd process joined or left while
 * corosync stayed up) and starts a new round too.  Returns 0, or -EINVAL
 * (bad list), -ESTALE (ring_seq older than the current one), -E2BIG (more
 * than max_nodes: the ledger then refuses every request, "syncing", until a
 * smaller membership comes).  time_ms is this node's clock: every member was
 * up then, which a two_node fence must be newer than (also when this ring
 * ends before its sync does).
 */
int ledger_confchg(struct ledger *l, uint64_t ring_seq, const uint32_t *members, size_t n_members,
                   int64_t time_ms);

/*
 * This node's state for the current sync round, as wire message number idx
 * (0, 1, ...).  Writes *ret_len and returns 1 while more messages follow, 0
 * for the last one; -ENOBUFS if buf is too small (LEDGERMSG_MAX_LEN always
 * fits), -ENOENT if idx is past the end, -EAGAIN before the first confchg.
 */
int ledger_state_msg(struct ledger *l, int64_t time_ms, uint32_t idx, void *buf, size_t len,
                     size_t *ret_len);

/*
 * One message delivered in agreed order.  Malformed or unknown messages are
 * logged with the sender and dropped (the negative errno is returned).
 * Returns 1 when the replicated state changed (persist it), 0 when not.
 */
int ledger_deliver(struct ledger *l, uint32_t sender, const void *buf, size_t len);

/* The same, already decoded (ledger_deliver calls these). */
int ledger_apply_request(struct ledger *l, uint32_t sender, const struct ledger_request *r,
                         struct ledger_decision *ret);
int ledger_apply_quorum(struct ledger *l, uint32_t sender, const struct ledger_quorum *q);
int ledger_apply_fence(struct ledger *l, uint32_t sender, uint32_t node, int64_t fenced_at_ms,
                       int64_t time_ms, struct ledger_decision *ret);
/* A move record: kept as the VM's last move (bounded); needs no quorum. */
int ledger_apply_move(struct ledger *l, uint32_t sender, const struct ledger_move *m);

/* A drain operation (submit, progress of its runner, cancel).  The decision
 * (op LEDGER_OP_DRAIN, gen = the drain's id) goes to the decision callback. */
int ledger_apply_drain(struct ledger *l, uint32_t sender, const struct ledger_drain_msg *m,
                       struct ledger_decision *ret);

/* Persistence / state transfer: a versioned text blob ("ferry-ledger 1").
 * serialize allocates *ret_buf (free() it); load replaces the replicated state
 * of a ledger that has not seen a confchg yet (-EBUSY otherwise), -EBADMSG on
 * a malformed blob (the ledger is then unchanged). */
int ledger_serialize(const struct ledger *l, char **ret_buf, size_t *ret_len);
int ledger_load(struct ledger *l, const char *buf, size_t len);

/*
 * Before the first configuration change: this replica's persisted state was
 * lost (the file was unusable).  It then joins sync rounds as "no state":
 * it takes the group's state only from a member that comes straight from
 * the last quorate configuration, never counts as a new node's empty state,
 * and a round that has no such member decides nothing.  Cleared once it
 * has taken the group's state (ledger_is_lost()).
 */
void ledger_set_lost(struct ledger *l);
bool ledger_is_lost(const struct ledger *l);

/* Why this replica refuses every change right now, beyond "syncing" and
 * "not quorate" (a sync round that could not complete, a two_node hold):
 * writes it to buf and returns true; false (buf "") when nothing blocks. */
bool ledger_blocked_why(const struct ledger *l, char *buf, size_t len);
/* two_node: the peer whose fence this partition waits for, or 0. */
uint32_t ledger_fence_wanted(const struct ledger *l);

/* Queries. */
bool ledger_is_quorate(const struct ledger *l);
bool ledger_is_synced(const struct ledger *l);
uint64_t ledger_epoch(const struct ledger *l);
uint64_t ledger_seq(const struct ledger *l);
uint64_t ledger_ring(const struct ledger *l);
size_t ledger_vm_count(const struct ledger *l);
int ledger_vm_get(const struct ledger *l, size_t idx, struct ledger_vm_info *ret);
int ledger_vm_find(const struct ledger *l, const char *uuid, struct ledger_vm_info *ret);
bool ledger_is_member(const struct ledger *l, uint32_t node);
/* Drain records, by index (sorted by id) or id; NULL when there is none. */
size_t ledger_drain_count(const struct ledger *l);
const struct ledger_drain *ledger_drain_get(const struct ledger *l, size_t idx);
const struct ledger_drain *ledger_drain_find(const struct ledger *l, uint32_t id);

#endif
