/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ipc - the IPC protocol's checks on both sides: the server's request
 * validation (length, size field, version, type), the peer credential
 * check, and the client's answer validation. */
#include "ipcsrv.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "client.h"

/* ipcsrv.c's neighbours, not used by the pure checks */
void ledgerglue_request(struct ferryd *d, uint64_t token, const struct ferry_ipc_vm_req *req)
{
	(void)d, (void)token, (void)req;
}
void ledgerglue_record_move(struct ferryd *d, uint64_t token, const struct ferry_ipc_move *m)
{
	(void)d, (void)token, (void)m;
}
ssize_t ledgerglue_status(struct ferryd *d, void *buf, size_t len)
{
	(void)d, (void)buf, (void)len;
	return -ENOSYS;
}
ssize_t ledgerglue_dump(struct ferryd *d, void *buf, size_t len)
{
	(void)d, (void)buf, (void)len;
	return -ENOSYS;
}
ssize_t ledgerglue_history(struct ferryd *d, const struct ferry_ipc_history_req *req, void *buf,
			   size_t len)
{
	(void)d, (void)req, (void)buf, (void)len;
	return -ENOSYS;
}
void virtwatch_expect_stop(struct ferryd *d, const char *uuid, uint32_t timeout_ms)
{
	(void)d, (void)uuid, (void)timeout_ms;
}

static void fill(void *buf, size_t len, int32_t type)
{
	struct ferry_ipc_req_hdr *h = buf;

	memset(buf, 0, len);
	h->qb.id = type;
	h->qb.size = (int32_t)len;
	h->version = FERRY_IPC_VERSION;
}

static void test_request_good(void **state)
{
	struct ferry_ipc_vm_req vm;
	struct ferry_ipc_move_req mv;
	struct ferry_ipc_empty_req e;
	struct ferry_ipc_history_req hi;
	static const int32_t vm_types[] = {FERRY_IPC_ACQUIRE, FERRY_IPC_RELEASE,
					   FERRY_IPC_MIGRATE_BEGIN, FERRY_IPC_MIGRATE_COMMIT,
					   FERRY_IPC_MIGRATE_ABORT, FERRY_IPC_SAVE,
					   FERRY_IPC_EXPECT_STOP, FERRY_IPC_FORCE_RELEASE};
	size_t i;
	int idx;

	(void)state;
	for (i = 0; i < sizeof(vm_types) / sizeof(vm_types[0]); i++) {
		fill(&vm, sizeof(vm), vm_types[i]);
		idx = ipcsrv_check_request(&vm, sizeof(vm));
		assert_true(idx >= 0);
		assert_int_equal(ipcsrv_table[idx].type, vm_types[i]);
	}
	fill(&mv, sizeof(mv), FERRY_IPC_RECORD_MOVE);
	assert_true(ipcsrv_check_request(&mv, sizeof(mv)) >= 0);
	fill(&e, sizeof(e), FERRY_IPC_STATUS);
	assert_true(ipcsrv_check_request(&e, sizeof(e)) >= 0);
	fill(&e, sizeof(e), FERRY_IPC_LEDGER_DUMP);
	assert_true(ipcsrv_check_request(&e, sizeof(e)) >= 0);
	fill(&hi, sizeof(hi), FERRY_IPC_HISTORY);
	assert_true(ipcsrv_check_request(&hi, sizeof(hi)) >= 0);
	/* only FORCE_RELEASE needs root */
	for (i = 0; i < IPCSRV_N_TYPES; i++)
		assert_int_equal(ipcsrv_table[i].root_only,
				 ipcsrv_table[i].type == FERRY_IPC_FORCE_RELEASE);
}

