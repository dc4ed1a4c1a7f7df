/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_params.c - OCF_RESKEY_* parsing and validation, every bad input. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
	/* a kind a move ends as (movekind.h), not one to ask for */
	expect_bad("OCF_RESKEY_move=live->quick", 6, "unknown");
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
	const char *automove_ok[] = {CONFIG, "OCF_RESKEY_move=auto",
	                             "OCF_RESKEY_save_dir=/srv/save", NULL};
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

/* move='s kinds are movekind.h's, value for value and name for name; auto is
 * the one choice, and a move=auto that failed before its choice is live. */
static void
test_move_kinds(void **state)
{
	enum params_move m;

	(void)state;
	for (int i = 0; i < _PARAMS_MOVE_MAX; i++) {
		assert_int_equal(params_move_from_name(params_move_name((enum params_move)i), &m),
		                 0);
		assert_int_equal(m, i);
	}
	for (int k = 0; k < FERRY_MOVE_ASKED_MAX; k++) {
		assert_string_equal(params_move_name((enum params_move)k),
		                    ferry_move_kind_name((enum ferry_move_kind)k));
		assert_int_equal(params_move_kind((enum params_move)k), k);
	}
	assert_int_equal(params_move_kind(PARAMS_MOVE_AUTO), FERRY_MOVE_LIVE);
	m = PARAMS_MOVE_QUICK;
	assert_int_equal(params_move_from_name("live->quick", &m), -ENOENT);
	assert_int_equal(params_move_from_name(NULL, &m), -ENOENT);
	assert_int_equal(m, PARAMS_MOVE_QUICK);
}

/* ---- VirtualDomain's parameters ----------------------------------------- */

/*
 * The 27 parameters of ocf:heartbeat:VirtualDomain's meta-data
 * (resource-agents, heartbeat/VirtualDomain), listed here independently of
 * params.c's table so that a missing row fails this test.  value: one a
 * VirtualDomain user might have set; for refused booleans the value that is
 * refused (false is accepted).
 */
static const struct {
	const char *name;
	enum params_vd vd;
	const char *value;
} vd_params[] = {
        {"config", PARAMS_VD_HONOURED, "/etc/ferry/web1.xml"},
        {"hypervisor", PARAMS_VD_HONOURED, "qemu:///system"},
        {"force_stop", PARAMS_VD_TRANSLATED, "true"},
        {"migration_transport", PARAMS_VD_HONOURED, "ssh"},
        {"migration_user", PARAMS_VD_TRANSLATED, "hacluster"},
        {"migration_downtime", PARAMS_VD_TRANSLATED, "300"},
        {"migration_speed", PARAMS_VD_TRANSLATED, "1000"},
        {"migration_network_suffix", PARAMS_VD_TRANSLATED, "-mig"},
        {"migrateuri", PARAMS_VD_TRANSLATED, "tcp://%n-mig"},
        {"migrate_options", PARAMS_VD_REFUSED, "--compressed"},
        {"monitor_scripts", PARAMS_VD_HONOURED, "/usr/local/bin/check-web /bin/true"},
        {"autoset_utilization_cpu", PARAMS_VD_TRANSLATED, "true"},
        {"autoset_utilization_host_memory", PARAMS_VD_REFUSED, "true"},
        {"autoset_utilization_hv_memory", PARAMS_VD_TRANSLATED, "true"},
        {"unset_utilization_cpu", PARAMS_VD_REFUSED, "true"},
        {"unset_utilization_host_memory", PARAMS_VD_REFUSED, "true"},
        {"unset_utilization_hv_memory", PARAMS_VD_REFUSED, "true"},
        {"migrateport", PARAMS_VD_TRANSLATED, "49152"},
        {"remoteuri", PARAMS_VD_TRANSLATED, "qemu+tls://%n/system"},
        {"save_config_on_stop", PARAMS_VD_HONOURED, "true"},
        {"sync_config_on_stop", PARAMS_VD_REFUSED, "true"},
        {"snapshot", PARAMS_VD_TRANSLATED, "/srv/save"},
        {"backingfile", PARAMS_VD_REFUSED, "/var/lib/libvirt/images/base.qcow2"},
        {"stateless", PARAMS_VD_REFUSED, "true"},
        {"copyindirs", PARAMS_VD_REFUSED, "/srv/copy"},
        {"shutdown_mode", PARAMS_VD_HONOURED, "agent"},
        {"start_resources", PARAMS_VD_HONOURED, "true"},
};
_Static_assert(sizeof(vd_params) / sizeof(vd_params[0]) == PARAMS_VD_COUNT, "27 names");

