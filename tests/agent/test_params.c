/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_params.c - OCF_RESKEY_* parsing and validation, every bad input. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "params.h"
#include "testutil.h"

#define CONFIG "OCF_RESKEY_config=/etc/ferry/web1.xml"

static int
parse(const char *const *env, struct vm_params *p, struct ocf_reason *why)
{
	memset(why, 0, sizeof(*why));
	return params_parse(env, p, why);
}

/* One bad parameter next to a good config: expect code and a message part. */
static void
expect_bad(const char *assignment, int code, const char *needle)
{
	const char *env[] = {CONFIG, "OCF_RESKEY_save_dir=/srv/save", assignment, NULL};
	struct vm_params p;
	struct ocf_reason why;
	int rc = parse(env, &p, &why);

	if (rc != code || strstr(why.text, needle) == NULL)
		fail_msg("%s: got %d '%s', want %d with '%s'", assignment, rc, why.text, code,
		         needle);
}

static void
test_defaults(void **state)
{
	const char *env[] = {CONFIG, NULL};
	struct vm_params p;
	struct ocf_reason why;

	(void)state;
	assert_int_equal(parse(env, &p, &why), OCF_SUCCESS);
	assert_string_equal(why.text, "");
	assert_string_equal(p.config, "/etc/ferry/web1.xml");
	assert_string_equal(p.hypervisor, "qemu:///system");
	assert_string_equal(p.remote_uri, "qemu+ssh://%n/system");
	assert_string_equal(p.migration_uri, "");
	assert_int_equal(p.move, PARAMS_MOVE_LIVE);
	assert_int_equal(p.on_stop, PARAMS_ON_STOP_SHUTDOWN);
	assert_int_equal(p.shutdown_timeout_s, 60);
	assert_int_equal(p.policy.max_downtime_ms, 100);
	assert_int_equal(p.policy.n_downtime_steps, 3);
	assert_int_equal(p.policy.downtime_steps_ms[2], 800);
	assert_int_equal(p.policy.postcopy, POLICY_POSTCOPY_OFF);
	assert_int_equal(p.policy.fallback, POLICY_FALLBACK_NONE);
	assert_int_equal(p.bandwidth_mib_s, 0);
	assert_false(p.auto_converge);
	assert_false(p.autoset_utilization);
	assert_int_equal(p.ledger, strcmp(PARAMS_DEFAULT_LEDGER, "on") == 0);
	assert_int_equal(p.save_channels, PARAMS_DEFAULT_SAVE_CHANNELS);
	assert_int_equal(p.op_timeout_ms, 0);
	assert_string_equal(p.rsctmp, "/run/resource-agents");
	assert_string_equal(p.probe_address, ""); /* off */
}

