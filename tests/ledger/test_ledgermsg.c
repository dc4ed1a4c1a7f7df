/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_ledgermsg.c - cmocka tests of the ledger's wire codec (ledgermsg.c)
 * and of the ledger's blob and chunked state transfer.
 */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ledger.h"
#include "ledgerblob.h"
#include "ledgermsg.h"

#define HDR sizeof(struct ledgermsg_hdr)

static uint8_t buf[LEDGERMSG_MAX_LEN + 64];

static void
make_request(struct ledger_request *r, enum ledger_op op)
{
	memset(r, 0, sizeof(*r));
	r->op = op;
	r->req_id = 0x1122334455667788ULL;
	r->time_ms = 1234567;
	r->gen = 42;
	r->target = 3;
	r->mode = LEDGER_MODE_QUICK;
	snprintf(r->uuid, sizeof(r->uuid), "%s", "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9");
	snprintf(r->name, sizeof(r->name), "%s", "web1");
}

static size_t
encode_acquire(void)
{
	struct ledger_request r;
	size_t len = 0;

	make_request(&r, LEDGER_OP_ACQUIRE);
	assert_int_equal(ledgermsg_encode_request(&r, buf, sizeof(buf), &len), 0);
	return len;
}

static void
set_hdr(uint32_t magic, uint16_t version, uint16_t type, uint32_t length)
{
	struct ledgermsg_hdr h;

	memcpy(&h, buf, sizeof(h));
	if (magic != 0)
		h.magic = htole32(magic);
	if (version != 0)
		h.version = htole16(version);
	if (type != 0)
		h.type = htole16(type);
	if (length != 0)
		h.length = htole32(length);
	memcpy(buf, &h, sizeof(h));
}

static void
test_roundtrip_requests(void **state)
{
	(void)state;
	for (int op = 0; op < LEDGER_OP_FENCE; op++) {
		struct ledger_request r;
		struct ledgermsg m;
		size_t len;

		make_request(&r, (enum ledger_op)op);
		assert_int_equal(ledgermsg_encode_request(&r, buf, sizeof(buf), &len), 0);
		assert_int_equal(len, HDR + sizeof(struct ledgermsg_req_wire));
		assert_int_equal(ledgermsg_decode(buf, len, &m), 0);
		assert_int_equal(m.type, ledgermsg_type_from_op((enum ledger_op)op));
		assert_true(ledgermsg_type_is_request((uint16_t)m.type));
		assert_memory_equal(&m.u.req, &r, sizeof(r));
	}
}

static void
test_roundtrip_others(void **state)
{
	struct ledgermsg m;
	struct ledgermsg_state st;
	struct ledger_move mv;
	uint8_t data[100];
	size_t len;

	const struct ledger_quorum q = {.ring_seq = 77, .time_ms = -5, .quorate = true};
	const struct ledger_quorum q2 = {.ring_seq = 78,
	                                 .quorate = true,
	                                 .two_node = true,
	                                 .wait_for_all = true,
	                                 .peer_in_view = false,
	                                 .peer = 2};

	(void)state;
	assert_int_equal(ledgermsg_encode_quorum(&q, buf, sizeof(buf), &len), 0);
	assert_int_equal(ledgermsg_decode(buf, len, &m), 0);
	assert_int_equal(m.type, LEDGERMSG_QUORUM);
	assert_int_equal(m.u.quorum.ring_seq, 77);
	assert_true(m.u.quorum.quorate);
	assert_false(m.u.quorum.two_node);
	assert_int_equal(m.u.quorum.peer, 0);
	assert_int_equal(m.u.quorum.time_ms, -5);
	/* two_node: the peer and the flags go around */
	assert_int_equal(ledgermsg_encode_quorum(&q2, buf, sizeof(buf), &len), 0);
	assert_int_equal(ledgermsg_decode(buf, len, &m), 0);
	assert_true(m.u.quorum.two_node);
	assert_true(m.u.quorum.wait_for_all);
	assert_false(m.u.quorum.peer_in_view);
	assert_int_equal(m.u.quorum.peer, 2);
	/* an unknown flag is refused */
	buf[HDR + offsetof(struct ledgermsg_quorum_wire, flags)] |= 0x80;
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);

	assert_int_equal(ledgermsg_encode_fence(9, 1050, 2000, buf, sizeof(buf), &len), 0);
	assert_int_equal(ledgermsg_decode(buf, len, &m), 0);
	assert_int_equal(m.type, LEDGERMSG_FENCE);
	assert_int_equal(m.u.fence.node, 9);
	assert_int_equal(m.u.fence.fenced_at_ms, 1050);
	assert_int_equal(m.u.fence.time_ms, 2000);

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	memset(&st, 0, sizeof(st));
	st.ring_seq = 5;
	st.time_ms = 99;
	st.epoch = 7;
	st.seq = 8;
	st.total_len = 300;
	st.offset = 200;
	st.chunk_len = sizeof(data);
	st.was_quorate = true;
	st.data = data;
	assert_int_equal(ledgermsg_encode_state(&st, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, HDR + sizeof(struct ledgermsg_state_wire) + sizeof(data));
	assert_int_equal(ledgermsg_decode(buf, len, &m), 0);
	assert_int_equal(m.type, LEDGERMSG_STATE);
	assert_int_equal(m.u.state.epoch, 7);
	assert_int_equal(m.u.state.offset, 200);
	assert_true(m.u.state.was_quorate);
	assert_memory_equal(m.u.state.data, data, sizeof(data));

	memset(&mv, 0, sizeof(mv));
	snprintf(mv.uuid, sizeof(mv.uuid), "%s", "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9");
	snprintf(mv.name, sizeof(mv.name), "%s", "db1");
	snprintf(mv.error, sizeof(mv.error), "%s", "migration timed out");
	mv.from = 1;
	mv.to = 2;
	mv.mode = LEDGER_MODE_LIVE;
	mv.result = LEDGER_MOVE_FAILED;
	mv.start_ms = 1;
	mv.total_ms = 2;
	mv.downtime_ms = -1;
	mv.guest_gap_ms = 4;
	mv.bytes = 5;
	assert_int_equal(ledgermsg_encode_move(&mv, buf, sizeof(buf), &len), 0);
	assert_int_equal(ledgermsg_decode(buf, len, &m), 0);
	assert_int_equal(m.type, LEDGERMSG_MOVE);
	assert_memory_equal(&m.u.move, &mv, sizeof(mv));
}