/* Every VirtualDomain name: honoured, translated or refused, never ignored. */
static void
test_vd_every_name(void **state)
{
	size_t rows = 0;

	(void)state;
	for (size_t i = 0; i < PARAMS_VD_COUNT; i++) {
		char kv[256];
		const char *env[] = {CONFIG, "OCF_RESKEY_save_dir=/srv/save", kv, NULL};
		const struct params_def *d;
		enum params_id id;
		struct vm_params p;
		struct ocf_reason why;
		int rc;

		if (params_id_from_name(vd_params[i].name, &id) != 0)
			fail_msg("%s: no row in the table", vd_params[i].name);
		d = params_def(id);
		if (d->vd != vd_params[i].vd)
			fail_msg("%s: %s, want %s", vd_params[i].name, params_vd_name(d->vd),
			         params_vd_name(vd_params[i].vd));
		if (d->answer == NULL || strlen(d->answer) < 20)
			fail_msg("%s: no answer for the docs", vd_params[i].name);
		snprintf(kv, sizeof(kv), "OCF_RESKEY_%s=%s", vd_params[i].name, vd_params[i].value);
		rc = parse(env, &p, &why);
		/* known: never in the unknown list */
		assert_int_equal(p.n_unknown, 0);
		if (d->vd == PARAMS_VD_REFUSED) {
			char needle[128];

			snprintf(needle, sizeof(needle),
			         "VirtualDomain's parameter %s=%s is refused", vd_params[i].name,
			         vd_params[i].value);
			if (rc != OCF_ERR_CONFIGURED || strstr(why.text, needle) == NULL ||
			    strstr(why.text, d->answer) == NULL)
				fail_msg("%s: got %d '%s', want a refusal saying what to do",
				         vd_params[i].name, rc, why.text);
			/* not offered in the meta-data */
			assert_int_equal(d->flags & PARAMS_F_META, 0);
		} else {
			if (rc != OCF_SUCCESS)
				fail_msg("%s=%s: got %d '%s'", vd_params[i].name,
				         vd_params[i].value, rc, why.text);
			assert_true((d->flags & PARAMS_F_META) != 0);
			assert_non_null(d->shortdesc);
			if (d->vd == PARAMS_VD_TRANSLATED)
				assert_non_null(d->instead);
		}
	}
	for (size_t i = 0; i < _PARAMS_ID_MAX; i++)
		rows += params_def((enum params_id)i)->vd != PARAMS_VD_NONE;
	assert_int_equal(rows, PARAMS_VD_COUNT);
}

/* Refused booleans: false asks for nothing ferry does not do. */
static void
test_vd_false_accepted(void **state)
{
	(void)state;
	for (size_t i = 0; i < PARAMS_VD_COUNT; i++) {
		char kv[256];
		const char *env[] = {CONFIG, kv, NULL};
		enum params_id id;
		struct vm_params p;
		struct ocf_reason why;

		assert_int_equal(params_id_from_name(vd_params[i].name, &id), 0);
		if (strcmp(params_def(id)->type, "boolean") != 0)
			continue;
		snprintf(kv, sizeof(kv), "OCF_RESKEY_%s=false", vd_params[i].name);
		if (parse(env, &p, &why) != OCF_SUCCESS)
			fail_msg("%s=false: '%s'", vd_params[i].name, why.text);
		snprintf(kv, sizeof(kv), "OCF_RESKEY_%s=perhaps", vd_params[i].name);
		assert_int_equal(parse(env, &p, &why), OCF_ERR_CONFIGURED);
		assert_non_null(strstr(why.text, "is not a boolean"));
	}
}

