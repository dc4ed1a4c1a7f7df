/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_virtwatch - libvirt lifecycle events against libvirt's in-process
 * test driver (test:///default, whose default domain "test" is running):
 * a VM owned elsewhere that starts here is paused, at once or by the scan;
 * an unannounced stop of an owned VM is reported (crm_resource --fail,
 * replaced by a script on PATH); an announced stop is not. */
#include "config.c"
#include "persist.c"
#include "virtwatch.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>

#include <cmocka.h>

#define TEST_UUID "6695eb01-f6a4-8304-79aa-97f2502e193f"

static virConnectPtr conn;
static virDomainPtr dom;
static char dir[64], report[128];
static uint32_t ledger_owner, ledger_state, ledger_peer;
static bool ledger_known;

/* what ferryd.c gives the watcher: its loop, config and facts; the watcher */
static struct {
	struct config cfg;
	qb_loop_t *loop;
	uint32_t local_nodeid;
	char local_name[FERRY_IPC_NODE_LEN];
	struct virtwatch *virt;
} d;

/* the ledger and the cluster, as ferryd.c would answer for them */
static int
ev_vm_lookup(void *ctx, const char *uuid, uint32_t *owner, uint32_t *state, uint32_t *peer)
{
	(void)ctx;
	if (!ledger_known || strcmp(uuid, TEST_UUID) != 0)
		return -ENOENT;
	*owner = ledger_owner;
	*state = ledger_state;
	*peer = ledger_peer;
	return 0;
}
static uint32_t
ev_local_nodeid(void *ctx)
{
	(void)ctx;
	return d.local_nodeid;
}
static const char *
ev_local_name(void *ctx)
{
	(void)ctx;
	return d.local_name; /* no name from corosync's nodelist */
}
static const char *
ev_node_name(void *ctx, uint32_t nodeid)
{
	(void)ctx, (void)nodeid;
	return NULL;
}
static bool
ev_ready(void *ctx)
{
	(void)ctx;
	return false;
}
static int
ev_file_write(void *ctx, const char *name, const void *buf, size_t len)
{
	(void)ctx;
	return persist_write(d.cfg.state_dir, name, buf, len);
}
static int
ev_file_read(void *ctx, const char *name, size_t max_len, void **ret_buf, size_t *ret_len)
{
	(void)ctx;
	return persist_read(d.cfg.state_dir, name, max_len, ret_buf, ret_len);
}
static const struct virtwatch_events events = {
        .vm_lookup = ev_vm_lookup,
        .local_nodeid = ev_local_nodeid,
        .local_name = ev_local_name,
        .node_name = ev_node_name,
        .ready = ev_ready,
        .file_write = ev_file_write,
        .file_read = ev_file_read,
};

/* ---- driving the loop ------------------------------------------------------ */

typedef bool (*cond_fn)(void);
static cond_fn waiting_for;
static uint64_t deadline_ns;
static qb_loop_timer_handle poll_timer;

static void
poll_cond(void *data)
{
	(void)data;
	if (waiting_for() || qb_util_nano_current_get() > deadline_ns) {
		qb_loop_stop(d.loop);
		return;
	}
	qb_loop_timer_add(d.loop, QB_LOOP_LOW, 5 * QB_TIME_NS_IN_MSEC, NULL, poll_cond,
	                  &poll_timer);
}

static bool
run_until(cond_fn c, unsigned timeout_ms)
{
	waiting_for = c;
	deadline_ns = qb_util_nano_current_get() + (uint64_t)timeout_ms * QB_TIME_NS_IN_MSEC;
	qb_loop_timer_add(d.loop, QB_LOOP_LOW, 5 * QB_TIME_NS_IN_MSEC, NULL, poll_cond,
	                  &poll_timer);
	qb_loop_run(d.loop);
	return c();
}

static bool
is_paused(void)
{
	int st = 0, reason = 0;

	return virDomainGetState(dom, &st, &reason, 0) == 0 && st == VIR_DOMAIN_PAUSED;
}

static bool
report_written(void)
{
	return access(report, F_OK) == 0;
}

/* Waits for the report to Pacemaker and checks its (first) line. */
static void
assert_reported(const char *want)
{
	char line[256] = "";
	FILE *f;

	assert_true(run_until(report_written, 3000));
	f = fopen(report, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_string_equal(line, want);
}

static bool
never(void)
{
	return false;
}

/* No crm_resource of ours left unreaped (and none watched any more). */
static bool
kids_reaped(void)
{
	for (size_t i = 0; i < VIRTWATCH_MAX_KIDS; i++)
		if (d.virt->kids[i].pid != 0)
			return false;
	return true;
}

static int
setup(void **state)
{
	char path[512], script[128];
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ferry-virt-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(report, sizeof(report), "%s/report", dir);
	snprintf(script, sizeof(script), "%s/crm_resource", dir);
	f = fopen(script, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "#!/bin/sh\necho $$ > %s.pid\necho \"$*\" > %s.tmp && mv %s.tmp %s\n", report,
	        report, report, report);
	fclose(f);
	chmod(script, 0755);
	snprintf(path, sizeof(path), "%s:%s", dir,
	         getenv("PATH") != NULL ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", path, 1);

	memset(&d, 0, sizeof(d));
	config_defaults(&d.cfg);
	snprintf(d.cfg.libvirt_uri, sizeof(d.cfg.libvirt_uri), "test:///default");
	snprintf(d.cfg.state_dir, sizeof(d.cfg.state_dir), "%s", dir);
	d.cfg.fail_report = CONFIG_FAIL_CRM_RESOURCE;
	d.local_nodeid = 1;
	snprintf(d.local_name, sizeof(d.local_name), "node1");
	d.loop = qb_loop_create();
	if (d.loop == NULL || virtwatch_start(d.loop, &d.cfg, &events, &d, &d.virt) < 0)
		return -1;
	conn = virConnectOpen("test:///default");
	dom = conn != NULL ? virDomainLookupByUUIDString(conn, TEST_UUID) : NULL;
	return dom == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	virDomainFree(dom);
	virConnectClose(conn);
	d.virt = virtwatch_stop(d.virt);
	qb_loop_destroy(d.loop);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Brings the domain to "shut off" while the ledger does not know it, so
 * that the preparation itself is not judged, and drains its events. */
static void
stop_quietly(void)
{
	bool known = ledger_known;
	int st = 0, reason = 0;

	ledger_known = false;
	if (virDomainGetState(dom, &st, &reason, 0) == 0 && st != VIR_DOMAIN_SHUTOFF)
		assert_int_equal(virDomainDestroy(dom), 0);
	run_until(never, 100);
	unlink(report);
	ledger_known = known;
}

static void
restart_domain(void)
{
	stop_quietly();
	assert_int_equal(virDomainCreate(dom), 0);
}

static void
test_foreign_start_paused(void **state)
{
	(void)state;
	ledger_known = true;
	ledger_owner = 2; /* node 2 owns it */
	ledger_state = FERRY_VM_RUNNING;
	d.cfg.foreign_vm = CONFIG_FOREIGN_PAUSE;
	restart_domain(); /* "virsh start" here */
	assert_true(run_until(is_paused, 2000));
	assert_false(report_written()); /* not ours: nothing to report */
}

static void
test_incoming_migration_allowed(void **state)
{
	(void)state;
	ledger_known = true;
	ledger_owner = 2;
	ledger_state = FERRY_VM_MIGRATING;
	ledger_peer = 1; /* coming to us */
	restart_domain();
	run_until(never, 300);
	assert_false(is_paused());
}

static void
test_unknown_vm_ignored(void **state)
{
	(void)state;
	ledger_known = false;
	restart_domain();
	run_until(never, 300);
	assert_false(is_paused());
	assert_int_equal(virDomainDestroy(dom), 0);
	run_until(never, 300);
	assert_false(report_written());
}

static void
test_unexpected_stop_reported(void **state)
{
	(void)state;
	ledger_known = true;
	ledger_owner = 1; /* ours */
	ledger_state = FERRY_VM_RUNNING;
	virtwatch_set_rsc(d.virt, TEST_UUID, "vm-test");
	restart_domain();
	assert_int_equal(virDomainDestroy(dom), 0); /* not announced */
	assert_reported("--fail --resource vm-test --node node1\n");
}

/* The crm_resource ferryd spawned is reaped by ferryd (its pidfd), not left
 * a zombie, and not by a SIGCHLD handler: a signal still queued in libqb's
 * loop when virtwatch stopped leaked 64 bytes (LeakSanitizer, asan run). */
static void
test_report_child_reaped(void **state)
{
	struct sigaction sa;
	char path[160];
	int pid = 0;
	FILE *f;

	(void)state;
	ledger_known = true;
	ledger_owner = 1;
	ledger_state = FERRY_VM_RUNNING;
	virtwatch_set_rsc(d.virt, TEST_UUID, "vm-test");
	restart_domain();
	assert_int_equal(virDomainDestroy(dom), 0);
	assert_reported("--fail --resource vm-test --node node1\n");
	snprintf(path, sizeof(path), "%s.pid", report);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	assert_true(run_until(kids_reaped, 10000));
	/* reaped: not even a zombie left (kill(pid, 0) finds zombies) */
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	/* virtwatch installs no SIGCHLD handler of its own */
	assert_int_equal(sigaction(SIGCHLD, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_DFL);
}

/* The resource id the agent gave survives a restart of ferryd (kept in
 * STATE_DIR/resources); a malformed line there is skipped, not fatal. */
static void
test_rsc_survives_restart(void **state)
{
	char path[128];
	FILE *f;

	(void)state;
	virtwatch_set_rsc(d.virt, TEST_UUID, "vm-test");
	virtwatch_set_rsc(d.virt, "not a uuid", "x"); /* refused: blanks */
	d.virt = virtwatch_stop(d.virt);
	snprintf(path, sizeof(path), "%s/resources", dir);
	f = fopen(path, "a");
	assert_non_null(f);
	fputs("garbage-without-a-space\n", f);
	fclose(f);
	assert_int_equal(virtwatch_start(d.loop, &d.cfg, &events, &d, &d.virt), 0);
	assert_string_equal(virtwatch_rsc(d.virt, TEST_UUID), "vm-test");
	assert_int_equal(d.virt->n_rsc, 1);

	ledger_known = true;
	ledger_owner = 1;
	ledger_state = FERRY_VM_RUNNING;
	restart_domain();
	assert_int_equal(virDomainDestroy(dom), 0);
	assert_reported("--fail --resource vm-test --node node1\n");
}

static void
test_announced_stop_not_reported(void **state)
{
	(void)state;
	ledger_known = true;
	ledger_owner = 1;
	ledger_state = FERRY_VM_RUNNING;
	restart_domain();
	run_until(never, 100);
	virtwatch_expect_stop(d.virt, TEST_UUID, 5000);
	assert_int_equal(virDomainDestroy(dom), 0);
	run_until(never, 500);
	assert_false(report_written());
	/* the announcement is used up: the next stop is a failure again */
	assert_int_equal(virDomainCreate(dom), 0);
	assert_int_equal(virDomainDestroy(dom), 0);
	assert_true(run_until(report_written, 3000));
}

static void
test_scan_pauses_running_foreign(void **state)
{
	(void)state;
	ledger_known = false;
	restart_domain();
	run_until(never, 200);
	assert_false(is_paused());
	ledger_known = true; /* the ledger learns, after a sync, that node 3 owns it */
	ledger_owner = 3;
	ledger_state = FERRY_VM_RUNNING;
	virtwatch_scan(d.virt);
	assert_true(is_paused());
}

static void
test_foreign_warn_only(void **state)
{
	(void)state;
	ledger_known = true;
	ledger_owner = 2;
	ledger_state = FERRY_VM_RUNNING;
	d.cfg.foreign_vm = CONFIG_FOREIGN_WARN;
	restart_domain();
	run_until(never, 300);
	assert_false(is_paused());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_foreign_start_paused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_incoming_migration_allowed, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unknown_vm_ignored, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unexpected_stop_reported, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_report_child_reaped, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rsc_survives_restart, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_announced_stop_not_reported, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_scan_pauses_running_foreign, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_foreign_warn_only, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
