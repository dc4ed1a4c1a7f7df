/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ipcproto.h - the local IPC protocol between ferryd and its clients (the
 * resource agent and ferryctl), over libqb IPC service FERRY_IPC_SERVICE.
 *
 * Every message is a fixed-layout struct with explicit-width fields.  A
 * request starts with struct ferry_ipc_req_hdr (libqb's header: id = message
 * type, size = whole message in bytes; then our version and a sequence
 * number echoed in the response).  A response starts with struct
 * ferry_ipc_rsp_hdr (libqb's header: id = type of the request answered,
 * size = whole message, error = 0 or a negative errno for transport-level
 * problems such as a malformed request; then version and sequence).
 * Ownership answers (granted or refused, and why) are in the body, not in
 * the error field: a refusal is a successful call.
 *
 * Both sides check the length before reading a body: the server rejects a
 * request whose size is not the exact size of its type (-EBADMSG) or above
 * FERRY_IPC_MAX_REQ_BYTES (-EMSGSIZE) or of another version (-EPROTO); the
 * client rejects a response shorter than its fixed part or whose trailing
 * array does not fit the size it announces.
 *
 * Strings are NUL-terminated inside their fixed arrays; the receiver forces
 * the terminator before use.
 *
 * Protocol version history (FERRY_IPC_VERSION):
 *   1  2026-11  first version: acquire, release, migrate begin/commit/abort,
 *               save, record move, expect stop; status, ledger dump,
 *               history, force release.
 *   2  2026-12  restore in two steps (ACQUIRE restore, then RESTORE_COMMIT
 *               or RESTORE_ABORT) and the state "restoring"; a refusal's
 *               reason carries the ledger's detail; status has a note.
 *               Added later in version 2 (new types only, no layout of an
 *               existing one changed): DRAIN_SUBMIT, DRAIN_CANCEL,
 *               DRAIN_LIST, DRAIN_REPORT; the largest request grew to 16 KiB
 *               (a drain's plan). Later still: DRAIN_PROGRESS (a running live
 *               move's memory left, heard from its source node) and
 *               PATH_CHECK (root: is a directory, a quick move's save_dir,
 *               usable on every member and the same storage as on this node;
 *               ferryd asks the other ferryds over CPG); an older ferryd
 *               refuses those types and ferryctl says what it could not learn.
 */
#ifndef FERRY_IPCPROTO_H
#define FERRY_IPCPROTO_H

#include <stddef.h>
#include <stdint.h>
#include <qb/qbipc_common.h>

#define FERRY_IPC_SERVICE "ferryd"
/* Tests only: both sides use this service name instead when it is set. */
#define FERRY_IPC_SERVICE_ENV "FERRY_IPC_SERVICE"
#define FERRY_IPC_VERSION     2

/* Hard limits: the largest request the server reads, the largest message
 * either side sends (the libqb buffer size), and the array sizes. */
#define FERRY_IPC_MAX_REQ_BYTES 16384u
#define FERRY_IPC_MAX_MSG_BYTES (256u * 1024u)
#define FERRY_IPC_MAX_NODES     32u

#define FERRY_IPC_VM_LEN     128 /* libvirt domain name */
#define FERRY_IPC_UUID_LEN   40  /* canonical UUID text + NUL, padded */
#define FERRY_IPC_NODE_LEN   64  /* cluster node name */
#define FERRY_IPC_RSC_LEN    128 /* Pacemaker resource id */
#define FERRY_IPC_REASON_LEN 256 /* human-readable answer */

enum ferry_ipc_type {
	/* from the resource agent */
	FERRY_IPC_ACQUIRE = 1,        /* start or restore on this node */
	FERRY_IPC_RELEASE = 2,        /* the VM is stopped here */
	FERRY_IPC_MIGRATE_BEGIN = 3,  /* source: about to move to peer */
	FERRY_IPC_MIGRATE_COMMIT = 4, /* source: the move succeeded */
	FERRY_IPC_MIGRATE_ABORT = 5,  /* source: the move failed, still here */
	FERRY_IPC_SAVE = 6,           /* a save image is about to be written */
	FERRY_IPC_RECORD_MOVE = 7,    /* a finished move, for history */
	FERRY_IPC_EXPECT_STOP = 8,    /* local only: this node is about to stop it */
	FERRY_IPC_RESTORE_COMMIT = 9, /* the restored copy runs: the image is consumed */
	FERRY_IPC_RESTORE_ABORT = 10, /* the restore failed, no copy ever ran: image kept */
	/* from ferryctl */
	FERRY_IPC_STATUS = 32,
	FERRY_IPC_LEDGER_DUMP = 33,
	FERRY_IPC_HISTORY = 34,
	FERRY_IPC_FORCE_RELEASE = 35,
	FERRY_IPC_DRAIN_SUBMIT = 36,   /* root: a drain or undrain, carried out by ferryd */
	FERRY_IPC_DRAIN_CANCEL = 37,   /* root */
	FERRY_IPC_DRAIN_LIST = 38,     /* every drain record, without steps */
	FERRY_IPC_DRAIN_REPORT = 39,   /* one record with its steps */
	FERRY_IPC_DRAIN_PROGRESS = 40, /* its running live moves' memory left */
	FERRY_IPC_PATH_CHECK = 41,     /* root: is a directory shared storage on every member */
};

enum ferry_ipc_acquire_mode {
	FERRY_ACQUIRE_START = 0,   /* cold boot: the ledger bumps the generation */
	FERRY_ACQUIRE_RESTORE = 1, /* restore image of `generation` */
};

enum ferry_ipc_migrate_mode {
	FERRY_MIGRATE_LIVE = 0,
	FERRY_MIGRATE_QUICK = 1, /* save on the source, restore on the target */
};

/* The answer to an ownership request. */
enum ferry_ipc_verdict {
	FERRY_VERDICT_GRANTED = 0,
	FERRY_VERDICT_REFUSED = 1,     /* see reason */
	FERRY_VERDICT_NO_QUORUM = 2,   /* this partition is not quorate */
	FERRY_VERDICT_OWNED = 3,       /* another node owns it */
	FERRY_VERDICT_ORPHANED = 4,    /* owner left and is not yet fenced */
	FERRY_VERDICT_STALE = 5,       /* image generation is not the current one */
	FERRY_VERDICT_BAD_STATE = 6,   /* not allowed in the VM's current state */
	FERRY_VERDICT_UNAVAILABLE = 7, /* ferryd not ready (no membership yet) */
	FERRY_VERDICT_UNKNOWN_VM = 8,  /* the ledger has never seen this VM */
	_FERRY_VERDICT_MAX,
};

/* VM states as shown by status (mirrors the ledger's). */
enum ferry_ipc_vm_state {
	FERRY_VM_STOPPED = 0,
	FERRY_VM_RUNNING = 1,
	FERRY_VM_MIGRATING = 2,
	FERRY_VM_SAVED = 3,
	FERRY_VM_RESTORING = 4, /* owner restores the image; consumed at its commit */
	_FERRY_VM_STATE_MAX,
};

#define FERRY_VMF_ORPHANED 0x1u /* owner is not a member and not fenced yet */

struct ferry_ipc_req_hdr {
	struct qb_ipc_request_header qb; /* id = enum ferry_ipc_type, size = whole message */
	uint16_t version;                /* FERRY_IPC_VERSION */
	uint16_t flags;                  /* 0 */
	uint32_t seq;                    /* echoed in the response */
};

struct ferry_ipc_rsp_hdr {
	struct qb_ipc_response_header qb; /* id = request type, size, error = 0 | -errno */
	uint16_t version;
	uint16_t flags;
	uint32_t seq;
};

/* ACQUIRE, RELEASE, MIGRATE_*, SAVE, EXPECT_STOP, FORCE_RELEASE, RESTORE_*. */
struct ferry_ipc_vm_req {
	struct ferry_ipc_req_hdr hdr;
	char vm[FERRY_IPC_VM_LEN];
	char uuid[FERRY_IPC_UUID_LEN]; /* the key; vm is for logs and status */
	char rsc[FERRY_IPC_RSC_LEN];   /* ACQUIRE: Pacemaker resource id (for fail reports) */
	char peer[FERRY_IPC_NODE_LEN]; /* MIGRATE_BEGIN: target node name */
	uint32_t mode;                 /* ferry_ipc_acquire_mode | ferry_ipc_migrate_mode */
	uint32_t timeout_ms;           /* EXPECT_STOP: how long a stop is expected */
	uint64_t generation;           /* ACQUIRE restore: the image's generation */
};

struct ferry_ipc_vm_rsp {
	struct ferry_ipc_rsp_hdr hdr;
	uint32_t verdict;      /* enum ferry_ipc_verdict */
	uint32_t owner_nodeid; /* owner after the decision, 0 = none */
	uint64_t generation;   /* current generation after the decision */
	char reason[FERRY_IPC_REASON_LEN];
};

/*
 * One finished move (RECORD_MOVE body, HISTORY entries).  mode and result
 * hold the names of enum ferry_move_kind and enum ferry_move_result
 * (ferry/movekind.h's tables: "live", "quick", "restart", "live->quick";
 * "ok", "aborted", "failed"), NUL-terminated.  Text, not numbers, since
 * version 1: an agent and a ferryd of different builds talk during an
 * upgrade, so a name is never respelt and a new one is only added; ferryd
 * refuses a RECORD_MOVE whose name it does not know (FERRY_VERDICT_REFUSED,
 * the names in the reason; logged with the VM's name first, -EINVAL).
 */
struct ferry_ipc_move {
	char vm[FERRY_IPC_VM_LEN];
	char uuid[FERRY_IPC_UUID_LEN];
	char from[FERRY_IPC_NODE_LEN];
	char to[FERRY_IPC_NODE_LEN];
	char mode[16];   /* ferry_move_kind_name() */
	char result[16]; /* ferry_move_result_name() */
	char error[128];
	int64_t start_unix_ms;
	int64_t total_ms;
	int64_t downtime_ms;  /* -1 unknown */
	int64_t guest_gap_ms; /* -1 unknown */
	int64_t bytes;        /* -1 unknown */
};

struct ferry_ipc_move_req {
	struct ferry_ipc_req_hdr hdr;
	struct ferry_ipc_move move;
};

/* STATUS, LEDGER_DUMP: no body. */
struct ferry_ipc_empty_req {
	struct ferry_ipc_req_hdr hdr;
};

struct ferry_ipc_history_req {
	struct ferry_ipc_req_hdr hdr;
	char vm[FERRY_IPC_VM_LEN]; /* name or UUID; empty = all */
	uint32_t max_records;      /* 0 = as many as fit */
	uint32_t reserved;
};

struct ferry_ipc_node {
	uint32_t nodeid;
	uint32_t member; /* 1 if in the current CPG membership */
	char name[FERRY_IPC_NODE_LEN];
};

struct ferry_ipc_vm_info {
	char vm[FERRY_IPC_VM_LEN];
	char uuid[FERRY_IPC_UUID_LEN];
	uint32_t state; /* enum ferry_ipc_vm_state */
	uint32_t flags; /* FERRY_VMF_* */
	uint32_t owner_nodeid;
	uint32_t peer_nodeid; /* migrating: destination */
	uint32_t mode;        /* migrating: enum ferry_ipc_migrate_mode */
	uint32_t reserved;
	uint64_t generation;
	int64_t changed_unix_ms; /* last ownership change, 0 unknown */
	char last_move[64];      /* "live node1->node2 ok 57 ms", empty if none */
};

/* STATUS response: fixed part, then n_vms struct ferry_ipc_vm_info. */
struct ferry_ipc_status_rsp {
	struct ferry_ipc_rsp_hdr hdr;
	uint32_t local_nodeid;
	uint32_t quorate;
	uint64_t ring_seq; /* totem ring id */
	uint32_t ring_nodeid;
	uint32_t n_nodes; /* entries used in nodes[] */
	uint32_t n_vms;
	uint32_t truncated; /* 1 if some VMs did not fit */
	uint32_t synced;    /* 1 once this node's ledger has the group's state */
	uint32_t reserved;
	uint64_t config_id; /* ledger configuration: ring seq << 20 | change number */
	char note[192]; /* why the ledger decides nothing now (blocked, lost, two_node), or "" */
	struct ferry_ipc_node nodes[FERRY_IPC_MAX_NODES];
};

/* LEDGER_DUMP response: fixed part, then blob_len bytes of the serialized ledger. */
struct ferry_ipc_dump_rsp {
	struct ferry_ipc_rsp_hdr hdr;
	uint32_t blob_len;
	uint32_t n_vms;
};

/* HISTORY response: fixed part, then n struct ferry_ipc_move, oldest first. */
struct ferry_ipc_history_rsp {
	struct ferry_ipc_rsp_hdr hdr;
	uint32_t n;
	uint32_t total; /* records kept that matched; > n when truncated */
};

/* ---- maintenance drains ---- */

#define FERRY_IPC_DRAIN_MAX_STEPS 64
#define FERRY_IPC_DRAIN_NAME_LEN  64 /* resource, vm and node names of a drain */
/* How long a drain's ban (and an undrain's move) lives, in hours: beyond any
 * drain, so it does not end before the node is in standby; a runner that dies
 * leaves nothing forever.  ferryd sets it, ferryctl tells the user. */
#define FERRY_DRAIN_BAN_HOURS 12

enum ferry_ipc_drain_kind {
	FERRY_DRAIN_DRAIN = 0,
	FERRY_DRAIN_UNDRAIN = 1,
};

#define FERRY_DRAINF_FORCE 0x1u /* the user overrode a refusal (blocked VMs, short window) */
/* A step's result when the drained node left while its VM moved: Pacemaker
 * recovered the VM by restarting it elsewhere (HA restart, a reboot). */
#define FERRY_IPC_DRAIN_HA_RESTART "HA restart: the drained node left during the move"

/* One planned move (DRAIN_SUBMIT). */
struct ferry_ipc_drain_plan_step {
	char resource[FERRY_IPC_DRAIN_NAME_LEN];
	char vm[FERRY_IPC_DRAIN_NAME_LEN];
	char target[FERRY_IPC_DRAIN_NAME_LEN]; /* Pacemaker's predicted target, "" none */
	uint32_t kind; /* enum ferry_move_kind: 0 live, 1 quick, 2 restart */
	uint32_t wave;
	uint32_t pred_gap_ms;
	uint32_t pred_duration_ms;
};

struct ferry_ipc_drain_submit_req {
	struct ferry_ipc_req_hdr hdr;
	uint32_t kind;     /* enum ferry_ipc_drain_kind; UNDRAIN: no steps (ferryd knows them) */
	uint32_t parallel; /* >= 1 */
	uint32_t flags;    /* FERRY_DRAINF_* */
	uint32_t n_steps;
	int64_t at_unix_ms;         /* 0 = now */
	int64_t window_end_unix_ms; /* 0 = none */
	char node[FERRY_IPC_DRAIN_NAME_LEN];
	char requested_by[FERRY_IPC_DRAIN_NAME_LEN]; /* "user@host" */
	struct ferry_ipc_drain_plan_step steps[FERRY_IPC_DRAIN_MAX_STEPS];
};

struct ferry_ipc_drain_id_req { /* DRAIN_CANCEL, DRAIN_REPORT, DRAIN_PROGRESS (id 0: the latest) */
	struct ferry_ipc_req_hdr hdr;
	uint32_t id;
	uint32_t reserved;
	char requested_by[FERRY_IPC_DRAIN_NAME_LEN];
};

/* DRAIN_SUBMIT, DRAIN_CANCEL answer: verdict as for ownership requests. */
struct ferry_ipc_drain_rsp {
	struct ferry_ipc_rsp_hdr hdr;
	uint32_t verdict; /* enum ferry_ipc_verdict */
	uint32_t id;      /* the drain's id (granted) */
	char reason[FERRY_IPC_REASON_LEN];
};

struct ferry_ipc_drain_info {
	uint32_t id;
	uint32_t kind;  /* enum ferry_ipc_drain_kind */
	char state[24]; /* scheduled, running, done, cancelled, stopped-by-window */
	uint32_t runner_nodeid;
	uint32_t requester_nodeid;
	uint32_t parallel;
	uint32_t flags;
	uint32_t n_steps;
	uint32_t reserved;
	int64_t at_unix_ms;
	int64_t window_end_unix_ms;
	int64_t created_unix_ms;
	int64_t start_unix_ms; /* -1 not yet */
	int64_t end_unix_ms;   /* -1 not yet */
	char node[FERRY_IPC_DRAIN_NAME_LEN];
	char runner[FERRY_IPC_DRAIN_NAME_LEN]; /* its name, "" unknown */
	char requested_by[FERRY_IPC_DRAIN_NAME_LEN];
	char note[128];
};

struct ferry_ipc_drain_step {
	char resource[FERRY_IPC_DRAIN_NAME_LEN];
	char vm[FERRY_IPC_DRAIN_NAME_LEN];
	char target[FERRY_IPC_DRAIN_NAME_LEN];
	char from[FERRY_IPC_DRAIN_NAME_LEN];
	char to[FERRY_IPC_DRAIN_NAME_LEN];
	char state[16]; /* pending, running, done, failed, skipped */
	char result[128];
	uint32_t kind; /* enum ferry_move_kind: 0 live, 1 quick, 2 restart */
	uint32_t wave;
	uint32_t pred_gap_ms;
	uint32_t pred_duration_ms;
	int64_t start_unix_ms; /* -1 not yet */
	int64_t end_unix_ms;
};

/* A running live move of a drain: memory left to copy and in all, from its source node's
 * hypervisor (sampled about every second), and when (the source's clock). */
struct ferry_ipc_drain_progress {
	uint32_t step;
	uint32_t reserved;
	uint64_t mem_left_bytes;
	uint64_t mem_total_bytes;
	int64_t at_unix_ms;
};

/* DRAIN_PROGRESS response: fixed part, then n struct ferry_ipc_drain_progress. */
struct ferry_ipc_drain_progress_rsp {
	struct ferry_ipc_rsp_hdr hdr;
	uint32_t n;
	uint32_t id; /* the drain's */
};

/* DRAIN_LIST response: fixed part, then n struct ferry_ipc_drain_info (by id). */
struct ferry_ipc_drain_list_rsp {
	struct ferry_ipc_rsp_hdr hdr;
	uint32_t n;
	uint32_t local_nodeid;
	int64_t now_unix_ms;
};

/* DRAIN_REPORT response: the record, then info.n_steps struct ferry_ipc_drain_step. */
struct ferry_ipc_drain_report_rsp {
	struct ferry_ipc_rsp_hdr hdr;
	uint32_t found; /* 0: no such drain (info is zero) */
	uint32_t local_nodeid;
	int64_t now_unix_ms;
	struct ferry_ipc_drain_info info;
};

/* ---- shared directories ---- */

#define FERRY_IPC_PATH_LEN      256 /* an absolute directory path, with NUL */
#define FERRY_IPC_PATH_TEXT_LEN 192 /* one node's answer, "" when ok */

/* PATH_CHECK: ferryd writes PATH/.ferry-share.<nodeid>.<random> with a
 * random token and asks every member's ferryd over CPG whether PATH is a
 * writable directory holding that file with that token (the same storage);
 * it answers when every member answered or after a few seconds. */
struct ferry_ipc_path_check_req {
	struct ferry_ipc_req_hdr hdr;
	char path[FERRY_IPC_PATH_LEN];
};

struct ferry_ipc_path_answer {
	uint32_t nodeid;
	int32_t result; /* 0 usable and the same storage, or -errno (see text) */
	char node[FERRY_IPC_NODE_LEN];
	char text[FERRY_IPC_PATH_TEXT_LEN]; /* why not, e.g. "no answer from ferryd" */
};

/* PATH_CHECK response: one answer per member when the check started (this
 * node's first).  Only this node's answer when it cannot use the path itself:
 * the others had nothing to compare with. */
struct ferry_ipc_path_check_rsp {
	struct ferry_ipc_rsp_hdr hdr;
	int32_t result; /* 0 the check ran (see answers), or -errno it could not (see text) */
	uint32_t local_nodeid;
	uint32_t n; /* answers used */
	uint32_t reserved;
	char text[FERRY_IPC_PATH_TEXT_LEN];
	struct ferry_ipc_path_answer answers[FERRY_IPC_MAX_NODES];
};

_Static_assert(sizeof(struct ferry_ipc_path_check_req) == 24 + FERRY_IPC_PATH_LEN,
               "path check request layout");
_Static_assert(sizeof(struct ferry_ipc_path_answer) == 264, "path answer layout");
_Static_assert(sizeof(struct ferry_ipc_path_check_rsp) <= FERRY_IPC_MAX_MSG_BYTES,
               "a path check's answer fits a response");
_Static_assert(sizeof(struct ferry_ipc_drain_submit_req) <= FERRY_IPC_MAX_REQ_BYTES,
               "a drain's plan fits a request");
_Static_assert(sizeof(struct ferry_ipc_drain_report_rsp) +
                               FERRY_IPC_DRAIN_MAX_STEPS * sizeof(struct ferry_ipc_drain_step) <=
                       FERRY_IPC_MAX_MSG_BYTES,
               "a drain's report fits a response");
_Static_assert(sizeof(struct ferry_ipc_drain_progress_rsp) +
                               FERRY_IPC_DRAIN_MAX_STEPS *
                                       sizeof(struct ferry_ipc_drain_progress) <=
                       FERRY_IPC_MAX_MSG_BYTES,
               "a drain's progress fits a response");
_Static_assert(sizeof(struct ferry_ipc_req_hdr) == 24, "ipc request header layout");
_Static_assert(sizeof(struct ferry_ipc_rsp_hdr) == 32, "ipc response header layout");
_Static_assert(sizeof(struct ferry_ipc_vm_req) <= FERRY_IPC_MAX_REQ_BYTES, "vm request fits");
_Static_assert(sizeof(struct ferry_ipc_move_req) <= FERRY_IPC_MAX_REQ_BYTES, "move fits");
_Static_assert(sizeof(struct ferry_ipc_move) == 496 &&
                       offsetof(struct ferry_ipc_move, mode) == 296 &&
                       offsetof(struct ferry_ipc_move, result) == 312,
               "move layout (version 2)");
_Static_assert(sizeof(struct ferry_ipc_status_rsp) < FERRY_IPC_MAX_MSG_BYTES / 4, "status fits");

#endif
