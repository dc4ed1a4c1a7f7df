/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ipcsrv.h - the libqb IPC server "ferryd" for the resource agent and
 * ferryctl.  An adapter: it checks who may ask what and the size of every
 * request, then hands the request to whoever started it (ferryd.c) through
 * struct ipcsrv_events; it knows no other module of ferryd.
 */
#ifndef IPCSRV_H
#define IPCSRV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <qb/qbloop.h>

#include <ferry/ipcproto.h>

#include "ferrydconf.h"

/* What the clients ask, for whoever started the server: every callback
 * gets ctx.  request and record_move are parked under token: answer each
 * with ipcsrv_reply(token), now or later. */
struct ipcsrv_events {
	void (*request)(void *ctx, uint64_t token, const struct ferry_ipc_vm_req *req);
	void (*record_move)(void *ctx, uint64_t token, const struct ferry_ipc_move *m);
	/* the local agent will stop this VM within timeout_ms (capped at
	 * expect_stop_max_ms); uuid is canonical (checked with ledger_valid_uuid) */
	void (*expect_stop)(void *ctx, const char *uuid, uint32_t timeout_ms);
	/* read-only views: fill buf, return bytes used or -errno */
	ssize_t (*status)(void *ctx, void *buf, size_t len);
	ssize_t (*dump)(void *ctx, void *buf, size_t len);
	ssize_t (*history)(void *ctx, const struct ferry_ipc_history_req *req, void *buf,
	                   size_t len);
	/* drains: submit and cancel are parked under token like request; list
	 * and report (req is a struct ferry_ipc_drain_id_req, hdr.qb.id tells
	 * which) are read-only views */
	void (*drain_submit)(void *ctx, uint64_t token,
	                     const struct ferry_ipc_drain_submit_req *req);
	void (*drain_cancel)(void *ctx, uint64_t token, const struct ferry_ipc_drain_id_req *req);
	ssize_t (*drain_view)(void *ctx, const struct ferry_ipc_drain_id_req *req, void *buf,
	                      size_t len);
	/* is req->path the same storage on every member: parked like request
	 * (NULL: answered -EOPNOTSUPP) */
	void (*path_check)(void *ctx, uint64_t token, const struct ferry_ipc_path_check_req *req);
};

struct ipcsrv;

/* Serves FERRY_IPC_SERVICE (or $FERRY_IPC_SERVICE_ENV) from loop; cfg and
 * events must outlive the server. */
int ipcsrv_start(qb_loop_t *loop, const struct config *cfg, const struct ipcsrv_events *events,
                 void *ctx, struct ipcsrv **ret);
/* Accepts NULL; returns NULL. */
struct ipcsrv *ipcsrv_stop(struct ipcsrv *s);
/* Completes a parked request (an ownership request answered when our own
 * CPG message came back).  -ENOENT for an unknown or answered token. */
int ipcsrv_reply(struct ipcsrv *s, uint64_t token, const void *rsp, size_t len);

/* Pure checks, exposed for the tests. */
int ipcsrv_check_peer(uid_t uid, gid_t gid, const char *proc_status, gid_t allowed_gid);
int ipcsrv_check_request(const void *buf, size_t len);
int ipcsrv_check_slots(const struct config *cfg, uid_t uid, uint32_t n_all, uint32_t n_nonroot,
                       uint32_t n_uid);

#endif
