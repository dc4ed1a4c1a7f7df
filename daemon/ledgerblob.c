/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ledgerblob.c - write and parse the ledger's replicated state (the format
 * is described in ledgerblob.h).  Pure: strings in, strings out.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerblob.h"

/*
 * The largest blob the hard limits allow must fit LEDGER_STATE_MAX, or a full
 * ledger could not be persisted or transferred.  Worst cases, in bytes:
 * a vm line ~310 (63-byte name, every number at its widest), a move line
 * ~570 (127 error bytes escaped to 3 each), a node line ~60.
 */
#define BLOB_VM_MAX   (320 + 580)
#define BLOB_NODE_MAX 64
/* a drain line ~720 (two names, the note escaped), a step line ~900 */
#define BLOB_DRAIN_MAX (720 + LEDGER_DRAIN_STEPS * 900)
_Static_assert((size_t)LEDGER_MAX_VMS *BLOB_VM_MAX + (size_t)LEDGER_MAX_NODES * BLOB_NODE_MAX +
                               LEDGER_MAX_NODES * 12 + (size_t)LEDGER_MAX_DRAINS * BLOB_DRAIN_MAX +
                               256 <=
                       LEDGER_STATE_MAX,
               "a full ledger fits LEDGER_STATE_MAX");

static int
vm_state_from_name(const char *s)
{
	for (int i = 0; i < _LEDGER_VM_STATE_MAX; i++)
		if (strcmp(ledger_vm_state_name((enum ledger_vm_state)i), s) == 0)
			return i;
	return -EINVAL;
}

struct sbuf {
	char *buf;
	size_t len;
	size_t cap;
	int err;
};

__attribute__((format(printf, 2, 3))) static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err != 0)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->buf + b->len, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->err = -EINVAL;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		if (b->cap >= LEDGER_STATE_MAX) {
			b->err = -E2BIG;
			return;
		}
		size_t ncap = b->cap * 2 > LEDGER_STATE_MAX ? LEDGER_STATE_MAX : b->cap * 2;
		char *nb = realloc(b->buf, ncap);
		if (nb == NULL) {
			b->err = -ENOMEM;
			return;
		}
		b->buf = nb;
		b->cap = ncap;
	}
}

static void
sb_escaped(struct sbuf *b, const char *s)
{
	if (s[0] == '\0') {
		sb_printf(b, "-");
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p > ' ' && *p < 0x7f && *p != '%')
			sb_printf(b, "%c", *p);
		else
			sb_printf(b, "%%%02x", *p);
	}
}

static void
sb_ms(struct sbuf *b, int64_t ms)
{
	if (ms < 0)
		sb_printf(b, "-");
	else
		sb_printf(b, "%" PRId64, ms);
}

static void
drain_lines(struct sbuf *b, const struct ledger_drain *d)
{
	sb_printf(b,
	          "drain %" PRIu32 " kind=%s node=%s nodeid=%" PRIu32 " parallel=%" PRIu32
	          " flags=%" PRIu32 " at=%" PRId64 " wend=%" PRId64 " created=%" PRId64 " start=",
	          d->id, ledger_drain_kind_name(d->kind), d->node, d->node_id, d->parallel,
	          d->flags, d->at_ms, d->window_end_ms, d->created_ms);
	sb_ms(b, d->start_ms);
	sb_printf(b, " end=");
	sb_ms(b, d->end_ms);
	sb_printf(b, " runner=%" PRIu32 " requester=%" PRIu32 " by=", d->runner, d->requester);
	sb_escaped(b, d->requested_by);
	sb_printf(b, " state=%s note=", ledger_drain_state_name(d->state));
	sb_escaped(b, d->note);
	sb_printf(b, "\n");
	for (uint32_t i = 0; i < d->n_steps; i++) {
		const struct ledger_drain_step *st = &d->steps[i];

		sb_printf(b,
		          "step rsc=%s vm=%s wave=%" PRIu32 " kind=%s pgap=%" PRIu32
		          " pdur=%" PRIu32 " target=",
		          st->resource, st->vm, st->wave, ledger_mode_name(st->kind),
		          st->pred_gap_ms, st->pred_duration_ms);
		sb_escaped(b, st->target);
		sb_printf(b, " state=%s from=", ledger_step_state_name(st->state));
		sb_escaped(b, st->from);
		sb_printf(b, " to=");
		sb_escaped(b, st->to);
		sb_printf(b, " start=");
		sb_ms(b, st->start_ms);
		sb_printf(b, " end=");
		sb_ms(b, st->end_ms);
		sb_printf(b, " result=");
		sb_escaped(b, st->result);
		sb_printf(b, "\n");
	}
}

