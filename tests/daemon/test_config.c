/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_config - ferryd.conf parsing: defaults, every key, every bad value
 * reported with file:line, the key and what is allowed. */
#include "config.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

#include <cmocka.h>

static char path[64];

static int
write_conf(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/ferryd-test-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return 0;
}

static void
test_defaults(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.cpg_group, "ferry");
	assert_string_equal(c.state_dir, FERRY_STATE_DIR);
	assert_int_equal(c.foreign_vm, CONFIG_FOREIGN_PAUSE);
	assert_int_equal(c.fail_report, CONFIG_FAIL_CONTROLD);
	assert_int_equal(c.log_priority, LOG_NOTICE);
	assert_true(c.ipc_max_clients > 0);
	assert_true(c.startup_retries > 0);
}

static void
test_missing_file(void **state)
{
	struct config c;
	char err[512] = "";

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_load(&c, "/nonexistent/ferryd.conf", true, err, sizeof(err)), 0);
	assert_int_equal(config_load(&c, "/nonexistent/ferryd.conf", false, err, sizeof(err)),
	                 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/ferryd.conf"));
}

static void
test_good_file(void **state)
{
	struct config c;
	char err[512] = "";

	(void)state;
	assert_int_equal(
	        write_conf("# comment\n\n  cpg_group = ferry2  # trailing\n"
	                   "state_dir=/tmp/x\nforeign_vm = destroy\nfail_report = off\n"
	                   "log_level = debug\nlog_file =\nlog_syslog = no\n"
	                   "ipc_max_clients = 5\nhistory_max = 7\nfence_poll_ms = 100\n"
	                   "startup_retries = 0\nretry_interval_ms = 10\nblackbox_kib = 0\n"
	                   "ipc_group = wheel\nlibvirt_uri = test:///default\n"
	                   "expect_stop_max_ms = 1000\n"
	                   "metrics_file = /tmp/m/ferry.prom\nmetrics_interval_ms = 100\n"),
	        0);
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, false, err, sizeof(err)), 0);
	unlink(path);
	assert_string_equal(c.cpg_group, "ferry2");
	assert_string_equal(c.state_dir, "/tmp/x");
	assert_int_equal(c.foreign_vm, CONFIG_FOREIGN_DESTROY);
	assert_int_equal(c.fail_report, CONFIG_FAIL_OFF);
	assert_int_equal(c.log_priority, LOG_DEBUG);
	assert_string_equal(c.log_file, "");
	assert_false(c.log_syslog);
	assert_int_equal(c.ipc_max_clients, 5);
	assert_int_equal(c.history_max, 7);
	assert_int_equal(c.fence_poll_ms, 100);
	assert_int_equal(c.startup_retries, 0);
	assert_int_equal(c.retry_interval_ms, 10);
	assert_int_equal(c.blackbox_kib, 0);
	assert_string_equal(c.ipc_group, "wheel");
	assert_string_equal(c.libvirt_uri, "test:///default");
	assert_int_equal(c.expect_stop_max_ms, 1000);
	assert_string_equal(c.metrics_file, "/tmp/m/ferry.prom");
	assert_int_equal(c.metrics_interval_ms, 100);
}

/* Every key with a bad value: the error names file:2 (line 1 is good), the
 * key, the value and what is allowed. */
static const struct {
	const char *key;
	const char *value;
	const char *allowed; /* expected in the message */
} bad[] = {
        {"foreign_vm", "kill", "allowed: pause, destroy, warn"},
        {"fail_report", "yes", "allowed: controld, crm_resource, off"},
        {"log_level", "loud", "allowed: error, warning, notice, info, debug"},
        {"log_syslog", "maybe", "allowed: no, yes"},
        {"ipc_max_clients", "0", "from 1 to 1024"},
        {"ipc_max_clients", "2000", "from 1 to 1024"},
        {"ipc_max_clients", "-1", "from 1 to 1024"},
        {"ipc_max_clients", "12abc", "from 1 to 1024"},
        {"ipc_root_reserved", "1024", "from 0 to 1023"},
        {"ipc_max_clients_per_uid", "0", "from 1 to 1024"},
        {"ipc_idle_timeout_ms", "999", "from 1000 to 86400000"},
        {"history_max", "0", "from 1 to 100000"},
        {"fence_poll_ms", "5", "from 100 to 600000"},
        {"startup_retries", "x", "from 0 to 1000"},
        {"retry_interval_ms", "99999999999999999999", "from 10 to 60000"},
        {"blackbox_kib", "65537", "from 0 to 65536"},
        {"expect_stop_max_ms", "10", "from 1000 to 3600000"},
        {"state_dir", "relative/dir", "an absolute path"},
        {"state_dir", "", "an absolute path"},
        {"log_file", "ferryd.log", "an absolute path or nothing"},
        {"decision_log", "decisions.log", "an absolute path or nothing"},
        {"cpg_group", "", "a non-empty string"},
        {"ipc_group", "", "a non-empty string"},
        {"libvirt_uri", "", "a non-empty string"},
        {"metrics_file", "ferry.prom", "an absolute path or nothing"},
        {"metrics_interval_ms", "99", "from 100 to 3600000"},
};

