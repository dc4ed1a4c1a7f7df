/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ledgermsg.c - encode and decode the ledger's CPG messages.
 *
 * Every length is checked before any copy; nothing is trusted from the
 * wire.  Decoding goes through one table of {type, min_len, decoder} that
 * ends in an explicit unknown-type entry.
 */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "ledgermsg.h"

_Static_assert(sizeof(struct ledgermsg_hdr) == 16, "wire header layout");
_Static_assert(sizeof(struct ledgermsg_req_wire) == 136, "request layout");
_Static_assert(sizeof(struct ledgermsg_quorum_wire) == 24, "quorum layout");
_Static_assert(sizeof(struct ledgermsg_fence_wire) == 24, "fence layout");
_Static_assert(sizeof(struct ledgermsg_state_wire) == 48, "state layout");
_Static_assert(sizeof(struct ledgermsg_move_wire) == 288, "move layout");
_Static_assert(sizeof(struct ledgermsg_drain_wire) == 232, "drain layout");
_Static_assert(sizeof(struct ledgermsg_progress_wire) == 96, "progress layout");
_Static_assert(sizeof(struct ledgermsg_path_probe_wire) == 312, "path probe layout");
_Static_assert(sizeof(struct ledgermsg_path_answer_wire) == 208, "path answer layout");
_Static_assert(sizeof(struct ledgermsg_cfgid_wire) == 24, "configuration-id message layout");
_Static_assert(sizeof(struct ledgermsg_hdr) + sizeof(struct ledgermsg_state_wire) +
                               LEDGERMSG_CHUNK_MAX <=
                       LEDGERMSG_MAX_LEN,
               "a full state chunk fits in a message");
_Static_assert(sizeof(((struct ledgermsg_move_wire *)0)->error) ==
                       sizeof(((struct ledger_move *)0)->error),
               "move error field");

#define HDR_LEN sizeof(struct ledgermsg_hdr)

/* ---- bounded strings ---- */

/* A wire string field: NUL-terminated inside the field, zero after the NUL
 * (so equal messages are equal bytes and stray data is caught). */
static int
wire_str_check(const char *field, size_t size)
{
	const char *nul = memchr(field, '\0', size);

	if (nul == NULL)
		return -EINVAL;
	for (const char *p = nul; p < field + size; p++)
		if (*p != '\0')
			return -EINVAL;
	return 0;
}