int
ledgerblob_drain_write(const struct ledger_drain *d, char **ret_buf, size_t *ret_len)
{
	struct sbuf b = {.cap = 4096};

	if (d == NULL || ret_buf == NULL || ret_len == NULL)
		return -EINVAL;
	b.buf = malloc(b.cap);
	if (b.buf == NULL)
		return -ENOMEM;
	b.buf[0] = '\0';
	drain_lines(&b, d);
	if (b.err != 0) {
		free(b.buf);
		return b.err;
	}
	*ret_buf = b.buf;
	*ret_len = b.len;
	return 0;
}

int
ledgerblob_write(const struct ledger_rstate *st, char **ret_buf, size_t *ret_len)
{
	struct sbuf b = {.cap = 4096};

	b.buf = malloc(b.cap);
	if (b.buf == NULL)
		return -ENOMEM;
	b.buf[0] = '\0';
	sb_printf(&b, "ferry-ledger %d\nepoch", st->n_drains > 0 ? 3 : 2);
	sb_printf(&b, " %" PRIu64 "\nseq %" PRIu64 "\nmembers", st->epoch, st->seq);
	for (size_t i = 0; i < st->n_members; i++)
		sb_printf(&b, " %" PRIu32, st->members[i]);
	sb_printf(&b, "\n");
	for (size_t i = 0; i < st->n_nodes; i++) {
		const struct ledger_noderec *n = &st->nodes[i];

		sb_printf(&b, "node %" PRIu32 " left=", n->id);
		sb_ms(&b, n->left_ms);
		sb_printf(&b, " fenced=");
		sb_ms(&b, n->fenced_ms);
		sb_printf(&b, " seen=");
		sb_ms(&b, n->seen_ms);
		sb_printf(&b, "\n");
	}
	for (size_t i = 0; i < st->n_vms; i++) {
		const struct ledger_vmrec *v = &st->vms[i];

		sb_printf(&b,
		          "vm %s %s state=%s owner=%" PRIu32 " target=%" PRIu32
		          " mode=%s gen=%" PRIu64 " since=%" PRId64 " tsince=%" PRId64
		          " cseq=%" PRIu64 " cms=%" PRId64 "\n",
		          v->uuid, v->name, ledger_vm_state_name(v->state), v->owner, v->target,
		          ledger_mode_name(v->mode), v->gen, v->since_ms, v->target_since_ms,
		          v->change_seq, v->change_ms);
		if (v->has_move) {
			const struct ledger_move *m = &v->move;

			sb_printf(&b,
			          "move from=%" PRIu32 " to=%" PRIu32
			          " mode=%s result=%s start=%" PRId64 " total=%" PRId64
			          " downtime=%" PRId64 " gap=%" PRId64 " bytes=%" PRId64 " error=",
			          m->from, m->to, ledger_mode_name(m->mode),
			          ledger_move_result_name(m->result), m->start_ms, m->total_ms,
			          m->downtime_ms, m->guest_gap_ms, m->bytes);
			sb_escaped(&b, m->error);
			sb_printf(&b, "\n");
		}
	}
	for (size_t i = 0; i < st->n_drains; i++)
		drain_lines(&b, &st->drains[i]);
	sb_printf(&b, "end\n");
	if (b.err != 0) {
		free(b.buf);
		return b.err;
	}
	*ret_buf = b.buf;
	*ret_len = b.len;
	return 0;
}

/* -- parsing: strict, canonical (what serialize writes, nothing else) -- */

/* The longest line is "members" with every node id (up to 10 digits and a
 * space each); the most tokens, "members" and one per node. */
#define LEDGERBLOB_LINE_MAX 1024
#define LEDGERBLOB_TOK_MAX  (1 + LEDGER_MAX_NODES)
_Static_assert(sizeof("members") + LEDGER_MAX_NODES * sizeof(" 4294967295") < LEDGERBLOB_LINE_MAX,
               "a members line at the node limit fits a parser line");
_Static_assert(LEDGERBLOB_TOK_MAX >= 12, "a vm line's tokens fit");

struct parser {
	const char *p;
	const char *end;
	char line[LEDGERBLOB_LINE_MAX];
	char *tok[LEDGERBLOB_TOK_MAX];
	int ntok;
};

