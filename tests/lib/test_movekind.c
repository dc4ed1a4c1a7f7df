/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_movekind - the names of a move's kind and result: both directions of
 * each table, unknown names refused, today's wire and file spellings pinned
 * (an agent and a ferryd of different builds exchange them; moves.jsonl keeps
 * them for years).
 */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/ipcproto.h"
#include "ferry/movekind.h"
#include "ferry/moverec.h"

static void
test_kind_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < _FERRY_MOVE_KIND_MAX; i++) {
		enum ferry_move_kind k = _FERRY_MOVE_KIND_MAX;
		const char *name = ferry_move_kind_name((enum ferry_move_kind)i);

		assert_int_equal(ferry_move_kind_from_name(name, &k), 0);
		assert_int_equal(k, i);
		/* fits the wire's and the record's field, NUL included */
		assert_true(strlen(name) < sizeof(((struct ferry_ipc_move *)0)->mode));
		assert_true(strlen(name) < sizeof(((struct move_record *)0)->mode));
	}
}

static void
test_result_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < _FERRY_MOVE_RESULT_MAX; i++) {
		enum ferry_move_result r = _FERRY_MOVE_RESULT_MAX;
		const char *name = ferry_move_result_name((enum ferry_move_result)i);

		assert_int_equal(ferry_move_result_from_name(name, &r), 0);
		assert_int_equal(r, i);
		assert_true(strlen(name) < sizeof(((struct ferry_ipc_move *)0)->result));
		assert_true(strlen(name) < sizeof(((struct move_record *)0)->result));
	}
}

static void
test_unknown_refused(void **state)
{
	static const char *const bad[] = {"",          "auto",     "Live",  "live ", "live->",
	                                  "post-copy", "resource", "maybe", "OK",    "unknown"};
	enum ferry_move_kind k = FERRY_MOVE_RESTART;
	enum ferry_move_result r = FERRY_MOVE_FAILED;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ferry_move_kind_from_name(bad[i], &k), -ENOENT);
		assert_int_equal(ferry_move_result_from_name(bad[i], &r), -ENOENT);
	}
	assert_int_equal(ferry_move_kind_from_name(NULL, &k), -ENOENT);
	assert_int_equal(ferry_move_result_from_name(NULL, &r), -ENOENT);
	/* nothing written on error */
	assert_int_equal(k, FERRY_MOVE_RESTART);
	assert_int_equal(r, FERRY_MOVE_FAILED);
	/* the one out-of-range rule */
	assert_string_equal(ferry_move_kind_name(_FERRY_MOVE_KIND_MAX), "unknown");
	assert_string_equal(ferry_move_result_name(_FERRY_MOVE_RESULT_MAX), "unknown");
}

/* The spellings on the IPC wire (FERRY_IPC_VERSION 2) and in moves.jsonl:
 * a change here breaks a rolling upgrade and the old history. */
static void
test_wire_spellings(void **state)
{
	static const struct {
		const char *name;
		enum ferry_move_kind kind;
	} kinds[] = {
	        {"live", FERRY_MOVE_LIVE},
	        {"quick", FERRY_MOVE_QUICK},
	        {"restart", FERRY_MOVE_RESTART},
	        {"live->quick", FERRY_MOVE_LIVE_QUICK},
	};
	static const struct {
		const char *name;
		enum ferry_move_result result;
	} results[] = {
	        {"ok", FERRY_MOVE_OK},
	        {"aborted", FERRY_MOVE_ABORTED},
	        {"failed", FERRY_MOVE_FAILED},
	};

	(void)state;
	assert_int_equal(sizeof(kinds) / sizeof(kinds[0]), _FERRY_MOVE_KIND_MAX);
	assert_int_equal(sizeof(results) / sizeof(results[0]), _FERRY_MOVE_RESULT_MAX);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		enum ferry_move_kind k;

		assert_int_equal(ferry_move_kind_from_name(kinds[i].name, &k), 0);
		assert_int_equal(k, kinds[i].kind);
		assert_string_equal(ferry_move_kind_name(kinds[i].kind), kinds[i].name);
	}
	for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
		enum ferry_move_result r;

		assert_int_equal(ferry_move_result_from_name(results[i].name, &r), 0);
		assert_int_equal(r, results[i].result);
		assert_string_equal(ferry_move_result_name(results[i].result), results[i].name);
	}
}

/* A record's kind and result go through the tables both ways; a name this
 * build does not know is kept by the parser but refused by the getters. */