static void
test_truncated(void **state)
{
	struct ledgermsg m;
	size_t len = encode_acquire();

	(void)state;
	/* every prefix is refused, before the header as well as after */
	for (size_t n = 0; n < len; n++)
		assert_int_equal(ledgermsg_decode(buf, n, &m), -EBADMSG);
	/* declared shorter than the type's body */
	set_hdr(0, 0, 0, (uint32_t)(HDR + 8));
	assert_int_equal(ledgermsg_decode(buf, HDR + 8, &m), -EBADMSG);
	/* a header alone of a known type */
	len = encode_acquire();
	set_hdr(0, 0, 0, (uint32_t)HDR);
	assert_int_equal(ledgermsg_decode(buf, HDR, &m), -EBADMSG);
}

static void
test_oversize(void **state)
{
	struct ledgermsg m;
	size_t len = encode_acquire();

	(void)state;
	set_hdr(0, 0, 0, LEDGERMSG_MAX_LEN + 1);
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EMSGSIZE);
	len = encode_acquire();
	assert_int_equal(ledgermsg_decode(buf, LEDGERMSG_MAX_LEN + 1, &m), -EMSGSIZE);
	/* a fixed-size body with trailing bytes (declared) is not accepted */
	len = encode_acquire();
	set_hdr(0, 0, 0, (uint32_t)(len + 4));
	memset(buf + len, 0, 4);
	assert_int_equal(ledgermsg_decode(buf, len + 4, &m), -EBADMSG);
}

static void
test_wrong_version_magic_type(void **state)
{
	struct ledgermsg m;
	size_t len;

	(void)state;
	len = encode_acquire();
	set_hdr(0, LEDGERMSG_VERSION + 1, 0, 0);
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EPROTONOSUPPORT);
	len = encode_acquire();
	set_hdr(0xdeadbeef, 0, 0, 0);
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EPROTO);
	len = encode_acquire();
	set_hdr(0, 0, 999, 0);
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EOPNOTSUPP);
	assert_string_equal(ledgermsg_type_name(999), "unknown");
	assert_string_equal(ledgermsg_type_name(LEDGERMSG_STATE), "state");
	assert_string_equal(ledgermsg_strerror(-EPROTONOSUPPORT), "wrong-version");
}

static void
test_garbage_fields(void **state)
{
	const struct ledger_quorum q = {.ring_seq = 1, .quorate = true};
	struct ledgermsg m;
	size_t len;
	size_t name_off = HDR + offsetof(struct ledgermsg_req_wire, name);

	(void)state;
	/* name not NUL-terminated */
	len = encode_acquire();
	memset(buf + name_off, 'x', LEDGER_NAME_MAX);
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);
	/* stray bytes after the NUL */
	len = encode_acquire();
	buf[name_off + LEDGER_NAME_MAX - 1] = 'x';
	buf[name_off + LEDGER_NAME_MAX - 2] = '\0';
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);
	/* mode out of range */
	len = encode_acquire();
	buf[HDR + offsetof(struct ledgermsg_req_wire, mode)] = 200;
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);
	/* reserved bytes */
	len = encode_acquire();
	buf[HDR + offsetof(struct ledgermsg_req_wire, reserved)] = 1;
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);
	len = encode_acquire();
	buf[offsetof(struct ledgermsg_hdr, reserved)] = 1;
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);
	/* a boolean that is not 0 or 1 */
	assert_int_equal(ledgermsg_encode_quorum(&q, buf, sizeof(buf), &len), 0);
	buf[HDR + offsetof(struct ledgermsg_quorum_wire, quorate)] = 2;
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);
}

static void
test_state_bounds(void **state)
{
	struct ledgermsg m;
	struct ledgermsg_state st;
	struct ledgermsg_state_wire w;
	uint8_t data[16] = {0};
	size_t len;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.total_len = 16;
	st.chunk_len = 16;
	st.data = data;
	assert_int_equal(ledgermsg_encode_state(&st, buf, sizeof(buf), &len), 0);
	/* chunk past the end of the blob */
	memcpy(&w, buf + HDR, sizeof(w));
	w.offset = htole32(8);
	memcpy(buf + HDR, &w, sizeof(w));
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);
	/* blob larger than the limit */
	w.offset = 0;
	w.total_len = htole32(LEDGER_STATE_MAX + 1);
	memcpy(buf + HDR, &w, sizeof(w));
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);
	/* chunk_len disagrees with the message length */
	w.total_len = htole32(16);
	w.chunk_len = htole32(15);
	memcpy(buf + HDR, &w, sizeof(w));
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EBADMSG);
	/* the encoder refuses the same */
	st.offset = 8;
	assert_int_equal(ledgermsg_encode_state(&st, buf, sizeof(buf), &len), -EINVAL);
}

