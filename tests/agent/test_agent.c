/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_agent.c - action dispatch, exit codes, meta-data, validate-all. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
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

#include "agent.h"
#include "ferry/clock.h"
#include "testutil.h"

#define UUID "11111111-2222-3333-4444-555555555555"

static char tmp[PATH_MAX];
static char good_xml[PATH_MAX + 32];
static char bad_xml[PATH_MAX + 32];
static char noname_xml[PATH_MAX + 32];
static char save_dir[PATH_MAX + 32];

static int
run(const char *action, const char *const *env, char *why, size_t why_len)
{
	struct vm_agent *a = calloc(1, sizeof(*a));
	int rc;

	assert_non_null(a);
	rc = agent_run(a, action, env);
	if (why != NULL)
		snprintf(why, why_len, "%s", a->why.text);
	agent_clear(a);
	free(a);
	return rc;
}

/* Runs an action with stdout sent to a buffer. */
static int
run_capture(const char *action, char *out, size_t out_len)
{
	const char *env[] = {NULL};
	char path[PATH_MAX + 16];
	int saved;
	int fd;
	int rc;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/stdout", tmp);
	fflush(stdout);
	saved = dup(1);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 1);
	close(fd);
	rc = run(action, env, NULL, 0);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = read(fd, out, out_len - 1);
	close(fd);
	out[n > 0 ? n : 0] = '\0';
	return rc;
}

static int
setup(void **state)
{
	(void)state;
	testutil_tmpdir(tmp, sizeof(tmp), "agent");
	snprintf(good_xml, sizeof(good_xml), "%s/good.xml", tmp);
	snprintf(bad_xml, sizeof(bad_xml), "%s/bad.xml", tmp);
	snprintf(noname_xml, sizeof(noname_xml), "%s/noname.xml", tmp);
	snprintf(save_dir, sizeof(save_dir), "%s/save", tmp);
	testutil_write(good_xml, "<domain type='test'><name>t1</name><uuid>" UUID "</uuid>"
	                         "<memory unit='MiB'>128</memory><vcpu>1</vcpu>"
	                         "<os><type>hvm</type></os></domain>\n");
	testutil_write(bad_xml, "<domain><name>t1</name>\n");
	testutil_write(noname_xml, "<domain><uuid>" UUID "</uuid></domain>\n");
	return mkdir(save_dir, 0700);
}

static int
teardown(void **state)
{
	(void)state;
	testutil_rmrf(tmp);
	return 0;
}

static void
test_unknown_action(void **state)
{
	const char *env[] = {NULL};
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("promote", env, why, sizeof(why)), OCF_ERR_UNIMPLEMENTED);
	assert_string_equal(why, "action 'promote' is not implemented; see the usage line");
	assert_int_equal(run("", env, why, sizeof(why)), OCF_ERR_UNIMPLEMENTED);
	assert_null(agent_action_find(NULL));
}

static void
test_table(void **state)
{
	size_t n = 0;
	const struct agent_action *t = agent_actions(&n);
	static const char *const required[] = {"start",        "stop",       "monitor",
	                                       "status",       "migrate_to", "migrate_from",
	                                       "reload-agent", "meta-data",  "validate-all",
	                                       "methods",      "usage"};

	(void)state;
	assert_int_equal(n, sizeof(required) / sizeof(required[0]));
	for (size_t i = 0; i < n; i++) {
		assert_non_null(agent_action_find(required[i]));
		assert_non_null(t[i].handler);
	}
	assert_int_equal(agent_action_find("monitor")->interval_s, 10);
	assert_int_equal(agent_action_find("monitor")->timeout_s, 30);
	assert_int_equal(agent_action_find("migrate_to")->timeout_s, 120);
	assert_int_equal(agent_action_find("migrate_from")->timeout_s, 120);
	assert_int_equal(agent_action_find("start")->timeout_s, 90);
	assert_int_equal(agent_action_find("stop")->timeout_s, 90);
	/* stop and monitor must not fail on a parameter typo */
	assert_int_equal(agent_action_find("stop")->needs, AGENT_NEEDS_PARAMS_LAX);
	assert_int_equal(agent_action_find("monitor")->needs, AGENT_NEEDS_PARAMS_LAX);
	assert_int_equal(agent_action_find("validate-all")->needs, AGENT_NEEDS_PARAMS);
}