static int
wire_str_put(char *field, size_t size, const char *s)
{
	size_t n = strnlen(s, size);

	if (n >= size)
		return -ENAMETOOLONG;
	memset(field, 0, size);
	memcpy(field, s, n);
	return 0;
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* ---- header ---- */

static int
put_header(void *buf, size_t len, uint16_t type, size_t body_len, size_t *ret_len)
{
	struct ledgermsg_hdr h;
	size_t total = HDR_LEN + body_len;

	if (total > LEDGERMSG_MAX_LEN)
		return -EMSGSIZE;
	if (buf == NULL || len < total)
		return -ENOBUFS;
	memset(&h, 0, sizeof(h));
	h.magic = htole32(LEDGERMSG_MAGIC);
	h.version = htole16(LEDGERMSG_VERSION);
	h.type = htole16(type);
	h.length = htole32((uint32_t)total);
	memcpy(buf, &h, sizeof(h));
	*ret_len = total;
	return 0;
}

/* ---- decoders: body points after the header, body_len already >= min ---- */

static int
decode_request(uint16_t type, const uint8_t *body, size_t body_len, struct ledgermsg *m)
{
	struct ledgermsg_req_wire w;
	struct ledger_request *r = &m->u.req;

	if (body_len != sizeof(w))
		return -EBADMSG;
	memcpy(&w, body, sizeof(w));
	if (wire_str_check(w.uuid, sizeof(w.uuid)) < 0 ||
	    wire_str_check(w.name, sizeof(w.name)) < 0)
		return -EINVAL;
	if (w.mode >= _LEDGER_MODE_MAX || !all_zero(w.reserved, sizeof(w.reserved)))
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->op = (enum ledger_op)(type - LEDGERMSG_ACQUIRE);
	r->req_id = le64toh(w.req_id);
	r->time_ms = (int64_t)le64toh((uint64_t)w.time_ms);
	r->gen = le64toh(w.gen);
	r->target = le32toh(w.target);
	r->mode = (enum ledger_mode)w.mode;
	memcpy(r->uuid, w.uuid, sizeof(r->uuid));
	memcpy(r->name, w.name, sizeof(r->name));
	return 0;
}

static int
decode_quorum(uint16_t type, const uint8_t *body, size_t body_len, struct ledgermsg *m)
{
	struct ledgermsg_quorum_wire w;

	(void)type;
	if (body_len != sizeof(w))
		return -EBADMSG;
	memcpy(&w, body, sizeof(w));
	if (w.quorate > 1 ||
	    (w.flags & ~(LEDGERMSG_QUORUM_TWO_NODE | LEDGERMSG_QUORUM_WAIT_FOR_ALL |
	                 LEDGERMSG_QUORUM_PEER_IN_VIEW)) != 0)
		return -EINVAL;
	memset(&m->u.quorum, 0, sizeof(m->u.quorum));
	m->u.quorum.ring_seq = le64toh(w.ring_seq);
	m->u.quorum.time_ms = (int64_t)le64toh((uint64_t)w.time_ms);
	m->u.quorum.quorate = w.quorate == 1;
	m->u.quorum.two_node = (w.flags & LEDGERMSG_QUORUM_TWO_NODE) != 0;
	m->u.quorum.wait_for_all = (w.flags & LEDGERMSG_QUORUM_WAIT_FOR_ALL) != 0;
	m->u.quorum.peer_in_view = (w.flags & LEDGERMSG_QUORUM_PEER_IN_VIEW) != 0;
	m->u.quorum.peer = le32toh(w.peer);
	m->u.quorum.expected = le16toh(w.expected);
	return 0;
}

static int
decode_fence(uint16_t type, const uint8_t *body, size_t body_len, struct ledgermsg *m)
{
	struct ledgermsg_fence_wire w;

	(void)type;
	if (body_len != sizeof(w))
		return -EBADMSG;
	memcpy(&w, body, sizeof(w));
	if (w.reserved != 0)
		return -EINVAL;
	m->u.fence.node = le32toh(w.node);
	m->u.fence.fenced_at_ms = (int64_t)le64toh((uint64_t)w.fenced_at_ms);
	m->u.fence.time_ms = (int64_t)le64toh((uint64_t)w.time_ms);
	return 0;
}

static int
decode_state(uint16_t type, const uint8_t *body, size_t body_len, struct ledgermsg *m)
{
	struct ledgermsg_state_wire w;
	struct ledgermsg_state *s = &m->u.state;

	(void)type;
	memcpy(&w, body, sizeof(w));
	s->ring_seq = le64toh(w.ring_seq);
	s->time_ms = (int64_t)le64toh((uint64_t)w.time_ms);
	s->epoch = le64toh(w.epoch);
	s->seq = le64toh(w.seq);
	s->total_len = le32toh(w.total_len);
	s->offset = le32toh(w.offset);
	s->chunk_len = le32toh(w.chunk_len);
	if (w.was_quorate > 1 || w.no_state > 1 || !all_zero(w.reserved, sizeof(w.reserved)))
		return -EINVAL;
	s->was_quorate = w.was_quorate == 1;
	s->no_state = w.no_state == 1;
	if (s->chunk_len != body_len - sizeof(w))
		return -EBADMSG;
	if (s->chunk_len > LEDGERMSG_CHUNK_MAX || s->total_len > LEDGER_STATE_MAX ||
	    s->offset > s->total_len || s->chunk_len > s->total_len - s->offset)
		return -EINVAL;
	s->data = body + sizeof(w);
	return 0;
}

static int
decode_move(uint16_t type, const uint8_t *body, size_t body_len, struct ledgermsg *m)
{
	struct ledgermsg_move_wire w;
	struct ledger_move *mv = &m->u.move;

	(void)type;
	if (body_len != sizeof(w))
		return -EBADMSG;
	memcpy(&w, body, sizeof(w));
	if (wire_str_check(w.uuid, sizeof(w.uuid)) < 0 ||
	    wire_str_check(w.name, sizeof(w.name)) < 0 ||
	    wire_str_check(w.error, sizeof(w.error)) < 0)
		return -EINVAL;
	if (w.mode >= _LEDGER_MODE_MAX || w.result >= _LEDGER_MOVE_RESULT_MAX ||
	    !all_zero(w.reserved, sizeof(w.reserved)))
		return -EINVAL;
	memset(mv, 0, sizeof(*mv));
	memcpy(mv->uuid, w.uuid, sizeof(mv->uuid));
	memcpy(mv->name, w.name, sizeof(mv->name));
	memcpy(mv->error, w.error, sizeof(mv->error));
	mv->from = le32toh(w.from);
	mv->to = le32toh(w.to);
	mv->start_ms = (int64_t)le64toh((uint64_t)w.start_ms);
	mv->total_ms = (int64_t)le64toh((uint64_t)w.total_ms);
	mv->downtime_ms = (int64_t)le64toh((uint64_t)w.downtime_ms);
	mv->guest_gap_ms = (int64_t)le64toh((uint64_t)w.guest_gap_ms);
	mv->bytes = (int64_t)le64toh((uint64_t)w.bytes);
	mv->mode = (enum ledger_mode)w.mode;
	mv->result = (enum ledger_move_result)w.result;
	return 0;
}

static int
decode_drain(uint16_t type, const uint8_t *body, size_t body_len, struct ledgermsg *m)
{
	struct ledgermsg_drain_wire w;
	struct ledger_drain_msg *dm = &m->u.drain;

	(void)type;
	memcpy(&w, body, sizeof(w));
	if (wire_str_check(w.node, sizeof(w.node)) < 0 ||
	    wire_str_check(w.text, sizeof(w.text)) < 0)
		return -EINVAL;
	if (w.op >= _LEDGER_DOP_MAX || !all_zero(w.reserved, sizeof(w.reserved)))
		return -EINVAL;
	memset(dm, 0, sizeof(*dm));
	dm->op = (enum ledger_drain_op)w.op;
	dm->req_id = le64toh(w.req_id);
	dm->time_ms = (int64_t)le64toh((uint64_t)w.time_ms);
	dm->id = le32toh(w.id);
	dm->step = le32toh(w.step);
	dm->state = le32toh(w.state);
	dm->record_len = le32toh(w.record_len);
	if (dm->record_len != body_len - sizeof(w))
		return -EBADMSG;
	if ((dm->op == LEDGER_DOP_SUBMIT) != (dm->record_len > 0))
		return -EINVAL;
	memcpy(dm->node, w.node, sizeof(dm->node));
	memcpy(dm->text, w.text, sizeof(dm->text));
	dm->record = dm->record_len > 0 ? (const char *)body + sizeof(w) : NULL;
	return 0;
}

bool
ledgermsg_valid_token(const char *s)
{
	size_t n = strnlen(s, LEDGERMSG_TOKEN_MAX);

	if (n == 0 || n >= LEDGERMSG_TOKEN_MAX || s[0] == '.')
		return false;
	return strspn(s, "0123456789abcdef.") == n;
}

static int
decode_path_probe(uint16_t type, const uint8_t *body, size_t body_len, struct ledgermsg *m)
{
	struct ledgermsg_path_probe_wire w;
	struct ledgermsg_path_probe *p = &m->u.probe;

	(void)type;
	if (body_len != sizeof(w))
		return -EBADMSG;
	memcpy(&w, body, sizeof(w));
	if (wire_str_check(w.path, sizeof(w.path)) < 0 ||
	    wire_str_check(w.token, sizeof(w.token)) < 0)
		return -EINVAL;
	if (w.probe_id == 0 || w.path[0] != '/' || !ledgermsg_valid_token(w.token))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->probe_id = le64toh(w.probe_id);
	memcpy(p->path, w.path, sizeof(p->path));
	memcpy(p->token, w.token, sizeof(p->token));
	return 0;
}

static int
decode_path_answer(uint16_t type, const uint8_t *body, size_t body_len, struct ledgermsg *m)
{
	struct ledgermsg_path_answer_wire w;
	struct ledgermsg_path_answer *a = &m->u.answer;

	(void)type;
	if (body_len != sizeof(w))
		return -EBADMSG;
	memcpy(&w, body, sizeof(w));
	if (wire_str_check(w.text, sizeof(w.text)) < 0)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->probe_id = le64toh(w.probe_id);
	a->asker = le32toh(w.asker);
	a->result = (int32_t)le32toh((uint32_t)w.result);
	if (a->probe_id == 0 || a->asker == 0 || a->result > 0 || a->result <= -4096)
		return -EINVAL;
	memcpy(a->text, w.text, sizeof(a->text));
	return 0;
}

static int
decode_progress(uint16_t type, const uint8_t *body, size_t body_len, struct ledgermsg *m)
{
	struct ledgermsg_progress_wire w;
	struct ledgermsg_progress *p = &m->u.progress;

	(void)type;
	if (body_len != sizeof(w))
		return -EBADMSG;
	memcpy(&w, body, sizeof(w));
	if (wire_str_check(w.vm, sizeof(w.vm)) < 0)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->id = le32toh(w.id);
	p->step = le32toh(w.step);
	p->left_bytes = le64toh(w.left_bytes);
	p->total_bytes = le64toh(w.total_bytes);
	p->time_ms = (int64_t)le64toh((uint64_t)w.time_ms);
	memcpy(p->vm, w.vm, sizeof(p->vm));
	return 0;
}

static int
decode_unknown(uint16_t type, const uint8_t *body, size_t body_len, struct ledgermsg *m)
{
	(void)type;
	(void)body;
	(void)body_len;
	(void)m;
	return -EOPNOTSUPP;
}

typedef int (*decode_fn)(uint16_t type, const uint8_t *body, size_t body_len, struct ledgermsg *m);

static const struct {
	uint16_t type;
	const char *name;
	size_t min_len; /* header included */
	decode_fn decode;
} decoders[] = {
        {LEDGERMSG_ACQUIRE, "acquire", HDR_LEN + sizeof(struct ledgermsg_req_wire), decode_request},
        {LEDGERMSG_RESTORE, "restore", HDR_LEN + sizeof(struct ledgermsg_req_wire), decode_request},
        {LEDGERMSG_RELEASE, "release", HDR_LEN + sizeof(struct ledgermsg_req_wire), decode_request},
        {LEDGERMSG_MIGRATE_BEGIN, "migrate-begin", HDR_LEN + sizeof(struct ledgermsg_req_wire),
         decode_request},
        {LEDGERMSG_MIGRATE_COMMIT, "migrate-commit", HDR_LEN + sizeof(struct ledgermsg_req_wire),
         decode_request},
        {LEDGERMSG_MIGRATE_ABORT, "migrate-abort", HDR_LEN + sizeof(struct ledgermsg_req_wire),
         decode_request},
        {LEDGERMSG_SAVE, "save", HDR_LEN + sizeof(struct ledgermsg_req_wire), decode_request},
        {LEDGERMSG_FORCE_RELEASE, "force-release", HDR_LEN + sizeof(struct ledgermsg_req_wire),
         decode_request},
        {LEDGERMSG_RESTORE_COMMIT, "restore-commit", HDR_LEN + sizeof(struct ledgermsg_req_wire),
         decode_request},
        {LEDGERMSG_RESTORE_ABORT, "restore-abort", HDR_LEN + sizeof(struct ledgermsg_req_wire),
         decode_request},
        {LEDGERMSG_QUORUM, "quorum", HDR_LEN + sizeof(struct ledgermsg_quorum_wire), decode_quorum},
        {LEDGERMSG_FENCE, "fence", HDR_LEN + sizeof(struct ledgermsg_fence_wire), decode_fence},
        {LEDGERMSG_STATE, "state", HDR_LEN + sizeof(struct ledgermsg_state_wire), decode_state},
        {LEDGERMSG_MOVE, "move", HDR_LEN + sizeof(struct ledgermsg_move_wire), decode_move},
        {LEDGERMSG_DRAIN, "drain", HDR_LEN + sizeof(struct ledgermsg_drain_wire), decode_drain},
        {LEDGERMSG_PROGRESS, "progress", HDR_LEN + sizeof(struct ledgermsg_progress_wire),
         decode_progress},
        {LEDGERMSG_PATH_PROBE, "path-probe", HDR_LEN + sizeof(struct ledgermsg_path_probe_wire),
         decode_path_probe},
        {LEDGERMSG_PATH_ANSWER, "path-answer", HDR_LEN + sizeof(struct ledgermsg_path_answer_wire),
         decode_path_answer},
        /* must stay last: what every other type gets */
        {0, "unknown", HDR_LEN, decode_unknown},
};

#define N_DECODERS (sizeof(decoders) / sizeof(decoders[0]))

_Static_assert(LEDGERMSG_RESTORE_ABORT - LEDGERMSG_ACQUIRE == LEDGER_OP_RESTORE_ABORT,
               "request types follow enum ledger_op");
_Static_assert(LEDGER_OP_FENCE == LEDGER_OP_RESTORE_ABORT + 1, "fence is not a request");

static size_t
decoder_index(uint16_t type)
{
	size_t i;

	for (i = 0; i + 1 < N_DECODERS; i++)
		if (decoders[i].type == type)
			return i;
	return N_DECODERS - 1;
}

const char *
ledgermsg_type_name(uint16_t type)
{
	return decoders[decoder_index(type)].name;
}

bool
ledgermsg_type_is_request(uint16_t type)
{
	return type >= LEDGERMSG_ACQUIRE && type <= LEDGERMSG_RESTORE_ABORT;
}

int
ledgermsg_type_from_op(enum ledger_op op)
{
	if ((unsigned)op >= LEDGER_OP_FENCE)
		return -EINVAL;
	return LEDGERMSG_ACQUIRE + (int)op;
}

const char *
ledgermsg_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case -EBADMSG:
		return "truncated";
	case -EMSGSIZE:
		return "oversize";
	case -EPROTO:
		return "bad-magic";
	case -EPROTONOSUPPORT:
		return "wrong-version";
	case -EOPNOTSUPP:
		return "unknown-type";
	case -EINVAL:
		return "invalid-field";
	default:
		return "error";
	}
}