static void
test_bad_values(void **state)
{
	char text[512], err[1024], want[512];
	struct config c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "cpg_group = ok\n%s = %s\n", bad[i].key, bad[i].value);
		assert_int_equal(write_conf(text), 0);
		config_defaults(&c);
		err[0] = '\0';
		assert_int_equal(config_load(&c, path, false, err, sizeof(err)), -EINVAL);
		unlink(path);
		snprintf(want, sizeof(want), "%s:2: %s: ", path, bad[i].key);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("key %s value '%s': got '%s'", bad[i].key, bad[i].value, err);
		if (strstr(err, bad[i].allowed) == NULL)
			fail_msg("key %s: '%s' does not say '%s'", bad[i].key, err, bad[i].allowed);
	}
}

static void
test_bad_lines(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} lines[] = {
	        {"\n\nfoo = 1\n", ":3: unknown key 'foo' (known keys: cpg_group"},
	        {"foreign_vm pause\n", ":1: expected 'key = value'"},
	        {"# c\n = pause\n", ":2: missing key"},
	};
	char err[1024];
	struct config c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		assert_int_equal(write_conf(lines[i].text), 0);
		config_defaults(&c);
		assert_int_equal(config_load(&c, path, false, err, sizeof(err)), -EINVAL);
		unlink(path);
		assert_non_null(strstr(err, path));
		if (strstr(err, lines[i].msg) == NULL)
			fail_msg("'%s' does not contain '%s'", err, lines[i].msg);
	}
}

static void
test_long_line(void **state)
{
	char text[3000], err[1024];
	struct config c;

	(void)state;
	memset(text, 'a', sizeof(text) - 2);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(write_conf(text), 0);
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, false, err, sizeof(err)), -EINVAL);
	unlink(path);
	assert_non_null(strstr(err, ":1: line too long"));
}

static void
test_value_too_long(void **state)
{
	char value[400], err[1024];
	struct config c;

	(void)state;
	memset(value, 'g', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	config_defaults(&c);
	assert_int_equal(config_set(&c, "cpg_group", value, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "cpg_group: value too long (allowed: at most 127"));
	assert_string_equal(c.cpg_group, "ferry");
}

/* The IPC limits (issue 10, item 9): their defaults, and the reserve for
 * root must leave the others a slot when it is set by hand. */
static void
test_ipc_limits(void **state)
{
	struct config c;
	char err[512] = "";

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.ipc_max_clients, 32);
	assert_int_equal(config_ipc_root_reserved(&c), 8); /* a quarter */
	assert_int_equal(c.ipc_max_clients_per_uid, 4);
	assert_int_equal(c.ipc_idle_timeout_ms, 60000);
	assert_int_equal(config_check(&c, err, sizeof(err)), 0);

	/* a small ipc_max_clients alone stays valid: the reserve follows it */
	assert_int_equal(write_conf("ipc_max_clients = 5\n"), 0);
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, false, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(config_ipc_root_reserved(&c), 1);

	assert_int_equal(write_conf("ipc_max_clients = 10\nipc_root_reserved = 2\n"
	                            "ipc_max_clients_per_uid = 3\nipc_idle_timeout_ms = 5000\n"),
	                 0);
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, false, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(config_ipc_root_reserved(&c), 2);
	assert_int_equal(c.ipc_max_clients_per_uid, 3);
	assert_int_equal(c.ipc_idle_timeout_ms, 5000);

	/* a reserve that leaves nothing: refused, naming both keys */
	assert_int_equal(write_conf("ipc_root_reserved = 4\nipc_max_clients = 4\n"), 0);
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, false, err, sizeof(err)), -EINVAL);
	unlink(path);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "ipc_root_reserved (4)"));
	assert_non_null(strstr(err, "ipc_max_clients (4)"));
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(config_foreign_vm_name(CONFIG_FOREIGN_WARN), "warn");
	assert_string_equal(config_foreign_vm_name(_CONFIG_FOREIGN_MAX), "?");
	assert_string_equal(config_fail_report_name(CONFIG_FAIL_CRM_RESOURCE), "crm_resource");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults),       cmocka_unit_test(test_missing_file),
	        cmocka_unit_test(test_good_file),      cmocka_unit_test(test_bad_values),
	        cmocka_unit_test(test_bad_lines),      cmocka_unit_test(test_long_line),
	        cmocka_unit_test(test_value_too_long), cmocka_unit_test(test_names),
	        cmocka_unit_test(test_ipc_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