static void
test_meta_data(void **state)
{
	static const char *const params[] = {
	        "config",
	        "hypervisor",
	        "remote_uri",
	        "migration_uri",
	        "move",
	        "save_dir",
	        "on_stop",
	        "shutdown_timeout",
	        "max_downtime_ms",
	        "downtime_steps",
	        "bandwidth_mib_s",
	        "auto_converge",
	        "postcopy",
	        "parallel_connections",
	        "completion_timeout_s_per_gib",
	        "fallback",
	        "autoset_utilization",
	        "ledger",
	        "probe_address",
	};
	char *out = calloc(1, 65536);
	char needle[128];

	(void)state;
	assert_int_equal(run_capture("meta-data", out, 65536), OCF_SUCCESS);
	assert_true(strncmp(out, "<?xml version=\"1.0\"?>\n", 22) == 0);
	assert_non_null(strstr(out, "<resource-agent name=\"vm\""));
	assert_non_null(strstr(out, "<version>1.1</version>"));
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		snprintf(needle, sizeof(needle), "<parameter name=\"%s\"", params[i]);
		if (strstr(out, needle) == NULL)
			fail_msg("meta-data lacks %s", params[i]);
	}
	assert_non_null(strstr(out, "<parameter name=\"config\" required=\"1\" unique=\"1\""));
	assert_non_null(strstr(out, "<parameter name=\"move\" reloadable=\"1\">"));
	assert_non_null(strstr(out, "<parameter name=\"max_downtime_ms\" reloadable=\"1\">"));
	assert_non_null(strstr(out, "<parameter name=\"ledger\" reloadable=\"1\">"));
	assert_non_null(strstr(out, "<parameter name=\"probe_address\" reloadable=\"1\">"));
	assert_non_null(strstr(out, "pings it every 5 ms"));
	assert_non_null(
	        strstr(out, "<content type=\"string\" default=\"" PARAMS_DEFAULT_LEDGER "\"/>"));
	assert_non_null(strstr(out, "<content type=\"string\" default=\"qemu:///system\"/>"));
	assert_non_null(strstr(out, "<content type=\"integer\" default=\"60\"/>"));
	assert_non_null(strstr(
	        out, "<action name=\"monitor\" timeout=\"30s\" interval=\"10s\" depth=\"0\"/>"));
	assert_non_null(strstr(out, "<action name=\"migrate_to\" timeout=\"120s\"/>"));
	assert_non_null(strstr(out, "<action name=\"reload-agent\""));
	assert_null(strstr(out, "<action name=\"usage\""));
	assert_non_null(strstr(out, "</resource-agent>\n"));
	free(out);
}

static void
test_methods(void **state)
{
	char out[1024];

	(void)state;
	assert_int_equal(run_capture("methods", out, sizeof(out)), OCF_SUCCESS);
	assert_non_null(strstr(out, "start\nstop\nmonitor\n"));
	assert_non_null(strstr(out, "reload-agent\n"));
	assert_int_equal(run_capture("usage", out, sizeof(out)), OCF_SUCCESS);
	assert_non_null(strstr(out, "usage: vm {start|stop|"));
}

static void
expect_validate(const char *const *env, int code, const char *needle)
{
	char why[OCF_REASON_MAX];
	int rc = run("validate-all", env, why, sizeof(why));

	if (rc != code || (needle != NULL && strstr(why, needle) == NULL))
		fail_msg("validate-all: got %d '%s', want %d '%s'", rc, why, code,
		         needle != NULL ? needle : "");
}

static void
test_validate(void **state)
{
	char cfg_good[PATH_MAX + 64];
	char cfg_bad[PATH_MAX + 64];
	char cfg_noname[PATH_MAX + 64];
	char cfg_missing[PATH_MAX + 64];
	char sd[PATH_MAX + 64];
	char sd_missing[PATH_MAX + 64];
	char sd_file[PATH_MAX + 64];

	(void)state;
	snprintf(cfg_good, sizeof(cfg_good), "OCF_RESKEY_config=%s", good_xml);
	snprintf(cfg_bad, sizeof(cfg_bad), "OCF_RESKEY_config=%s", bad_xml);
	snprintf(cfg_noname, sizeof(cfg_noname), "OCF_RESKEY_config=%s", noname_xml);
	snprintf(cfg_missing, sizeof(cfg_missing), "OCF_RESKEY_config=%s/missing.xml", tmp);
	snprintf(sd, sizeof(sd), "OCF_RESKEY_save_dir=%s", save_dir);
	snprintf(sd_missing, sizeof(sd_missing), "OCF_RESKEY_save_dir=%s/nope", tmp);
	snprintf(sd_file, sizeof(sd_file), "OCF_RESKEY_save_dir=%s", good_xml);

	{
		const char *env[] = {cfg_good, NULL};
		expect_validate(env, OCF_SUCCESS, NULL);
	}
	{
		const char *env[] = {cfg_good, sd, "OCF_RESKEY_move=quick",
		                     "OCF_RESKEY_on_stop=save", NULL};
		expect_validate(env, OCF_SUCCESS, NULL);
	}
	{
		const char *env[] = {NULL};
		expect_validate(env, OCF_ERR_CONFIGURED, "config is required");
	}
	{
		const char *env[] = {cfg_missing, NULL};
		expect_validate(env, OCF_ERR_INSTALLED, "cannot read config");
	}
	{
		const char *env[] = {cfg_bad, NULL};
		expect_validate(env, OCF_ERR_CONFIGURED,
		                "is not a usable domain XML: unclosed element");
	}
	{
		const char *env[] = {cfg_noname, NULL};
		expect_validate(env, OCF_ERR_CONFIGURED, "no <name>");
	}
	{
		const char *env[] = {cfg_good, "OCF_RESKEY_move=quick", NULL};
		expect_validate(env, OCF_ERR_CONFIGURED, "move=quick needs save_dir");
	}
	{
		const char *env[] = {cfg_good, "OCF_RESKEY_on_stop=save", NULL};
		expect_validate(env, OCF_ERR_CONFIGURED, "on_stop=save needs save_dir");
	}
	{
		const char *env[] = {cfg_good, sd_missing, NULL};
		expect_validate(env, OCF_ERR_INSTALLED, "mount the shared directory");
	}
	{
		const char *env[] = {cfg_good, sd_file, NULL};
		expect_validate(env, OCF_ERR_INSTALLED, "is not a directory");
	}
	{
		const char *env[] = {cfg_good, "OCF_RESKEY_max_downtime_ms=fast", NULL};
		expect_validate(env, OCF_ERR_CONFIGURED,
		                "max_downtime_ms=fast is not a whole number");
	}
	{
		const char *env[] = {cfg_good, "OCF_RESKEY_move=teleport", NULL};
		expect_validate(env, OCF_ERR_CONFIGURED, "move=teleport is unknown");
	}
}

