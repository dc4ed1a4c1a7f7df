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

#include "cluster.h"
#include "fencehist.h"
#include "ipcsrv.h"
#include "ferrydconf.h"
#include "persist.h"
#include "virtwatch.h"

struct ferryd;

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

#endif