static void
test_all_set(void **state)
{
	const char *env[] = {
	        CONFIG,
	        "OCF_RESKEY_hypervisor=qemu+unix:///system?socket=/x/sock",
	        "OCF_RESKEY_remote_uri=qemu+tcp://%n/system",
	        "OCF_RESKEY_migration_uri=tcp://%n-mig",
	        "OCF_RESKEY_move=quick",
	        "OCF_RESKEY_save_dir=/srv/save",
	        "OCF_RESKEY_on_stop=save",
	        "OCF_RESKEY_shutdown_timeout=30",
	        "OCF_RESKEY_max_downtime_ms=50",
	        "OCF_RESKEY_downtime_steps=50,100,200,400",
	        "OCF_RESKEY_bandwidth_mib_s=1000",
	        "OCF_RESKEY_auto_converge=yes",
	        "OCF_RESKEY_postcopy=after-stall",
	        "OCF_RESKEY_parallel_connections=4",
	        "OCF_RESKEY_save_channels=4",
	        "OCF_RESKEY_completion_timeout_s_per_gib=20",
	        "OCF_RESKEY_fallback=quick",
	        "OCF_RESKEY_autoset_utilization=true",
	        "OCF_RESKEY_ledger=off",
	        "OCF_RESKEY_probe_address=10.0.0.5",
	        "OCF_RESKEY_CRM_meta_timeout=120000",
	        "OCF_RESKEY_CRM_meta_interval=10000",
	        "OCF_RESKEY_CRM_meta_migrate_target=node2",
	        "OCF_RESKEY_CRM_meta_migrate_source=node1",
	        "OCF_RESKEY_CRM_meta_on_node=node1",
	        "OCF_RESOURCE_INSTANCE=vm-web1",
	        "HA_RSCTMP=/tmp/rsc",
	        "UNRELATED=1",
	        NULL,
	};
	struct vm_params p;
	struct ocf_reason why;

	(void)state;
	assert_int_equal(parse(env, &p, &why), OCF_SUCCESS);
	assert_string_equal(p.hypervisor, "qemu+unix:///system?socket=/x/sock");
	assert_string_equal(p.remote_uri, "qemu+tcp://%n/system");
	assert_string_equal(p.migration_uri, "tcp://%n-mig");
	assert_int_equal(p.move, PARAMS_MOVE_QUICK);
	assert_string_equal(p.save_dir, "/srv/save");
	assert_int_equal(p.on_stop, PARAMS_ON_STOP_SAVE);
	assert_int_equal(p.shutdown_timeout_s, 30);
	assert_int_equal(p.policy.max_downtime_ms, 50);
	assert_int_equal(p.policy.n_downtime_steps, 4);
	assert_int_equal(p.policy.downtime_steps_ms[3], 400);
	assert_int_equal(p.bandwidth_mib_s, 1000);
	assert_true(p.auto_converge);
	assert_int_equal(p.policy.postcopy, POLICY_POSTCOPY_AFTER_STALL);
	assert_int_equal(p.parallel_connections, 4);
	assert_int_equal(p.save_channels, 4);
	assert_int_equal(p.completion_timeout_s_per_gib, 20);
	assert_int_equal(p.policy.fallback, POLICY_FALLBACK_QUICK);
	assert_true(p.autoset_utilization);
	assert_false(p.ledger);
	assert_string_equal(p.probe_address, "10.0.0.5");
	assert_int_equal(p.op_timeout_ms, 120000);
	assert_int_equal(p.op_interval_ms, 10000);
	assert_string_equal(p.migrate_target, "node2");
	assert_string_equal(p.migrate_source, "node1");
	assert_string_equal(p.on_node, "node1");
	assert_string_equal(p.resource, "vm-web1");
	assert_string_equal(p.rsctmp, "/tmp/rsc");
}

static void
test_config_required(void **state)
{
	const char *none[] = {NULL};
	const char *empty[] = {"OCF_RESKEY_config=", NULL};
	const char *relative[] = {"OCF_RESKEY_config=web1.xml", NULL};
	struct vm_params p;
	struct ocf_reason why;

	(void)state;
	assert_int_equal(parse(none, &p, &why), OCF_ERR_CONFIGURED);
	assert_non_null(strstr(why.text, "config is required"));
	assert_int_equal(parse(empty, &p, &why), OCF_ERR_CONFIGURED);
	assert_int_equal(parse(relative, &p, &why), OCF_ERR_CONFIGURED);
	assert_non_null(strstr(why.text, "not an absolute path"));
	assert_int_equal(parse(NULL, &p, &why), OCF_ERR_CONFIGURED);
}