static void
test_vd_translated_values(void **state)
{
	struct vm_params p;
	struct ocf_reason why;

	(void)state;
	{
		const char *env[] = {CONFIG, "OCF_RESKEY_migration_downtime=300",
		                     "OCF_RESKEY_migration_speed=200", "OCF_RESKEY_force_stop=yes",
		                     NULL};

		assert_int_equal(parse(env, &p, &why), OCF_SUCCESS);
		assert_int_equal(p.policy.max_downtime_ms, 300);
		assert_int_equal(p.policy.n_downtime_steps, 3); /* still raised when stalled */
		assert_int_equal(p.bandwidth_mib_s, 200);
		assert_int_equal(p.on_stop, PARAMS_ON_STOP_DESTROY);
	}
	{
		/* 0: VirtualDomain leaves the limit alone; ferry keeps its default */
		const char *env[] = {CONFIG, "OCF_RESKEY_migration_downtime=0",
		                     "OCF_RESKEY_force_stop=false", NULL};

		assert_int_equal(parse(env, &p, &why), OCF_SUCCESS);
		assert_int_equal(p.policy.max_downtime_ms, PARAMS_DEFAULT_MAX_DOWNTIME_MS);
		assert_int_equal(p.on_stop, PARAMS_ON_STOP_SHUTDOWN);
	}
	{
		const char *env[] = {CONFIG, "OCF_RESKEY_snapshot=/srv/save", NULL};

		assert_int_equal(parse(env, &p, &why), OCF_SUCCESS);
		assert_string_equal(p.save_dir, "/srv/save");
		assert_int_equal(p.on_stop, PARAMS_ON_STOP_SAVE);
	}
	{
		const char *env[] = {CONFIG, "OCF_RESKEY_remoteuri=qemu+tls://%n/system",
		                     "OCF_RESKEY_migrateuri=tcp://%n-mig:49152", NULL};

		assert_int_equal(parse(env, &p, &why), OCF_SUCCESS);
		assert_string_equal(p.remote_uri, "qemu+tls://%n/system");
		assert_string_equal(p.migration_uri, "tcp://%n-mig:49152");
		assert_false(p.remote_uri_suffixed);
		assert_false(p.migration_uri_suffixed);
	}
	{
		const char *env[] = {CONFIG, "OCF_RESKEY_autoset_utilization_cpu=true",
		                     "OCF_RESKEY_autoset_utilization_hv_memory=true", NULL};

		assert_int_equal(parse(env, &p, &why), OCF_SUCCESS);
		assert_true(p.autoset_utilization);
	}
	{
		/* the same value under both names is fine */
		const char *env[] = {CONFIG, "OCF_RESKEY_max_downtime_ms=50",
		                     "OCF_RESKEY_migration_downtime=50", NULL};

		assert_int_equal(parse(env, &p, &why), OCF_SUCCESS);
		assert_int_equal(p.policy.max_downtime_ms, 50);
	}
	expect_bad("OCF_RESKEY_migration_downtime=60001", 6,
	           "migration_downtime=60001 is out of range; use 0..60000");
	expect_bad("OCF_RESKEY_migration_speed=fast", 6,
	           "migration_speed=fast is not a whole number");
	expect_bad("OCF_RESKEY_migrateport=0", 6, "migrateport=0 is out of range; use 1..65535");
	expect_bad("OCF_RESKEY_snapshot=save", 6, "snapshot=save is not an absolute path");
	expect_bad("OCF_RESKEY_migration_transport=unix", 6,
	           "migration_transport=unix is unknown; use one of ssh");
	expect_bad("OCF_RESKEY_shutdown_mode=reboot", 6,
	           "shutdown_mode=reboot is invalid; give one or more of acpi, agent");
	expect_bad("OCF_RESKEY_shutdown_mode=acpi,", 6, "shutdown_mode=acpi, is invalid");
	expect_bad("OCF_RESKEY_shutdown_mode=,acpi", 6, "shutdown_mode=,acpi is invalid");
	expect_bad("OCF_RESKEY_start_resources=maybe", 6, "start_resources=maybe is not a boolean");
	expect_bad("OCF_RESKEY_monitor_scripts=/bin/true\001", 6,
	           "monitor_scripts contains a control character");
	expect_bad("OCF_RESKEY_migration_user=Root", 6,
	           "migration_user=Root is not a user name VirtualDomain would use");
	expect_bad("OCF_RESKEY_migration_network_suffix=-mig.example.com:1", 6,
	           "is not a host name suffix");
}

