/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ledgertypes.h - the ledger's vocabulary: its limits, its enums and their
 * names, the records its inputs and outputs carry, and the rules for a VM's
 * name and UUID.
 *
 * The bottom of ferryd's pure core: ledger.c (the state machine),
 * ledgerblob.c (the state's text format) and ledgermsg.c (the CPG messages)
 * all speak it and none of them is needed to speak it, so the codecs do not
 * depend on the state machine that uses them.  The name functions keep the
 * ledger_ prefix: they name the ledger's values (ledger.h includes this).
 */
#ifndef FERRY_LEDGERTYPES_H
#define FERRY_LEDGERTYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ferry/movekind.h>

/* Hard limits: inputs beyond them are refused with an error, never truncated. */
#define LEDGER_MAX_VMS     1024
#define LEDGER_MAX_NODES   64
#define LEDGER_NAME_MAX    64                /* bytes including the NUL */
#define LEDGER_UUID_MAX    40                /* 36 characters + NUL, padded */
#define LEDGER_STATE_MAX   (2 * 1024 * 1024) /* serialized ledger, bytes: fits the limits above */
#define LEDGER_MAX_DRAINS  8   /* drain records kept (finished ones are evicted oldest first) */
#define LEDGER_DRAIN_STEPS 64  /* VMs one drain moves (DRAIN_MAX_VMS) */
#define LEDGER_TEXT_MAX    128 /* a step's result, a drain's note, with NUL */

enum ledger_vm_state {
	LEDGER_VM_STOPPED,
	LEDGER_VM_RUNNING,   /* owner runs it */
	LEDGER_VM_MIGRATING, /* owner -> target, mode */
	LEDGER_VM_SAVED,     /* image of generation gen on shared storage, no owner */
	LEDGER_VM_RESTORING, /* owner restores image gen; consumed only at its commit */
	_LEDGER_VM_STATE_MAX
};

/*
 * How a VM moves (MIGRATE_BEGIN) and how a recorded move went: the kinds of
 * ferry/movekind.h that the ledger tells apart, with their values and names.
 * A live move that fell back to quick is recorded as quick: the CPG messages
 * carry these three values, and an older node refuses any other.
 */
enum ledger_mode {
	LEDGER_MODE_LIVE = FERRY_MOVE_LIVE,
	LEDGER_MODE_QUICK = FERRY_MOVE_QUICK,     /* save on the source, restore on the target */
	LEDGER_MODE_RESTART = FERRY_MOVE_RESTART, /* stop on the source, start on the target */
	_LEDGER_MODE_MAX
};

enum ledger_op {
	LEDGER_OP_ACQUIRE, /* start on the sender */
	LEDGER_OP_RESTORE, /* restore image generation gen on the sender (-> restoring) */
	LEDGER_OP_RELEASE, /* the sender has no copy (stopped; during a migration: not here) */
	LEDGER_OP_MIGRATE_BEGIN,
	LEDGER_OP_MIGRATE_COMMIT,
	LEDGER_OP_MIGRATE_ABORT,
	LEDGER_OP_SAVE,           /* saved by the owner: answers the new gen */
	LEDGER_OP_FORCE_RELEASE,  /* admin: ferryctl release --force */
	LEDGER_OP_RESTORE_COMMIT, /* the restored copy runs: the image is consumed */
	LEDGER_OP_RESTORE_ABORT,  /* the restore failed and no copy ever ran: image kept */
	LEDGER_OP_FENCE,          /* fence confirmation (not a request) */
	LEDGER_OP_DRAIN,          /* a drain record's change (not a request: its own message) */
	_LEDGER_OP_MAX
};

enum ledger_verdict { LEDGER_GRANTED, LEDGER_REFUSED, _LEDGER_VERDICT_MAX };

enum ledger_reason {
	LEDGER_R_OK,
	LEDGER_R_ALREADY, /* granted, nothing to change */
	LEDGER_R_SYNCING, /* configuration changed, sync not finished */
	LEDGER_R_NOT_QUORATE,
	LEDGER_R_NOT_MEMBER, /* sender or target not in the membership */
	LEDGER_R_UNKNOWN_VM,
	LEDGER_R_INVALID,       /* bad name, uuid, mode or node id */
	LEDGER_R_NAME_MISMATCH, /* uuid known under another name */
	LEDGER_R_NAME_IN_USE,   /* name known under another uuid */
	LEDGER_R_TOO_MANY_VMS,
	LEDGER_R_OWNED_ELSEWHERE, /* a live member holds it */
	LEDGER_R_ORPHANED,        /* its holder left and is not fenced yet */
	LEDGER_R_NOT_OWNER,
	LEDGER_R_BAD_STATE,
	LEDGER_R_TARGET_LOST, /* migration target left */
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

/* A recorded move's result: ferry/movekind.h's, value for value (on the CPG wire). */
enum ledger_move_result {
	LEDGER_MOVE_OK = FERRY_MOVE_OK,
	LEDGER_MOVE_ABORTED = FERRY_MOVE_ABORTED,
	LEDGER_MOVE_FAILED = FERRY_MOVE_FAILED,
	_LEDGER_MOVE_RESULT_MAX
};
_Static_assert((int)_LEDGER_MOVE_RESULT_MAX == (int)_FERRY_MOVE_RESULT_MAX,
               "the ledger records every move result");

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
	bool has_move; /* last_move is valid */
	struct ledger_move last_move;
};

/*
 * A maintenance drain (or undrain) of one node, carried out by one ferryd
 * (the runner) through Pacemaker.  Replicated: it survives the loss of the
 * node that asked for it and of the runner.
 */
#include "ferry/enumtab.h"

enum ledger_drain_kind { LEDGER_DRAIN_DRAIN, LEDGER_DRAIN_UNDRAIN, _LEDGER_DRAIN_KIND_MAX };
FERRY_ENUM_DECL(ledger_drain_kind, enum ledger_drain_kind); /* "drain", "undrain" */

enum ledger_drain_state {
	LEDGER_DRAIN_SCHEDULED, /* waiting for its time */
	LEDGER_DRAIN_RUNNING,
	LEDGER_DRAIN_DONE,
	LEDGER_DRAIN_CANCELLED,
	LEDGER_DRAIN_WINDOW_END, /* stopped starting moves at the window's end */
	_LEDGER_DRAIN_STATE_MAX
};
/* "scheduled", "running", "done", "cancelled", "stopped-by-window" */
FERRY_ENUM_DECL(ledger_drain_state, enum ledger_drain_state);

enum ledger_step_state {
	LEDGER_STEP_PENDING,
	LEDGER_STEP_RUNNING,
	LEDGER_STEP_DONE,
	LEDGER_STEP_FAILED,
	LEDGER_STEP_SKIPPED,
	_LEDGER_STEP_STATE_MAX
};
/* "pending", "running", "done", "failed", "skipped" */
FERRY_ENUM_DECL(ledger_step_state, enum ledger_step_state);

/* What one drain operation message does (enum ledger_drain_op). */
enum ledger_drain_op {
	LEDGER_DOP_SUBMIT,     /* any member: a new record (text = the record) */
	LEDGER_DOP_START,      /* runner: scheduled -> running */
	LEDGER_DOP_STEP_BEGIN, /* runner: step pending -> running (from) */
	LEDGER_DOP_STEP_END,   /* runner: step -> done|failed|skipped (to, result) */
	LEDGER_DOP_FINISH,     /* runner: -> done | stopped-by-window (result) */
	LEDGER_DOP_CANCEL,     /* any member: scheduled|running -> cancelled */
	_LEDGER_DOP_MAX
};
/* "submit", "start", "step-begin", "step-end", "finish", "cancel" */
FERRY_ENUM_DECL(ledger_drain_op, enum ledger_drain_op);

struct ledger_drain_step {
	char resource[LEDGER_NAME_MAX];
	char vm[LEDGER_NAME_MAX];
	uint32_t wave;
	enum ledger_mode kind;
	uint32_t pred_gap_ms;
	uint32_t pred_duration_ms;
	char target[LEDGER_NAME_MAX]; /* planned (Pacemaker's choice; undrain: the origin) */
	enum ledger_step_state state;
	char from[LEDGER_NAME_MAX];   /* where it was when the step began ("" unknown) */
	char to[LEDGER_NAME_MAX];     /* where it ended up ("" unknown) */
	int64_t start_ms;             /* -1 not yet */
	int64_t end_ms;               /* -1 not yet */
	char result[LEDGER_TEXT_MAX]; /* "" or what happened */
};

struct ledger_drain {
	uint32_t id; /* given by the ledger at submit, > 0 */
	enum ledger_drain_kind kind;
	char node[LEDGER_NAME_MAX]; /* the drained node's name */
	uint32_t node_id;
	uint32_t parallel;
	uint32_t flags;        /* LEDGER_DRAIN_F_* */
	int64_t at_ms;         /* 0 = now */
	int64_t window_end_ms; /* 0 = no window */
	int64_t created_ms;
	int64_t start_ms; /* -1 not yet */
	int64_t end_ms;   /* -1 not yet */
	uint32_t runner;  /* nodeid, 0 none */
	uint32_t requester;
	char requested_by[LEDGER_NAME_MAX]; /* "user@node" */
	enum ledger_drain_state state;
	char note[LEDGER_TEXT_MAX]; /* why it ended as it did, or "" */
	uint32_t n_steps;
	struct ledger_drain_step steps[LEDGER_DRAIN_STEPS];
};
#define LEDGER_DRAIN_F_FORCE 0x1u

/* A drain operation as carried by a CPG message (sender comes from CPG). */
struct ledger_drain_msg {
	enum ledger_drain_op op;
	uint64_t req_id;
	int64_t time_ms; /* sender's clock */
	uint32_t id;     /* the record (not SUBMIT) */
	uint32_t step;   /* STEP_* */
	uint32_t state;  /* STEP_END: enum ledger_step_state; FINISH: enum ledger_drain_state */
	char node[LEDGER_NAME_MAX]; /* STEP_BEGIN: from; STEP_END: to */
	char text[LEDGER_TEXT_MAX]; /* STEP_END, FINISH: the result */
	const char *record;         /* SUBMIT: the record, ledgerblob_drain_write's lines */
	size_t record_len;
};

const char *ledger_vm_state_name(enum ledger_vm_state s);
/* ledger_mode and ledger_move_result: ferry_move_kind_name()'s and
 * ferry_move_result_name()'s names (movekind.h), "(out-of-range)" beyond */
const char *ledger_mode_name(enum ledger_mode m);
int ledger_mode_from_name(const char *s); /* enum value or -EINVAL */
const char *ledger_op_name(enum ledger_op op);
const char *ledger_verdict_name(enum ledger_verdict v);
const char *ledger_reason_name(enum ledger_reason r);
const char *ledger_move_result_name(enum ledger_move_result r);
int ledger_move_result_from_name(const char *s); /* enum value or -EINVAL */

/* Names: 1..63 of [A-Za-z0-9._+:@-]; uuids: canonical lower-case 8-4-4-4-12. */
bool ledger_valid_name(const char *s);
bool ledger_valid_uuid(const char *s);

#endif