static void
test_bad_numbers(void **state)
{
	(void)state;
	expect_bad("OCF_RESKEY_shutdown_timeout=abc", 6,
	           "shutdown_timeout=abc is not a whole number");
	expect_bad("OCF_RESKEY_shutdown_timeout=-5", 6, "not a whole number");
	expect_bad("OCF_RESKEY_shutdown_timeout=10s", 6, "not a whole number");
	expect_bad("OCF_RESKEY_shutdown_timeout= 10", 6, "not a whole number");
	expect_bad("OCF_RESKEY_shutdown_timeout=0", 6, "out of range; use 1..3600");
	expect_bad("OCF_RESKEY_shutdown_timeout=3601", 6, "out of range");
	expect_bad("OCF_RESKEY_max_downtime_ms=0", 6,
	           "max_downtime_ms=0 is out of range; use 1..60000");
	expect_bad("OCF_RESKEY_max_downtime_ms=60001", 6, "out of range");
	expect_bad("OCF_RESKEY_max_downtime_ms=99999999999999999999999", 6, "not a whole number");
	expect_bad("OCF_RESKEY_bandwidth_mib_s=1.5", 6, "not a whole number");
	expect_bad("OCF_RESKEY_bandwidth_mib_s=1000001", 6, "out of range");
	expect_bad("OCF_RESKEY_parallel_connections=65", 6, "out of range; use 0..64");
	expect_bad("OCF_RESKEY_save_channels=17", 6, "save_channels=17 is out of range; use 0..16");
	expect_bad("OCF_RESKEY_completion_timeout_s_per_gib=3601", 6, "out of range");
}

static void
test_bad_enums(void **state)
{
	(void)state;
	expect_bad("OCF_RESKEY_move=teleport", 6,
	           "move=teleport is unknown; use one of live, quick, restart");
	expect_bad("OCF_RESKEY_move=Live", 6, "unknown");
	expect_bad("OCF_RESKEY_on_stop=hibernate", 6, "use one of shutdown, save, destroy");
	expect_bad("OCF_RESKEY_postcopy=always", 6,
	           "postcopy=always is unknown; use one of off, after-stall");
	expect_bad("OCF_RESKEY_fallback=restart", 6,
	           "fallback=restart is unknown; use one of none, quick");
	expect_bad("OCF_RESKEY_auto_converge=maybe", 6, "auto_converge=maybe is not a boolean");
	expect_bad("OCF_RESKEY_autoset_utilization=2", 6, "not a boolean");
	expect_bad("OCF_RESKEY_ledger=yes", 6, "ledger=yes is unknown; use one of on, off");
}

static void
test_downtime_steps(void **state)
{
	const char *none[] = {CONFIG, "OCF_RESKEY_downtime_steps=none", NULL};
	struct vm_params p;
	struct ocf_reason why;

	(void)state;
	expect_bad("OCF_RESKEY_downtime_steps=400,200", 6, "downtime_steps=400,200 is invalid");
	expect_bad("OCF_RESKEY_downtime_steps=50,,100", 6, "invalid");
	expect_bad("OCF_RESKEY_downtime_steps=fast", 6, "invalid");
	expect_bad("OCF_RESKEY_downtime_steps=0", 6, "invalid");
	expect_bad("OCF_RESKEY_downtime_steps=70000", 6, "invalid");
	assert_int_equal(parse(none, &p, &why), OCF_SUCCESS);
	assert_int_equal(p.policy.n_downtime_steps, 0);
}

static void
test_save_dir_combinations(void **state)
{
	const char *quick[] = {CONFIG, "OCF_RESKEY_move=quick", NULL};
	const char *save[] = {CONFIG, "OCF_RESKEY_on_stop=save", NULL};
	const char *fallback[] = {CONFIG, "OCF_RESKEY_fallback=quick", NULL};
	const char *relative[] = {CONFIG, "OCF_RESKEY_save_dir=save", NULL};
	const char *automove[] = {CONFIG, "OCF_RESKEY_move=auto", NULL};
	const char *automove_ok[] = {CONFIG, "OCF_RESKEY_move=auto", "OCF_RESKEY_save_dir=/srv/save",
	                             NULL};
	struct vm_params p;
	struct ocf_reason why;

	(void)state;
	assert_int_equal(parse(quick, &p, &why), OCF_ERR_CONFIGURED);
	assert_non_null(strstr(why.text, "move=quick needs save_dir"));
	/* move=auto chooses between live and quick: it needs a save_dir too */
	assert_int_equal(parse(automove, &p, &why), OCF_ERR_CONFIGURED);
	assert_non_null(strstr(why.text, "move=auto needs save_dir"));
	assert_int_equal(parse(automove_ok, &p, &why), OCF_SUCCESS);
	assert_int_equal(p.move, PARAMS_MOVE_AUTO);
	assert_int_equal(parse(save, &p, &why), OCF_ERR_CONFIGURED);
	assert_non_null(strstr(why.text, "on_stop=save needs save_dir"));
	assert_int_equal(parse(fallback, &p, &why), OCF_ERR_CONFIGURED);
	assert_non_null(strstr(why.text, "fallback=quick needs save_dir"));
	assert_int_equal(parse(relative, &p, &why), OCF_ERR_CONFIGURED);
	assert_non_null(strstr(why.text, "save_dir=save is not an absolute path"));
}