/* A VirtualDomain name and ferry's say different things: refused, naming both. */
static void
test_vd_conflicts(void **state)
{
	static const struct {
		const char *a, *b, *needle;
	} bad[] = {
	        {"OCF_RESKEY_max_downtime_ms=50", "OCF_RESKEY_migration_downtime=300",
	         "migration_downtime=300 (VirtualDomain's name) and max_downtime_ms=50 disagree; "
	         "remove migration_downtime"},
	        {"OCF_RESKEY_bandwidth_mib_s=100", "OCF_RESKEY_migration_speed=200",
	         "migration_speed=200 (VirtualDomain's name) and bandwidth_mib_s=100 disagree"},
	        {"OCF_RESKEY_on_stop=save", "OCF_RESKEY_force_stop=true",
	         "and on_stop=save disagree"},
	        {"OCF_RESKEY_on_stop=destroy", "OCF_RESKEY_snapshot=/srv/save",
	         "snapshot=/srv/save (VirtualDomain's name) and on_stop=destroy disagree"},
	        {"OCF_RESKEY_save_dir=/srv/other", "OCF_RESKEY_snapshot=/srv/save",
	         "and save_dir=/srv/other disagree"},
	        {"OCF_RESKEY_force_stop=1", "OCF_RESKEY_snapshot=/srv/save",
	         "snapshot and force_stop=true cannot be used together"},
	        {"OCF_RESKEY_remote_uri=qemu+ssh://%n/system",
	         "OCF_RESKEY_remoteuri=qemu+tls://%n/system",
	         "remoteuri=qemu+tls://%n/system (VirtualDomain's name) and "
	         "remote_uri=qemu+ssh://%n/system disagree"},
	        {"OCF_RESKEY_migration_uri=tcp://%n", "OCF_RESKEY_migrateuri=tcp://%n-mig",
	         "and migration_uri=tcp://%n disagree"},
	        {"OCF_RESKEY_remote_uri=qemu+ssh://%n/system", "OCF_RESKEY_migration_user=admin",
	         "migration_user builds the remote URI, which remote_uri gives whole"},
	        {"OCF_RESKEY_remoteuri=qemu+ssh://%n/system", "OCF_RESKEY_migration_transport=tls",
	         "migration_transport builds the remote URI, which remoteuri gives whole"},
	        {"OCF_RESKEY_migrateuri=tcp://%n-mig", "OCF_RESKEY_migrateport=49152",
	         "migrateport is ignored by VirtualDomain when migrateuri is set"},
	        {"OCF_RESKEY_autoset_utilization_cpu=true",
	         "OCF_RESKEY_autoset_utilization_hv_memory=false",
	         "ferry sets utilization cpu and hv_memory together"},
	        {"OCF_RESKEY_autoset_utilization=false", "OCF_RESKEY_autoset_utilization_cpu=true",
	         "autoset_utilization_cpu=true (VirtualDomain's name) and "
	         "autoset_utilization=false "
	         "disagree"},
	        {"OCF_RESKEY_hypervisor=qemu", "OCF_RESKEY_migration_transport=ssh",
	         "cannot build the remote URI"},
	        /* tunnelled: libvirt's own limits, said before a move fails */
	        {"OCF_RESKEY_migration_transport=tunnelled", "OCF_RESKEY_migrateuri=tcp://%n-mig",
	         "migration_transport=tunnelled sends the memory through libvirtd's connection, "
	         "which migrateuri cannot steer"},
	        {"OCF_RESKEY_migration_transport=tunnelled", "OCF_RESKEY_migration_uri=tcp://%n",
	         "which migration_uri cannot steer"},
	        {"OCF_RESKEY_migration_transport=tunnelled", "OCF_RESKEY_migrateport=49152",
	         "which migrateport cannot steer"},
	        {"OCF_RESKEY_migration_transport=tunnelled", "OCF_RESKEY_postcopy=after-stall",
	         "libvirt does not do post-copy in a tunnelled migration"},
	        {"OCF_RESKEY_migration_transport=tunneled", "OCF_RESKEY_parallel_connections=4",
	         "libvirt refuses parallel connections in a tunnelled migration"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *env[] = {CONFIG, bad[i].a, bad[i].b, NULL};
		struct vm_params p;
		struct ocf_reason why;
		int rc = parse(env, &p, &why);

		if (rc != OCF_ERR_CONFIGURED || strstr(why.text, bad[i].needle) == NULL)
			fail_msg("%s %s: got %d '%s', want '%s'", bad[i].a, bad[i].b, rc, why.text,
			         bad[i].needle);
	}
}

/* VirtualDomain's names ferry honours, and guest_agent_check: the values
 * the actions use. */
static void
test_vd_honoured_values(void **state)
{
	struct vm_params p;
	struct ocf_reason why;

	(void)state;
	{
		const char *env[] = {CONFIG, NULL};

		assert_int_equal(parse(env, &p, &why), OCF_SUCCESS);
		assert_string_equal(p.monitor_scripts, "");
		assert_false(p.guest_agent_check);
		assert_int_equal(p.shutdown_modes, 0);
		assert_false(p.start_resources);
		assert_false(p.save_config_on_stop);
		assert_int_equal(p.migration_data, PARAMS_DATA_PLAIN);
	}
	{
		const char *env[] = {CONFIG,
		                     "OCF_RESKEY_monitor_scripts=/bin/true  /usr/bin/env",
		                     "OCF_RESKEY_guest_agent_check=yes",
		                     "OCF_RESKEY_shutdown_mode=agent,acpi",
		                     "OCF_RESKEY_start_resources=1",
		                     "OCF_RESKEY_save_config_on_stop=true",
		                     "OCF_RESKEY_migration_transport=tls",
		                     NULL};

		assert_int_equal(parse(env, &p, &why), OCF_SUCCESS);
		assert_string_equal(p.monitor_scripts, "/bin/true  /usr/bin/env");
		assert_true(p.guest_agent_check);
		assert_int_equal(p.shutdown_modes,
		                 (1u << PARAMS_SHUTDOWN_AGENT) | (1u << PARAMS_SHUTDOWN_ACPI));
		assert_true(p.start_resources);
		assert_true(p.save_config_on_stop);
		assert_int_equal(p.migration_data, PARAMS_DATA_TLS);
		assert_int_equal(params_check_host(&p, &why), OCF_SUCCESS);
	}
	{
		const char *env[] = {CONFIG, "OCF_RESKEY_shutdown_mode=initctl,signal,paravirt",
		                     "OCF_RESKEY_migration_transport=tunnelled", NULL};

		assert_int_equal(parse(env, &p, &why), OCF_SUCCESS);
		assert_int_equal(p.shutdown_modes, (1u << PARAMS_SHUTDOWN_INITCTL) |
		                                           (1u << PARAMS_SHUTDOWN_SIGNAL) |
		                                           (1u << PARAMS_SHUTDOWN_PARAVIRT));
		assert_int_equal(p.migration_data, PARAMS_DATA_TUNNELLED);
	}
	{
		const char *env[] = {CONFIG, "OCF_RESKEY_migration_transport=ssh", NULL};

		assert_int_equal(parse(env, &p, &why), OCF_SUCCESS);
		assert_int_equal(p.migration_data, PARAMS_DATA_PLAIN);
	}
	{
		/* a script missing on this node: the host check names it */
		const char *env[] = {
		        CONFIG, "OCF_RESKEY_monitor_scripts=/bin/true /nonexistent/check", NULL};

		assert_int_equal(parse(env, &p, &why), OCF_SUCCESS);
		assert_int_equal(params_check_host(&p, &why), OCF_ERR_INSTALLED);
		assert_non_null(strstr(why.text, "monitor script /nonexistent/check is not an "
		                                 "executable file on this node"));
	}
	{
		/* a bare name is looked up in PATH when it runs, as VirtualDomain */
		const char *env[] = {CONFIG, "OCF_RESKEY_monitor_scripts=true", NULL};

		assert_int_equal(parse(env, &p, &why), OCF_SUCCESS);
		assert_int_equal(params_check_host(&p, &why), OCF_SUCCESS);
	}
}

/* VirtualDomain's rule for migration_network_suffix. */
static void
test_vd_suffix_fqdn(void **state)
{
	char buf[128];
	char tiny[8];

	(void)state;
	assert_int_equal(params_suffix_node("node2", "-mig", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "node2-mig");
	assert_int_equal(params_suffix_node("node2.example.com", "-mig", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "node2-mig.example.com");
	assert_int_equal(params_suffix_node("node2.", "-m", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "node2-m.");
	assert_int_equal(params_suffix_node("n", "", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "n");
	assert_int_equal(params_suffix_node("node2.x", "-mig", tiny, sizeof(tiny)), -ENAMETOOLONG);
}

static void
expect_uris(const char *const *env, const char *node, const char *remote, const char *migration)
{
	struct vm_params p;
	struct ocf_reason why;
	char buf[PARAMS_URI_MAX];

	if (parse(env, &p, &why) != OCF_SUCCESS)
		fail_msg("%s", why.text);
	assert_int_equal(params_target_uri(&p, PARAMS_URI_REMOTE, node, buf, sizeof(buf)), 0);
	assert_string_equal(buf, remote);
	assert_int_equal(params_target_uri(&p, PARAMS_URI_MIGRATION, node, buf, sizeof(buf)), 0);
	assert_string_equal(buf, migration);
}

/* migration_transport, migration_user, migration_network_suffix and
 * migrateport build the URIs as VirtualDomain builds them. */
static void
test_vd_uris(void **state)
{
	(void)state;
	{
		const char *env[] = {CONFIG, NULL}; /* ferry's defaults */
		expect_uris(env, "node2.example.com", "qemu+ssh://node2.example.com/system", "");
	}
	{
		const char *env[] = {CONFIG, "OCF_RESKEY_migration_transport=tcp", NULL};
		expect_uris(env, "node2", "qemu+tcp://node2/system", "");
	}
	{
		const char *env[] = {CONFIG, "OCF_RESKEY_migration_transport=ssh",
		                     "OCF_RESKEY_migration_user=admin", NULL};
		expect_uris(env, "node2", "qemu+ssh://admin@node2/system", "");
	}
	{
		/* the suffix alone: libvirt's default transport, as VirtualDomain */
		const char *env[] = {CONFIG, "OCF_RESKEY_migration_network_suffix=-mig", NULL};
		expect_uris(env, "node2.example.com", "qemu://node2-mig.example.com/system",
		            "tcp://node2-mig.example.com");
	}
	{
		const char *env[] = {CONFIG, "OCF_RESKEY_migration_network_suffix=-mig",
		                     "OCF_RESKEY_migration_transport=ssh",
		                     "OCF_RESKEY_migrateport=49155", NULL};
		expect_uris(env, "node2", "qemu+ssh://node2-mig/system", "tcp://node2-mig:49155");
	}
	{
		/* hypervisor's port and path are kept, its transport replaced */
		const char *env[] = {CONFIG,
		                     "OCF_RESKEY_hypervisor=qemu+tcp://localhost:16509/system",
		                     "OCF_RESKEY_migration_transport=tls", NULL};
		expect_uris(env, "node2", "qemu+tls://node2:16509/system", "");
	}
	{
		const char *env[] = {CONFIG, "OCF_RESKEY_hypervisor=qemu+tcp://[::1]/system",
		                     "OCF_RESKEY_migration_transport=tls", NULL};
		expect_uris(env, "node2", "qemu+tls://node2/system", "");
	}
	{
		/* tunnelled: the data's way only; the remote URI stays ferry's */
		const char *env[] = {CONFIG, "OCF_RESKEY_migration_transport=tunnelled", NULL};
		expect_uris(env, "node2", "qemu+ssh://node2/system", "");
	}
	{
		/* ... or the one given, and a suffix still reaches it */
		const char *env[] = {CONFIG, "OCF_RESKEY_migration_transport=tunnelled",
		                     "OCF_RESKEY_remote_uri=qemu+tcp://%n/system", NULL};
		expect_uris(env, "node2", "qemu+tcp://node2/system", "");
	}
	{
		const char *env[] = {CONFIG, "OCF_RESKEY_migration_transport=tunnelled",
		                     "OCF_RESKEY_migration_network_suffix=-mig", NULL};
		expect_uris(env, "node2", "qemu://node2-mig/system", "");
	}
	{
		/* a remote URI given whole: the suffix reaches only the migration URI */
		const char *env[] = {CONFIG, "OCF_RESKEY_remoteuri=qemu+ssh://%n/system",
		                     "OCF_RESKEY_migration_network_suffix=-mig", NULL};
		expect_uris(env, "node2.lan", "qemu+ssh://node2.lan/system", "tcp://node2-mig.lan");
	}
	{
		/* migrateuri with the remote URI built: %n is the suffixed name there */
		const char *env[] = {CONFIG, "OCF_RESKEY_migrateuri=tcp://%n:49152",
		                     "OCF_RESKEY_migration_network_suffix=-mig", NULL};
		expect_uris(env, "node2", "qemu://node2-mig/system", "tcp://node2-mig:49152");
	}
	{
		/* migrateport alone */
		const char *env[] = {CONFIG, "OCF_RESKEY_migrateport=49152", NULL};
		expect_uris(env, "node2", "qemu+ssh://node2/system", "tcp://node2:49152");
	}
}

/* An OCF_RESKEY_* no row knows is kept for the agent's warning. */
static void
test_unknown_names(void **state)
{
	const char *env[] = {CONFIG,
	                     "OCF_RESKEY_trace_ra=1",
	                     "OCF_RESKEY_crm_feature_set=3.16.2",
	                     "OCF_RESKEY_CRM_meta_notify=false",
	                     "OCF_RESKEY_Move=quick",
	                     "OCF_RESKEY_=x",
	                     "UNRELATED=1",
	                     NULL};
	char many[64][80];
	const char *env_many[66];
	struct vm_params p;
	struct ocf_reason why;

	(void)state;
	assert_int_equal(parse(env, &p, &why), OCF_SUCCESS);
	assert_int_equal(p.n_unknown, 2);
	assert_string_equal(p.unknown, "trace_ra, Move");
	assert_int_equal(p.move, PARAMS_MOVE_LIVE);

	env_many[0] = CONFIG;
	for (size_t i = 0; i < 64; i++) {
		snprintf(many[i], sizeof(many[i]), "OCF_RESKEY_some_long_unknown_parameter_%02zu=1",
		         i);
		env_many[i + 1] = many[i];
	}
	env_many[65] = NULL;
	assert_int_equal(parse(env_many, &p, &why), OCF_SUCCESS);
	assert_int_equal(p.n_unknown, 64);
	assert_true(strlen(p.unknown) < sizeof(p.unknown));
	assert_non_null(strstr(p.unknown, "some_long_unknown_parameter_00, "));
	assert_string_equal(p.unknown + strlen(p.unknown) - 3, "...");
}

/* Every row is complete enough to parse, list and document. */
static void
test_table_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < _PARAMS_ID_MAX; i++) {
		const struct params_def *d = params_def((enum params_id)i);
		enum params_id back;

		assert_non_null(d->apply);
		assert_non_null(d->type);
		assert_int_equal(params_id_from_name(params_id_name((enum params_id)i), &back), 0);
		assert_int_equal(back, i);
		if (d->flags & PARAMS_F_META) {
			assert_non_null(d->shortdesc);
			assert_true(d->longdesc != NULL || d->vd == PARAMS_VD_TRANSLATED);
		}
		if (d->vd != PARAMS_VD_NONE)
			assert_non_null(d->answer);
	}
	assert_null(params_def(_PARAMS_ID_MAX));
	assert_string_equal(params_id_name(_PARAMS_ID_MAX), "unknown");
}

#define VD_TABLE_BEGIN "<!-- params_print_vd_table: begin -->\n"
#define VD_TABLE_END   "<!-- params_print_vd_table: end -->\n"

/* doc/virtualdomain.md holds exactly what params_print_vd_table prints. */
static void
test_vd_doc_table(void **state)
{
	const char *srcdir = getenv("abs_srcdir");
	char path[PATH_MAX];
	char *doc = NULL;
	char *want = NULL;
	size_t want_len = 0;
	size_t doc_len;
	const char *b;
	const char *e;
	FILE *f;

	(void)state;
	if (srcdir == NULL)
		srcdir = ".";
	snprintf(path, sizeof(path), "%s/../../doc/virtualdomain.md", srcdir);
	f = fopen(path, "re");
	if (f == NULL)
		fail_msg("%s: cannot open", path);
	doc = calloc(1, 65536);
	assert_non_null(doc);
	doc_len = fread(doc, 1, 65535, f);
	fclose(f);
	assert_true(doc_len < 65535);
	f = open_memstream(&want, &want_len);
	assert_non_null(f);
	params_print_vd_table(f);
	fclose(f);
	b = strstr(doc, VD_TABLE_BEGIN);
	e = strstr(doc, VD_TABLE_END);
	if (b == NULL || e == NULL || e < b)
		fail_msg("%s: no table markers", path);
	b += strlen(VD_TABLE_BEGIN);
	if ((size_t)(e - b) != want_len || memcmp(b, want, want_len) != 0)
		fail_msg("%s: the table differs from params.c's; regenerate it with "
		         "tests/agent/test_params --vd-table",
		         path);
	free(want);
	free(doc);
}

int
main(int argc, char **argv)
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
	        cmocka_unit_test(test_move_kinds),
	        cmocka_unit_test(test_vd_every_name),
	        cmocka_unit_test(test_vd_false_accepted),
	        cmocka_unit_test(test_vd_translated_values),
	        cmocka_unit_test(test_vd_conflicts),
	        cmocka_unit_test(test_vd_suffix_fqdn),
	        cmocka_unit_test(test_vd_uris),
	        cmocka_unit_test(test_vd_honoured_values),
	        cmocka_unit_test(test_unknown_names),
	        cmocka_unit_test(test_table_rows),
	        cmocka_unit_test(test_vd_doc_table),
	};

	/* the table of doc/virtualdomain.md, for pasting between its markers */
	if (argc == 2 && strcmp(argv[1], "--vd-table") == 0) {
		params_print_vd_table(stdout);
		return 0;
	}

	return cmocka_run_group_tests(tests, NULL, NULL);
}
