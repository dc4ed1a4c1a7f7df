/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ledgermsg.h - the ledger's CPG messages: fixed layout, little-endian.
 *
 * Every message is a header followed by one body:
 *
 *   header  magic u32 "FLDG" | version u16 | type u16 | length u32 | reserved u32
 *
 * length counts the whole message, header included, and must equal the
 * number of bytes delivered.  Decoding checks, in this order, and answers:
 *   shorter than a header                           -EBADMSG  (truncated)
 *   magic wrong                                     -EPROTO   (garbage)
 *   version != LEDGERMSG_VERSION                    -EPROTONOSUPPORT
 *   length or buffer > LEDGERMSG_MAX_LEN            -EMSGSIZE (oversize)
 *   length != bytes delivered                       -EBADMSG  (truncated)
 *   reserved header bits set                        -EINVAL
 *   type unknown                                    -EOPNOTSUPP
 *   shorter than the type's fixed body, or a fixed-size body of another
 *   size                                            -EBADMSG
 *   body invalid (string not NUL-terminated or not zero-padded, enum out of
 *   range, chunk bounds, reserved bytes not zero)   -EINVAL
 *
 * Protocol version history (bump on any layout or meaning change; a ferryd
 * drops messages of another version and logs them, so a rolling upgrade
 * needs every node on one version before ledger changes are made):
 *   1  ferry 0.1: requests, quorum report, fence confirmation, state chunk,
 *      move record.
 *   2  2026-12: restore commit and abort requests (the state "restoring");
 *      the quorum report carries two_node, wait_for_all, the peer and whether
 *      it is in votequorum's view, and the number of nodes in the nodelist; a state chunk says when
 * its sender lost its state (unusable file: it may not be taken as a new node's). Added later in
 * version 2 (no layout of an existing type changed, so no bump: a bump would make every older node
 * drop every message of a newer one during a rolling upgrade): the drain operation (type 20). A
 * node without it logs "type not handled" and keeps no drain record; schedule drains only once
 * every node runs a ferryd that has it. Also added later in version 2: a live move's progress
 * (type 23), sent about every second by the node a running drain step moves a VM from; not ledger
 * state (the glue keeps the last one per step for ferryctl's progress lines), so a node without it
 * only logs "type not handled".
 * Also added later in version 2, the same way: the shared
 * directory probe and its answers (types 21 and 22), which are not ledger state: ferryd.c hands
 * them to shareprobe.c, never to the ledger.  A node without them logs "type not handled" and
 * does not answer, so the asker reports "no answer from ferryd" for it.
 */
#ifndef FERRY_LEDGERMSG_H
#define FERRY_LEDGERMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgertypes.h"

#define LEDGERMSG_MAGIC     0x47444c46u /* "FLDG" as little-endian bytes */
#define LEDGERMSG_VERSION   2
#define LEDGERMSG_CHUNK_MAX (32 * 1024)
#define LEDGERMSG_MAX_LEN   (64 * 1024)
#define LEDGERMSG_ERROR_MAX 128

enum ledgermsg_type {
	LEDGERMSG_ACQUIRE = 1,
	LEDGERMSG_RESTORE = 2,
	LEDGERMSG_RELEASE = 3,
	LEDGERMSG_MIGRATE_BEGIN = 4,
	LEDGERMSG_MIGRATE_COMMIT = 5,
	LEDGERMSG_MIGRATE_ABORT = 6,
	LEDGERMSG_SAVE = 7,
	LEDGERMSG_FORCE_RELEASE = 8,
	LEDGERMSG_RESTORE_COMMIT = 9,
	LEDGERMSG_RESTORE_ABORT = 10,
	LEDGERMSG_QUORUM = 16,
	LEDGERMSG_FENCE = 17,
	LEDGERMSG_STATE = 18,
	LEDGERMSG_MOVE = 19,
	LEDGERMSG_DRAIN = 20,
	LEDGERMSG_PROGRESS = 23,
	LEDGERMSG_PATH_PROBE = 21,  /* is this directory the same storage here? */
	LEDGERMSG_PATH_ANSWER = 22, /* one member's answer to a probe */
};

#define LEDGERMSG_PATH_MAX      256 /* an absolute directory, with NUL */
#define LEDGERMSG_TOKEN_MAX     48  /* a probe's token: [0-9a-f.], with NUL */
#define LEDGERMSG_PATH_TEXT_MAX 192 /* an answer's text, with NUL */

/* Wire layouts (all fields little-endian, no implicit padding). */
struct ledgermsg_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t length;
	uint32_t reserved;
};

struct ledgermsg_req_wire {
	uint64_t req_id;
	int64_t time_ms;
	uint64_t gen;
	uint32_t target;
	uint8_t mode;
	uint8_t reserved[3];
	char uuid[LEDGER_UUID_MAX];
	char name[LEDGER_NAME_MAX];
};

#define LEDGERMSG_QUORUM_TWO_NODE     0x1u
#define LEDGERMSG_QUORUM_WAIT_FOR_ALL 0x2u
#define LEDGERMSG_QUORUM_PEER_IN_VIEW 0x4u

struct ledgermsg_quorum_wire {
	uint64_t ring_seq;
	int64_t time_ms;
	uint8_t quorate;
	uint8_t flags;     /* LEDGERMSG_QUORUM_* */
	uint16_t expected; /* nodes in the nodelist, 0 unknown */
	uint32_t peer;
};

struct ledgermsg_fence_wire {
	int64_t fenced_at_ms;
	int64_t time_ms;
	uint32_t node;
	uint32_t reserved;
};

struct ledgermsg_state_wire {
	uint64_t ring_seq;
	int64_t time_ms;
	uint64_t epoch;
	uint64_t seq;
	uint32_t total_len; /* whole blob */
	uint32_t offset;    /* of this chunk */
	uint32_t chunk_len; /* bytes following this struct */
	uint8_t was_quorate;
	uint8_t no_state; /* 1: the sender lost its state; data is an empty ledger */
	uint8_t reserved[2];
	/* uint8_t data[chunk_len]; */
};

struct ledgermsg_move_wire {
	char uuid[LEDGER_UUID_MAX];
	char name[LEDGER_NAME_MAX];
	uint32_t from;
	uint32_t to;
	int64_t start_ms;
	int64_t total_ms;
	int64_t downtime_ms;
	int64_t guest_gap_ms;
	int64_t bytes;
	uint8_t mode;
	uint8_t result;
	uint8_t reserved[6];
	char error[LEDGERMSG_ERROR_MAX];
};

/* A drain operation; SUBMIT is followed by record_len bytes of the record
 * (ledgerblob_drain_write's lines), every other op by none. */
struct ledgermsg_drain_wire {
	uint64_t req_id;
	int64_t time_ms;
	uint32_t id;
	uint32_t step;
	uint32_t state;
	uint32_t record_len;
	uint8_t op;
	uint8_t reserved[7];
	char node[LEDGER_NAME_MAX];
	char text[LEDGER_TEXT_MAX];
};

/* A live move's progress: memory left to copy, from the source's libvirt job. */
struct ledgermsg_progress_wire {
	uint32_t id;   /* the drain */
	uint32_t step; /* its step */
	uint64_t left_bytes;
	uint64_t total_bytes;
	int64_t time_ms;
	char vm[LEDGER_NAME_MAX];
};

struct ledgermsg_progress {
	uint32_t id;
	uint32_t step;
	uint64_t left_bytes;
	uint64_t total_bytes;
	int64_t time_ms; /* sender's clock */
	char vm[LEDGER_NAME_MAX];
};

/* A shared directory probe: the asker wrote path/.ferry-share.<token>
 * holding the token; probe_id is the asker's (non-zero). */
struct ledgermsg_path_probe_wire {
	uint64_t probe_id;
	char path[LEDGERMSG_PATH_MAX];
	char token[LEDGERMSG_TOKEN_MAX];
};

struct ledgermsg_path_answer_wire {
	uint64_t probe_id;
	uint32_t asker; /* node id of the probe's sender */
	int32_t result; /* 0 or -errno, > -4096 */
	char text[LEDGERMSG_PATH_TEXT_MAX];
};

/*
 * The configuration-id announcement (cfgid.h): not a ledger message but the
 * rule's own, with its own 24-byte layout and magic, older than this codec
 * (it was the glue's "FGLU" message; the bytes are the same, so old and new
 * ferryd mix in a rolling upgrade):
 *
 *   magic u32 "FGLU" | version u16 | type u16 | length u32 | reserved u32 | cfg_id u64
 *
 * Version history: 1  ferry 0.1: CONFIG (type 1), the id to apply.
 * Decoding answers -ENOMSG for bytes that are not this message (shorter than
 * a magic, or another magic: hand them to ledgermsg_decode), -EBADMSG for a
 * size other than 24 or a length field other than 24, -EPROTONOSUPPORT for
 * another version, -EOPNOTSUPP for another type.  reserved is not checked
 * (it never was).
 */
#define LEDGERMSG_CFGID_MAGIC   0x554c4746u /* "FGLU" as little-endian bytes */
#define LEDGERMSG_CFGID_VERSION 1
#define LEDGERMSG_CFGID_CONFIG  1

struct ledgermsg_cfgid_wire {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t length; /* whole message */
	uint32_t reserved;
	uint64_t cfg_id;
};

/* Decoded, host order.  state.data points into the decoded buffer. */
struct ledgermsg_state {
	uint64_t ring_seq;
	int64_t time_ms;
	uint64_t epoch;
	uint64_t seq;
	uint32_t total_len;
	uint32_t offset;
	uint32_t chunk_len;
	bool was_quorate;
	bool no_state;
	const uint8_t *data;
};

struct ledgermsg_path_probe {
	uint64_t probe_id;
	char path[LEDGERMSG_PATH_MAX]; /* absolute */
	char token[LEDGERMSG_TOKEN_MAX];
};

struct ledgermsg_path_answer {
	uint64_t probe_id;
	uint32_t asker;
	int32_t result;
	char text[LEDGERMSG_PATH_TEXT_MAX];
};

struct ledgermsg {
	enum ledgermsg_type type;
	union {
		struct ledger_request req; /* the request types */
		struct ledger_quorum quorum;
		struct {
			uint32_t node;
			int64_t fenced_at_ms;
			int64_t time_ms;
		} fence;
		struct ledgermsg_state state;
		struct ledger_move move;
		struct ledger_drain_msg drain; /* drain.record points into the buffer */
		struct ledgermsg_progress progress;
		struct ledgermsg_path_probe probe;
		struct ledgermsg_path_answer answer;
	} u;
};

const char *ledgermsg_type_name(uint16_t type); /* "unknown" for unknown types */
bool ledgermsg_type_is_request(uint16_t type);
int ledgermsg_type_from_op(enum ledger_op op); /* type, or -EINVAL for FENCE */

/* A short fixed name for a decode error ("truncated", "wrong-version", ...). */
const char *ledgermsg_strerror(int err);

/* Decodes and validates buf (see the table above for the errors). */
int ledgermsg_decode(const void *buf, size_t len, struct ledgermsg *ret);

/* Encoders: write the whole message into buf, *ret_len its length.
 * -ENOBUFS if buf is too small, -EINVAL / -ENAMETOOLONG on a bad field. */
int ledgermsg_encode_request(const struct ledger_request *r, void *buf, size_t len,
                             size_t *ret_len);
int ledgermsg_encode_quorum(const struct ledger_quorum *q, void *buf, size_t len, size_t *ret_len);
int ledgermsg_encode_fence(uint32_t node, int64_t fenced_at_ms, int64_t time_ms, void *buf,
                           size_t len, size_t *ret_len);
int ledgermsg_encode_state(const struct ledgermsg_state *s, void *buf, size_t len, size_t *ret_len);
int ledgermsg_encode_move(const struct ledger_move *m, void *buf, size_t len, size_t *ret_len);
int ledgermsg_encode_drain(const struct ledger_drain_msg *dm, void *buf, size_t len,
                           size_t *ret_len);
int ledgermsg_encode_progress(const struct ledgermsg_progress *p, void *buf, size_t len,
                              size_t *ret_len);
int ledgermsg_encode_path_probe(const struct ledgermsg_path_probe *p, void *buf, size_t len,
                                size_t *ret_len);
int ledgermsg_encode_path_answer(const struct ledgermsg_path_answer *a, void *buf, size_t len,
                                 size_t *ret_len);
/* The configuration-id announcement (above): CONFIG(cfg_id). */
int ledgermsg_encode_cfgid(uint64_t cfg_id, void *buf, size_t len, size_t *ret_len);
int ledgermsg_decode_cfgid(const void *buf, size_t len, uint64_t *ret_cfg_id);
/* A probe's token: 1 to LEDGERMSG_TOKEN_MAX - 1 of [0-9a-f.], not starting with '.'. */
bool ledgermsg_valid_token(const char *s);

#endif
