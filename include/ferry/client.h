/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client.h - the small client library of ferryd's IPC (libferryclient.a),
 * used by ferryctl and the ocf:ferry:vm agent.
 *
 * Every call is synchronous: send one request, wait for its answer (the
 * ledger decides once the request went around the cluster in agreed order,
 * so ownership calls may take a moment; FERRYCLIENT_TIMEOUT_MS bounds it).
 * Returns 0 or a negative errno:
 *   -ECONNREFUSED / -ENOENT  ferryd not running (no IPC service)
 *   -EACCES                  not root and not in group haclient
 *   -ETIMEDOUT               no answer in time
 *   -EPROTO                  the answer is not a well-formed answer to this
 *                            request (size, version, type or sequence)
 *   other                    ferryd's own error for the request (e.g.
 *                            -EPERM: the request changes ownership, which
 *                            only root may ask for)
 * A refusal by the ledger is not an error: look at rsp->verdict.
 */
#ifndef FERRY_TOOLS_CLIENT_H
#define FERRY_TOOLS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <ferry/ipcproto.h>

#define FERRYCLIENT_TIMEOUT_MS 30000

struct ferryclient;

int ferryclient_connect(struct ferryclient **ret);
struct ferryclient *ferryclient_free(struct ferryclient *c); /* accepts NULL, returns NULL */

/* One request/answer.  req's header is filled here (size, version, seq).
 * rsp receives at most rsp_max bytes; *ret_len is the answer's length. */
int ferryclient_call(struct ferryclient *c, void *req, size_t req_len, void *rsp, size_t rsp_max,
                     size_t *ret_len);

/* Pure check of an answer (exposed for tests): 0, -EPROTO for a malformed
 * one, or the answer's own negative error. */
int ferryclient_check_rsp(const void *rsp, size_t len, int32_t type, uint32_t seq);

/* Ownership requests (agent).  vm, uuid: the domain's name and UUID. */
int ferryclient_acquire(struct ferryclient *c, const char *vm, const char *uuid, const char *rsc,
                        enum ferry_ipc_acquire_mode mode, uint64_t generation,
                        struct ferry_ipc_vm_rsp *ret);
int ferryclient_release(struct ferryclient *c, const char *vm, const char *uuid,
                        struct ferry_ipc_vm_rsp *ret);
int ferryclient_migrate_begin(struct ferryclient *c, const char *vm, const char *uuid,
                              const char *target_node, enum ferry_ipc_migrate_mode mode,
                              struct ferry_ipc_vm_rsp *ret);
int ferryclient_migrate_commit(struct ferryclient *c, const char *vm, const char *uuid,
                               struct ferry_ipc_vm_rsp *ret);
int ferryclient_migrate_abort(struct ferryclient *c, const char *vm, const char *uuid,
                              struct ferry_ipc_vm_rsp *ret);
int ferryclient_save(struct ferryclient *c, const char *vm, const char *uuid,
                     struct ferry_ipc_vm_rsp *ret);
/* After a granted ACQUIRE in FERRY_ACQUIRE_RESTORE mode the VM is "restoring":
 * commit once the restored copy runs (the image is consumed), abort when the
 * restore failed before the guest ran (the image stays valid). */
int ferryclient_restore_commit(struct ferryclient *c, const char *vm, const char *uuid,
                               struct ferry_ipc_vm_rsp *ret);
int ferryclient_restore_abort(struct ferryclient *c, const char *vm, const char *uuid,
                              struct ferry_ipc_vm_rsp *ret);
/* Before the agent stops/saves/migrates a VM on purpose: its stop within
 * timeout_ms is then not reported to Pacemaker as a failure. */
int ferryclient_expect_stop(struct ferryclient *c, const char *vm, const char *uuid,
                            uint32_t timeout_ms);
int ferryclient_record_move(struct ferryclient *c, const struct ferry_ipc_move *m);
/* Admin (root only): vm is a name or a UUID. */
int ferryclient_force_release(struct ferryclient *c, const char *vm, struct ferry_ipc_vm_rsp *ret);

/* Views (ferryctl).  *ret is a malloc'd, checked answer; free() it. */
int ferryclient_status(struct ferryclient *c, struct ferry_ipc_status_rsp **ret, size_t *ret_len);
int ferryclient_dump(struct ferryclient *c, struct ferry_ipc_dump_rsp **ret, size_t *ret_len);
int ferryclient_history(struct ferryclient *c, const char *vm, uint32_t max_records,
                        struct ferry_ipc_history_rsp **ret, size_t *ret_len);

/* Drains (ferryctl drain / undrain).  submit and cancel: root only; the
 * ledger's answer is in ret->verdict and ret->reason (granted: ret->id). */
int ferryclient_drain_submit(struct ferryclient *c, struct ferry_ipc_drain_submit_req *req,
                             struct ferry_ipc_drain_rsp *ret);
int ferryclient_drain_cancel(struct ferryclient *c, uint32_t id, const char *by,
                             struct ferry_ipc_drain_rsp *ret);
int ferryclient_drain_list(struct ferryclient *c, struct ferry_ipc_drain_list_rsp **ret,
                           size_t *ret_len);
/* id 0: the latest drain.  (*ret)->found is 0 when there is none. */
int ferryclient_drain_report(struct ferryclient *c, uint32_t id,
                             struct ferry_ipc_drain_report_rsp **ret, size_t *ret_len);
/* The running live moves' memory left of drain id (0: the latest); an older
 * ferryd answers -EOPNOTSUPP (or another -errno): show no progress then. */
int ferryclient_drain_progress(struct ferryclient *c, uint32_t id,
                               struct ferry_ipc_drain_progress_rsp **ret, size_t *ret_len);

/* Root: is path (absolute) a writable directory on every member, the same
 * storage as on this node?  Takes up to a few seconds (ferryd asks the other
 * ferryds).  (*ret)->result < 0: the check could not run ((*ret)->text);
 * else one answer per member, this node's first. */
int ferryclient_path_check(struct ferryclient *c, const char *path,
                           struct ferry_ipc_path_check_rsp **ret, size_t *ret_len);

const char *ferryclient_verdict_name(uint32_t verdict);
const char *ferryclient_state_name(uint32_t state);

#endif
