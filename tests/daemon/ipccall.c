/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ipccall - send one agent request to the local ferryd (lab and e2e tests;
 * not installed).  Prints "VERDICT owner=N gen=G reason" and exits 0 if
 * granted, 5 if refused, 3 if ferryd is unreachable, 1 on other errors.
 *
 *   ipccall acquire VM UUID [RSC] [restore GEN]
 *   ipccall release|commit|abort|restore-commit|restore-abort|save|expect-stop VM UUID
 *   ipccall begin VM UUID TARGET [live|quick]
 *   ipccall move VM UUID FROM TO MODE RESULT DOWNTIME_MS
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/client.h"

int
main(int argc, char **argv)
{
	struct ferryclient *c = NULL;
	struct ferry_ipc_vm_rsp rsp;
	struct ferry_ipc_move m;
	const char *op, *vm, *uuid;
	int r;

	if (argc < 4) {
		fprintf(stderr, "usage: ipccall OP VM UUID [...]\n");
		return 2;
	}
	op = argv[1];
	vm = argv[2];
	uuid = argv[3];
	r = ferryclient_connect(&c);
	if (r < 0) {
		fprintf(stderr, "ipccall: cannot reach ferryd: %s\n", strerror(-r));
		return 3;
	}
	memset(&rsp, 0, sizeof(rsp));
	if (strcmp(op, "acquire") == 0) {
		bool restore = argc >= 7 && strcmp(argv[5], "restore") == 0;

		r = ferryclient_acquire(c, vm, uuid, argc >= 5 ? argv[4] : vm,
		                        restore ? FERRY_ACQUIRE_RESTORE : FERRY_ACQUIRE_START,
		                        restore ? strtoull(argv[6], NULL, 10) : 0, &rsp);
	} else if (strcmp(op, "release") == 0) {
		r = ferryclient_release(c, vm, uuid, &rsp);
	} else if (strcmp(op, "begin") == 0 && argc >= 5) {
		r = ferryclient_migrate_begin(c, vm, uuid, argv[4],
		                              argc >= 6 && strcmp(argv[5], "quick") == 0
		                                      ? FERRY_MIGRATE_QUICK
		                                      : FERRY_MIGRATE_LIVE,
		                              &rsp);
	} else if (strcmp(op, "commit") == 0) {
		r = ferryclient_migrate_commit(c, vm, uuid, &rsp);
	} else if (strcmp(op, "abort") == 0) {
		r = ferryclient_migrate_abort(c, vm, uuid, &rsp);
	} else if (strcmp(op, "restore-commit") == 0) {
		r = ferryclient_restore_commit(c, vm, uuid, &rsp);
	} else if (strcmp(op, "restore-abort") == 0) {
		r = ferryclient_restore_abort(c, vm, uuid, &rsp);
	} else if (strcmp(op, "save") == 0) {
		r = ferryclient_save(c, vm, uuid, &rsp);
	} else if (strcmp(op, "expect-stop") == 0) {
		r = ferryclient_expect_stop(c, vm, uuid, 60000);
	} else if (strcmp(op, "move") == 0 && argc >= 10) {
		memset(&m, 0, sizeof(m));
		snprintf(m.vm, sizeof(m.vm), "%s", vm);
		snprintf(m.uuid, sizeof(m.uuid), "%s", uuid);
		snprintf(m.from, sizeof(m.from), "%s", argv[4]);
		snprintf(m.to, sizeof(m.to), "%s", argv[5]);
		snprintf(m.mode, sizeof(m.mode), "%s", argv[6]);
		snprintf(m.result, sizeof(m.result), "%s", argv[7]);
		m.downtime_ms = strtoll(argv[8], NULL, 10);
		m.start_unix_ms = strtoll(argv[9], NULL, 10);
		m.total_ms = m.guest_gap_ms = m.bytes = -1;
		r = ferryclient_record_move(c, &m);
	} else {
		fprintf(stderr, "ipccall: unknown or incomplete request '%s'\n", op);
		ferryclient_free(c);
		return 2;
	}
	ferryclient_free(c);
	if (r < 0) {
		fprintf(stderr, "ipccall: %s failed: %s\n", op, strerror(-r));
		return 1;
	}
	printf("%s owner=%" PRIu32 " gen=%" PRIu64 " %s\n", ferryclient_verdict_name(rsp.verdict),
	       rsp.owner_nodeid, rsp.generation, rsp.reason);
	return rsp.verdict == FERRY_VERDICT_GRANTED ? 0 : 5;
}
