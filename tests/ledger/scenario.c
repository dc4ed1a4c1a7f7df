/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * scenario.c - replays a golden scenario through simulated ledger replicas.
 *
 *   test_scenario EVENTS-FILE   writes the decision log to stdout
 *
 * Every event line is echoed as "> line", followed by what each group (CPG
 * membership) logged, prefixed with its members: "[1 2] ...".  Members of a
 * group must log the same lines (agreed order); a difference is printed as
 * "!! divergence", and so are broken invariants (two quorate groups, synced
 * replicas that are not byte-identical).  Exit 0 when the file was replayed
 * (the caller diffs the log), 2 on a bad scenario file.
 *
 * Events (one per line, "#" comments; the clock advances 10 ms per event):
 *   expected N                 auto quorum: majority of N, reported after
 *                              each confchg by the group's lowest member
 *   limits vms=N nodes=M       before the first join
 *   time T                     set the clock (ms)
 *   skew N MS                  node N's clock is off by MS (e.g. -500)
 *   join A B.. [with N|alone]  boot (from persisted state) and join the
 *                              single group (or N's group, or a new one)
 *   leave A.. | crash A..      the node dies (its persisted state stays)
 *   two_node                   auto quorum as corosync's two_node: 1 and
 *                              wait_for_all (pcs's 2-node clusters)
 *   wipe A                     a down node loses its persisted state
 *   corrupt A                  a down node's persisted state is damaged
 *                              (it boots with its state lost)
 *   bad-state A                A's state in the next sync round arrives
 *                              damaged, its header intact
 *   restart-process N          ferryd on N restarts, corosync stays: N leaves
 *                              and rejoins its group in the same totem ring
 *   partition A B | C ..       each side becomes a group
 *   merge                      every up node in one group
 *   restart-from-persisted [A..]  every node dies at once; A.. (default:
 *                              those that were up) boot and form one group
 *   quorum N yes|no            node N reports quorum for its ring
 *   fence X at T [by N]        fence confirmation (default by the lowest up node)
 *   hold / flush               stop delivering / deliver what is queued
 *   slow N / send-state N      N's state in the next sync round is sent
 *                              only on send-state (the round stays open)
 *   acquire|restore|restore-commit|restore-abort|release|save|migrate-begin|
 *   migrate-commit|migrate-abort|
 *   force-release node=N vm=NAME [uuid=U] [gen=G] [to=N] [mode=M]
 *   move node=N vm=NAME from=A to=B mode=M result=R [downtime=MS] [total=MS]
 *   garbage node=N kind=truncated|oversize|version|magic|type|field
 *   drain node=N op=submit drained=M vms=A,B.. [kind=undrain] [parallel=P]
 *         [at=T] [window=T]    N submits a drain of node M ("nodeM")
 *   drain node=N op=start|step-begin|step-end|finish|cancel id=I [step=S]
 *         [state=done|failed|skipped|stopped-by-window] [to=NAME] [text=T]
 *   dump [N]                   node N's (default: lowest up) serialized ledger
 *   cfgid                      before the first join: configuration ids as
 *                              ferryd gives them (daemon/cfgid.c, see
 *                              simnet_set_cfgid); the log shows an id as
 *                              "ring RING.K"
 *   start-process A.. [with N|alone]  ferryd starts on A while corosync runs
 *                              there: a join in the same totem ring
 *   slow-config N / send-config N  N's next CONFIG (cfgid) is ordered after
 *                              what others send until send-config
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simnet.h"
#include "cfgid.h"
#include "ledgerblob.h"
#include "ledgermsg.h"

#define MAX_LINES 4096
#define MAX_TOK   (SIMNET_MAX_NODES + 8) /* "join" with every node */

struct nodelog {
	char *lines[MAX_LINES];
	size_t n;
};

struct runner {
	struct simnet *c;
	struct nodelog logs[SIMNET_MAX_NODES + 1];
	bool started;
	bool hold;
	struct ledger_limits lim;
	uint64_t req_id;
	int lineno;
	const char *file;
};

/* With configuration ids, "ring ID" reads "ring RING.K" (cfgid_ring and
 * cfgid_sub of the id): 8.2 rather than 8388610. */
static char *
cfgid_pretty(const char *line)
{
	/* each "ring N" (6 or more bytes) grows by at most 27 */
	size_t cap = strlen(line) * 6 + 64, o = 0;
	char *out = malloc(cap);
	const char *p = line;

	if (out == NULL)
		return NULL;
	while (*p != '\0') {
		if (strncmp(p, "ring ", 5) == 0 && isdigit((unsigned char)p[5])) {
			char *end;
			uint64_t id = strtoull(p + 5, &end, 10);

			o += (size_t)snprintf(out + o, cap - o, "ring %" PRIu64 ".%" PRIu64,
			                      cfgid_ring(id), cfgid_sub(id));
			p = end;
			continue;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	return out;
}

static void
on_line(uint32_t node, const char *line, void *userdata)
{
	struct runner *r = userdata;
	struct nodelog *nl = &r->logs[node];

	if (nl->n < MAX_LINES)
		nl->lines[nl->n++] = simnet_cfgid(r->c) ? cfgid_pretty(line) : strdup(line);
}

static void
logs_clear(struct runner *r)
{
	for (uint32_t i = 0; i <= SIMNET_MAX_NODES; i++) {
		for (size_t j = 0; j < r->logs[i].n; j++)
			free(r->logs[i].lines[j]);
		r->logs[i].n = 0;
	}
}

__attribute__((format(printf, 2, 3))) static int
fail(struct runner *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", r->file, r->lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

static void
group_prefix(const uint32_t *m, size_t n, char *buf, size_t len)
{
	size_t o = 0;

	o += (size_t)snprintf(buf + o, len - o, "[");
	for (size_t i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%" PRIu32, i > 0 ? " " : "", m[i]);
	if (o < len)
		snprintf(buf + o, len - o, "]");
}

static size_t
last_confchg(const struct nodelog *nl)
{
	size_t at = 0;

	for (size_t j = 0; j < nl->n; j++)
		if (strncmp(nl->lines[j], "ring ", 5) == 0 &&
		    strstr(nl->lines[j], ": members") != NULL)
			at = j;
	return at;
}

/* Prints the step's lines per group and checks the invariants. */
static void
report_step(struct runner *r)
{
	int groups[SIMNET_MAX_NODES];
	int ng = simnet_groups(r->c, groups, SIMNET_MAX_NODES);
	int quorate_groups = 0;
	bool printed[SIMNET_MAX_NODES + 1] = {false};

	for (int gi = 0; gi < ng; gi++) {
		uint32_t m[SIMNET_MAX_NODES];
		size_t n = simnet_group_members(r->c, groups[gi], m, SIMNET_MAX_NODES);
		struct nodelog *first = &r->logs[m[0]];
		char prefix[80], why[128];

		group_prefix(m, n, prefix, sizeof(prefix));
		for (size_t j = 0; j < first->n; j++)
			printf("  %s %s\n", prefix, first->lines[j]);
		for (size_t i = 0; i < n; i++)
			printed[m[i]] = true;
		/* members agree from the group's last configuration change on
		 * (before it, a member may have been elsewhere or down) */
		size_t f0 = last_confchg(first);
		for (size_t i = 1; i < n; i++) {
			struct nodelog *o = &r->logs[m[i]];
			size_t o0 = last_confchg(o);
			bool same = o->n - o0 == first->n - f0;

			for (size_t j = 0; same && o0 + j < o->n; j++)
				same = strcmp(o->lines[o0 + j], first->lines[f0 + j]) == 0;
			if (!same) {
				printf("!! divergence: node %" PRIu32
				       " logged differently from node %" PRIu32 ":\n",
				       m[i], m[0]);
				for (size_t j = 0; j < o->n; j++)
					printf("!!   %s\n", o->lines[j]);
			}
		}
		if (simnet_pending(r->c, groups[gi]) == 0 &&
		    ledger_is_synced(simnet_ledger(r->c, m[0])) &&
		    !simnet_group_identical(r->c, groups[gi], why, sizeof(why)))
			printf("!! replicas differ in %s: %s\n", prefix, why);
		if (ledger_is_quorate(simnet_ledger(r->c, m[0])))
			quorate_groups++;
	}
	/* lines of nodes in no group (booted alone, or died during the step) */
	for (uint32_t node = 1; node <= SIMNET_MAX_NODES; node++) {
		if (printed[node] || !simnet_is_up(r->c, node))
			continue;
		for (size_t j = 0; j < r->logs[node].n; j++)
			printf("  [%" PRIu32 "] %s\n", node, r->logs[node].lines[j]);
	}
	if (quorate_groups > 1)
		printf("!! %d quorate groups at once\n", quorate_groups);
	logs_clear(r);
}

/* A stable uuid for a vm name: scenarios may leave uuid= out. */
static void
uuid_for(const char *name, char *out, size_t len)
{
	uint64_t h1 = 1469598103934665603ULL, h2 = 1099511628211ULL * 7;

	for (const char *p = name; *p != '\0'; p++) {
		h1 = (h1 ^ (uint8_t)*p) * 1099511628211ULL;
		h2 = (h2 ^ (uint8_t)*p) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
	}
	snprintf(out, len, "%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-8%03" PRIx64 "-%012" PRIx64,
	         h1 >> 32, (h1 >> 16) & 0xffff, h1 & 0xfff, (h2 >> 52) & 0xfff,
	         (uint64_t)(h2 & 0xffffffffffffULL));
}

static const char *
opt(char **tok, int ntok, const char *key)
{
	size_t n = strlen(key);

	for (int i = 1; i < ntok; i++)
		if (strncmp(tok[i], key, n) == 0 && tok[i][n] == '=')
			return tok[i] + n + 1;
	return NULL;
}

static int
parse_num(const char *s, uint64_t *ret)
{
	char *end;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	*ret = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	return 0;
}

static int
parse_node(struct runner *r, const char *s, uint32_t *ret)
{
	uint64_t v;

	if (parse_num(s, &v) < 0 || v < 1 || v > SIMNET_MAX_NODES)
		return fail(r, "bad node '%s'", s != NULL ? s : "");
	*ret = (uint32_t)v;
	return 0;
}

static int
ensure_started(struct runner *r)
{
	if (r->c != NULL)
		return 0;
	r->c = simnet_new(r->lim.max_vms != 0 ? &r->lim : NULL);
	if (r->c == NULL)
		return fail(r, "out of memory");
	simnet_set_callbacks(r->c, on_line, NULL, r);
	return 0;
}

static uint32_t
lowest_up(struct runner *r)
{
	for (uint32_t n = 1; n <= SIMNET_MAX_NODES; n++)
		if (simnet_is_up(r->c, n))
			return n;
	return 0;
}

static int
ev_request(struct runner *r, enum ledger_op op, char **tok, int ntok)
{
	struct ledger_request req;
	const char *vm = opt(tok, ntok, "vm"), *uuid = opt(tok, ntok, "uuid");
	const char *mode = opt(tok, ntok, "mode"), *to = opt(tok, ntok, "to");
	const char *gen = opt(tok, ntok, "gen");
	uint32_t node = 0;
	int e;

	if (parse_node(r, opt(tok, ntok, "node"), &node) < 0)
		return -EINVAL;
	if (vm == NULL)
		return fail(r, "vm= missing");
	memset(&req, 0, sizeof(req));
	req.op = op;
	req.req_id = ++r->req_id;
	if (strlen(vm) >= sizeof(req.name) || (uuid != NULL && strlen(uuid) >= sizeof(req.uuid))) {
		printf("  (node %" PRIu32
		       ": request not sent: name or uuid too long for the wire)\n",
		       node);
		return 0;
	}
	snprintf(req.name, sizeof(req.name), "%s", vm);
	if (uuid != NULL)
		snprintf(req.uuid, sizeof(req.uuid), "%s", uuid);
	else
		uuid_for(vm, req.uuid, sizeof(req.uuid));
	if (mode != NULL) {
		e = ledger_mode_from_name(mode);
		if (e < 0)
			return fail(r, "bad mode '%s'", mode);
		req.mode = (enum ledger_mode)e;
	}
	if (to != NULL && parse_node(r, to, &req.target) < 0)
		return -EINVAL;
	if (gen != NULL && parse_num(gen, &req.gen) < 0)
		return fail(r, "bad gen");
	e = simnet_send_request(r->c, node, &req);
	if (e < 0)
		printf("  (node %" PRIu32 ": request not sent: %s)\n", node, strerror(-e));
	return 0;
}

static int
ev_move(struct runner *r, char **tok, int ntok)
{
	struct ledger_move m;
	uint8_t buf[LEDGERMSG_MAX_LEN];
	size_t len;
	uint32_t node = 0;
	uint64_t v;
	const char *vm = opt(tok, ntok, "vm"), *s;
	int e;

	if (parse_node(r, opt(tok, ntok, "node"), &node) < 0 || vm == NULL)
		return fail(r, "move: node= and vm= needed");
	memset(&m, 0, sizeof(m));
	snprintf(m.name, sizeof(m.name), "%s", vm);
	s = opt(tok, ntok, "uuid");
	if (s != NULL)
		snprintf(m.uuid, sizeof(m.uuid), "%s", s);
	else
		uuid_for(vm, m.uuid, sizeof(m.uuid));
	if (parse_node(r, opt(tok, ntok, "from"), &m.from) < 0 ||
	    parse_node(r, opt(tok, ntok, "to"), &m.to) < 0)
		return -EINVAL;
	e = ledger_mode_from_name(opt(tok, ntok, "mode"));
	if (e < 0)
		return fail(r, "move: bad mode");
	m.mode = (enum ledger_mode)e;
	e = ledger_move_result_from_name(opt(tok, ntok, "result"));
	if (e < 0)
		return fail(r, "move: bad result");
	m.result = (enum ledger_move_result)e;
	m.start_ms = simnet_now(r->c);
	m.downtime_ms = m.total_ms = m.guest_gap_ms = m.bytes = -1;
	if (parse_num(opt(tok, ntok, "downtime"), &v) == 0)
		m.downtime_ms = (int64_t)v;
	if (parse_num(opt(tok, ntok, "total"), &v) == 0)
		m.total_ms = (int64_t)v;
	s = opt(tok, ntok, "error");
	if (s != NULL)
		snprintf(m.error, sizeof(m.error), "%s", s);
	e = ledgermsg_encode_move(&m, buf, sizeof(buf), &len);
	if (e < 0)
		return fail(r, "move: encode: %s", strerror(-e));
	e = simnet_send(r->c, node, buf, len);
	if (e < 0)
		printf("  (node %" PRIu32 ": move not sent: %s)\n", node, strerror(-e));
	return 0;
}

static int
ev_drain(struct runner *r, char **tok, int ntok)
{
	static uint8_t buf[LEDGERMSG_MAX_LEN];
	static struct ledger_drain d;
	struct ledger_drain_msg m;
	const char *op = opt(tok, ntok, "op"), *s;
	char *rec = NULL;
	size_t len;
	uint32_t node = 0;
	uint64_t v;
	int e;

	if (parse_node(r, opt(tok, ntok, "node"), &node) < 0 || op == NULL)
		return fail(r, "drain: node= and op= needed");
	memset(&m, 0, sizeof(m));
	if (ledger_drain_op_from_name(op, &m.op) < 0)
		return fail(r, "drain: bad op '%s'", op);
	m.req_id = ++r->req_id;
	m.time_ms = simnet_now(r->c);
	if (parse_num(opt(tok, ntok, "id"), &v) == 0)
		m.id = (uint32_t)v;
	if (parse_num(opt(tok, ntok, "step"), &v) == 0)
		m.step = (uint32_t)v;
	s = opt(tok, ntok, "state");
	if (s != NULL) {
		enum ledger_step_state ss;
		enum ledger_drain_state ds;

		if (ledger_step_state_from_name(s, &ss) == 0)
			m.state = ss;
		else if (ledger_drain_state_from_name(s, &ds) == 0)
			m.state = ds;
		else
			return fail(r, "drain: bad state '%s'", s);
	}
	s = opt(tok, ntok, "to");
	if (s != NULL)
		snprintf(m.node, sizeof(m.node), "%s", s);
	s = opt(tok, ntok, "text");
	if (s != NULL)
		snprintf(m.text, sizeof(m.text), "%s", s);
	if (m.op == LEDGER_DOP_SUBMIT) {
		char list[512], *save = NULL;
		uint32_t drained = 0;

		memset(&d, 0, sizeof(d));
		if (parse_node(r, opt(tok, ntok, "drained"), &drained) < 0)
			return -EINVAL;
		d.id = 1;
		d.node_id = drained;
		snprintf(d.node, sizeof(d.node), "node%" PRIu32, drained);
		d.parallel = 1;
		if (parse_num(opt(tok, ntok, "parallel"), &v) == 0)
			d.parallel = (uint32_t)v;
		s = opt(tok, ntok, "kind");
		if (s != NULL && ledger_drain_kind_from_name(s, &d.kind) < 0)
			return fail(r, "drain: bad kind");
		if (parse_num(opt(tok, ntok, "at"), &v) == 0)
			d.at_ms = (int64_t)v;
		if (parse_num(opt(tok, ntok, "window"), &v) == 0)
			d.window_end_ms = (int64_t)v;
		d.start_ms = d.end_ms = -1;
		snprintf(d.requested_by, sizeof(d.requested_by), "root@node%" PRIu32, node);
		s = opt(tok, ntok, "vms");
		snprintf(list, sizeof(list), "%s", s != NULL ? s : "");
		for (char *vm = strtok_r(list, ",", &save);
		     vm != NULL && d.n_steps < LEDGER_DRAIN_STEPS;
		     vm = strtok_r(NULL, ",", &save)) {
			struct ledger_drain_step *st = &d.steps[d.n_steps];

			snprintf(st->resource, sizeof(st->resource), "%s", vm);
			snprintf(st->vm, sizeof(st->vm), "%s", vm);
			st->wave = d.n_steps / d.parallel;
			st->start_ms = st->end_ms = -1;
			st->pred_gap_ms = 100;
			st->pred_duration_ms = 5000;
			d.n_steps++;
		}
		e = ledgerblob_drain_write(&d, &rec, &m.record_len);
		if (e < 0)
			return fail(r, "drain: record: %s", strerror(-e));
		m.record = rec;
	}
	e = ledgermsg_encode_drain(&m, buf, sizeof(buf), &len);
	free(rec);
	if (e < 0)
		return fail(r, "drain: encode: %s", strerror(-e));
	e = simnet_send(r->c, node, buf, len);
	if (e < 0)
		printf("  (node %" PRIu32 ": drain not sent: %s)\n", node, strerror(-e));
	return 0;
}

static int
ev_garbage(struct runner *r, char **tok, int ntok)
{
	struct ledger_request req;
	uint8_t buf[LEDGERMSG_MAX_LEN];
	struct ledgermsg_hdr h;
	size_t len;
	uint32_t node = 0;
	const char *kind = opt(tok, ntok, "kind");

	if (parse_node(r, opt(tok, ntok, "node"), &node) < 0 || kind == NULL)
		return fail(r, "garbage: node= and kind= needed");
	memset(&req, 0, sizeof(req));
	req.op = LEDGER_OP_ACQUIRE;
	snprintf(req.name, sizeof(req.name), "junk");
	uuid_for("junk", req.uuid, sizeof(req.uuid));
	if (ledgermsg_encode_request(&req, buf, sizeof(buf), &len) < 0)
		return fail(r, "garbage: encode");
	memcpy(&h, buf, sizeof(h));
	if (strcmp(kind, "truncated") == 0) {
		len -= 10;
	} else if (strcmp(kind, "oversize") == 0) {
		h.length = htole32(LEDGERMSG_MAX_LEN + 1);
	} else if (strcmp(kind, "version") == 0) {
		h.version = htole16(LEDGERMSG_VERSION + 1);
	} else if (strcmp(kind, "magic") == 0) {
		h.magic = 0x12345678;
	} else if (strcmp(kind, "type") == 0) {
		h.type = htole16(99);
	} else if (strcmp(kind, "field") == 0) {
		memset(buf + sizeof(h) + offsetof(struct ledgermsg_req_wire, name), 'A',
		       LEDGER_NAME_MAX);
	} else {
		return fail(r, "garbage: unknown kind '%s'", kind);
	}
	if (strcmp(kind, "truncated") != 0 && strcmp(kind, "field") != 0)
		memcpy(buf, &h, sizeof(h));
	if (simnet_send(r->c, node, buf, len) < 0)
		printf("  (node %" PRIu32 ": not sent)\n", node);
	return 0;
}

static int
ev_dump(struct runner *r, char **tok, int ntok)
{
	uint32_t node = 0;
	char *buf = NULL, *line, *save = NULL;
	size_t len;

	if (ntok > 1 && parse_node(r, tok[1], &node) < 0)
		return -EINVAL;
	if (node == 0)
		node = lowest_up(r);
	if (simnet_ledger(r->c, node) == NULL)
		return fail(r, "dump: node %" PRIu32 " is down", node);
	if (ledger_serialize(simnet_ledger(r->c, node), &buf, &len) < 0)
		return fail(r, "dump: serialize");
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		printf("  [%" PRIu32 "] | %s\n", node, line);
	free(buf);
	return 0;
}

static int
ev_join(struct runner *r, char **tok, int ntok)
{
	uint32_t nodes[SIMNET_MAX_NODES], with = 0, target[SIMNET_MAX_NODES];
	size_t n = 0, nt = 0;
	int groups[SIMNET_MAX_NODES], ng, g;
	bool alone = false;

	for (int i = 1; i < ntok; i++) {
		if (strcmp(tok[i], "alone") == 0 && i == ntok - 1) {
			alone = true;
			break;
		}
		if (strcmp(tok[i], "with") == 0) {
			if (i + 1 >= ntok || parse_node(r, tok[i + 1], &with) < 0)
				return fail(r, "join: with N");
			break;
		}
		if (n >= SIMNET_MAX_NODES || parse_node(r, tok[i], &nodes[n]) < 0)
			return -EINVAL;
		n++;
	}
	if (n == 0)
		return fail(r, "join: no node");
	ng = simnet_groups(r->c, groups, SIMNET_MAX_NODES);
	if (alone)
		g = -1;
	else if (with != 0)
		g = simnet_group_of(r->c, with);
	else if (ng == 1)
		g = groups[0];
	else if (ng == 0)
		g = -1;
	else
		return fail(r, "join while partitioned: say 'join N with M'");
	for (size_t i = 0; i < n; i++) {
		if (simnet_is_up(r->c, nodes[i]))
			return fail(r, "join: node %" PRIu32 " is already up", nodes[i]);
		if (simnet_boot(r->c, nodes[i]) < 0)
			return fail(r, "join: boot failed");
	}
	if (g >= 0)
		nt = simnet_group_members(r->c, g, target, SIMNET_MAX_NODES);
	for (size_t i = 0; i < n; i++)
		target[nt++] = nodes[i];
	int e = simnet_form(r->c, target, nt);
	if (e < 0)
		printf("  (membership change failed: %s)\n", strerror(-e));
	return 0;
}

static int
ev_partition(struct runner *r, char **tok, int ntok)
{
	uint32_t side[SIMNET_MAX_NODES][SIMNET_MAX_NODES];
	const uint32_t *sides[SIMNET_MAX_NODES];
	size_t sizes[SIMNET_MAX_NODES] = {0}, ns = 0;

	for (int i = 1; i <= ntok; i++) {
		if (i == ntok || strcmp(tok[i], "|") == 0) {
			if (sizes[ns] == 0)
				return fail(r, "partition: empty side");
			sides[ns] = side[ns];
			if (++ns >= SIMNET_MAX_NODES)
				return fail(r, "partition: too many sides");
			continue;
		}
		if (sizes[ns] >= SIMNET_MAX_NODES ||
		    parse_node(r, tok[i], &side[ns][sizes[ns]]) < 0)
			return -EINVAL;
		if (!simnet_is_up(r->c, side[ns][sizes[ns]]))
			return fail(r, "partition: node %" PRIu32 " is down", side[ns][sizes[ns]]);
		sizes[ns]++;
	}
	int e = simnet_partition(r->c, sides, sizes, ns);
	if (e < 0)
		return fail(r, "partition: %s", strerror(-e));
	return 0;
}

static int
form_all_up(struct runner *r)
{
	uint32_t all[SIMNET_MAX_NODES];
	size_t n = 0;

	for (uint32_t node = 1; node <= SIMNET_MAX_NODES; node++)
		if (simnet_is_up(r->c, node))
			all[n++] = node;
	if (n == 0)
		return 0;
	int e = simnet_form(r->c, all, n);
	if (e < 0)
		printf("  (membership change failed: %s)\n", strerror(-e));
	return 0;
}

static int
ev_restart(struct runner *r, char **tok, int ntok)
{
	uint32_t nodes[SIMNET_MAX_NODES];
	size_t n = 0;

	if (ntok > 1) {
		for (int i = 1; i < ntok; i++) {
			if (n >= SIMNET_MAX_NODES || parse_node(r, tok[i], &nodes[n]) < 0)
				return -EINVAL;
			n++;
		}
	} else {
		for (uint32_t node = 1; node <= SIMNET_MAX_NODES; node++)
			if (simnet_is_up(r->c, node))
				nodes[n++] = node;
	}
	simnet_crash_all(r->c);
	logs_clear(r);
	for (size_t i = 0; i < n; i++)
		if (simnet_boot(r->c, nodes[i]) < 0)
			return fail(r, "restart: boot failed");
	return form_all_up(r);
}

static int
run_event(struct runner *r, char **tok, int ntok)
{
	const char *cmd = tok[0];
	uint64_t v;
	int e;

	if (strcmp(cmd, "limits") == 0) {
		if (r->c != NULL)
			return fail(r, "limits must come first");
		r->lim.max_vms = LEDGER_MAX_VMS;
		r->lim.max_nodes = LEDGER_MAX_NODES;
		if (parse_num(opt(tok, ntok, "vms"), &v) == 0)
			r->lim.max_vms = (uint32_t)v;
		if (parse_num(opt(tok, ntok, "nodes"), &v) == 0)
			r->lim.max_nodes = (uint32_t)v;
		return 0;
	}
	if (ensure_started(r) < 0)
		return -EINVAL;
	if (strcmp(cmd, "expected") == 0) {
		if (ntok != 2 || parse_num(tok[1], &v) < 0)
			return fail(r, "expected N");
		simnet_set_expected(r->c, (uint32_t)v);
		return 0;
	}
	if (strcmp(cmd, "cfgid") == 0) {
		/* configuration ids through daemon/cfgid.c, as ferryd */
		if (ntok != 1 || lowest_up(r) != 0)
			return fail(r, "cfgid (before the first join)");
		simnet_set_cfgid(r->c, true);
		return 0;
	}
	if (strcmp(cmd, "start-process") == 0) {
		/* ferryd starts where corosync runs: a join in the same ring */
		simnet_set_same_ring(r->c, true);
		e = ev_join(r, tok, ntok);
		simnet_set_same_ring(r->c, false);
		return e;
	}
	if (strcmp(cmd, "slow-config") == 0 || strcmp(cmd, "send-config") == 0) {
		uint32_t node = 0;

		if (ntok != 2 || parse_node(r, tok[1], &node) < 0 || !simnet_cfgid(r->c))
			return fail(r, "%s N (after cfgid)", cmd);
		if (strcmp(cmd, "slow-config") == 0)
			simnet_set_slow_config(r->c, node, true);
		else if (simnet_send_config(r->c, node) < 0)
			printf("  (node %" PRIu32 ": no CONFIG owed)\n", node);
		return 0;
	}
	if (strcmp(cmd, "two_node") == 0) {
		/* corosync two_node + wait_for_all, as pcs sets up 2-node clusters */
		if (ntok != 1)
			return fail(r, "two_node");
		simnet_set_expected(r->c, 2);
		simnet_set_two_node(r->c, true);
		return 0;
	}
	if (strcmp(cmd, "corrupt") == 0 || strcmp(cmd, "bad-state") == 0) {
		uint32_t node = 0;

		if (ntok != 2 || parse_node(r, tok[1], &node) < 0)
			return fail(r, "%s N", cmd);
		if (strcmp(cmd, "corrupt") == 0) {
			if (simnet_is_up(r->c, node))
				return fail(r, "corrupt N (a down node)");
			simnet_corrupt(r->c, node);
		} else {
			simnet_set_bad_state(r->c, node);
		}
		return 0;
	}
	if (strcmp(cmd, "time") == 0) {
		if (ntok != 2 || parse_num(tok[1], &v) < 0 || (int64_t)v < simnet_now(r->c))
			return fail(r, "time T (not before now, %" PRId64 ")", simnet_now(r->c));
		simnet_set_now(r->c, (int64_t)v);
		return 0;
	}
	if (strcmp(cmd, "join") == 0)
		return ev_join(r, tok, ntok);
	if (strcmp(cmd, "leave") == 0 || strcmp(cmd, "crash") == 0) {
		for (int i = 1; i < ntok; i++) {
			uint32_t node = 0;

			if (parse_node(r, tok[i], &node) < 0)
				return -EINVAL;
			if (simnet_crash(r->c, node) < 0)
				return fail(r, "node %" PRIu32 " is not up", node);
		}
		return 0;
	}
	if (strcmp(cmd, "skew") == 0) {
		uint32_t node = 0;
		long long ms;
		char *end;

		if (ntok != 3 || parse_node(r, tok[1], &node) < 0)
			return fail(r, "skew N MS");
		ms = strtoll(tok[2], &end, 10);
		if (*end != '\0')
			return fail(r, "skew N MS");
		simnet_set_skew(r->c, node, (int64_t)ms);
		return 0;
	}
	if (strcmp(cmd, "restart-process") == 0) {
		uint32_t node = 0, target[SIMNET_MAX_NODES];
		size_t nt;
		int g;

		if (ntok != 2 || parse_node(r, tok[1], &node) < 0 || !simnet_is_up(r->c, node))
			return fail(r, "restart-process N (an up node)");
		simnet_set_same_ring(r->c, true);
		simnet_crash(r->c, node);
		simnet_boot(r->c, node);
		g = -1;
		for (uint32_t n = 1; n <= SIMNET_MAX_NODES && g < 0; n++)
			if (n != node && simnet_is_up(r->c, n))
				g = simnet_group_of(r->c, n);
		nt = g >= 0 ? simnet_group_members(r->c, g, target, SIMNET_MAX_NODES) : 0;
		target[nt++] = node;
		e = simnet_form(r->c, target, nt);
		simnet_set_same_ring(r->c, false);
		if (e < 0)
			printf("  (membership change failed: %s)\n", strerror(-e));
		return 0;
	}
	if (strcmp(cmd, "wipe") == 0) {
		uint32_t node = 0;

		if (ntok != 2 || parse_node(r, tok[1], &node) < 0 || simnet_is_up(r->c, node))
			return fail(r, "wipe N (a down node)");
		simnet_wipe(r->c, node);
		return 0;
	}
	if (strcmp(cmd, "partition") == 0)
		return ev_partition(r, tok, ntok);
	if (strcmp(cmd, "merge") == 0)
		return form_all_up(r);
	if (strcmp(cmd, "restart-from-persisted") == 0)
		return ev_restart(r, tok, ntok);
	if (strcmp(cmd, "quorum") == 0) {
		uint32_t node = 0;

		if (ntok != 3 || parse_node(r, tok[1], &node) < 0 ||
		    (strcmp(tok[2], "yes") != 0 && strcmp(tok[2], "no") != 0))
			return fail(r, "quorum N yes|no");
		e = simnet_send_quorum(r->c, node, strcmp(tok[2], "yes") == 0);
		if (e < 0)
			printf("  (node %" PRIu32 ": not sent: %s)\n", node, strerror(-e));
		return 0;
	}
	if (strcmp(cmd, "fence") == 0) {
		uint32_t node = 0, by = 0;
		uint64_t t;

		if ((ntok != 4 && ntok != 6) || parse_node(r, tok[1], &node) < 0 ||
		    strcmp(tok[2], "at") != 0 || parse_num(tok[3], &t) < 0)
			return fail(r, "fence X at T [by N]");
		by = lowest_up(r);
		if (ntok == 6 && (strcmp(tok[4], "by") != 0 || parse_node(r, tok[5], &by) < 0))
			return fail(r, "fence X at T [by N]");
		e = simnet_send_fence(r->c, by, node, (int64_t)t);
		if (e < 0)
			printf("  (node %" PRIu32 ": not sent: %s)\n", by, strerror(-e));
		return 0;
	}
	if (strcmp(cmd, "slow") == 0 || strcmp(cmd, "send-state") == 0) {
		uint32_t node = 0;

		if (ntok != 2 || parse_node(r, tok[1], &node) < 0)
			return fail(r, "%s N", cmd);
		if (strcmp(cmd, "slow") == 0)
			simnet_set_slow(r->c, node, true);
		else if (simnet_send_state(r->c, node) < 0)
			printf("  (node %" PRIu32 ": not sent)\n", node);
		return 0;
	}
	if (strcmp(cmd, "hold") == 0) {
		r->hold = true;
		return 0;
	}
	if (strcmp(cmd, "flush") == 0) {
		r->hold = false;
		return 0;
	}
	if (strcmp(cmd, "dump") == 0)
		return ev_dump(r, tok, ntok);
	if (strcmp(cmd, "move") == 0)
		return ev_move(r, tok, ntok);
	if (strcmp(cmd, "drain") == 0)
		return ev_drain(r, tok, ntok);
	if (strcmp(cmd, "garbage") == 0)
		return ev_garbage(r, tok, ntok);
	for (int op = 0; op < LEDGER_OP_FENCE; op++)
		if (strcmp(cmd, ledger_op_name((enum ledger_op)op)) == 0)
			return ev_request(r, (enum ledger_op)op, tok, ntok);
	return fail(r, "unknown event '%s'", cmd);
}

int
main(int argc, char **argv)
{
	struct runner r;
	char line[1024];
	FILE *f;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s EVENTS-FILE\n", argv[0]);
		return 2;
	}
	memset(&r, 0, sizeof(r));
	r.file = argv[1];
	f = fopen(argv[1], "re");
	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *tok[MAX_TOK], *save = NULL, *t;
		int ntok = 0;
		size_t n = strlen(line);

		r.lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		printf("> %s\n", line);
		for (t = strtok_r(line, " \t", &save); t != NULL && ntok < MAX_TOK;
		     t = strtok_r(NULL, " \t", &save))
			tok[ntok++] = t;
		if (strcmp(tok[0], "limits") != 0) {
			if (ensure_started(&r) < 0) {
				rc = 2;
				break;
			}
			if (strcmp(tok[0], "time") != 0)
				simnet_set_now(r.c, simnet_now(r.c) + 10);
		}
		if (run_event(&r, tok, ntok) < 0) {
			rc = 2;
			break;
		}
		if (r.c == NULL)
			continue;
		if (!r.hold)
			simnet_flush(r.c);
		report_step(&r);
	}
	fclose(f);
	logs_clear(&r);
	simnet_free(r.c);
	return rc;
}
