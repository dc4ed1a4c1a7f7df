/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cfgid.h - the configuration-id rule (pure: membership values and received
 * ids in, decisions out; no I/O, no logging).
 *
 * The ledger wants, for every configuration, an id that is the same on every
 * member and larger than the previous one.  The totem ring seq is not
 * enough: a ferryd that starts (or restarts) while corosync runs joins the
 * group without a new ring.  So the id is
 *   cfg_id = ring_seq << CFGID_SHIFT | k
 * where a new totem ring (totem confchg callback, same stream position on
 * every member) applies k = 0 directly, and a CPG-only change is applied
 * when a CONFIG message (ledgermsg_encode_cfgid) comes back in agreed order:
 * the lowest node id among the members that were already there (members
 * minus joined) multicasts CONFIG(max(applied, announced, ring << SHIFT) + 1);
 * everyone, the joiners included, applies the id it carries with its current
 * members.  Members minus joined is the same set on every member of a join;
 * at a merge each side saw the other join, so each side's lowest member
 * announces (the merge's new totem ring overtakes both).  A CONFIG
 * overtaken by a newer configuration is refused by the ledger
 * (ledger_confchg: -ESTALE) on every member alike.  When everyone in
 * the group just joined (nobody was there before), each applies
 * ring_seq << CFGID_SHIFT directly, once the initial totem configuration
 * told it the ring.
 *
 * The caller (ledgerglue.c in ferryd, simnet.c in the tests) hands in each
 * event and does what the decision says: APPLY = ledger_confchg(cfg_id, the
 * current members), then cfgid_applied() if the ledger took it; ANNOUNCE =
 * multicast CONFIG(cfg_id), then cfgid_announced() if it went out.
 */
#ifndef FERRY_CFGID_H
#define FERRY_CFGID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFGID_SHIFT 20 /* bits of k below the ring seq */

/* What one member knows of the group at an event (a slice of struct
 * membership, which the core does not see). */
struct cfgid_view {
	uint32_t local_nodeid;
	const uint32_t *members; /* as CPG lists them (any order, may repeat) */
	size_t n_members;
	const uint32_t *joined; /* joined in the last CPG change */
	size_t n_joined;
	uint64_t ring_seq;
	bool totem_seen; /* the initial totem configuration was delivered */
};

enum cfgid_action {
	CFGID_NONE,     /* nothing to do (wait for a CONFIG, or nothing new) */
	CFGID_APPLY,    /* ledger_confchg(cfg_id, current members) */
	CFGID_ANNOUNCE, /* multicast CONFIG(cfg_id) */
	_CFGID_ACTION_MAX,
};

struct cfgid_decision {
	enum cfgid_action action;
	uint64_t cfg_id;
};

/* One member's memory of the rule; all zero to start. */
struct cfgid {
	uint64_t applied;   /* id of the last configuration the ledger took */
	uint64_t announced; /* the last CONFIG id this member multicast */
};

const char *cfgid_action_name(enum cfgid_action a); /* "unknown" out of range */

/* The ring seq and k of an id. */
uint64_t cfgid_ring(uint64_t cfg_id);
uint64_t cfgid_sub(uint64_t cfg_id);

/* The lowest node id among the members that were already in the group
 * before the last CPG change, 0 if everyone just joined. */
uint32_t cfgid_lowest_old(const struct cfgid_view *v);

/* Events.  Each writes *ret (only on success) and returns 0, or -EINVAL for
 * a NULL argument or a view without a local node id. */
/* A CPG configuration change (v has its members and joined). */
int cfgid_confchg(const struct cfgid *c, const struct cfgid_view *v, struct cfgid_decision *ret);
/* A totem configuration change: a new ring (v->ring_seq), or with initial
 * the ring this member's CPG join happened in. */
int cfgid_totem(const struct cfgid *c, const struct cfgid_view *v, bool initial,
                struct cfgid_decision *ret);
/* A CONFIG(cfg_id) delivered in agreed order, from any member. */
int cfgid_received(const struct cfgid *c, uint64_t cfg_id, struct cfgid_decision *ret);

/* What came of a decision: the ledger took cfg_id; CONFIG(cfg_id) went out. */
void cfgid_applied(struct cfgid *c, uint64_t cfg_id);
void cfgid_announced(struct cfgid *c, uint64_t cfg_id);

/* May a quorum report go out now?  Quorum is a property of a totem ring: a
 * value from another ring (the notification for a new ring may come after
 * its confchg) is not reported; the notification for this ring will be.
 * True when a configuration was applied, it belongs to the ring corosync
 * is in (ring_seq), and quorum_ring (the ring the quorum value came with)
 * is that ring too. */
bool cfgid_quorum_current(const struct cfgid *c, uint64_t ring_seq, uint64_t quorum_ring);

/* The ledger's member list: in[0..n) sorted and without repeats into out
 * (room for n; in == out is fine).  Returns the count. */
size_t cfgid_members(const uint32_t *in, size_t n, uint32_t *out);

#endif