/* Next line, split on single spaces.  1 = got one, 0 = end, <0 error. */
static int
next_line(struct parser *ps)
{
	const char *nl;
	size_t n;
	char *s;

	if (ps->p >= ps->end)
		return 0;
	nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
	if (nl == NULL)
		return -EBADMSG;
	n = (size_t)(nl - ps->p);
	if (n == 0 || n >= sizeof(ps->line))
		return -EBADMSG;
	if (memchr(ps->p, '\0', n) != NULL)
		return -EBADMSG;
	memcpy(ps->line, ps->p, n);
	ps->line[n] = '\0';
	ps->p = nl + 1;
	ps->ntok = 0;
	s = ps->line;
	for (;;) {
		if (ps->ntok >= (int)(sizeof(ps->tok) / sizeof(ps->tok[0])))
			return -EBADMSG;
		ps->tok[ps->ntok++] = s;
		s = strchr(s, ' ');
		if (s == NULL)
			break;
		*s++ = '\0';
	}
	for (int i = 0; i < ps->ntok; i++)
		if (ps->tok[i][0] == '\0')
			return -EBADMSG;
	return 1;
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -EBADMSG;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EBADMSG;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -EBADMSG;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*ret = v;
	return 0;
}

/* int64 >= -1 written as a number, or "-" for -1 when dash_ok. */
static int
parse_ms(const char *s, bool dash_ok, int64_t *ret)
{
	uint64_t v;

	if (dash_ok && strcmp(s, "-") == 0) {
		*ret = -1;
		return 0;
	}
	if (!dash_ok && strcmp(s, "-1") == 0) {
		*ret = -1;
		return 0;
	}
	if (parse_u64(s, INT64_MAX, &v) < 0)
		return -EBADMSG;
	*ret = (int64_t)v;
	return 0;
}

static const char *
kv(const char *tok, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(tok, key, n) != 0 || tok[n] != '=')
		return NULL;
	return tok + n + 1;
}

static int
parse_u32_node(const char *s, uint32_t *ret)
{
	uint64_t v;

	if (parse_u64(s, UINT32_MAX, &v) < 0)
		return -EBADMSG;
	*ret = (uint32_t)v;
	return 0;
}

/* Strict inverse of sb_escaped: anything sb_escaped would not write is refused. */
static int
parse_unescape(const char *s, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (strcmp(s, "-") == 0) {
		out[0] = '\0';
		return 0;
	}
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '%') {
			const char *h1 = s[1] != '\0' ? strchr(hex, s[1]) : NULL;
			const char *h2 = h1 != NULL && s[2] != '\0' ? strchr(hex, s[2]) : NULL;

			if (h1 == NULL || h2 == NULL)
				return -EBADMSG;
			c = (unsigned char)((h1 - hex) * 16 + (h2 - hex));
			if (c == '\0' || (c > ' ' && c < 0x7f && c != '%'))
				return -EBADMSG; /* would not have been escaped */
			s += 2;
		} else if (c <= ' ' || c >= 0x7f) {
			return -EBADMSG;
		}
		if (o + 1 >= size)
			return -EBADMSG;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

static int
parse_move(struct parser *ps, struct ledger_vmrec *v)
{
	static const char *const keys[] = {"from",  "to",       "mode", "result", "start",
	                                   "total", "downtime", "gap",  "bytes",  "error"};
	const char *val[10];
	struct ledger_move *m = &v->move;
	int x;

	if (ps->ntok != 11)
		return -EBADMSG;
	for (int i = 0; i < 10; i++) {
		val[i] = kv(ps->tok[i + 1], keys[i]);
		if (val[i] == NULL)
			return -EBADMSG;
	}
	memset(m, 0, sizeof(*m));
	memcpy(m->uuid, v->uuid, sizeof(m->uuid));
	memcpy(m->name, v->name, sizeof(m->name));
	if (parse_u32_node(val[0], &m->from) < 0 || parse_u32_node(val[1], &m->to) < 0)
		return -EBADMSG;
	x = ledger_mode_from_name(val[2]);
	if (x < 0)
		return -EBADMSG;
	m->mode = (enum ledger_mode)x;
	x = ledger_move_result_from_name(val[3]);
	if (x < 0)
		return -EBADMSG;
	m->result = (enum ledger_move_result)x;
	if (parse_ms(val[4], false, &m->start_ms) < 0 ||
	    parse_ms(val[5], false, &m->total_ms) < 0 ||
	    parse_ms(val[6], false, &m->downtime_ms) < 0 ||
	    parse_ms(val[7], false, &m->guest_gap_ms) < 0 || parse_ms(val[8], false, &m->bytes) < 0)
		return -EBADMSG;
	if (parse_unescape(val[9], m->error, sizeof(m->error)) < 0)
		return -EBADMSG;
	v->has_move = true;
	return 0;
}