static void test_request_bad(void **state)
{
	unsigned char big[FERRY_IPC_MAX_REQ_BYTES + 8];
	struct ferry_ipc_vm_req vm;
	struct ferry_ipc_empty_req e;

	(void)state;
	assert_int_equal(ipcsrv_check_request(NULL, 0), -EBADMSG);
	/* truncated: shorter than a header */
	fill(&vm, sizeof(vm), FERRY_IPC_ACQUIRE);
	assert_int_equal(ipcsrv_check_request(&vm, sizeof(struct ferry_ipc_req_hdr) - 1), -EBADMSG);
	/* truncated: the size field says more than was received */
	assert_int_equal(ipcsrv_check_request(&vm, sizeof(vm) - 1), -EBADMSG);
	/* body of the wrong size for its type (size field consistent) */
	fill(&vm, sizeof(e), FERRY_IPC_ACQUIRE);
	assert_int_equal(ipcsrv_check_request(&vm, sizeof(e)), -EBADMSG);
	fill(&vm, sizeof(vm), FERRY_IPC_STATUS);
	assert_int_equal(ipcsrv_check_request(&vm, sizeof(vm)), -EBADMSG);
	/* negative size field */
	fill(&vm, sizeof(vm), FERRY_IPC_ACQUIRE);
	vm.hdr.qb.size = -1;
	assert_int_equal(ipcsrv_check_request(&vm, sizeof(vm)), -EBADMSG);
	/* oversize */
	fill(big, sizeof(big), FERRY_IPC_ACQUIRE);
	assert_int_equal(ipcsrv_check_request(big, sizeof(big)), -EMSGSIZE);
	/* wrong version */
	fill(&vm, sizeof(vm), FERRY_IPC_ACQUIRE);
	vm.hdr.version = FERRY_IPC_VERSION + 1;
	assert_int_equal(ipcsrv_check_request(&vm, sizeof(vm)), -EPROTO);
	/* unknown type */
	fill(&e, sizeof(e), 99);
	assert_int_equal(ipcsrv_check_request(&e, sizeof(e)), -EOPNOTSUPP);
	/* garbage */
	memset(big, 0xa5, sizeof(big));
	assert_true(ipcsrv_check_request(big, 100) < 0);
}

static void test_peer(void **state)
{
	(void)state;
	assert_int_equal(ipcsrv_check_peer(0, 0, 189), 0);      /* root */
	assert_int_equal(ipcsrv_check_peer(0, 1000, 189), 0);   /* root, any group */
	assert_int_equal(ipcsrv_check_peer(189, 189, 189), 0);  /* hacluster:haclient */
	assert_int_equal(ipcsrv_check_peer(1000, 189, 189), 0); /* a member of haclient */
	assert_int_equal(ipcsrv_check_peer(1000, 1000, 189), -EACCES);
	assert_int_equal(ipcsrv_check_peer(1000, 0, 189), -EACCES); /* gid 0 is not uid 0 */
	/* no haclient group on this host: root only */
	assert_int_equal(ipcsrv_check_peer(1000, (gid_t)-1, (gid_t)-1), -EACCES);
	assert_int_equal(ipcsrv_check_peer(0, 5, (gid_t)-1), 0);
}

static void rsp_fill(void *buf, size_t len, int32_t type, uint32_t seq)
{
	struct ferry_ipc_rsp_hdr *h = buf;

	memset(buf, 0, len);
	h->qb.id = type;
	h->qb.size = (int32_t)len;
	h->version = FERRY_IPC_VERSION;
	h->seq = seq;
}

