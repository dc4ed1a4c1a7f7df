/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * simnet.h - a simulated cluster of ledger replicas for the tests.
 *
 * Nodes 1..SIMNET_MAX_NODES, each with its own ledger, a persisted blob
 * (what ferryd would write to disk) and a group (its CPG membership).  Each
 * group is a total-order channel: a FIFO of encoded messages delivered to
 * every member in the same order.  Membership changes deliver the old
 * group's pending messages first (virtual synchrony), then a confchg with a
 * new ring number to every member, after which every member queues its state
 * (the sync round) and, with auto quorum on, the lowest member queues a
 * quorum report.  This is what the CPG adapter of ferryd does, minus corosync.
 */
#ifndef FERRY_TEST_SIMNET_H
#define FERRY_TEST_SIMNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger.h"

/* as many nodes as the ledger tracks: the runs at the limit are the point */
#define SIMNET_MAX_NODES LEDGER_MAX_NODES

struct simnet;

/* Called for every log line of every node. */
typedef void (*simnet_line_fn)(uint32_t node, const char *line, void *userdata);
/* Called for every decision on every node (node = the replica). */
typedef void (*simnet_decision_fn)(uint32_t node, const struct ledger_decision *d, void *userdata);

struct simnet *simnet_new(const struct ledger_limits *limits);
struct simnet *simnet_free(struct simnet *c);
void simnet_set_callbacks(struct simnet *c, simnet_line_fn line, simnet_decision_fn decision,
                          void *userdata);

/* Quorum reports sent automatically after each confchg: majority of expected
 * (0 = off: scenarios send "quorum N yes|no" themselves). */
void simnet_set_expected(struct simnet *c, uint32_t expected);
/* Quorum as corosync computes it with two_node: 1 and wait_for_all (what pcs
 * sets up for a 2-node cluster): a node alone is quorate once it has seen
 * its peer since its corosync started; the reports carry the peer and
 * whether it is in the quorum view.  Needs expected 2. */
void simnet_set_two_node(struct simnet *c, bool two_node);
/* Sends node sender's report for its ring as corosync would compute it now
 * (auto mode's rule), whatever the auto setting. */
int simnet_send_auto_quorum(struct simnet *c, uint32_t sender);
/* Order of state messages in a sync round: false = member order, true = the
 * random order given by rnd (the simulator). */
void simnet_set_shuffle(struct simnet *c, uint64_t (*rnd)(void *), void *rnd_data);

int64_t simnet_now(const struct simnet *c);
void simnet_set_now(struct simnet *c, int64_t now_ms);

bool simnet_is_up(const struct simnet *c, uint32_t node);
struct ledger *simnet_ledger(struct simnet *c, uint32_t node); /* NULL when down */
int simnet_group_of(const struct simnet *c, uint32_t node);    /* -1 when none */
/* Members of group g (sorted), returns the count. */
size_t simnet_group_members(const struct simnet *c, int g, uint32_t *ret, size_t max);
int simnet_groups(const struct simnet *c, int *ret, size_t max); /* used group ids */
size_t simnet_pending(const struct simnet *c, int g);            /* queued, and CONFIGs owed */

/* A node boots (new ledger, loaded from its persisted blob if any): up, in no group. */
int simnet_boot(struct simnet *c, uint32_t node);
/* A node dies: its group gets a confchg without it.  The persisted blob stays. */
int simnet_crash(struct simnet *c, uint32_t node);
/* Every up node dies at once (power loss): nobody sees a confchg. */
void simnet_crash_all(struct simnet *c);
/* These up nodes form one new group, leaving their old groups (which get a
 * confchg without them). */
int simnet_form(struct simnet *c, const uint32_t *nodes, size_t n);
/* Several sides at once (a network split): each side becomes a group; the
 * nodes left behind in old groups get one confchg. */
int simnet_partition(struct simnet *c, const uint32_t *const *sides, const size_t *sizes,
                     size_t n_sides);
/* Drops a node's persisted blob (a node that lost its disk). */
void simnet_wipe(struct simnet *c, uint32_t node);
/* Damages a down node's persisted blob (ferryd then boots with its state
 * lost, as it does with an unusable ledger.bin). */
void simnet_corrupt(struct simnet *c, uint32_t node);
/* In its next sync round the node's state blob arrives damaged, its header
 * (epoch, seq, was quorate) intact: a malformed state that may outrank. */
void simnet_set_bad_state(struct simnet *c, uint32_t node);

/* A node whose clock is off by skew_ms: every time it puts in a message. */
void simnet_set_skew(struct simnet *c, uint32_t node, int64_t skew_ms);

/* While set, membership changes keep the totem ring number (a ferryd
 * process restart: corosync, hence the ring, stays). */
void simnet_set_same_ring(struct simnet *c, bool same);

/*
 * Configuration ids as ferryd gives them to the ledger (daemon/cfgid.c):
 * while on, a membership change is not a ledger_confchg(ring) on every member
 * but what corosync tells each node's glue, in its order: the CPG confchg
 * (members, and joined relative to that node's previous view), the initial
 * totem configuration for a ferryd that just started, and a totem confchg
 * when the ring changed; each node runs the rule on them and does what it
 * decides: ledger_confchg(ring << 20 | k) and its sync round, or a CONFIG
 * multicast into its group, applied by every member when delivered.  Set it
 * before the first join.  Off: the ledger sees the ring seq directly.
 */
void simnet_set_cfgid(struct simnet *c, bool on);
bool simnet_cfgid(const struct simnet *c);
/* The node's next CONFIG is ordered late: messages others send meanwhile
 * come before it (decided in the configuration before), until
 * simnet_send_config() or the next membership change (scenarios:
 * "slow-config N" / "send-config N"). */
void simnet_set_slow_config(struct simnet *c, uint32_t node, bool slow);
bool simnet_owes_config(const struct simnet *c, uint32_t node);
int simnet_send_config(struct simnet *c, uint32_t node);

/* A slow node: in the next sync round its state is not sent until
 * simnet_send_state() (scenarios: "slow N" / "send-state N"). */
void simnet_set_slow(struct simnet *c, uint32_t node, bool slow);
int simnet_send_state(struct simnet *c, uint32_t node);
bool simnet_owes_state(const struct simnet *c, uint32_t node);

/* Multicast into the sender's group (the message is copied). */
int simnet_send(struct simnet *c, uint32_t sender, const void *buf, size_t len);
int simnet_send_request(struct simnet *c, uint32_t sender, struct ledger_request *r);
int simnet_send_quorum(struct simnet *c, uint32_t sender, bool quorate);
int simnet_send_fence(struct simnet *c, uint32_t sender, uint32_t node, int64_t fenced_at_ms);
/* Delivers up to max messages of group g (SIZE_MAX = all), returns how many. */
size_t simnet_deliver(struct simnet *c, int g, size_t max);
void simnet_flush(struct simnet *c);

/* Every replica in group g serialized identically (and all synced)?  Writes
 * a reason into why on failure. */
bool simnet_group_identical(struct simnet *c, int g, char *why, size_t why_len);

#endif
