/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cluster.h - corosync: the CPG group that carries the ledger in agreed
 * order, the totem ring id, quorum, and node names from the nodelist.
 * An adapter: it reports through struct cluster_events and knows no other
 * module of ferryd.
 */
#ifndef CLUSTER_H
#define CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <qb/qbloop.h>

#include "ferrydconf.h"
#include "membership.h"

struct cluster_member {
	uint32_t nodeid;
	uint32_t pid;
};

#define CLUSTER_MAX_PENDING 256u

struct cluster_pending {
	size_t len;
	unsigned char data[];
};

struct cluster {
	uint64_t cpg_handle;    /* cpg_handle_t */
	uint64_t quorum_handle; /* quorum_handle_t */
	int32_t cpg_fd;
	int32_t quorum_fd;
	bool cpg_joined;
	uint32_t local_nodeid;
	struct cluster_member members[FERRYD_MAX_MEMBERS];
	size_t n_members;
	uint32_t joined[FERRYD_MAX_MEMBERS]; /* node ids that joined in the last confchg */
	size_t n_joined;
	uint64_t ring_seq;
	uint32_t ring_nodeid;
	bool totem_seen; /* the initial totem confchg (at join) was delivered */
	bool quorate;
	uint64_t quorum_ring; /* ring seq of the quorum notification `quorate` came with */
	uint32_t view[FERRYD_MAX_MEMBERS]; /* votequorum's view with that notification */
	size_t n_view;
	bool two_node;         /* corosync quorum.two_node (pcs sets it for 2-node clusters) */
	bool wait_for_all;     /* quorum.wait_for_all (on by default with two_node) */
	bool membership_known; /* first confchg including us was delivered */
	uint32_t join_attempts;
	qb_loop_timer_handle retry_timer;
	qb_loop_timer_handle flush_timer;
	struct cluster_pending *pending[CLUSTER_MAX_PENDING]; /* TRY_AGAIN queue */
	size_t n_pending;
	/* node names from corosync's nodelist (cmap) */
	struct membership_name names[FERRYD_MAX_MEMBERS];
	size_t n_names;
	/* set by cluster_start */
	qb_loop_t *loop;
	const struct config *cfg;
	const struct cluster_events *ev;
	void *ctx;
};

/* What corosync says, reported to whoever created the cluster (ferryd.c):
 * every callback gets ctx; cluster_membership() gives what it knows. */
struct cluster_events {
	/* a CPG message in agreed order (our own too) */
	void (*deliver)(void *ctx, uint32_t nodeid, uint32_t pid, const void *msg, size_t len);
	/* the first configuration that includes this ferryd (once) */
	void (*membership_known)(void *ctx);
	/* after every CPG configuration change (members, joined) */
	void (*confchg)(void *ctx);
	/* a totem ring change; initial: the one corosync delivers at join */
	void (*totem_confchg)(void *ctx, bool initial);
	/* a quorum notification (and once joined) */
	void (*quorum)(void *ctx);
	/* corosync is gone or cannot be joined: the daemon must stop */
	void (*fatal)(void *ctx, int exit_code);
};

/* Connects to CPG and quorum; CS_ERR_TRY_AGAIN is retried from a timer, at
 * most cfg->startup_retries times, then events->fatal.  c is zeroed first;
 * cfg and events must outlive it. */
int cluster_start(struct cluster *c, qb_loop_t *loop, const struct config *cfg,
                  const struct cluster_events *events, void *ctx);
void cluster_stop(struct cluster *c);
/* Sends msg to the group in agreed order (delivered back to us as well). */
int cluster_send(struct cluster *c, const void *msg, size_t len);
bool cluster_is_member(const struct cluster *c, uint32_t nodeid);
/* What corosync said so far, as a value (membership.h): members, ring,
 * quorum, names.  Up to date in every event callback. */
void cluster_membership(const struct cluster *c, struct membership *ret);
/* Converts a cs_error_t into a negative errno (the only place that does). */
int cluster_cs_to_errno(int cs_err);

#endif
