/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ledger.h - the replicated VM-ownership ledger (pure, deterministic).
 *
 * One ledger replica lives in every ferryd.  Replicas change only by applying
 * the same inputs in the same order: CPG configuration changes and CPG
 * messages delivered in agreed (total) order.  There is no I/O and no clock:
 * every time comes in the input (the sender's clock, carried in the message),
 * so every replica of one membership reaches the same answer and the same
 * bytes (ledger_serialize()).
 *
 * What the adapter (ferryd's CPG glue) does:
 *   - on a CPG totem configuration change: ledger_confchg(ring, members), then
 *     multicast this node's state: ledger_state_msg(idx = 0, 1, ... until it
 *     returns 0);
 *   - on every delivered CPG message: ledger_deliver(sender, bytes) (sender is
 *     the CPG nodeid, never a field of the message);
 *   - on a votequorum notification for the current ring: multicast
 *     ledgermsg_encode_quorum(); on a new entry in Pacemaker's fencing history:
 *     ledgermsg_encode_fence(); for an IPC request: ledgermsg_encode_request()
 *     and answer the client when its own message comes back (decision
 *     callback, sender == local nodeid and req_id matching);
 *   - after every ledger_deliver()/ledger_confchg() that returned > 0
 *     ("changed"), write ledger_serialize() atomically (write, fsync, rename);
 *     at start-up ledger_load() the file.
 *
 * Rules (ledger.c has them next to the code):
 *   - only a synced, quorate replica changes ownership.  Every configuration
 *     change drops quorum until (a) every member's state has been received
 *     (the sync round) and (b) a quorum report for this very ring is applied;
 *   - a VM whose owner (or migration target) is not a member is orphaned; it
 *     can be acquired elsewhere only after a fence confirmation for that node
 *     with a time after it left (which stops every VM the node held since
 *     before the fence), or after a force-release;
 *   - sync (merge) rule: the state sent by a member whose previous ring was
 *     quorate wins; then higher epoch (number of quorate rings the state went
 *     through), then higher seq (agreed messages applied), then the lowest
 *     node id.  The winner's copy is taken whole.
 */
#ifndef FERRY_LEDGER_H
#define FERRY_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hard limits: inputs beyond them are refused with an error, never truncated. */
#define LEDGER_MAX_VMS    1024
#define LEDGER_MAX_NODES  64
#define LEDGER_NAME_MAX   64 /* bytes including the NUL */
#define LEDGER_UUID_MAX   40 /* 36 characters + NUL, padded */
#define LEDGER_STATE_MAX  (1024 * 1024) /* serialized ledger, bytes: fits the limits above */

enum ledger_vm_state {
	LEDGER_VM_STOPPED,
	LEDGER_VM_RUNNING,   /* owner runs it */
	LEDGER_VM_MIGRATING, /* owner -> target, mode */
	LEDGER_VM_SAVED,     /* image of generation gen on shared storage, no owner */
	LEDGER_VM_RESTORING, /* owner restores image gen; consumed only at its commit */
	_LEDGER_VM_STATE_MAX
};

enum ledger_mode {
	LEDGER_MODE_LIVE,
	LEDGER_MODE_QUICK,   /* save on the source, restore on the target */
	LEDGER_MODE_RESTART, /* stop on the source, start on the target */
	_LEDGER_MODE_MAX
};

enum ledger_op {
	LEDGER_OP_ACQUIRE, /* start on the sender */
	LEDGER_OP_RESTORE, /* restore image generation gen on the sender (-> restoring) */
	LEDGER_OP_RELEASE, /* the sender has no copy (stopped; during a migration: not here) */
	LEDGER_OP_MIGRATE_BEGIN,
	LEDGER_OP_MIGRATE_COMMIT,
	LEDGER_OP_MIGRATE_ABORT,
	LEDGER_OP_SAVE,          /* saved by the owner: answers the new gen */
	LEDGER_OP_FORCE_RELEASE, /* admin: ferryctl release --force */
	LEDGER_OP_RESTORE_COMMIT, /* the restored copy runs: the image is consumed */
	LEDGER_OP_RESTORE_ABORT,  /* the restore failed and no copy ever ran: image kept */
	LEDGER_OP_FENCE,         /* fence confirmation (not a request) */
	_LEDGER_OP_MAX
};

enum ledger_verdict {
	LEDGER_GRANTED,
	LEDGER_REFUSED,
	_LEDGER_VERDICT_MAX
};

enum ledger_reason {
	LEDGER_R_OK,
	LEDGER_R_ALREADY,         /* granted, nothing to change */
	LEDGER_R_SYNCING,         /* configuration changed, sync not finished */
	LEDGER_R_NOT_QUORATE,
	LEDGER_R_NOT_MEMBER,      /* sender or target not in the membership */
	LEDGER_R_UNKNOWN_VM,
	LEDGER_R_INVALID,         /* bad name, uuid, mode or node id */
	LEDGER_R_NAME_MISMATCH,   /* uuid known under another name */
	LEDGER_R_NAME_IN_USE,     /* name known under another uuid */
	LEDGER_R_TOO_MANY_VMS,
	LEDGER_R_OWNED_ELSEWHERE, /* a live member holds it */
	LEDGER_R_ORPHANED,        /* its holder left and is not fenced yet */
	LEDGER_R_NOT_OWNER,
	LEDGER_R_BAD_STATE,
	LEDGER_R_TARGET_LOST,     /* migration target left */
	LEDGER_R_STALE_GENERATION,
	LEDGER_R_UNKNOWN_GENERATION,
	_LEDGER_REASON_MAX
};

struct ledger_limits {
	uint32_t max_vms;   /* <= LEDGER_MAX_VMS */
	uint32_t max_nodes; /* <= LEDGER_MAX_NODES */
};

/*
 * A quorum report for one ring, as votequorum gives it to one member.  In a
 * two_node cluster (corosync quorum.two_node: what pcs sets up for every
 * 2-node cluster) each half of a split stays quorate, so the ledger of a
 * node whose peer left votequorum's view grants nothing until the peer's
 * fence is confirmed.
 */
struct ledger_quorum {
	uint64_t ring_seq;
	int64_t time_ms; /* sender's clock */
	bool quorate;
	bool two_node;     /* quorum.two_node is set */
	bool wait_for_all; /* quorum.wait_for_all is set (for the log) */
	bool peer_in_view; /* two_node: the peer is in votequorum's view */
	uint32_t peer;     /* two_node: the other node of the nodelist, 0 unknown */
	uint16_t expected; /* nodes in corosync's nodelist (one vote each), 0 unknown */
};

/* A request as carried by a CPG message (sender comes from CPG). */
struct ledger_request {
	enum ledger_op op;
	uint64_t req_id; /* chosen by the sender, echoed in the decision */
	int64_t time_ms; /* sender's clock */
	char uuid[LEDGER_UUID_MAX];
	char name[LEDGER_NAME_MAX];
	uint32_t target;       /* MIGRATE_BEGIN */
	enum ledger_mode mode; /* MIGRATE_BEGIN */
	uint64_t gen;          /* RESTORE */
};

struct ledger_decision {
	enum ledger_op op;
	uint32_t sender;
	uint64_t req_id;
	uint64_t seq; /* agreed sequence number of the message */
	enum ledger_verdict verdict;
	enum ledger_reason reason;
	uint64_t gen;   /* VM image generation after the decision (SAVE: the new image) */
	uint32_t owner; /* VM owner after the decision, 0 = none */
	char why[160];  /* the detail of a refusal ("bad vm name or uuid"), or "" */
};

enum ledger_move_result {
	LEDGER_MOVE_OK,
	LEDGER_MOVE_ABORTED,
	LEDGER_MOVE_FAILED,
	_LEDGER_MOVE_RESULT_MAX
};

/* A finished move, replicated so every node can show it (ferryctl history). */
struct ledger_move {
	char uuid[LEDGER_UUID_MAX];
	char name[LEDGER_NAME_MAX];
	uint32_t from;
	uint32_t to;
	enum ledger_mode mode;
	enum ledger_move_result result;
	int64_t start_ms;
	int64_t total_ms;
	int64_t downtime_ms;  /* -1 unknown */
	int64_t guest_gap_ms; /* -1 unknown */
	int64_t bytes;        /* -1 unknown */
	char error[128];      /* empty when ok */
};

/* A read-only view of one VM (ledger_vm_get). */
struct ledger_vm_info {
	char uuid[LEDGER_UUID_MAX];
	char name[LEDGER_NAME_MAX];
	enum ledger_vm_state state;
	uint32_t owner;
	uint32_t target;
	enum ledger_mode mode;
	uint64_t gen;
	bool orphaned; /* a holder is not a member */
	uint64_t change_seq;
	int64_t change_ms;
	bool has_move;              /* last_move is valid */
	struct ledger_move last_move;
};

struct ledger;

typedef void (*ledger_log_fn)(const char *line, void *userdata);
typedef void (*ledger_decision_fn)(const struct ledger_decision *d, void *userdata);

const char *ledger_vm_state_name(enum ledger_vm_state s);
const char *ledger_mode_name(enum ledger_mode m);
int ledger_mode_from_name(const char *s); /* enum value or -EINVAL */
const char *ledger_op_name(enum ledger_op op);
const char *ledger_verdict_name(enum ledger_verdict v);
const char *ledger_reason_name(enum ledger_reason r);
const char *ledger_move_result_name(enum ledger_move_result r);
int ledger_move_result_from_name(const char *s); /* enum value or -EINVAL */

/* limits NULL = the hard limits.  Returns NULL on bad limits or no memory. */
struct ledger *ledger_new(const struct ledger_limits *limits);
struct ledger *ledger_free(struct ledger *l); /* accepts NULL, returns NULL */

/* Decision log: one deterministic line per applied input (no newline). */
void ledger_set_log(struct ledger *l, ledger_log_fn fn, void *userdata);
void ledger_set_decision_cb(struct ledger *l, ledger_decision_fn fn, void *userdata);

/*
 * A configuration change: ring_seq is the totem ring sequence (the same on
 * every member), members the new membership.  Drops quorum, starts a sync
 * round and snapshots the state to send.  The same ring_seq again is a CPG
 * change inside one totem ring (a ferryd process joined or left while
 * corosync stayed up) and starts a new round too.  Returns 0, or -EINVAL
 * (bad list), -ESTALE (ring_seq older than the current one), -E2BIG (more
 * than max_nodes: the ledger then refuses every request, "syncing", until a
 * smaller membership comes).
 */
int ledger_confchg(struct ledger *l, uint64_t ring_seq, const uint32_t *members, size_t n_members,
		   int64_t time_ms);

/*
 * This node's state for the current sync round, as wire message number idx
 * (0, 1, ...).  Writes *ret_len and returns 1 while more messages follow, 0
 * for the last one; -ENOBUFS if buf is too small (LEDGERMSG_MAX_LEN always
 * fits), -ENOENT if idx is past the end, -EAGAIN before the first confchg.
 */
int ledger_state_msg(struct ledger *l, int64_t time_ms, uint32_t idx, void *buf, size_t len,
		     size_t *ret_len);

/*
 * One message delivered in agreed order.  Malformed or unknown messages are
 * logged with the sender and dropped (the negative errno is returned).
 * Returns 1 when the replicated state changed (persist it), 0 when not.
 */
int ledger_deliver(struct ledger *l, uint32_t sender, const void *buf, size_t len);

/* The same, already decoded (ledger_deliver calls these). */
int ledger_apply_request(struct ledger *l, uint32_t sender, const struct ledger_request *r,
			 struct ledger_decision *ret);
int ledger_apply_quorum(struct ledger *l, uint32_t sender, const struct ledger_quorum *q);
int ledger_apply_fence(struct ledger *l, uint32_t sender, uint32_t node, int64_t fenced_at_ms,
		       int64_t time_ms, struct ledger_decision *ret);
/* A move record: kept as the VM's last move (bounded); needs no quorum. */
int ledger_apply_move(struct ledger *l, uint32_t sender, const struct ledger_move *m);

/* Persistence / state transfer: a versioned text blob ("ferry-ledger 1").
 * serialize allocates *ret_buf (free() it); load replaces the replicated state
 * of a ledger that has not seen a confchg yet (-EBUSY otherwise), -EBADMSG on
 * a malformed blob (the ledger is then unchanged). */
int ledger_serialize(const struct ledger *l, char **ret_buf, size_t *ret_len);
int ledger_load(struct ledger *l, const char *buf, size_t len);

/*
 * Before the first configuration change: this replica's persisted state was
 * lost (the file was unusable).  It then joins sync rounds as "no state":
 * it takes the group's state only from a member that comes straight from
 * the last quorate configuration, never counts as a new node's empty state,
 * and a round that has no such member decides nothing.  Cleared once it
 * has taken the group's state (ledger_is_lost()).
 */
void ledger_set_lost(struct ledger *l);
bool ledger_is_lost(const struct ledger *l);

/* Why this replica refuses every change right now, beyond "syncing" and
 * "not quorate" (a sync round that could not complete, a two_node hold):
 * writes it to buf and returns true; false (buf "") when nothing blocks. */
bool ledger_blocked_why(const struct ledger *l, char *buf, size_t len);
/* two_node: the peer whose fence this partition waits for, or 0. */
uint32_t ledger_fence_wanted(const struct ledger *l);

/* Queries. */
bool ledger_is_quorate(const struct ledger *l);
bool ledger_is_synced(const struct ledger *l);
uint64_t ledger_epoch(const struct ledger *l);
uint64_t ledger_seq(const struct ledger *l);
uint64_t ledger_ring(const struct ledger *l);
size_t ledger_vm_count(const struct ledger *l);
int ledger_vm_get(const struct ledger *l, size_t idx, struct ledger_vm_info *ret);
int ledger_vm_find(const struct ledger *l, const char *uuid, struct ledger_vm_info *ret);
bool ledger_is_member(const struct ledger *l, uint32_t node);

#endif
