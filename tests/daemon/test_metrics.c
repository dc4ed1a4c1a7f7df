/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_metrics - ferryd's Prometheus text: golden files (tests/daemon/metrics/NAME.prom,
 * which test_metrics_promtool.sh checks with promtool), counting rules, label escaping,
 * a buffer too small.  FERRY_UPDATE_GOLDEN=1 rewrites the golden files. */
#include "metrics.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

static struct ferry_ipc_move
move_of(const char *vm, const char *mode, const char *result, int64_t downtime_ms, int64_t gap_ms)
{
	struct ferry_ipc_move m;

	memset(&m, 0, sizeof(m));
	snprintf(m.vm, sizeof(m.vm), "%s", vm);
	snprintf(m.mode, sizeof(m.mode), "%s", mode);
	snprintf(m.result, sizeof(m.result), "%s", result);
	m.downtime_ms = downtime_ms;
	m.guest_gap_ms = gap_ms;
	return m;
}

static void
count(struct metrics *m, const char *vm, const char *mode, const char *result, int64_t downtime_ms,
      int64_t gap_ms)
{
	struct ferry_ipc_move rec = move_of(vm, mode, result, downtime_ms, gap_ms);

	assert_int_equal(metrics_move(m, &rec), 0);
}

/* Compares text with the golden file NAME.prom (or rewrites it). */
static void
golden(const char *name, const char *text)
{
	const char *src = getenv("top_srcdir");
	char path[1024], *want;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tests/daemon/metrics/%s.prom", src != NULL ? src : "../..",
	         name);
	if (getenv("FERRY_UPDATE_GOLDEN") != NULL) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
		return;
	}
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("%s: missing (FERRY_UPDATE_GOLDEN=1 makes it)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	want = calloc(1, (size_t)n + 1);
	assert_non_null(want);
	assert_int_equal(fread(want, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (strcmp(want, text) != 0)
		fail_msg("%s differs from the output:\n%s", path, text);
	free(want);
}

static char buf[256 * 1024];

static void
test_golden_empty(void **state)
{
	struct metrics m;

	(void)state;
	metrics_init(&m);
	assert_true(metrics_format(&m, NULL, NULL, buf, sizeof(buf)) > 0);
	golden("empty", buf);
}

static void
test_golden_moves(void **state)
{
	struct metrics m;

	(void)state;
	metrics_init(&m);
	count(&m, "web1", "live", "ok", 57, 212);
	count(&m, "web1", "live", "ok", 4, 9); /* on a bound: le="0.010" */
	count(&m, "web1", "live", "ok", 10, 10);
	count(&m, "db1", "live", "aborted", -1, -1); /* not measured: counted, not observed */
	count(&m, "db1", "quick", "ok", 1480, 1730);
	count(&m, "db1", "quick", "failed", -1, -1);
	count(&m, "big", "restart", "ok", 75000, -1); /* above every bound: +Inf only */
	assert_int_equal(metrics_fence(&m, "node2", 1764988800123), 0);
	assert_int_equal(metrics_fence(&m, "node3", 1764988700000), 0);
	assert_true(metrics_format(&m, NULL, NULL, buf, sizeof(buf)) > 0);
	golden("moves", buf);
}

static void
test_golden_ledger(void **state)
{
	static struct {
		struct ferry_ipc_status_rsp st;
		struct ferry_ipc_vm_info vms[4];
	} s;
	struct metrics m;
	const char *names[] = {"web1", "web2", "db1", "stopped1"};
	const uint32_t owner[] = {1, 1, 2, 0};
	size_t i;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.st.local_nodeid = 1;
	s.st.quorate = 1;
	s.st.synced = 1;
	s.st.config_id = (7ull << 20) | 3;
	s.st.n_nodes = 3;
	for (i = 0; i < 3; i++) {
		s.st.nodes[i].nodeid = (uint32_t)i + 1;
		s.st.nodes[i].member = i < 2;
		snprintf(s.st.nodes[i].name, sizeof(s.st.nodes[i].name), "node%zu", i + 1);
	}
	s.st.n_vms = 4;
	for (i = 0; i < 4; i++) {
		snprintf(s.vms[i].vm, sizeof(s.vms[i].vm), "%s", names[i]);
		s.vms[i].owner_nodeid = owner[i];
		s.vms[i].generation = 10 * i;
	}
	metrics_init(&m);
	count(&m, "web1", "live", "ok", 57, 212);
	assert_int_equal(metrics_fence(&m, "node3", 1764988800000), 0);
	assert_true(metrics_format(&m, &s.st, s.vms, buf, sizeof(buf)) > 0);
	golden("ledger", buf);
}

static void
test_unknown_kind_or_result(void **state)
{
	struct metrics m, zero;
	struct ferry_ipc_move rec = move_of("a", "live->quick", "ok", 1, 1);

	(void)state;
	metrics_init(&m);
	metrics_init(&zero);
	assert_int_equal(metrics_move(&m, &rec), -EINVAL);
	rec = move_of("a", "live", "maybe", 1, 1);
	assert_int_equal(metrics_move(&m, &rec), -EINVAL);
	assert_memory_equal(&m, &zero, sizeof(m));
}

static void
test_fence_newest_kept(void **state)
{
	struct metrics m;
	char name[16];
	int i;

	(void)state;
	metrics_init(&m);
	assert_int_equal(metrics_fence(&m, "n1", 2000), 0);
	assert_int_equal(metrics_fence(&m, "n1", 1000), 0);
	assert_int_equal(m.n_fences, 1);
	assert_int_equal(m.fences[0].when_unix_ms, 2000);
	assert_int_equal(metrics_fence(&m, "n1", 3000), 0);
	assert_int_equal(m.fences[0].when_unix_ms, 3000);
	assert_int_equal(metrics_fence(&m, "", 3000), -EINVAL);
	assert_int_equal(metrics_fence(&m, "n2", 0), -EINVAL);
	for (i = 2; i <= (int)FERRY_IPC_MAX_NODES; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		assert_int_equal(metrics_fence(&m, name, 1), 0);
	}
	assert_int_equal(metrics_fence(&m, "one-too-many", 1), -ENOSPC);
}

static void
test_label_escaped(void **state)
{
	static struct {
		struct ferry_ipc_status_rsp st;
		struct ferry_ipc_vm_info vms[1];
	} s;
	struct metrics m;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.st.n_vms = 1;
	snprintf(s.vms[0].vm, sizeof(s.vms[0].vm), "a\"b\\c\nd");
	metrics_init(&m);
	assert_true(metrics_format(&m, &s.st, s.vms, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "ferry_ledger_vm_generation{vm=\"a\\\"b\\\\c\\nd\"} 0\n"));
}

static void
test_buffer_too_small(void **state)
{
	struct metrics m;
	ssize_t n;

	(void)state;
	metrics_init(&m);
	n = metrics_format(&m, NULL, NULL, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(metrics_format(&m, NULL, NULL, buf, (size_t)n), -ENOBUFS);
	assert_int_equal(metrics_format(&m, NULL, NULL, buf, (size_t)n + 1), n);
	assert_int_equal(metrics_format(&m, NULL, NULL, buf, 0), -ENOBUFS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_golden_empty),
	        cmocka_unit_test(test_golden_moves),
	        cmocka_unit_test(test_golden_ledger),
	        cmocka_unit_test(test_unknown_kind_or_result),
	        cmocka_unit_test(test_fence_newest_kept),
	        cmocka_unit_test(test_label_escaped),
	        cmocka_unit_test(test_buffer_too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