int
ledgermsg_decode(const void *buf, size_t len, struct ledgermsg *ret)
{
	struct ledgermsg_hdr h;
	struct ledgermsg m;
	uint32_t length;
	uint16_t type;
	size_t i;
	int r;

	if (buf == NULL || ret == NULL)
		return -EINVAL;
	if (len < HDR_LEN)
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	if (le32toh(h.magic) != LEDGERMSG_MAGIC)
		return -EPROTO;
	if (le16toh(h.version) != LEDGERMSG_VERSION)
		return -EPROTONOSUPPORT;
	length = le32toh(h.length);
	if (length > LEDGERMSG_MAX_LEN || len > LEDGERMSG_MAX_LEN)
		return -EMSGSIZE;
	if (length != len)
		return -EBADMSG;
	if (h.reserved != 0)
		return -EINVAL;
	type = le16toh(h.type);
	i = decoder_index(type);
	if (len < decoders[i].min_len)
		return -EBADMSG;

	memset(&m, 0, sizeof(m));
	m.type = (enum ledgermsg_type)type;
	r = decoders[i].decode(type, (const uint8_t *)buf + HDR_LEN, len - HDR_LEN, &m);
	if (r < 0)
		return r;
	*ret = m;
	return 0;
}

/* ---- encoders ---- */