static int
parse_vm(struct parser *ps, struct ledger_vmrec *v)
{
	static const char *const keys[] = {"state", "owner",  "target", "mode", "gen",
	                                   "since", "tsince", "cseq",   "cms"};
	const char *val[9];
	int x;

	if (ps->ntok != 12)
		return -EBADMSG;
	memset(v, 0, sizeof(*v));
	if (!ledger_valid_uuid(ps->tok[1]) || !ledger_valid_name(ps->tok[2]))
		return -EBADMSG;
	snprintf(v->uuid, sizeof(v->uuid), "%s", ps->tok[1]);
	snprintf(v->name, sizeof(v->name), "%s", ps->tok[2]);
	for (int i = 0; i < 9; i++) {
		val[i] = kv(ps->tok[i + 3], keys[i]);
		if (val[i] == NULL)
			return -EBADMSG;
	}
	x = vm_state_from_name(val[0]);
	if (x < 0)
		return -EBADMSG;
	v->state = (enum ledger_vm_state)x;
	x = ledger_mode_from_name(val[3]);
	if (x < 0)
		return -EBADMSG;
	v->mode = (enum ledger_mode)x;
	if (parse_u32_node(val[1], &v->owner) < 0 || parse_u32_node(val[2], &v->target) < 0 ||
	    parse_u64(val[4], UINT64_MAX, &v->gen) < 0 ||
	    parse_ms(val[5], false, &v->since_ms) < 0 ||
	    parse_ms(val[6], false, &v->target_since_ms) < 0 ||
	    parse_u64(val[7], UINT64_MAX, &v->change_seq) < 0 ||
	    parse_ms(val[8], false, &v->change_ms) < 0)
		return -EBADMSG;
	/* holders must match the state */
	switch (v->state) {
	case LEDGER_VM_RUNNING:
	case LEDGER_VM_RESTORING:
		if (v->owner == 0 || v->target != 0)
			return -EBADMSG;
		break;
	case LEDGER_VM_MIGRATING:
		if (v->owner == 0 || v->target == 0 || v->owner == v->target)
			return -EBADMSG;
		break;
	case LEDGER_VM_STOPPED:
	case LEDGER_VM_SAVED:
	default:
		if (v->owner != 0 || v->target != 0)
			return -EBADMSG;
		break;
	}
	return 0;
}

static int
parse_i64(const char *s, int64_t *ret)
{
	uint64_t v;

	if (parse_u64(s, INT64_MAX, &v) < 0)
		return -EBADMSG;
	*ret = (int64_t)v;
	return 0;
}

static int
parse_u32(const char *s, uint32_t *ret)
{
	return parse_u32_node(s, ret);
}

/* The values of tokens 1.. of the line, checked against keys (first is tok[first]). */
static int
kvs(struct parser *ps, int first, const char *const *keys, int n, const char **val)
{
	if (ps->ntok != first + n)
		return -EBADMSG;
	for (int i = 0; i < n; i++) {
		val[i] = kv(ps->tok[first + i], keys[i]);
		if (val[i] == NULL)
			return -EBADMSG;
	}
	return 0;
}

