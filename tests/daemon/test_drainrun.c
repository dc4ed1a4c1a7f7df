/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_drainrun - the drain runner's adapter: crm_resource --locate output
 * parsed, and whole jobs run against stand-in crm_resource / crm_attribute
 * scripts on PATH (they log their arguments and answer --locate from a
 * file), on a real libqb loop.
 */
#include "drainrun.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>

#include <cmocka.h>

static char dir[64];

struct result {
	int calls;
	uint64_t job;
	int rc;
	char node[64];
	char text[200];
	qb_loop_t *loop;
};

static void
on_done(void *ctx, uint64_t job, int rc, const char *node, const char *text)
{
	struct result *r = ctx;

	r->calls++;
	r->job = job;
	r->rc = rc;
	snprintf(r->node, sizeof(r->node), "%s", node);
	snprintf(r->text, sizeof(r->text), "%s", text);
	qb_loop_stop(r->loop);
}

static const struct drainrun_events events = {.done = on_done};

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static char *
read_log(void)
{
	static char buf[4096];
	char path[128];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/log", dir);
	f = fopen(path, "r");
	if (f == NULL)
		return (char *)"";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
setup(void **state)
{
	char path[4200];
	const char *old = getenv("PATH");

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ferry-drainrun-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	/* crm_resource: --locate prints the file "where" (a move done by a ban
	 * writes "moved-to"); every call is logged */
	snprintf(path, sizeof(path),
	         "#!/bin/sh\n"
	         "echo \"crm_resource $*\" >>%s/log\n"
	         "case \"$1\" in\n"
	         "--locate) cat %s/where 2>/dev/null ;;\n"
	         "--ban) [ -f %s/ban-fails ] && { echo 'error: no such resource'; exit 6; }\n"
	         "       cp %s/moved-to %s/where 2>/dev/null ;;\n"
	         "--move) echo \"$5\" >%s/where ;;\n"
	         "esac\n"
	         "exit 0\n",
	         dir, dir, dir, dir, dir, dir);
	write_file("crm_resource", path, 0755);
	snprintf(path, sizeof(path), "#!/bin/sh\necho \"crm_attribute $*\" >>%s/log\n", dir);
	write_file("crm_attribute", path, 0755);
	snprintf(path, sizeof(path), "%s:%s", dir, old != NULL ? old : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A runner on a new loop that reports to res (after the test wrote its files). */
static struct drainrun *
begin(struct result *res)
{
	struct drainrun *r = NULL;

	res->loop = qb_loop_create();
	assert_non_null(res->loop);
	assert_int_equal(drainrun_start(res->loop, NULL, &events, res, &r), 0);
	return r;
}

static void
run(struct drainrun *r, struct result *res)
{
	(void)r;
	qb_loop_run(res->loop);
}

static void
end(struct drainrun *r, struct result *res)
{
	drainrun_stop(r);
	qb_loop_destroy(res->loop);
}

static void
test_parse_locate(void **state)
{
	char n[64];

	(void)state;
	assert_true(drainrun_parse_locate("node2\n", NULL, n, sizeof(n)));
	assert_string_equal(n, "node2");
	assert_true(drainrun_parse_locate("node1\nnode3\n", "node1", n, sizeof(n)));
	assert_string_equal(n, "node3");
	assert_false(drainrun_parse_locate("node1\n", "node1", n, sizeof(n)));
	assert_true(
	        drainrun_parse_locate("resource web1 is running on: node2\n", NULL, n, sizeof(n)));
	assert_string_equal(n, "node2");
	assert_false(drainrun_parse_locate("", NULL, n, sizeof(n)));
	assert_false(drainrun_parse_locate("resource web1 is NOT running\n", NULL, n, sizeof(n)));
}

static void
test_away(void **state)
{
	struct result res = {0};
	struct drainrun *r;
	uint64_t job = 0;

	(void)state;
	write_file("where", "node1\n", 0644);
	write_file("moved-to", "node3\n", 0644);
	write_file("log", "", 0644);
	r = begin(&res);
	assert_int_equal(drainrun_away(r, "web1", "node1", 20000, &job), 0);
	run(r, &res);
	assert_int_equal(res.calls, 1);
	assert_int_equal(res.job, job);
	assert_int_equal(res.rc, 0);
	assert_string_equal(res.node, "node3");
	assert_non_null(
	        strstr(read_log(), "crm_resource --ban --resource web1 --node node1 --lifetime"));
	end(r, &res);
}

static void
test_away_ban_fails(void **state)
{
	struct result res = {0};
	struct drainrun *r;
	uint64_t job = 0;

	(void)state;
	write_file("where", "node1\n", 0644);
	write_file("ban-fails", "", 0644);
	r = begin(&res);
	assert_int_equal(drainrun_away(r, "web1", "node1", 20000, &job), 0);
	run(r, &res);
	assert_int_equal(res.rc, -EIO);
	assert_non_null(strstr(res.text, "no such resource"));
	end(r, &res);
}

static void
test_back_moved_elsewhere(void **state)
{
	struct result res = {0};
	struct drainrun *r;
	uint64_t job = 0;

	(void)state;
	write_file("where", "node2\n", 0644);
	write_file("log", "", 0644);
	r = begin(&res);
	assert_int_equal(drainrun_back(r, "web1", "node1", "node3", 20000, &job), 0);
	run(r, &res);
	assert_int_equal(res.rc, -ESTALE);
	assert_string_equal(res.node, "node2");
	assert_null(strstr(read_log(), "--move"));
	end(r, &res);
}

static void
test_back(void **state)
{
	struct result res = {0};
	struct drainrun *r;
	uint64_t job = 0;

	(void)state;
	write_file("where", "node3\n", 0644);
	write_file("log", "", 0644);
	r = begin(&res);
	assert_int_equal(drainrun_back(r, "web1", "node1", "node3", 20000, &job), 0);
	run(r, &res);
	assert_int_equal(res.rc, 0);
	assert_string_equal(res.node, "node1");
	assert_non_null(strstr(read_log(), "crm_resource --move --resource web1 --node node1"));
	assert_non_null(strstr(read_log(), "crm_resource --clear --resource web1"));
	end(r, &res);
}

static void
test_standby(void **state)
{
	const char *clear[] = {"web1", "web2"};
	struct result res = {0};
	struct drainrun *r;
	uint64_t job = 0;

	(void)state;
	write_file("log", "", 0644);
	r = begin(&res);
	assert_int_equal(drainrun_standby(r, "node1", true, clear, 2, &job), 0);
	run(r, &res);
	assert_int_equal(res.rc, 0);
	assert_non_null(
	        strstr(read_log(), "crm_attribute --node node1 --name standby --update on"));
	assert_non_null(strstr(read_log(), "crm_resource --clear --resource web1 --node node1"));
	assert_non_null(strstr(read_log(), "crm_resource --clear --resource web2 --node node1"));
	end(r, &res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse_locate),
	        cmocka_unit_test_setup_teardown(test_away, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_away_ban_fails, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_back_moved_elsewhere, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_back, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_standby, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