int
ledgermsg_encode_request(const struct ledger_request *r, void *buf, size_t len, size_t *ret_len)
{
	struct ledgermsg_req_wire w;
	size_t total;
	int type, e;

	if (r == NULL || ret_len == NULL)
		return -EINVAL;
	type = ledgermsg_type_from_op(r->op);
	if (type < 0 || (unsigned)r->mode >= _LEDGER_MODE_MAX)
		return -EINVAL;
	memset(&w, 0, sizeof(w));
	e = wire_str_put(w.uuid, sizeof(w.uuid), r->uuid);
	if (e < 0)
		return e;
	e = wire_str_put(w.name, sizeof(w.name), r->name);
	if (e < 0)
		return e;
	w.req_id = htole64(r->req_id);
	w.time_ms = (int64_t)htole64((uint64_t)r->time_ms);
	w.gen = htole64(r->gen);
	w.target = htole32(r->target);
	w.mode = (uint8_t)r->mode;
	e = put_header(buf, len, (uint16_t)type, sizeof(w), &total);
	if (e < 0)
		return e;
	memcpy((uint8_t *)buf + HDR_LEN, &w, sizeof(w));
	*ret_len = total;
	return 0;
}

int
ledgermsg_encode_quorum(const struct ledger_quorum *q, void *buf, size_t len, size_t *ret_len)
{
	struct ledgermsg_quorum_wire w;
	size_t total;
	int e;

	if (q == NULL || ret_len == NULL)
		return -EINVAL;
	memset(&w, 0, sizeof(w));
	w.ring_seq = htole64(q->ring_seq);
	w.time_ms = (int64_t)htole64((uint64_t)q->time_ms);
	w.quorate = q->quorate ? 1 : 0;
	w.flags = (uint8_t)((q->two_node ? LEDGERMSG_QUORUM_TWO_NODE : 0) |
	                    (q->wait_for_all ? LEDGERMSG_QUORUM_WAIT_FOR_ALL : 0) |
	                    (q->peer_in_view ? LEDGERMSG_QUORUM_PEER_IN_VIEW : 0));
	w.peer = htole32(q->peer);
	w.expected = htole16(q->expected);
	e = put_header(buf, len, LEDGERMSG_QUORUM, sizeof(w), &total);
	if (e < 0)
		return e;
	memcpy((uint8_t *)buf + HDR_LEN, &w, sizeof(w));
	*ret_len = total;
	return 0;
}