static void
test_encoder_errors(void **state)
{
	const struct ledger_quorum q = {.ring_seq = 1};
	struct ledger_request r;
	size_t len;

	(void)state;
	make_request(&r, LEDGER_OP_ACQUIRE);
	memset(r.name, 'a', sizeof(r.name)); /* no room for the NUL */
	assert_int_equal(ledgermsg_encode_request(&r, buf, sizeof(buf), &len), -ENAMETOOLONG);
	make_request(&r, LEDGER_OP_FENCE);
	assert_int_equal(ledgermsg_encode_request(&r, buf, sizeof(buf), &len), -EINVAL);
	make_request(&r, LEDGER_OP_RELEASE);
	assert_int_equal(ledgermsg_encode_request(&r, buf, 20, &len), -ENOBUFS);
	assert_int_equal(ledgermsg_encode_quorum(&q, NULL, 0, &len), -ENOBUFS);
}

/* Random bytes, and random corruptions of valid messages: never a crash,
 * and whatever decodes is canonical (encodes back to the same bytes). */
static void
test_random_garbage(void **state)
{
	uint64_t x = 88172645463325252ULL;
	struct ledgermsg m;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		size_t len = encode_acquire(), n;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (i % 2 == 0) {
			n = x % 400;
			for (size_t j = 0; j < n; j++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				buf[j] = (uint8_t)x;
			}
		} else {
			buf[x % len] ^= (uint8_t)(1u << ((x >> 20) % 8));
			n = len;
		}
		if (ledgermsg_decode(buf, n, &m) == 0) {
			uint8_t out[LEDGERMSG_MAX_LEN];
			size_t olen;

			assert_true(ledgermsg_type_is_request((uint16_t)m.type));
			assert_int_equal(
			        ledgermsg_encode_request(&m.u.req, out, sizeof(out), &olen), 0);
			assert_int_equal(olen, n);
			assert_memory_equal(out, buf, n);
		}
	}
}

static void
test_names(void **state)
{
	(void)state;
	for (int i = 0; i < _LEDGER_REASON_MAX; i++)
		assert_string_not_equal(ledger_reason_name((enum ledger_reason)i),
		                        "(out-of-range)");
	for (int i = 0; i < _LEDGER_OP_MAX; i++)
		assert_string_not_equal(ledger_op_name((enum ledger_op)i), "(out-of-range)");
	for (int i = 0; i < _LEDGER_VM_STATE_MAX; i++)
		assert_string_not_equal(ledger_vm_state_name((enum ledger_vm_state)i),
		                        "(out-of-range)");
	assert_string_equal(ledger_reason_name(_LEDGER_REASON_MAX), "(out-of-range)");
	assert_int_equal(ledger_mode_from_name("quick"), LEDGER_MODE_QUICK);
	assert_int_equal(ledger_mode_from_name("warp"), -EINVAL);
}

/* ---- the shared directory probe and its answers (not ledger state) ---- */

static size_t
encode_probe(void)
{
	struct ledgermsg_path_probe p = {.probe_id = 0x0102030405060708ULL};
	size_t len = 0;

	snprintf(p.path, sizeof(p.path), "%s", "/srv/save");
	snprintf(p.token, sizeof(p.token), "%s", "1.00ff3a9c");
	assert_int_equal(ledgermsg_encode_path_probe(&p, buf, sizeof(buf), &len), 0);
	return len;
}

static size_t
encode_answer(int32_t result, const char *text)
{
	struct ledgermsg_path_answer a = {.probe_id = 9, .asker = 2, .result = result};
	size_t len = 0;

	snprintf(a.text, sizeof(a.text), "%s", text);
	assert_int_equal(ledgermsg_encode_path_answer(&a, buf, sizeof(buf), &len), 0);
	return len;
}

