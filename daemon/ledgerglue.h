/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ledgerglue.h - the seam between ferryd's adapters and the pure ledger.
 *
 * The glue turns what the adapters saw (CPG deliveries, membership values,
 * quorum, agent requests) into the ledger's inputs, and the ledger's
 * decisions into what must be done; it does the doing through struct
 * ledgerglue_ops, which only ferryd.c fills in.  It never calls an adapter.
 */
#ifndef LEDGERGLUE_H
#define LEDGERGLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <qb/qbloop.h>

#include <ferry/ipcproto.h>

#include "ferrydconf.h"
#include "membership.h"

/* What the glue needs done; every operation gets ctx. */
struct ledgerglue_ops {
	/* multicast to the group in agreed order (delivered back to us too) */
	int (*send)(void *ctx, const void *msg, size_t len);
	/* answer a parked IPC request */
	int (*reply)(void *ctx, uint64_t token, const void *rsp, size_t len);
	/* look for VMs running here that this node does not own */
	void (*vm_scan)(void *ctx);
	/* the Pacemaker resource id of a VM just acquired or restored here */
	void (*vm_set_rsc)(void *ctx, const char *uuid, const char *rsc);
	/* Pacemaker's fencing history: 1 fenced at or after since (when in
	 * *ret_when_unix_ms), 0 not, -errno cannot ask */
	int (*fenced_after)(void *ctx, const char *node, int64_t since_unix_ms,
	                    int64_t *ret_when_unix_ms);
	/* the persisted ledger (PERSIST_LEDGER_FILE) and the lost-state mark
	 * (PERSIST_LOST_FILE) in cfg->state_dir; the glue logs the failures */
	int (*ledger_save)(void *ctx, const void *blob, size_t len);
	int (*ledger_load)(void *ctx, size_t max_len, void **ret_blob, size_t *ret_len);
	int (*ledger_set_aside)(void *ctx, int64_t now_ms, char *ret_name, size_t len);
	bool (*lost_marked)(void *ctx);
	int (*lost_mark)(void *ctx, const char *why);
	int (*lost_clear)(void *ctx);
	/* a move record was agreed: keep it in the move history */
	void (*move_recorded)(void *ctx, const struct ferry_ipc_move *rec);
	/* a drain's runner (this node): start a job through Pacemaker; its end
	 * comes back through ledgerglue_drain_done(job).  NULL: no runner here */
	int (*drain_away)(void *ctx, const char *rsc, const char *node, uint32_t timeout_ms,
	                  uint64_t *ret_job);
	int (*drain_back)(void *ctx, const char *rsc, const char *node, const char *expect_on,
	                  uint32_t timeout_ms, uint64_t *ret_job);
	int (*drain_standby)(void *ctx, const char *node, bool on, const char *const *clear,
	                     size_t n_clear, uint64_t *ret_job);
	/* a live move's progress from this node's hypervisor: memory left to copy
	 * and in all; -EAGAIN no migration job yet, -ENOENT no such VM.  NULL: none */
	int (*job_progress)(void *ctx, const char *vm, uint64_t *ret_left_bytes,
	                    uint64_t *ret_total_bytes);
};

struct ledgerglue;

/* Creates the ledger, loads its persisted state (ops->ledger_load) and
 * starts the tick (request deadlines, fence polls); cfg and ops must
 * outlive the glue. */
int ledgerglue_start(qb_loop_t *loop, const struct config *cfg, const struct ledgerglue_ops *ops,
                     void *ctx, struct ledgerglue **ret);
/* Accepts NULL; returns NULL. */
struct ledgerglue *ledgerglue_stop(struct ledgerglue *g);

/* corosync's events, with what corosync says now (the glue keeps a copy).
 * Every one accepts g == NULL (ignored). */
void ledgerglue_deliver(struct ledgerglue *g, uint32_t nodeid, uint32_t pid, const void *msg,
                        size_t len);
void ledgerglue_confchg(struct ledgerglue *g, const struct membership *m);
/* initial: the totem configuration corosync delivers once at join. */
void ledgerglue_totem_confchg(struct ledgerglue *g, const struct membership *m, bool initial);
void ledgerglue_quorum(struct ledgerglue *g, const struct membership *m);

/* An ownership request from the local agent; the answer comes later through
 * ops->reply(token) (or at once, for local refusals). */
void ledgerglue_request(struct ledgerglue *g, uint64_t token, const struct ferry_ipc_vm_req *req);
void ledgerglue_record_move(struct ledgerglue *g, uint64_t token, const struct ferry_ipc_move *m);
/* Drains from ferryctl: submit and cancel are answered through ops->reply
 * once the ledger decided; the view fills a DRAIN_LIST or DRAIN_REPORT answer. */
void ledgerglue_drain_submit(struct ledgerglue *g, uint64_t token,
                             const struct ferry_ipc_drain_submit_req *req);
void ledgerglue_drain_cancel(struct ledgerglue *g, uint64_t token,
                             const struct ferry_ipc_drain_id_req *req);
ssize_t ledgerglue_drain_view(struct ledgerglue *g, const struct ferry_ipc_drain_id_req *req,
                              void *buf, size_t len);
/* A runner's job ended (rc 0, or -errno; node: where the resource is now). */
/* Every tick: for each running live drain step that moves a VM from this node,
 * the hypervisor's figure (ops->job_progress) goes to every ferryd, whose
 * DRAIN_PROGRESS view (ledgerglue_drain_view) then has it; ferryctl may follow
 * the drain anywhere.  Called by the glue's own tick; exposed for the tests. */
void ledgerglue_progress_tick(struct ledgerglue *g);
void ledgerglue_drain_done(struct ledgerglue *g, uint64_t job, int rc, const char *node,
                           const char *text);
/* Read-only views for ferryctl: fill buf, return bytes used or -errno. */
ssize_t ledgerglue_status(struct ledgerglue *g, void *buf, size_t len);
ssize_t ledgerglue_dump(struct ledgerglue *g, void *buf, size_t len);
/* For virtwatch: who owns this VM (0 none), its state and migration peer. */
int ledgerglue_vm_lookup(struct ledgerglue *g, const char *uuid, uint32_t *ret_owner,
                         uint32_t *ret_state, uint32_t *ret_peer);

#endif
