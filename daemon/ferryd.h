/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ferryd.h - the daemon's one context struct and the interfaces of its
 * adapters (one .c per concern, file name = symbol prefix):
 *
 *   config.c     /etc/ferry/ferryd.conf
 *   cluster.c    corosync CPG (agreed order) + quorum
 *   ipcsrv.c     libqb IPC server for the agent and ferryctl
 *   persist.c    atomic files under the state directory
 *   fencehist.c  Pacemaker fencing history
 *   virtwatch.c  libvirt lifecycle events, fail reports, foreign VMs
 *   ledgerglue.c the seam between these adapters and the pure ledger
 *
 * Only ferryd.c (main) creates and frees struct ferryd; every callback gets
 * it from its handle's context, never from a global.
 */
#ifndef FERRYD_H
#define FERRYD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <qb/qbloop.h>

#include <ferry/ipcproto.h>

#include "fencehist.h"
#include "ferrydconf.h"
#include "persist.h"

/* ---- cluster.c --------------------------------------------------------- */

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
	bool two_node;     /* corosync quorum.two_node (pcs sets it for 2-node clusters) */
	bool wait_for_all; /* quorum.wait_for_all (on by default with two_node) */
	bool membership_known; /* first confchg including us was delivered */
	uint32_t join_attempts;
	qb_loop_timer_handle retry_timer;
	qb_loop_timer_handle flush_timer;
	struct cluster_pending *pending[CLUSTER_MAX_PENDING]; /* TRY_AGAIN queue */
	size_t n_pending;
	/* node names from corosync's nodelist (cmap) */
	struct {
		uint32_t nodeid;
		char name[FERRY_IPC_NODE_LEN];
	} names[FERRYD_MAX_MEMBERS];
	size_t n_names;
};

struct ferryd;

/* Connects to CPG and quorum; CS_ERR_TRY_AGAIN is retried from a timer, at
 * most cfg.startup_retries times, then the daemon stops with an error. */
int cluster_start(struct ferryd *d);
void cluster_stop(struct ferryd *d);
/* Sends msg to the group in agreed order (delivered back to us as well). */
int cluster_send(struct ferryd *d, const void *msg, size_t len);
bool cluster_is_member(const struct ferryd *d, uint32_t nodeid);
const char *cluster_node_name(const struct ferryd *d, uint32_t nodeid);
int cluster_nodeid_by_name(const struct ferryd *d, const char *name, uint32_t *ret_nodeid);
/* two_node: the other node of the nodelist, else 0. */
uint32_t cluster_two_node_peer(const struct ferryd *d);
/* Is nodeid in votequorum's view of the last quorum notification? */
bool cluster_in_view(const struct ferryd *d, uint32_t nodeid);
/* Converts a cs_error_t into a negative errno (the only place that does). */
int cluster_cs_to_errno(int cs_err);

/* ---- virtwatch.c ------------------------------------------------------- */

int virtwatch_start(struct ferryd *d);
void virtwatch_stop(struct ferryd *d);
/* Tells virtwatch that the local agent will stop this VM within timeout_ms:
 * its stop is not an unexpected failure.  uuid: a NUL-terminated canonical
 * UUID (ipcsrv checks the client's with ledger_valid_uuid). */
void virtwatch_expect_stop(struct ferryd *d, const char *uuid, uint32_t timeout_ms);
/* Remembers the Pacemaker resource id of a VM (from ACQUIRE). */
void virtwatch_set_rsc(struct ferryd *d, const char *uuid, const char *rsc);
/* Looks for running VMs this node does not own (after a ledger change). */
void virtwatch_scan(struct ferryd *d);

/* ---- ipcsrv.c ---------------------------------------------------------- */

int ipcsrv_start(struct ferryd *d);
void ipcsrv_stop(struct ferryd *d);
/* Pure checks, exposed for the tests. */
int ipcsrv_check_peer(uid_t uid, gid_t gid, const char *proc_status, gid_t allowed_gid);
int ipcsrv_check_request(const void *buf, size_t len);
int ipcsrv_check_slots(const struct config *cfg, uid_t uid, uint32_t n_all, uint32_t n_nonroot,
		       uint32_t n_uid);
/* Completes a deferred reply (an ownership request answered when our own
 * CPG message came back). */
int ipcsrv_reply(struct ferryd *d, uint64_t token, const void *rsp, size_t len);

/* ---- ledgerglue.c ------------------------------------------------------ */

int ledgerglue_start(struct ferryd *d);
void ledgerglue_stop(struct ferryd *d);
void ledgerglue_deliver(struct ferryd *d, uint32_t nodeid, uint32_t pid, const void *msg,
			size_t len);
void ledgerglue_confchg(struct ferryd *d);
/* initial: the totem configuration corosync delivers once at join. */
void ledgerglue_totem_confchg(struct ferryd *d, bool initial);
void ledgerglue_quorum(struct ferryd *d);
/* An ownership request from the local agent; the answer comes later through
 * ipcsrv_reply(token) (or at once, for local refusals). */
void ledgerglue_request(struct ferryd *d, uint64_t token, const struct ferry_ipc_vm_req *req);
void ledgerglue_record_move(struct ferryd *d, uint64_t token, const struct ferry_ipc_move *m);
/* Read-only views for ferryctl: fill buf, return bytes used or -errno. */
ssize_t ledgerglue_status(struct ferryd *d, void *buf, size_t len);
ssize_t ledgerglue_dump(struct ferryd *d, void *buf, size_t len);
ssize_t ledgerglue_history(struct ferryd *d, const struct ferry_ipc_history_req *req, void *buf,
			   size_t len);
/* For virtwatch: who owns this VM (0 none), and may it run here now? */
int ledgerglue_vm_lookup(struct ferryd *d, const char *uuid, uint32_t *ret_owner,
			 uint32_t *ret_state, uint32_t *ret_peer);

/* ---- the context ------------------------------------------------------- */

struct ledgerglue;
struct virtwatch;
struct ipcsrv;
struct fencehist;

struct ferryd {
	qb_loop_t *loop;
	struct config cfg;
	const char *conf_path;
	bool foreground;
	int exit_code; /* set before qb_loop_stop() on a fatal error */
	bool ready;    /* READY sent (first membership known) */
	struct cluster cluster;
	struct ipcsrv *ipc;
	struct virtwatch *virt;
	struct fencehist *fence;
	struct ledgerglue *glue;
	struct persist_history history;
	char local_name[FERRY_IPC_NODE_LEN];
};

/* ferryd.c: stops the loop with an exit code after a fatal run-time error. */
void ferryd_fatal(struct ferryd *d, int exit_code);
/* ferryd.c: called by cluster.c when the first membership is known. */
void ferryd_membership_known(struct ferryd *d);

#endif