static int
parse_drain(struct parser *ps, struct ledger_drain *d)
{
	static const char *const keys[] = {"kind",   "node",      "nodeid",  "parallel", "flags",
	                                   "at",     "wend",      "created", "start",    "end",
	                                   "runner", "requester", "by",      "state",    "note"};
	const char *val[15];

	memset(d, 0, sizeof(*d));
	if (kvs(ps, 2, keys, 15, val) < 0 || parse_u32(ps->tok[1], &d->id) < 0 || d->id == 0)
		return -EBADMSG;
	if (ledger_drain_kind_from_name(val[0], &d->kind) < 0 || !ledger_valid_name(val[1]) ||
	    ledger_drain_state_from_name(val[13], &d->state) < 0)
		return -EBADMSG;
	snprintf(d->node, sizeof(d->node), "%s", val[1]);
	if (parse_u32(val[2], &d->node_id) < 0 || parse_u32(val[3], &d->parallel) < 0 ||
	    d->parallel == 0 || parse_u32(val[4], &d->flags) < 0 ||
	    parse_i64(val[5], &d->at_ms) < 0 || parse_i64(val[6], &d->window_end_ms) < 0 ||
	    parse_i64(val[7], &d->created_ms) < 0 || parse_ms(val[8], true, &d->start_ms) < 0 ||
	    parse_ms(val[9], true, &d->end_ms) < 0 || parse_u32(val[10], &d->runner) < 0 ||
	    parse_u32(val[11], &d->requester) < 0 ||
	    parse_unescape(val[12], d->requested_by, sizeof(d->requested_by)) < 0 ||
	    parse_unescape(val[14], d->note, sizeof(d->note)) < 0)
		return -EBADMSG;
	return 0;
}

static int
parse_step(struct parser *ps, struct ledger_drain *d)
{
	static const char *const keys[] = {"rsc",   "vm",     "wave",  "kind", "pgap",
	                                   "pdur",  "target", "state", "from", "to",
	                                   "start", "end",    "result"};
	const char *val[13];
	struct ledger_drain_step *st;
	int x;

	if (d->n_steps >= LEDGER_DRAIN_STEPS || kvs(ps, 1, keys, 13, val) < 0)
		return -EBADMSG;
	st = &d->steps[d->n_steps];
	memset(st, 0, sizeof(*st));
	if (!ledger_valid_name(val[0]) || !ledger_valid_name(val[1]))
		return -EBADMSG;
	snprintf(st->resource, sizeof(st->resource), "%s", val[0]);
	snprintf(st->vm, sizeof(st->vm), "%s", val[1]);
	x = ledger_mode_from_name(val[3]);
	if (x < 0 || ledger_step_state_from_name(val[7], &st->state) < 0)
		return -EBADMSG;
	st->kind = (enum ledger_mode)x;
	if (parse_u32(val[2], &st->wave) < 0 || parse_u32(val[4], &st->pred_gap_ms) < 0 ||
	    parse_u32(val[5], &st->pred_duration_ms) < 0 ||
	    parse_unescape(val[6], st->target, sizeof(st->target)) < 0 ||
	    parse_unescape(val[8], st->from, sizeof(st->from)) < 0 ||
	    parse_unescape(val[9], st->to, sizeof(st->to)) < 0 ||
	    parse_ms(val[10], true, &st->start_ms) < 0 ||
	    parse_ms(val[11], true, &st->end_ms) < 0 ||
	    parse_unescape(val[12], st->result, sizeof(st->result)) < 0)
		return -EBADMSG;
	d->n_steps++;
	return 0;
}

int
ledgerblob_drain_parse(const char *buf, size_t len, struct ledger_drain *ret)
{
	struct parser ps = {.p = buf, .end = buf + len};
	int r;

	if (buf == NULL || ret == NULL)
		return -EBADMSG;
	r = next_line(&ps);
	if (r <= 0 || strcmp(ps.tok[0], "drain") != 0 || parse_drain(&ps, ret) < 0)
		return -EBADMSG;
	for (;;) {
		r = next_line(&ps);
		if (r == 0)
			return 0;
		if (r < 0 || strcmp(ps.tok[0], "step") != 0 || parse_step(&ps, ret) < 0)
			return -EBADMSG;
	}
}

/* Parses a blob into st (whose vms array has room for max_vms). */
int
ledgerblob_parse(const char *buf, size_t len, const struct ledger_limits *lim,
                 struct ledger_rstate *st)
{
	struct parser ps = {.p = buf, .end = buf + len};
	uint64_t v;
	int r, format;