static void
test_record_accessors(void **state)
{
	struct move_record r, back;
	enum ferry_move_kind k = FERRY_MOVE_RESTART;
	enum ferry_move_result res = FERRY_MOVE_FAILED;
	char line[MOVEREC_MAX_LINE];

	(void)state;
	moverec_init(&r);
	assert_int_equal(moverec_kind(&r, &k), -ENOENT); /* none yet */
	assert_int_equal(moverec_result(&r, &res), -ENOENT);
	assert_int_equal(k, FERRY_MOVE_RESTART);
	assert_int_equal(res, FERRY_MOVE_FAILED);
	assert_false(moverec_ok_of(&r, FERRY_MOVE_LIVE));
	moverec_set_kind(&r, FERRY_MOVE_LIVE_QUICK);
	moverec_set_result(&r, FERRY_MOVE_OK);
	assert_string_equal(r.mode, "live->quick");
	assert_string_equal(r.result, "ok");
	assert_true(moverec_format(&r, line, sizeof(line)) > 0);
	assert_int_equal(moverec_parse(line, &back), 0);
	assert_int_equal(moverec_kind(&back, &k), 0);
	assert_int_equal(k, FERRY_MOVE_LIVE_QUICK);
	assert_int_equal(moverec_result(&back, &res), 0);
	assert_int_equal(res, FERRY_MOVE_OK);
	assert_true(moverec_ok_of(&back, FERRY_MOVE_LIVE_QUICK));
	assert_false(moverec_ok_of(&back, FERRY_MOVE_LIVE));
	assert_false(moverec_ok_of(&back, FERRY_MOVE_QUICK));

	/* a newer ferry's kind: the line still reads, no reader counts it */
	assert_int_equal(
	        moverec_parse("{\"vm\":\"web1\",\"mode\":\"teleport\",\"result\":\"ok\"}", &back),
	        0);
	assert_string_equal(back.mode, "teleport");
	assert_int_equal(moverec_kind(&back, &k), -ENOENT);
	assert_false(moverec_ok_of(&back, FERRY_MOVE_LIVE));
}

/* live, quick, restart are what one asks for; live->quick only how a move ends */
static void
test_asked(void **state)
{
	enum ferry_move_kind k = FERRY_MOVE_QUICK;

	(void)state;
	for (int i = 0; i < FERRY_MOVE_ASKED_MAX; i++) {
		assert_int_equal(ferry_move_asked_from_name(
		                         ferry_move_kind_name((enum ferry_move_kind)i), &k),
		                 0);
		assert_int_equal(k, i);
	}
	assert_string_equal(ferry_move_asked_name(FERRY_MOVE_LIVE_QUICK), "unknown");
	assert_string_equal(ferry_move_asked_name(FERRY_MOVE_RESTART), "restart");
	assert_int_equal(ferry_move_asked_from_name("live->quick", &k), -ENOENT);
	assert_int_equal(ferry_move_asked_from_name("auto", &k), -ENOENT);
	assert_int_equal(k, FERRY_MOVE_RESTART);
}

/* moves.jsonl as ferry wrote it before the shared tables (moverec/old-moves.jsonl):
 * every line still loads and its mode and result parse. */
static void
test_old_moves_log(void **state)
{
	static const struct {
		const char *vm;
		enum ferry_move_kind kind;
		enum ferry_move_result result;
	} want[] = {
	        /* newest first */
	        {"web4", FERRY_MOVE_QUICK, FERRY_MOVE_FAILED},
	        {"web3", FERRY_MOVE_LIVE, FERRY_MOVE_ABORTED},
	        {"web2", FERRY_MOVE_LIVE_QUICK, FERRY_MOVE_OK},
	        {"big", FERRY_MOVE_RESTART, FERRY_MOVE_OK},
	        {"db1", FERRY_MOVE_QUICK, FERRY_MOVE_OK},
	        {"web1", FERRY_MOVE_LIVE, FERRY_MOVE_OK},
	};
	const char *srcdir = getenv("abs_srcdir");
	char path[4096];
	struct move_record *recs = NULL;
	size_t n = 0, skipped = 99;

	(void)state;
	snprintf(path, sizeof(path), "%s/moverec/old-moves.jsonl", srcdir != NULL ? srcdir : ".");
	assert_int_equal(moverec_load(path, MOVEREC_READ_MAX, &recs, &n, &skipped), 0);
	assert_int_equal(skipped, 0);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++) {
		enum ferry_move_kind k;
		enum ferry_move_result r;

		assert_string_equal(recs[i].vm, want[i].vm);
		assert_int_equal(ferry_move_kind_from_name(recs[i].mode, &k), 0);
		assert_int_equal(k, want[i].kind);
		assert_int_equal(ferry_move_result_from_name(recs[i].result, &r), 0);
		assert_int_equal(r, want[i].result);
	}
	free(recs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_kind_round_trip),  cmocka_unit_test(test_result_round_trip),
	        cmocka_unit_test(test_unknown_refused),  cmocka_unit_test(test_wire_spellings),
	        cmocka_unit_test(test_record_accessors), cmocka_unit_test(test_asked),
	        cmocka_unit_test(test_old_moves_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
