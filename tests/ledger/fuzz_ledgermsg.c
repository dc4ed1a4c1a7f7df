/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_ledgermsg.c - libFuzzer target for the ledger's wire codec and blob.
 *
 * Each input is tried three ways, and any crash, sanitizer report or abort
 * is a bug:
 *   1. as a CPG message: ledgermsg_decode(); what decodes must encode back
 *      to the very same bytes (the decoder accepts canonical messages only);
 *   2. delivered to a synced, quorate one-node ledger (ledger_deliver);
 *   3. as a persisted ledger (ledger_load); what loads must serialize back
 *      to the very same bytes.
 *
 * Built with --enable-fuzz (clang); replay.c runs the same function over
 * fuzz/corpus in every "make check".
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "ledgermsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[LEDGERMSG_MAX_LEN];

static void
check_roundtrip(const uint8_t *data, size_t size, const struct ledgermsg *m)
{
	size_t len = 0;
	int r;

	if (ledgermsg_type_is_request(m->type))
		r = ledgermsg_encode_request(&m->u.req, out, sizeof(out), &len);
	else if (m->type == LEDGERMSG_QUORUM)
		r = ledgermsg_encode_quorum(&m->u.quorum, out, sizeof(out), &len);
	else if (m->type == LEDGERMSG_FENCE)
		r = ledgermsg_encode_fence(m->u.fence.node, m->u.fence.fenced_at_ms,
		                           m->u.fence.time_ms, out, sizeof(out), &len);
	else if (m->type == LEDGERMSG_STATE)
		r = ledgermsg_encode_state(&m->u.state, out, sizeof(out), &len);
	else if (m->type == LEDGERMSG_MOVE)
		r = ledgermsg_encode_move(&m->u.move, out, sizeof(out), &len);
	else
		abort(); /* decoded an unknown type */
	if (r != 0 || len != size || memcmp(out, data, size) != 0)
		abort();
}

static struct ledger *
quorate_ledger(void)
{
	static const uint32_t me = 1;
	struct ledger *l = ledger_new(NULL);
	const struct ledger_quorum q = {.ring_seq = 1, .quorate = true};
	size_t len;

	if (l == NULL)
		abort();
	if (ledger_confchg(l, 1, &me, 1, 0) < 0 ||
	    ledger_state_msg(l, 0, 0, out, sizeof(out), &len) != 0 ||
	    ledger_deliver(l, 1, out, len) < 0 ||
	    ledgermsg_encode_quorum(&q, out, sizeof(out), &len) < 0 ||
	    ledger_deliver(l, 1, out, len) < 0 || !ledger_is_quorate(l))
		abort();
	return l;
}

/* The configuration-id CONFIG: what decodes encodes to the same bytes, but
 * for the reserved field, which was never checked. */
static void
check_cfgid(const uint8_t *data, size_t size)
{
	uint64_t id = 0;
	size_t len = 0;
	int r = ledgermsg_decode_cfgid(data, size, &id);

	if (r != 0)
		return;
	if (ledgermsg_encode_cfgid(id, out, sizeof(out), &len) != 0 || len != size ||
	    memcmp(out, data, 12) != 0 || memcmp(out + 16, data + 16, size - 16) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ledgermsg m;
	struct ledger *l;

	if (ledgermsg_decode(data, size, &m) == 0)
		check_roundtrip(data, size, &m);
	check_cfgid(data, size);

	l = quorate_ledger();
	(void)ledger_deliver(l, 1, data, size);
	(void)ledger_deliver(l, 2, data, size); /* a non-member */
	ledger_free(l);

	l = ledger_new(NULL);
	if (l == NULL)
		abort();
	if (ledger_load(l, (const char *)data, size) == 0) {
		static const char current[] = "ferry-ledger 2\n";
		char *buf = NULL, *again = NULL;
		size_t len = 0, len2 = 0;
		struct ledger *l2 = ledger_new(NULL);

		/* the current format comes back byte for byte; an older one
		 * loads, and what it becomes comes back byte for byte */
		if (l2 == NULL || ledger_serialize(l, &buf, &len) != 0 ||
		    ledger_load(l2, buf, len) != 0 || ledger_serialize(l2, &again, &len2) != 0 ||
		    len2 != len || memcmp(again, buf, len) != 0)
			abort();
		if (size >= sizeof(current) - 1 &&
		    memcmp(data, current, sizeof(current) - 1) == 0 &&
		    (len != size || memcmp(buf, data, size) != 0))
			abort();
		free(buf);
		free(again);
		ledger_free(l2);
	}
	ledger_free(l);
	return 0;
}
