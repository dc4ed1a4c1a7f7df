/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * membership.h - what corosync says about the group, as a value: members,
 * the last change, the totem ring, quorum and the nodelist's names.
 *
 * cluster.c fills one (cluster_membership) after every corosync event;
 * ferryd.c hands it to the glue, which keeps its own copy.  So membership
 * reaches the glue as a value, never by reading the cluster adapter's
 * struct.  The helpers are pure.
 */
#ifndef MEMBERSHIP_H
#define MEMBERSHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ferry/ipcproto.h>

#include "ferrydconf.h"

struct membership_name {
	uint32_t nodeid;
	char name[FERRY_IPC_NODE_LEN];
};

struct membership {
	uint32_t local_nodeid; /* 0 before CPG is joined */
	bool membership_known; /* a configuration including this ferryd was delivered */
	uint32_t members[FERRYD_MAX_MEMBERS]; /* node ids, as CPG lists them */
	size_t n_members;
	uint32_t joined[FERRYD_MAX_MEMBERS]; /* node ids that joined in the last change */
	size_t n_joined;
	uint64_t ring_seq;
	uint32_t ring_nodeid;
	bool totem_seen; /* the initial totem configuration (at join) was delivered */
	bool quorate;
	uint64_t quorum_ring; /* ring seq of the quorum notification `quorate` came with */
	uint32_t view[FERRYD_MAX_MEMBERS]; /* votequorum's view with that notification */
	size_t n_view;
	bool two_node;                                    /* corosync quorum.two_node */
	bool wait_for_all;                                /* quorum.wait_for_all */
	struct membership_name names[FERRYD_MAX_MEMBERS]; /* corosync's nodelist */
	size_t n_names;
};

bool membership_is_member(const struct membership *m, uint32_t nodeid);
/* The nodelist's name of nodeid, or NULL. */
const char *membership_node_name(const struct membership *m, uint32_t nodeid);
int membership_nodeid_by_name(const struct membership *m, const char *name, uint32_t *ret_nodeid);
/* two_node (with two nodes in the nodelist): the other node, else 0. */
uint32_t membership_two_node_peer(const struct membership *m);
/* Is nodeid in votequorum's view of the last quorum notification? */
bool membership_in_view(const struct membership *m, uint32_t nodeid);

#endif