static void test_client_vm_rsp(void **state)
{
	struct ferry_ipc_vm_rsp r;
	struct ferry_ipc_rsp_hdr e;

	(void)state;
	rsp_fill(&r, sizeof(r), FERRY_IPC_ACQUIRE, 7);
	assert_int_equal(ferryclient_check_rsp(&r, sizeof(r), FERRY_IPC_ACQUIRE, 7), 0);
	assert_int_equal(ferryclient_check_rsp(&r, sizeof(r), FERRY_IPC_ACQUIRE, 8), -EPROTO);
	assert_int_equal(ferryclient_check_rsp(&r, sizeof(r), FERRY_IPC_RELEASE, 7), -EPROTO);
	assert_int_equal(ferryclient_check_rsp(&r, sizeof(r) - 1, FERRY_IPC_ACQUIRE, 7), -EPROTO);
	assert_int_equal(ferryclient_check_rsp(&r, 3, FERRY_IPC_ACQUIRE, 7), -EPROTO);
	assert_int_equal(ferryclient_check_rsp(NULL, 0, FERRY_IPC_ACQUIRE, 7), -EPROTO);
	r.hdr.version = 9;
	assert_int_equal(ferryclient_check_rsp(&r, sizeof(r), FERRY_IPC_ACQUIRE, 7), -EPROTO);
	/* a bare header carrying the server's error */
	rsp_fill(&e, sizeof(e), FERRY_IPC_FORCE_RELEASE, 3);
	e.qb.error = -EPERM;
	assert_int_equal(ferryclient_check_rsp(&e, sizeof(e), FERRY_IPC_FORCE_RELEASE, 3), -EPERM);
	/* a bare header without an error is too short */
	e.qb.error = 0;
	assert_int_equal(ferryclient_check_rsp(&e, sizeof(e), FERRY_IPC_FORCE_RELEASE, 3), -EPROTO);
}

static void test_client_arrays(void **state)
{
	unsigned char buf[sizeof(struct ferry_ipc_status_rsp) + 3 * sizeof(struct ferry_ipc_vm_info)];
	struct ferry_ipc_status_rsp *s = (void *)buf;
	struct ferry_ipc_dump_rsp *d = (void *)buf;
	struct ferry_ipc_history_rsp *h = (void *)buf;
	size_t len;

	(void)state;
	len = sizeof(*s) + 2 * sizeof(struct ferry_ipc_vm_info);
	rsp_fill(buf, len, FERRY_IPC_STATUS, 1);
	s->n_vms = 2;
	assert_int_equal(ferryclient_check_rsp(buf, len, FERRY_IPC_STATUS, 1), 0);
	s->n_vms = 3; /* claims more than it carries */
	assert_int_equal(ferryclient_check_rsp(buf, len, FERRY_IPC_STATUS, 1), -EPROTO);
	s->n_vms = 2;
	s->n_nodes = FERRY_IPC_MAX_NODES + 1;
	assert_int_equal(ferryclient_check_rsp(buf, len, FERRY_IPC_STATUS, 1), -EPROTO);
	rsp_fill(buf, len - 1, FERRY_IPC_STATUS, 1); /* not a whole entry */
	s->n_vms = 1;
	assert_int_equal(ferryclient_check_rsp(buf, len - 1, FERRY_IPC_STATUS, 1), -EPROTO);

	len = sizeof(*d) + 10;
	rsp_fill(buf, len, FERRY_IPC_LEDGER_DUMP, 2);
	d->blob_len = 10;
	assert_int_equal(ferryclient_check_rsp(buf, len, FERRY_IPC_LEDGER_DUMP, 2), 0);
	d->blob_len = 11;
	assert_int_equal(ferryclient_check_rsp(buf, len, FERRY_IPC_LEDGER_DUMP, 2), -EPROTO);

	len = sizeof(*h) + sizeof(struct ferry_ipc_move);
	rsp_fill(buf, len, FERRY_IPC_HISTORY, 3);
	h->n = 1;
	assert_int_equal(ferryclient_check_rsp(buf, len, FERRY_IPC_HISTORY, 3), 0);
	h->n = 0;
	assert_int_equal(ferryclient_check_rsp(buf, len, FERRY_IPC_HISTORY, 3), -EPROTO);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ferryclient_verdict_name(FERRY_VERDICT_ORPHANED), "orphaned");
	assert_string_equal(ferryclient_verdict_name(1000), "unknown");
	assert_string_equal(ferryclient_state_name(FERRY_VM_MIGRATING), "migrating");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_good),  cmocka_unit_test(test_request_bad),
		cmocka_unit_test(test_peer),          cmocka_unit_test(test_client_vm_rsp),
		cmocka_unit_test(test_client_arrays), cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