int
ledgermsg_encode_fence(uint32_t node, int64_t fenced_at_ms, int64_t time_ms, void *buf, size_t len,
                       size_t *ret_len)
{
	struct ledgermsg_fence_wire w;
	size_t total;
	int e;

	if (ret_len == NULL)
		return -EINVAL;
	memset(&w, 0, sizeof(w));
	w.node = htole32(node);
	w.fenced_at_ms = (int64_t)htole64((uint64_t)fenced_at_ms);
	w.time_ms = (int64_t)htole64((uint64_t)time_ms);
	e = put_header(buf, len, LEDGERMSG_FENCE, sizeof(w), &total);
	if (e < 0)
		return e;
	memcpy((uint8_t *)buf + HDR_LEN, &w, sizeof(w));
	*ret_len = total;
	return 0;
}

int
ledgermsg_encode_state(const struct ledgermsg_state *s, void *buf, size_t len, size_t *ret_len)
{
	struct ledgermsg_state_wire w;
	size_t total;
	int e;

	if (s == NULL || ret_len == NULL || (s->chunk_len > 0 && s->data == NULL))
		return -EINVAL;
	if (s->chunk_len > LEDGERMSG_CHUNK_MAX || s->total_len > LEDGER_STATE_MAX ||
	    s->offset > s->total_len || s->chunk_len > s->total_len - s->offset)
		return -EINVAL;
	memset(&w, 0, sizeof(w));
	w.ring_seq = htole64(s->ring_seq);
	w.time_ms = (int64_t)htole64((uint64_t)s->time_ms);
	w.epoch = htole64(s->epoch);
	w.seq = htole64(s->seq);
	w.total_len = htole32(s->total_len);
	w.offset = htole32(s->offset);
	w.chunk_len = htole32(s->chunk_len);
	w.was_quorate = s->was_quorate ? 1 : 0;
	w.no_state = s->no_state ? 1 : 0;
	e = put_header(buf, len, LEDGERMSG_STATE, sizeof(w) + s->chunk_len, &total);
	if (e < 0)
		return e;
	memcpy((uint8_t *)buf + HDR_LEN, &w, sizeof(w));
	if (s->chunk_len > 0)
		memcpy((uint8_t *)buf + HDR_LEN + sizeof(w), s->data, s->chunk_len);
	*ret_len = total;
	return 0;
}