/* What the agent logs, for the warning tests (a libqb custom target). */
static char logged[8192];

static void
log_to_buffer(int32_t t, struct qb_log_callsite *cs, struct timespec *ts, const char *msg)
{
	size_t used = strlen(logged);

	(void)t;
	(void)ts;
	if (cs->priority <= LOG_WARNING)
		snprintf(logged + used, sizeof(logged) - used, "%s\n", msg);
}

/* An OCF_RESKEY_* name the agent does not know is warned about, naming it;
 * VirtualDomain's names are not. */
static void
test_unknown_params_warned(void **state)
{
	char cfg_good[PATH_MAX + 64];
	int32_t t;

	(void)state;
	snprintf(cfg_good, sizeof(cfg_good), "OCF_RESKEY_config=%s", good_xml);
	qb_log_init("test_agent", LOG_DAEMON, LOG_INFO);
	t = qb_log_custom_open(log_to_buffer, NULL, NULL, NULL);
	assert_true(t >= 0);
	qb_log_ctl(t, QB_LOG_CONF_ENABLED, QB_TRUE);
	qb_log_filter_ctl(t, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_DEBUG);
	{
		const char *env[] = {cfg_good,
		                     "OCF_RESKEY_migration_dowtime=300",
		                     "OCF_RESKEY_migration_downtime=300",
		                     "OCF_RESKEY_crm_feature_set=3.16.2",
		                     "OCF_RESKEY_CRM_meta_timeout=20000",
		                     NULL};

		logged[0] = '\0';
		expect_validate(env, OCF_SUCCESS, NULL);
		if (strstr(logged, "1 parameter unknown to ocf:ferry:vm, ignoring: "
		                   "migration_dowtime (see doc/virtualdomain.md)") == NULL)
			fail_msg("no warning naming the unknown parameter; logged: '%s'", logged);
		assert_null(strstr(logged, "crm_feature_set"));
	}
	{
		const char *env[] = {cfg_good, "OCF_RESKEY_migration_downtime=300",
		                     "OCF_RESKEY_remoteuri=qemu+tls://%n/system", NULL};

		logged[0] = '\0';
		expect_validate(env, OCF_SUCCESS, NULL);
		assert_null(strstr(logged, "unknown"));
	}
	qb_log_custom_close(t);
	qb_log_fini();
}

/* VirtualDomain's translated names are in the meta-data, marked deprecated
 * with their ferry equivalent; refused names are not offered. */
static void
test_meta_data_virtualdomain(void **state)
{
	char *out = calloc(1, 65536);

	(void)state;
	assert_int_equal(run_capture("meta-data", out, 65536), OCF_SUCCESS);
	assert_non_null(strstr(out, "<parameter name=\"migration_downtime\" reloadable=\"1\">"));
	assert_non_null(strstr(out, "(deprecated: use max_downtime_ms)</shortdesc>"));
	assert_non_null(strstr(out, "(deprecated: use on_stop=destroy)</shortdesc>"));
	assert_non_null(strstr(out, "<parameter name=\"migration_network_suffix\""));
	/* honoured under the same name: offered, not deprecated */
	assert_non_null(strstr(out, "<parameter name=\"monitor_scripts\""));
	assert_non_null(strstr(out, "<parameter name=\"shutdown_mode\""));
	assert_non_null(strstr(out, "<parameter name=\"guest_agent_check\""));
	assert_null(strstr(out, "(deprecated: use monitor_scripts"));
	assert_null(strstr(out, "<parameter name=\"migrate_options\""));
	/* honoured under the same name, not deprecated */
	assert_null(strstr(out, "(deprecated: use config"));
	free(out);
}