static void
test_remote_uri_needs_node(void **state)
{
	const char *restart[] = {CONFIG, "OCF_RESKEY_remote_uri=qemu:///system",
	                         "OCF_RESKEY_move=restart", NULL};
	struct vm_params p;
	struct ocf_reason why;

	(void)state;
	expect_bad("OCF_RESKEY_remote_uri=qemu+ssh://node2/system", 6, "has no %n");
	assert_int_equal(parse(restart, &p, &why), OCF_SUCCESS); /* restart never uses it */
}

static void
test_too_long(void **state)
{
	char big[PARAMS_URI_MAX + 64];

	(void)state;
	snprintf(big, sizeof(big), "OCF_RESKEY_hypervisor=%0*d", PARAMS_URI_MAX + 10, 0);
	expect_bad(big, 6, "hypervisor is longer than 511 characters");
}

static void
test_probe_address(void **state)
{
	static const char *const good[] = {"10.0.0.5", "fd00::5", "fe80::5%eth0",
	                                   "web1.example.org"};
	char big[PARAMS_PROBE_ADDRESS_MAX + 64];
	struct vm_params p;
	struct ocf_reason why;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char kv[128];
		const char *env[] = {CONFIG, kv, NULL};

		snprintf(kv, sizeof(kv), "OCF_RESKEY_probe_address=%s", good[i]);
		assert_int_equal(parse(env, &p, &why), OCF_SUCCESS);
		assert_string_equal(p.probe_address, good[i]);
	}
	/* empty is the same as unset: off */
	{
		const char *env[] = {CONFIG, "OCF_RESKEY_probe_address=", NULL};

		assert_int_equal(parse(env, &p, &why), OCF_SUCCESS);
		assert_string_equal(p.probe_address, "");
	}
	expect_bad("OCF_RESKEY_probe_address=10.0.0.5 10.0.0.6", 6,
	           "parameter probe_address='10.0.0.5 10.0.0.6' contains a space");
	expect_bad("OCF_RESKEY_probe_address= ", 6,
	           "give one IP address or host name of the guest");
	expect_bad("OCF_RESKEY_probe_address=10.0.0.5\t", 6, "contains a space or control");
	expect_bad("OCF_RESKEY_probe_address=web1\n", 6, "or leave it empty");
	snprintf(big, sizeof(big), "OCF_RESKEY_probe_address=%0*d", PARAMS_PROBE_ADDRESS_MAX + 10,
	         0);
	expect_bad(big, 6, "probe_address is longer than 255 characters");
	/* a bad one is off, not half-set */
	{
		const char *env[] = {CONFIG, "OCF_RESKEY_probe_address=a b", NULL};

		assert_int_equal(parse(env, &p, &why), OCF_ERR_CONFIGURED);
		assert_string_equal(p.probe_address, "");
	}
}

/* A bad value leaves the default in place: stop and monitor can go on. */
static void
test_bad_value_keeps_default(void **state)
{
	const char *env[] = {CONFIG,
	                     "OCF_RESKEY_shutdown_timeout=abc",
	                     "OCF_RESKEY_move=teleport",
	                     "OCF_RESKEY_on_stop=destroy",
	                     "OCF_RESKEY_CRM_meta_timeout=bogus",
	                     NULL};
	struct vm_params p;
	struct ocf_reason why;

	(void)state;
	assert_int_equal(parse(env, &p, &why), OCF_ERR_CONFIGURED);
	/* the first problem is the one reported */
	assert_non_null(strstr(why.text, "move=teleport"));
	assert_int_equal(p.shutdown_timeout_s, 60);
	assert_int_equal(p.move, PARAMS_MOVE_LIVE);
	assert_int_equal(p.on_stop, PARAMS_ON_STOP_DESTROY);
	assert_int_equal(p.op_timeout_ms, 0);
}