int
ledgermsg_encode_move(const struct ledger_move *m, void *buf, size_t len, size_t *ret_len)
{
	struct ledgermsg_move_wire w;
	size_t total;
	int e;

	if (m == NULL || ret_len == NULL)
		return -EINVAL;
	if ((unsigned)m->mode >= _LEDGER_MODE_MAX || (unsigned)m->result >= _LEDGER_MOVE_RESULT_MAX)
		return -EINVAL;
	memset(&w, 0, sizeof(w));
	e = wire_str_put(w.uuid, sizeof(w.uuid), m->uuid);
	if (e == 0)
		e = wire_str_put(w.name, sizeof(w.name), m->name);
	if (e == 0)
		e = wire_str_put(w.error, sizeof(w.error), m->error);
	if (e < 0)
		return e;
	w.from = htole32(m->from);
	w.to = htole32(m->to);
	w.start_ms = (int64_t)htole64((uint64_t)m->start_ms);
	w.total_ms = (int64_t)htole64((uint64_t)m->total_ms);
	w.downtime_ms = (int64_t)htole64((uint64_t)m->downtime_ms);
	w.guest_gap_ms = (int64_t)htole64((uint64_t)m->guest_gap_ms);
	w.bytes = (int64_t)htole64((uint64_t)m->bytes);
	w.mode = (uint8_t)m->mode;
	w.result = (uint8_t)m->result;
	e = put_header(buf, len, LEDGERMSG_MOVE, sizeof(w), &total);
	if (e < 0)
		return e;
	memcpy((uint8_t *)buf + HDR_LEN, &w, sizeof(w));
	*ret_len = total;
	return 0;
}