	st->n_members = st->n_nodes = st->n_vms = st->n_drains = 0;
	if (buf == NULL || len > LEDGER_STATE_MAX)
		return -EBADMSG;
	r = next_line(&ps);
	if (r <= 0 || ps.ntok != 2 || strcmp(ps.tok[0], "ferry-ledger") != 0)
		return -EBADMSG;
	if (strcmp(ps.tok[1], "1") == 0)
		format = 1;
	else if (strcmp(ps.tok[1], "2") == 0)
		format = 2;
	else if (strcmp(ps.tok[1], "3") == 0)
		format = 3;
	else
		return -EBADMSG;
	r = next_line(&ps);
	if (r <= 0 || ps.ntok != 2 || strcmp(ps.tok[0], "epoch") != 0 ||
	    parse_u64(ps.tok[1], UINT64_MAX, &st->epoch) < 0)
		return -EBADMSG;
	r = next_line(&ps);
	if (r <= 0 || ps.ntok != 2 || strcmp(ps.tok[0], "seq") != 0 ||
	    parse_u64(ps.tok[1], UINT64_MAX, &st->seq) < 0)
		return -EBADMSG;
	r = next_line(&ps);
	if (r <= 0 || strcmp(ps.tok[0], "members") != 0 || ps.ntok - 1 > (int)lim->max_nodes)
		return -EBADMSG;
	for (int i = 1; i < ps.ntok; i++) {
		uint32_t id;

		if (parse_u32_node(ps.tok[i], &id) < 0 || id == 0)
			return -EBADMSG;
		if (st->n_members > 0 && id <= st->members[st->n_members - 1])
			return -EBADMSG;
		st->members[st->n_members++] = id;
	}
	for (;;) {
		r = next_line(&ps);
		if (r <= 0)
			return -EBADMSG; /* "end" is required */
		if (strcmp(ps.tok[0], "end") == 0 && ps.ntok == 1)
			break;
		if (strcmp(ps.tok[0], "node") == 0) {
			struct ledger_noderec *n;
			const char *left, *fenced, *seen = "-";

			if (ps.ntok != (format == 1 ? 4 : 5) || st->n_vms > 0 ||
			    st->n_nodes >= lim->max_nodes)
				return -EBADMSG;
			n = &st->nodes[st->n_nodes];
			left = kv(ps.tok[2], "left");
			fenced = kv(ps.tok[3], "fenced");
			if (format >= 2)
				seen = kv(ps.tok[4], "seen");
			if (parse_u32_node(ps.tok[1], &n->id) < 0 || n->id == 0 || left == NULL ||
			    fenced == NULL || seen == NULL ||
			    parse_ms(left, true, &n->left_ms) < 0 ||
			    parse_ms(fenced, true, &n->fenced_ms) < 0 ||
			    parse_ms(seen, true, &n->seen_ms) < 0)
				return -EBADMSG;
			if (st->n_nodes > 0 && n->id <= st->nodes[st->n_nodes - 1].id)
				return -EBADMSG;
			st->n_nodes++;
		} else if (strcmp(ps.tok[0], "drain") == 0) {
			struct ledger_drain *nd;

			if (format < 3 || st->drains == NULL || st->n_drains >= LEDGER_MAX_DRAINS)
				return -EBADMSG;
			nd = &st->drains[st->n_drains];
			if (parse_drain(&ps, nd) < 0)
				return -EBADMSG;
			if (st->n_drains > 0 && nd->id <= st->drains[st->n_drains - 1].id)
				return -EBADMSG;
			st->n_drains++;
		} else if (strcmp(ps.tok[0], "step") == 0) {
			if (st->n_drains == 0 || parse_step(&ps, &st->drains[st->n_drains - 1]) < 0)
				return -EBADMSG;
		} else if (strcmp(ps.tok[0], "vm") == 0) {
			struct ledger_vmrec *nv;

			if (st->n_drains > 0 || st->n_vms >= lim->max_vms)
				return -EBADMSG;
			nv = &st->vms[st->n_vms];
			if (parse_vm(&ps, nv) < 0 ||
			    (format == 1 && nv->state == LEDGER_VM_RESTORING))
				return -EBADMSG;
			if (st->n_vms > 0 && strcmp(nv->name, st->vms[st->n_vms - 1].name) <= 0)
				return -EBADMSG;
			for (size_t i = 0; i < st->n_vms; i++)
				if (strcmp(st->vms[i].uuid, nv->uuid) == 0)
					return -EBADMSG;
			st->n_vms++;
		} else if (strcmp(ps.tok[0], "move") == 0) {
			if (st->n_vms == 0 || st->vms[st->n_vms - 1].has_move)
				return -EBADMSG;
			if (parse_move(&ps, &st->vms[st->n_vms - 1]) < 0)
				return -EBADMSG;
		} else {
			return -EBADMSG;
		}
	}
	if (next_line(&ps) != 0)
		return -EBADMSG; /* nothing after "end" */
	if (format == 3 && st->n_drains == 0)
		return -EBADMSG; /* canonical: written as format 2 */
	(void)v;
	return 0;
}