static void
test_check_host(void **state)
{
	const char *base[] = {CONFIG, NULL};
	char dir[256];
	char file[300];
	struct vm_params p;
	struct ocf_reason why;

	(void)state;
	testutil_tmpdir(dir, sizeof(dir), "params");
	snprintf(file, sizeof(file), "%s/file", dir);
	testutil_write(file, "x");

	assert_int_equal(parse(base, &p, &why), OCF_SUCCESS);
	assert_int_equal(params_check_host(&p, &why),
	                 OCF_SUCCESS); /* no save_dir: nothing to check */

	snprintf(p.save_dir, sizeof(p.save_dir), "%s", dir);
	assert_int_equal(params_check_host(&p, &why), OCF_SUCCESS);

	snprintf(p.save_dir, sizeof(p.save_dir), "%s/missing", dir);
	assert_int_equal(params_check_host(&p, &why), OCF_ERR_INSTALLED);
	assert_non_null(strstr(why.text, "No such file or directory; mount the shared directory"));

	memset(&why, 0, sizeof(why));
	snprintf(p.save_dir, sizeof(p.save_dir), "%s", file);
	assert_int_equal(params_check_host(&p, &why), OCF_ERR_INSTALLED);
	assert_non_null(strstr(why.text, "is not a directory"));

	if (geteuid() != 0) {
		memset(&why, 0, sizeof(why));
		chmod(dir, 0500);
		snprintf(p.save_dir, sizeof(p.save_dir), "%s", dir);
		assert_int_equal(params_check_host(&p, &why), OCF_ERR_INSTALLED);
		assert_non_null(strstr(why.text, "is not writable"));
		chmod(dir, 0700);
	} else {
		print_message("# root ignores directory permissions: non-writable save_dir not "
		              "checked here\n");
	}
	testutil_rmrf(dir);
}

static void
test_expand_node(void **state)
{
	char buf[64];
	char tiny[8];

	(void)state;
	assert_int_equal(params_expand_node("qemu+tcp://%n/system", "node2", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "qemu+tcp://node2/system");
	assert_int_equal(params_expand_node("%n-%n%", "a", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a-a%");
	assert_int_equal(params_expand_node("tcp://%n", "node", tiny, sizeof(tiny)), -ENAMETOOLONG);
	assert_int_equal(params_expand_node("1234567", "", tiny, sizeof(tiny)), 0);
	assert_int_equal(params_expand_node("12345678", "", tiny, sizeof(tiny)), -ENAMETOOLONG);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(params_move_name(PARAMS_MOVE_RESTART), "restart");
	assert_string_equal(params_move_name(PARAMS_MOVE_AUTO), "auto");
	assert_string_equal(params_on_stop_name(PARAMS_ON_STOP_SAVE), "save");
	assert_string_equal(params_move_name(_PARAMS_MOVE_MAX), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults),
	        cmocka_unit_test(test_all_set),
	        cmocka_unit_test(test_config_required),
	        cmocka_unit_test(test_bad_numbers),
	        cmocka_unit_test(test_bad_enums),
	        cmocka_unit_test(test_downtime_steps),
	        cmocka_unit_test(test_save_dir_combinations),
	        cmocka_unit_test(test_remote_uri_needs_node),
	        cmocka_unit_test(test_too_long),
	        cmocka_unit_test(test_probe_address),
	        cmocka_unit_test(test_bad_value_keeps_default),
	        cmocka_unit_test(test_check_host),
	        cmocka_unit_test(test_expand_node),
	        cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