int
ledgermsg_encode_drain(const struct ledger_drain_msg *dm, void *buf, size_t len, size_t *ret_len)
{
	struct ledgermsg_drain_wire w;
	size_t total;
	int e;

	if (dm == NULL || ret_len == NULL || (unsigned)dm->op >= _LEDGER_DOP_MAX)
		return -EINVAL;
	if ((dm->op == LEDGER_DOP_SUBMIT) != (dm->record_len > 0) ||
	    (dm->record_len > 0 && dm->record == NULL))
		return -EINVAL;
	if (dm->record_len > LEDGERMSG_MAX_LEN)
		return -EMSGSIZE;
	memset(&w, 0, sizeof(w));
	e = wire_str_put(w.node, sizeof(w.node), dm->node);
	if (e == 0)
		e = wire_str_put(w.text, sizeof(w.text), dm->text);
	if (e < 0)
		return e;
	w.req_id = htole64(dm->req_id);
	w.time_ms = (int64_t)htole64((uint64_t)dm->time_ms);
	w.id = htole32(dm->id);
	w.step = htole32(dm->step);
	w.state = htole32(dm->state);
	w.record_len = htole32((uint32_t)dm->record_len);
	w.op = (uint8_t)dm->op;
	e = put_header(buf, len, LEDGERMSG_DRAIN, sizeof(w) + dm->record_len, &total);
	if (e < 0)
		return e;
	memcpy((uint8_t *)buf + HDR_LEN, &w, sizeof(w));
	if (dm->record_len > 0)
		memcpy((uint8_t *)buf + HDR_LEN + sizeof(w), dm->record, dm->record_len);
	*ret_len = total;
	return 0;
}

int
ledgermsg_encode_progress(const struct ledgermsg_progress *p, void *buf, size_t len,
                          size_t *ret_len)
{
	struct ledgermsg_progress_wire w;
	size_t total;
	int e;

	if (p == NULL || ret_len == NULL)
		return -EINVAL;
	memset(&w, 0, sizeof(w));
	e = wire_str_put(w.vm, sizeof(w.vm), p->vm);
	if (e < 0)
		return e;
	w.id = htole32(p->id);
	w.step = htole32(p->step);
	w.left_bytes = htole64(p->left_bytes);
	w.total_bytes = htole64(p->total_bytes);
	w.time_ms = (int64_t)htole64((uint64_t)p->time_ms);
	e = put_header(buf, len, LEDGERMSG_PROGRESS, sizeof(w), &total);
	if (e < 0)
		return e;
	memcpy((uint8_t *)buf + HDR_LEN, &w, sizeof(w));
	*ret_len = total;
	return 0;
}