/* validate-all refuses VirtualDomain's unsupported parameters and says what
 * to do instead. */
static void
test_validate_virtualdomain(void **state)
{
	char cfg_good[PATH_MAX + 64];

	(void)state;
	snprintf(cfg_good, sizeof(cfg_good), "OCF_RESKEY_config=%s", good_xml);
	{
		const char *env[] = {cfg_good, "OCF_RESKEY_monitor_scripts=/nonexistent/check",
		                     NULL};
		expect_validate(env, OCF_ERR_INSTALLED,
		                "monitor script /nonexistent/check is not an executable file");
	}
	{
		const char *env[] = {cfg_good,
		                     "OCF_RESKEY_monitor_scripts=/bin/true",
		                     "OCF_RESKEY_start_resources=true",
		                     "OCF_RESKEY_save_config_on_stop=true",
		                     "OCF_RESKEY_shutdown_mode=acpi",
		                     NULL};
		expect_validate(env, OCF_SUCCESS, NULL);
	}
	{
		const char *env[] = {cfg_good, "OCF_RESKEY_migration_transport=tunnelled",
		                     "OCF_RESKEY_migration_network_suffix=-mig", NULL};
		expect_validate(env, OCF_SUCCESS, NULL);
	}
	if (access("/etc/pki/qemu/server-key.pem", F_OK) != 0) {
		/* no TLS certificates on this machine: tls names the first missing */
		const char *env[] = {cfg_good, "OCF_RESKEY_migration_transport=tls", NULL};
		expect_validate(env, OCF_ERR_INSTALLED,
		                "migration_transport=tls needs libvirt's and QEMU's TLS "
		                "certificates on every node, and /etc/pki/");
	}
}

static void
test_reload(void **state)
{
	char cfg_good[PATH_MAX + 64];
	char why[OCF_REASON_MAX];

	(void)state;
	snprintf(cfg_good, sizeof(cfg_good), "OCF_RESKEY_config=%s", good_xml);
	{
		const char *env[] = {cfg_good, "OCF_RESKEY_move=restart", NULL};
		assert_int_equal(run("reload-agent", env, why, sizeof(why)), OCF_SUCCESS);
	}
	{
		const char *env[] = {cfg_good, "OCF_RESKEY_fallback=sometimes", NULL};
		assert_int_equal(run("reload-agent", env, why, sizeof(why)), OCF_ERR_CONFIGURED);
		assert_non_null(strstr(why, "fallback=sometimes"));
	}
}

/* Strict actions refuse bad parameters before touching anything. */
static void
test_start_refuses_bad_params(void **state)
{
	char cfg_good[PATH_MAX + 64];
	char why[OCF_REASON_MAX];

	(void)state;
	snprintf(cfg_good, sizeof(cfg_good), "OCF_RESKEY_config=%s", good_xml);
	{
		const char *env[] = {cfg_good, "OCF_RESKEY_hypervisor=test:///default",
		                     "OCF_RESKEY_shutdown_timeout=0", NULL};
		assert_int_equal(run("start", env, why, sizeof(why)), OCF_ERR_CONFIGURED);
		assert_non_null(strstr(why, "shutdown_timeout=0 is out of range"));
		assert_int_equal(run("migrate_to", env, why, sizeof(why)), OCF_ERR_CONFIGURED);
	}
}

static void
test_left_ms(void **state)
{
	struct vm_agent a;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.t0_ms = ferry_clock_ms();
	a.op_timeout_ms = 10000;
	assert_true(vmctx_left_ms(&a, 1000) <= 9000);
	assert_true(vmctx_left_ms(&a, 1000) > 8000);
	assert_int_equal(vmctx_left_ms(&a, 20000), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_unknown_action),
	        cmocka_unit_test(test_table),
	        cmocka_unit_test(test_meta_data),
	        cmocka_unit_test(test_methods),
	        cmocka_unit_test(test_validate),
	        cmocka_unit_test(test_unknown_params_warned),
	        cmocka_unit_test(test_meta_data_virtualdomain),
	        cmocka_unit_test(test_validate_virtualdomain),
	        cmocka_unit_test(test_reload),
	        cmocka_unit_test(test_start_refuses_bad_params),
	        cmocka_unit_test(test_left_ms),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