static void
test_path_probe(void **state)
{
	struct ledgermsg_path_probe p = {.probe_id = 1};
	struct ledgermsg m;
	size_t len, off;

	(void)state;
	len = encode_probe();
	assert_int_equal(len, HDR + sizeof(struct ledgermsg_path_probe_wire));
	assert_int_equal(ledgermsg_decode(buf, len, &m), 0);
	assert_int_equal(m.type, LEDGERMSG_PATH_PROBE);
	assert_true(m.u.probe.probe_id == 0x0102030405060708ULL);
	assert_string_equal(m.u.probe.path, "/srv/save");
	assert_string_equal(m.u.probe.token, "1.00ff3a9c");
	assert_string_equal(ledgermsg_type_name(LEDGERMSG_PATH_PROBE), "path-probe");
	assert_false(ledgermsg_type_is_request(LEDGERMSG_PATH_PROBE));

	/* one byte short, one byte long */
	assert_int_equal(ledgermsg_decode(buf, len - 1, &m), -EBADMSG);
	set_hdr(0, 0, 0, (uint32_t)len - 1);
	assert_int_equal(ledgermsg_decode(buf, len - 1, &m), -EBADMSG);
	len = encode_probe();
	buf[len] = 0;
	set_hdr(0, 0, 0, (uint32_t)len + 1);
	assert_int_equal(ledgermsg_decode(buf, len + 1, &m), -EBADMSG);
	/* a relative path */
	len = encode_probe();
	buf[HDR + offsetof(struct ledgermsg_path_probe_wire, path)] = 's';
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);
	/* the path not NUL-terminated */
	len = encode_probe();
	off = HDR + offsetof(struct ledgermsg_path_probe_wire, path);
	memset(buf + off, '/', LEDGERMSG_PATH_MAX);
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);
	/* a token that could leave the directory, or an empty one */
	len = encode_probe();
	off = HDR + offsetof(struct ledgermsg_path_probe_wire, token);
	memcpy(buf + off, "../x", 4);
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);
	len = encode_probe();
	memset(buf + off, 0, LEDGERMSG_TOKEN_MAX);
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);
	/* stray bytes after the token's NUL */
	len = encode_probe();
	buf[off + LEDGERMSG_TOKEN_MAX - 1] = 'a';
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);
	/* probe id 0 */
	len = encode_probe();
	memset(buf + HDR, 0, sizeof(uint64_t));
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);

	/* the encoder refuses what the decoder would */
	snprintf(p.path, sizeof(p.path), "%s", "srv/save");
	snprintf(p.token, sizeof(p.token), "%s", "1.ab");
	assert_int_equal(ledgermsg_encode_path_probe(&p, buf, sizeof(buf), &len), -EINVAL);
	snprintf(p.path, sizeof(p.path), "%s", "/srv/save");
	snprintf(p.token, sizeof(p.token), "%s", "1/ab");
	assert_int_equal(ledgermsg_encode_path_probe(&p, buf, sizeof(buf), &len), -EINVAL);
	snprintf(p.token, sizeof(p.token), "%s", "1.ab");
	assert_int_equal(ledgermsg_encode_path_probe(&p, buf, HDR + 10, &len), -ENOBUFS);
	assert_true(ledgermsg_valid_token("3.0123456789abcdef"));
	assert_false(ledgermsg_valid_token(".3"));
	assert_false(ledgermsg_valid_token("3.G"));
	assert_false(ledgermsg_valid_token(""));
}

static void
test_path_answer(void **state)
{
	struct ledgermsg_path_answer a = {.probe_id = 1, .asker = 1};
	struct ledgermsg m;
	size_t len;
	int32_t bad;

	(void)state;
	len = encode_answer(-EXDEV, "not the same storage as node1's");
	assert_int_equal(len, HDR + sizeof(struct ledgermsg_path_answer_wire));
	assert_int_equal(ledgermsg_decode(buf, len, &m), 0);
	assert_int_equal(m.type, LEDGERMSG_PATH_ANSWER);
	assert_true(m.u.answer.probe_id == 9);
	assert_int_equal(m.u.answer.asker, 2);
	assert_int_equal(m.u.answer.result, -EXDEV);
	assert_string_equal(m.u.answer.text, "not the same storage as node1's");
	len = encode_answer(0, "");
	assert_int_equal(ledgermsg_decode(buf, len, &m), 0);
	assert_int_equal(m.u.answer.result, 0);
	assert_string_equal(ledgermsg_type_name(LEDGERMSG_PATH_ANSWER), "path-answer");

	assert_int_equal(ledgermsg_decode(buf, len - 1, &m), -EBADMSG);
	/* a positive result, or one beyond errno's range */
	len = encode_answer(0, "");
	bad = (int32_t)htole32(1);
	memcpy(buf + HDR + offsetof(struct ledgermsg_path_answer_wire, result), &bad, sizeof(bad));
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);
	bad = (int32_t)htole32((uint32_t)-5000);
	memcpy(buf + HDR + offsetof(struct ledgermsg_path_answer_wire, result), &bad, sizeof(bad));
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);
	/* no asker */
	len = encode_answer(0, "");
	memset(buf + HDR + offsetof(struct ledgermsg_path_answer_wire, asker), 0, sizeof(uint32_t));
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);
	/* text not NUL-terminated */
	len = encode_answer(-ENOENT, "x");
	memset(buf + HDR + offsetof(struct ledgermsg_path_answer_wire, text), 'x',
	       LEDGERMSG_PATH_TEXT_MAX);
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);

	a.result = 2;
	assert_int_equal(ledgermsg_encode_path_answer(&a, buf, sizeof(buf), &len), -EINVAL);
	a.result = 0;
	a.asker = 0;
	assert_int_equal(ledgermsg_encode_path_answer(&a, buf, sizeof(buf), &len), -EINVAL);
}

/* The ledger is not where probes go: given one anyway, it changes nothing. */
static void
test_path_not_ledger_state(void **state)
{
	struct ledger *l = ledger_new(NULL);
	size_t len;

	(void)state;
	assert_non_null(l);
	len = encode_probe();
	assert_int_equal(ledger_deliver(l, 2, buf, len), -EOPNOTSUPP);
	len = encode_answer(0, "");
	assert_int_equal(ledger_deliver(l, 2, buf, len), -EOPNOTSUPP);
	ledger_free(l);
}

/* ---- the ledger's blob and a chunked state transfer ---- */

static uint8_t msg[LEDGERMSG_MAX_LEN];

static void
deliver_all_states(struct ledger *from, uint32_t sender, struct ledger **to, size_t n_to)
{
	for (uint32_t idx = 0;; idx++) {
		size_t len;
		int r = ledger_state_msg(from, 5000, idx, msg, sizeof(msg), &len);

		assert_true(r >= 0);
		for (size_t i = 0; i < n_to; i++)
			assert_true(ledger_deliver(to[i], sender, msg, len) >= 0);
		if (r == 0)
			break;
	}
}