int
ledgermsg_encode_path_probe(const struct ledgermsg_path_probe *p, void *buf, size_t len,
                            size_t *ret_len)
{
	struct ledgermsg_path_probe_wire w;
	size_t total;
	int e;

	if (p == NULL || ret_len == NULL || p->probe_id == 0 || p->path[0] != '/' ||
	    !ledgermsg_valid_token(p->token))
		return -EINVAL;
	memset(&w, 0, sizeof(w));
	e = wire_str_put(w.path, sizeof(w.path), p->path);
	if (e == 0)
		e = wire_str_put(w.token, sizeof(w.token), p->token);
	if (e < 0)
		return e;
	w.probe_id = htole64(p->probe_id);
	e = put_header(buf, len, LEDGERMSG_PATH_PROBE, sizeof(w), &total);
	if (e < 0)
		return e;
	memcpy((uint8_t *)buf + HDR_LEN, &w, sizeof(w));
	*ret_len = total;
	return 0;
}

int
ledgermsg_encode_path_answer(const struct ledgermsg_path_answer *a, void *buf, size_t len,
                             size_t *ret_len)
{
	struct ledgermsg_path_answer_wire w;
	size_t total;
	int e;

	if (a == NULL || ret_len == NULL || a->probe_id == 0 || a->asker == 0 || a->result > 0 ||
	    a->result <= -4096)
		return -EINVAL;
	memset(&w, 0, sizeof(w));
	e = wire_str_put(w.text, sizeof(w.text), a->text);
	if (e < 0)
		return e;
	w.probe_id = htole64(a->probe_id);
	w.asker = htole32(a->asker);
	w.result = (int32_t)htole32((uint32_t)a->result);
	e = put_header(buf, len, LEDGERMSG_PATH_ANSWER, sizeof(w), &total);
	if (e < 0)
		return e;
	memcpy((uint8_t *)buf + HDR_LEN, &w, sizeof(w));
	*ret_len = total;
	return 0;
}

/* ---- the configuration-id announcement (its own header, see ledgermsg.h) ---- */

int
ledgermsg_encode_cfgid(uint64_t cfg_id, void *buf, size_t len, size_t *ret_len)
{
	struct ledgermsg_cfgid_wire w;

	if (ret_len == NULL)
		return -EINVAL;
	if (buf == NULL || len < sizeof(w))
		return -ENOBUFS;
	memset(&w, 0, sizeof(w));
	w.magic = htole32(LEDGERMSG_CFGID_MAGIC);
	w.version = htole16(LEDGERMSG_CFGID_VERSION);
	w.type = htole16(LEDGERMSG_CFGID_CONFIG);
	w.length = htole32((uint32_t)sizeof(w));
	w.cfg_id = htole64(cfg_id);
	memcpy(buf, &w, sizeof(w));
	*ret_len = sizeof(w);
	return 0;
}

int
ledgermsg_decode_cfgid(const void *buf, size_t len, uint64_t *ret_cfg_id)
{
	struct ledgermsg_cfgid_wire w;
	uint32_t magic;

	if (buf == NULL || ret_cfg_id == NULL)
		return -EINVAL;
	if (len < sizeof(magic))
		return -ENOMSG;
	memcpy(&magic, buf, sizeof(magic));
	if (le32toh(magic) != LEDGERMSG_CFGID_MAGIC)
		return -ENOMSG;
	if (len != sizeof(w))
		return -EBADMSG;
	memcpy(&w, buf, sizeof(w));
	if (le16toh(w.version) != LEDGERMSG_CFGID_VERSION)
		return -EPROTONOSUPPORT;
	if (le16toh(w.type) != LEDGERMSG_CFGID_CONFIG)
		return -EOPNOTSUPP;
	if (le32toh(w.length) != sizeof(w))
		return -EBADMSG;
	*ret_cfg_id = le64toh(w.cfg_id);
	return 0;
}