static struct ledger *
quorate_single(void)
{
	const struct ledger_quorum q = {.ring_seq = 1, .quorate = true};
	struct ledger *l = ledger_new(NULL);
	uint32_t me = 1;
	size_t len;

	assert_non_null(l);
	assert_int_equal(ledger_confchg(l, 1, &me, 1, 0), 0);
	deliver_all_states(l, 1, &l, 1);
	assert_int_equal(ledgermsg_encode_quorum(&q, msg, sizeof(msg), &len), 0);
	assert_int_equal(ledger_deliver(l, 1, msg, len), 1);
	assert_true(ledger_is_quorate(l));
	return l;
}

static void
test_blob_roundtrip_and_big_sync(void **state)
{
	struct ledger *a = quorate_single(), *b = ledger_new(NULL), *c;
	struct ledger *both[2];
	uint32_t members[2] = {1, 2};
	char *blob = NULL, *blob2 = NULL;
	size_t len, len2;

	(void)state;
	/* enough VMs for a blob of several chunks */
	for (int i = 0; i < 900; i++) {
		struct ledger_request r;
		struct ledger_decision d;

		memset(&r, 0, sizeof(r));
		r.op = LEDGER_OP_ACQUIRE;
		r.time_ms = 1000 + i;
		snprintf(r.name, sizeof(r.name), "vm-with-a-long-name-%04d", i);
		snprintf(r.uuid, sizeof(r.uuid), "00000000-0000-4000-8000-%012d", i);
		assert_int_equal(ledger_apply_request(a, 1, &r, &d), 1);
		assert_int_equal(d.verdict, LEDGER_GRANTED);
	}
	assert_int_equal(ledger_serialize(a, &blob, &len), 0);
	assert_true(len > 3 * LEDGERMSG_CHUNK_MAX);

	/* persisted blob: loads back to the very same bytes */
	c = ledger_new(NULL);
	assert_int_equal(ledger_load(c, blob, len), 0);
	assert_int_equal(ledger_serialize(c, &blob2, &len2), 0);
	assert_int_equal(len2, len);
	assert_memory_equal(blob2, blob, len);
	free(blob2);
	blob2 = NULL;
	/* garbage and trailing data are refused, the ledger unchanged */
	assert_int_equal(ledger_load(c, "ferry-ledger 2\n", 15), -EBADMSG);
	blob[len - 2] = 'x'; /* "end" -> "enx" */
	assert_int_equal(ledger_load(c, blob, len), -EBADMSG);
	blob[len - 2] = 'd';
	assert_int_equal(ledger_vm_count(c), 900);
	ledger_free(c);

	/* node 2 (empty) joins: the chunked state of node 1 wins */
	assert_int_equal(ledger_confchg(a, 2, members, 2, 0), 0);
	assert_int_equal(ledger_confchg(b, 2, members, 2, 0), 0);
	both[0] = a;
	both[1] = b;
	deliver_all_states(a, 1, both, 2);
	assert_false(ledger_is_synced(b));
	deliver_all_states(b, 2, both, 2);
	assert_true(ledger_is_synced(a));
	assert_true(ledger_is_synced(b));
	assert_int_equal(ledger_vm_count(b), 900);
	free(blob);
	assert_int_equal(ledger_serialize(a, &blob, &len), 0);
	assert_int_equal(ledger_serialize(b, &blob2, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(blob, blob2, len);
	free(blob);
	free(blob2);
	ledger_free(a);
	ledger_free(b);
}

/* A ledger at every hard limit at once still serializes, loads back
 * byte-identical and goes through a sync round. */
static void
test_full_ledger_fits(void **state)
{
	struct ledger *a = quorate_single(), *b = ledger_new(NULL), *both[2];
	uint32_t members[2] = {1, 2};
	char *blob = NULL, *blob2 = NULL;
	size_t len, len2;

	(void)state;
	for (int i = 0; i < LEDGER_MAX_VMS; i++) {
		struct ledger_request r;
		struct ledger_move mv;
		struct ledger_decision d;

		memset(&r, 0, sizeof(r));
		r.op = LEDGER_OP_ACQUIRE;
		r.time_ms = INT64_MAX - 1;
		memset(r.name, 'n', LEDGER_NAME_MAX - 1);
		snprintf(r.name + LEDGER_NAME_MAX - 6, 6, "%05d", i);
		snprintf(r.uuid, sizeof(r.uuid), "ffffffff-ffff-4fff-8fff-%012d", i);
		assert_int_equal(ledger_apply_request(a, 1, &r, &d), 1);
		assert_int_equal(d.verdict, LEDGER_GRANTED);
		memset(&mv, 0, sizeof(mv));
		memcpy(mv.uuid, r.uuid, sizeof(mv.uuid));
		memcpy(mv.name, r.name, sizeof(mv.name));
		mv.from = UINT32_MAX;
		mv.to = UINT32_MAX - 1;
		mv.mode = LEDGER_MODE_RESTART;
		mv.result = LEDGER_MOVE_ABORTED;
		mv.start_ms = mv.total_ms = mv.downtime_ms = mv.guest_gap_ms = mv.bytes = INT64_MAX;
		memset(mv.error, ' ', sizeof(mv.error) - 1); /* every byte escaped */
		assert_int_equal(ledger_apply_move(a, 1, &mv), 1);
	}
	assert_int_equal(ledger_serialize(a, &blob, &len), 0);
	assert_true(len <= LEDGER_STATE_MAX);
	assert_int_equal(ledger_load(b, blob, len), 0);
	assert_int_equal(ledger_serialize(b, &blob2, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(blob, blob2, len);
	free(blob2);
	ledger_free(b);

	b = ledger_new(NULL);
	assert_int_equal(ledger_confchg(a, 2, members, 2, 0), 0);
	assert_int_equal(ledger_confchg(b, 2, members, 2, 0), 0);
	both[0] = a;
	both[1] = b;
	deliver_all_states(a, 1, both, 2);
	deliver_all_states(b, 2, both, 2);
	assert_true(ledger_is_synced(b));
	assert_int_equal(ledger_vm_count(b), LEDGER_MAX_VMS);
	free(blob);
	ledger_free(a);
	ledger_free(b);
}

/* Membership inputs the ledger cannot use stop it deciding; they never
 * leave it quorate on a stale view. */
static void
test_confchg_errors(void **state)
{
	struct ledger *l = quorate_single();
	struct ledger_request r;
	struct ledger_decision d;
	uint32_t dup[2] = {1, 1}, three[3] = {1, 2, 3}, one = 1;
	struct ledger_limits lim = {16, 2};

	(void)state;
	assert_int_equal(ledger_confchg(l, 0, &one, 1, 0), -ESTALE);
	assert_true(ledger_is_quorate(l));
	assert_int_equal(ledger_confchg(l, 5, dup, 2, 0), -EINVAL);
	assert_false(ledger_is_quorate(l));
	memset(&r, 0, sizeof(r));
	r.op = LEDGER_OP_ACQUIRE;
	snprintf(r.name, sizeof(r.name), "web1");
	snprintf(r.uuid, sizeof(r.uuid), "00000000-0000-4000-8000-000000000001");
	assert_int_equal(ledger_apply_request(l, 1, &r, &d), 0);
	assert_int_equal(d.verdict, LEDGER_REFUSED);
	assert_int_equal(d.reason, LEDGER_R_SYNCING);
	ledger_free(l);

	assert_null(ledger_new(&(struct ledger_limits){0, 2}));
	assert_null(ledger_new(&(struct ledger_limits){LEDGER_MAX_VMS + 1, 2}));
	l = ledger_new(&lim);
	assert_non_null(l);
	assert_int_equal(ledger_confchg(l, 1, three, 3, 0), -E2BIG);
	assert_false(ledger_is_synced(l));
	assert_int_equal(ledger_apply_request(l, 1, &r, &d), 0);
	assert_int_equal(d.reason, LEDGER_R_SYNCING);
	ledger_free(l);
	assert_null(ledger_free(NULL));
}

static void
test_deliver_garbage(void **state)
{
	struct ledger *l = quorate_single();
	uint64_t seq = ledger_seq(l);

	(void)state;
	assert_int_equal(ledger_deliver(l, 1, "garbage!", 8), -EBADMSG);
	memset(msg, 0xff, 200);
	assert_int_equal(ledger_deliver(l, 1, msg, 200), -EPROTO);
	assert_int_equal(ledger_deliver(l, 1, NULL, 0), -EINVAL);
	assert_int_equal(ledger_seq(l), seq);
	assert_true(ledger_is_quorate(l));
	ledger_free(l);
}

/* Drain records at every limit: 8 drains of 64 steps with the longest names
 * and every result byte escaped fit the blob, load back byte for byte, and
 * their operations survive the wire. */
static void
test_drain_records(void **state)
{
	static struct ledger_drain d, back;
	struct ledger *a = quorate_single(), *b = ledger_new(NULL);
	struct ledger_drain_msg dm;
	struct ledger_decision dec;
	struct ledgermsg m;
	char *rec = NULL, *blob = NULL, *blob2 = NULL;
	size_t len, len2;

	(void)state;
	for (uint32_t k = 0; k < LEDGER_MAX_DRAINS; k++) {
		memset(&d, 0, sizeof(d));
		d.id = 1;
		d.kind = LEDGER_DRAIN_DRAIN;
		memset(d.node, 'n', LEDGER_NAME_MAX - 1);
		d.node[0] = (char)('a' + k);
		d.node_id = 100 + k;
		d.parallel = UINT32_MAX;
		d.at_ms = d.window_end_ms = INT64_MAX;
		d.start_ms = d.end_ms = -1;
		memset(d.requested_by, ' ', LEDGER_NAME_MAX - 1);
		d.n_steps = LEDGER_DRAIN_STEPS;
		for (uint32_t i = 0; i < d.n_steps; i++) {
			struct ledger_drain_step *st = &d.steps[i];

			memset(st->resource, 'r', LEDGER_NAME_MAX - 1);
			memset(st->vm, 'v', LEDGER_NAME_MAX - 1);
			memset(st->target, 't', LEDGER_NAME_MAX - 1);
			snprintf(st->resource + LEDGER_NAME_MAX - 4, 4, "%03u", i % 1000u);
			st->wave = UINT32_MAX;
			st->kind = LEDGER_MODE_RESTART;
			st->pred_gap_ms = st->pred_duration_ms = UINT32_MAX;
			st->start_ms = st->end_ms = -1;
		}
		assert_int_equal(ledgerblob_drain_write(&d, &rec, &len), 0);
		assert_int_equal(ledgerblob_drain_parse(rec, len, &back), 0);
		assert_memory_equal(&d, &back, sizeof(d));
		memset(&dm, 0, sizeof(dm));
		dm.op = LEDGER_DOP_SUBMIT;
		dm.req_id = 7;
		dm.time_ms = 1000;
		dm.record = rec;
		dm.record_len = len;
		assert_int_equal(ledgermsg_encode_drain(&dm, buf, sizeof(buf), &len), 0);
		free(rec);
		assert_int_equal(ledgermsg_decode(buf, len, &m), 0);
		assert_int_equal(m.type, LEDGERMSG_DRAIN);
		assert_int_equal(m.u.drain.req_id, 7);
		assert_int_equal(ledger_apply_drain(a, 1, &m.u.drain, &dec), 1);
		assert_int_equal(dec.verdict, LEDGER_GRANTED);
		assert_int_equal(dec.gen, k + 1);
		memset(&dm, 0, sizeof(dm));
		dm.op = LEDGER_DOP_START;
		dm.id = k + 1;
		dm.time_ms = INT64_MAX;
		assert_int_equal(ledger_apply_drain(a, 1, &dm, &dec), 1);
		assert_int_equal(dec.verdict, LEDGER_GRANTED);
		for (uint32_t i = 0; i < LEDGER_DRAIN_STEPS; i++) {
			dm.op = LEDGER_DOP_STEP_BEGIN;
			dm.step = i;
			memset(dm.node, 'f', LEDGER_NAME_MAX - 1);
			assert_int_equal(ledger_apply_drain(a, 1, &dm, &dec), 1);
			assert_int_equal(dec.verdict, LEDGER_GRANTED);
			dm.op = LEDGER_DOP_STEP_END;
			dm.state = LEDGER_STEP_FAILED;
			memset(dm.text, ' ', LEDGER_TEXT_MAX - 1); /* every byte escaped */
			assert_int_equal(ledgermsg_encode_drain(&dm, buf, sizeof(buf), &len), 0);
			assert_int_equal(ledgermsg_decode(buf, len, &m), 0);
			assert_int_equal(ledger_apply_drain(a, 1, &m.u.drain, &dec), 1);
			assert_int_equal(dec.verdict, LEDGER_GRANTED);
		}
	}
	/* one more while all are running: refused, nothing evicted */
	memset(&dm, 0, sizeof(dm));
	dm.op = LEDGER_DOP_SUBMIT;
	d.node[0] = 'z';
	assert_int_equal(ledgerblob_drain_write(&d, &rec, &dm.record_len), 0);
	dm.record = rec;
	assert_int_equal(ledger_apply_drain(a, 1, &dm, &dec), 1);
	assert_int_equal(dec.verdict, LEDGER_REFUSED);
	free(rec);
	assert_int_equal(ledger_drain_count(a), LEDGER_MAX_DRAINS);

	assert_int_equal(ledger_serialize(a, &blob, &len), 0);
	assert_true(len <= LEDGER_STATE_MAX);
	assert_memory_equal(blob, "ferry-ledger 3\n", 15);
	assert_int_equal(ledger_load(b, blob, len), 0);
	assert_int_equal(ledger_serialize(b, &blob2, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(blob, blob2, len);
	assert_int_equal(ledger_drain_count(b), LEDGER_MAX_DRAINS);
	assert_string_equal(ledger_drain_find(b, 3)->steps[5].state == LEDGER_STEP_FAILED ? "failed"
	                                                                                  : "other",
	                    "failed");
	free(blob);
	free(blob2);
	ledger_free(a);
	ledger_free(b);
}

/* A live move's progress: round trip, and the checks every type gets. */
static void
test_progress(void **state)
{
	struct ledgermsg_progress p = {.id = 3,
	                               .step = 7,
	                               .left_bytes = 1ull << 33,
	                               .total_bytes = 1ull << 34,
	                               .time_ms = 1234};
	struct ledgermsg m;
	size_t len, vm_off = HDR + offsetof(struct ledgermsg_progress_wire, vm);

	(void)state;
	snprintf(p.vm, sizeof(p.vm), "web1");
	assert_int_equal(ledgermsg_encode_progress(&p, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, HDR + sizeof(struct ledgermsg_progress_wire));
	assert_int_equal(ledgermsg_decode(buf, len, &m), 0);
	assert_int_equal(m.type, LEDGERMSG_PROGRESS);
	assert_string_equal(ledgermsg_type_name(m.type), "progress");
	assert_memory_equal(&m.u.progress, &p, sizeof(p));
	/* one byte short, one byte more (length in the header agrees): the fixed body */
	assert_int_equal(ledgermsg_decode(buf, len - 1, &m), -EBADMSG);
	/* the vm name not NUL-terminated */
	memset(buf + vm_off, 'x', LEDGER_NAME_MAX);
	assert_int_equal(ledgermsg_decode(buf, len, &m), -EINVAL);
	/* a name too long for the field, a buffer too small */
	memset(p.vm, 'v', sizeof(p.vm));
	assert_int_equal(ledgermsg_encode_progress(&p, buf, sizeof(buf), &len), -ENAMETOOLONG);
	snprintf(p.vm, sizeof(p.vm), "web1");
	assert_int_equal(ledgermsg_encode_progress(&p, buf, HDR + 10, &len), -ENOBUFS);
	assert_int_equal(ledgermsg_encode_progress(NULL, buf, sizeof(buf), &len), -EINVAL);
}

/* The configuration-id announcement as ferryd 0.1's glue put it on the wire
 * (its struct copied in host order, little-endian on every ferry host):
 * CONFIG(8 << 20 | 2).  These bytes must never change: old and new ferryd
 * mix in a rolling upgrade. */
static const uint8_t cfgid_wire_v1[24] = {
        0x46, 0x47, 0x4c, 0x55,                         /* "FGLU" */
        0x01, 0x00,                                     /* version 1 */
        0x01, 0x00,                                     /* type 1: CONFIG */
        0x18, 0x00, 0x00, 0x00,                         /* length 24 */
        0x00, 0x00, 0x00, 0x00,                         /* reserved */
        0x02, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, /* cfg_id 0x800002 */
};

static void
test_cfgid_fixed_bytes(void **state)
{
	uint64_t id = 0;
	size_t len = 0;

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(ledgermsg_encode_cfgid((8u << 20) | 2, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, sizeof(cfgid_wire_v1));
	assert_memory_equal(buf, cfgid_wire_v1, sizeof(cfgid_wire_v1));
	assert_int_equal(buf[sizeof(cfgid_wire_v1)], 0xa5); /* nothing written past it */
	assert_int_equal(ledgermsg_decode_cfgid(cfgid_wire_v1, sizeof(cfgid_wire_v1), &id), 0);
	assert_int_equal(id, (8u << 20) | 2);
	/* a large id: every byte of the field in its place */
	assert_int_equal(ledgermsg_encode_cfgid(0x0102030405060708ULL, buf, sizeof(buf), &len), 0);
	assert_memory_equal(buf, cfgid_wire_v1, 16);
	assert_memory_equal(buf + 16, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
	assert_int_equal(ledgermsg_decode_cfgid(buf, len, &id), 0);
	assert_int_equal(id, 0x0102030405060708ULL);
	/* not a ledger message: the ledger's decoder calls it garbage */
	{
		struct ledgermsg m;

		assert_int_equal(ledgermsg_decode(cfgid_wire_v1, sizeof(cfgid_wire_v1), &m),
		                 -EPROTO);
	}
}

static void
test_cfgid_errors(void **state)
{
	uint8_t b[32];
	uint64_t id = 7;
	size_t len = 0;

	(void)state;
	/* other bytes: not this message, for ledgermsg_decode */
	assert_int_equal(ledgermsg_decode_cfgid(cfgid_wire_v1, 3, &id), -ENOMSG);
	len = encode_acquire();
	assert_int_equal(ledgermsg_decode_cfgid(buf, len, &id), -ENOMSG);
	/* sizes */
	memcpy(b, cfgid_wire_v1, sizeof(cfgid_wire_v1));
	assert_int_equal(ledgermsg_decode_cfgid(b, 23, &id), -EBADMSG);
	assert_int_equal(ledgermsg_decode_cfgid(b, 25, &id), -EBADMSG);
	assert_int_equal(ledgermsg_decode_cfgid(b, 4, &id), -EBADMSG);
	/* version, type, length field */
	b[4] = 2;
	assert_int_equal(ledgermsg_decode_cfgid(b, 24, &id), -EPROTONOSUPPORT);
	memcpy(b, cfgid_wire_v1, sizeof(cfgid_wire_v1));
	b[6] = 2;
	assert_int_equal(ledgermsg_decode_cfgid(b, 24, &id), -EOPNOTSUPP);
	memcpy(b, cfgid_wire_v1, sizeof(cfgid_wire_v1));
	b[8] = 25;
	assert_int_equal(ledgermsg_decode_cfgid(b, 24, &id), -EBADMSG);
	/* reserved was never checked: an old sender's bytes there are fine */
	memcpy(b, cfgid_wire_v1, sizeof(cfgid_wire_v1));
	b[12] = 1;
	assert_int_equal(ledgermsg_decode_cfgid(b, 24, &id), 0);
	assert_int_equal(id, (8u << 20) | 2);
	/* failures leave the out-parameter alone */
	id = 7;
	assert_int_equal(ledgermsg_decode_cfgid(cfgid_wire_v1, 23, &id), -EBADMSG);
	assert_int_equal(id, 7);
	/* encoder */
	assert_int_equal(ledgermsg_encode_cfgid(1, b, 23, &len), -ENOBUFS);
	assert_int_equal(ledgermsg_encode_cfgid(1, NULL, 24, &len), -ENOBUFS);
	assert_int_equal(ledgermsg_encode_cfgid(1, b, 24, NULL), -EINVAL);
	assert_int_equal(ledgermsg_decode_cfgid(NULL, 24, &id), -EINVAL);
	assert_int_equal(ledgermsg_decode_cfgid(b, 24, NULL), -EINVAL);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_roundtrip_requests),
	        cmocka_unit_test(test_roundtrip_others),
	        cmocka_unit_test(test_truncated),
	        cmocka_unit_test(test_oversize),
	        cmocka_unit_test(test_wrong_version_magic_type),
	        cmocka_unit_test(test_garbage_fields),
	        cmocka_unit_test(test_state_bounds),
	        cmocka_unit_test(test_encoder_errors),
	        cmocka_unit_test(test_random_garbage),
	        cmocka_unit_test(test_names),
	        cmocka_unit_test(test_path_probe),
	        cmocka_unit_test(test_path_answer),
	        cmocka_unit_test(test_path_not_ledger_state),
	        cmocka_unit_test(test_blob_roundtrip_and_big_sync),
	        cmocka_unit_test(test_full_ledger_fits),
	        cmocka_unit_test(test_drain_records),
	        cmocka_unit_test(test_confchg_errors),
	        cmocka_unit_test(test_deliver_garbage),
	        cmocka_unit_test(test_progress),
	        cmocka_unit_test(test_cfgid_fixed_bytes),
	        cmocka_unit_test(test_cfgid_errors),
	};

	/* one case alone: test_ledgermsg test_cfgid_fixed_bytes */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
