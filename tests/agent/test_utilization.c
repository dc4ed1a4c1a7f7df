/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_utilization.c - autoset_utilization against a fake crm_resource (a
 * shell script keeping values in a directory and logging every call).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"
#include "utilization.h"

struct fake {
	char dir[64];
	char tool[128];
	char log[128];
};

/* The fake: --get-parameter prints DIR/NAME or exits 6 (no such value);
 * --set-parameter writes it; every call is appended to DIR/calls. */
static const char fake_script[] =
        "#!/bin/sh\n"
        "d=$(dirname \"$0\")\n"
        "echo \"$*\" >>\"$d/calls\"\n"
        "[ -e \"$d/hang\" ] && sleep 5\n"
        "while [ $# -gt 0 ]; do\n"
        "  case $1 in\n"
        "  --get-parameter) [ -e \"$d/$2\" ] || exit 6; cat \"$d/$2\"; exit 0 ;;\n"
        "  --set-parameter) n=$2 ;;\n"
        "  --parameter-value) echo \"$2\" >\"$d/$n\"; exit 0 ;;\n"
        "  esac\n"
        "  shift\n"
        "done\n"
        "exit 1\n";

static int
setup(void **state)
{
	static struct fake f;

	snprintf(f.dir, sizeof(f.dir), "/tmp/ferry-util-XXXXXX");
	assert_non_null(mkdtemp(f.dir));
	snprintf(f.tool, sizeof(f.tool), "%s/crm_resource", f.dir);
	snprintf(f.log, sizeof(f.log), "%s/calls", f.dir);
	testutil_write(f.tool, fake_script);
	assert_int_equal(chmod(f.tool, 0755), 0);
	setenv(UTILIZATION_TOOL_ENV, f.tool, 1);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fake *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	unsetenv(UTILIZATION_TOOL_ENV);
	return 0;
}

static int
count_calls(const struct fake *f, const char *what)
{
	char line[512];
	int n = 0;
	FILE *in = fopen(f->log, "re");

	if (in == NULL)
		return 0;
	while (fgets(line, sizeof(line), in) != NULL)
		if (strstr(line, what) != NULL)
			n++;
	fclose(in);
	return n;
}

static void
read_value(const struct fake *f, const char *name, char *buf, size_t len)
{
	char path[192];
	FILE *in;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	in = fopen(path, "re");
	assert_non_null(in);
	assert_non_null(fgets(buf, (int)len, in));
	fclose(in);
	buf[strcspn(buf, "\n")] = '\0';
}

static void
test_sets_then_leaves_alone(void **state)
{
	struct fake *f = *state;
	char v[32];
	bool changed = false;

	assert_int_equal(utilization_update("web1", 2, 512, 2000, &changed), 0);
	assert_true(changed);
	read_value(f, "cpu", v, sizeof(v));
	assert_string_equal(v, "2");
	read_value(f, "hv_memory", v, sizeof(v));
	assert_string_equal(v, "512");
	assert_int_equal(count_calls(f, "--resource web1 --utilization --set-parameter"), 2);

	/* same values again: read, not rewritten (a write is a CIB update) */
	assert_int_equal(utilization_update("web1", 2, 512, 2000, &changed), 0);
	assert_false(changed);
	assert_int_equal(count_calls(f, "--set-parameter"), 2);

	/* one value changed: only that one is written */
	assert_int_equal(utilization_update("web1", 2, 1024, 2000, &changed), 0);
	assert_true(changed);
	assert_int_equal(count_calls(f, "--set-parameter cpu"), 1);
	assert_int_equal(count_calls(f, "--set-parameter hv_memory"), 2);
}

static void
test_zero_is_skipped(void **state)
{
	struct fake *f = *state;
	bool changed = false;

	assert_int_equal(utilization_update("web1", 0, 256, 2000, &changed), 0);
	assert_int_equal(count_calls(f, "cpu"), 0);
	assert_int_equal(count_calls(f, "--set-parameter hv_memory"), 1);
}

static void
test_errors(void **state)
{
	struct fake *f = *state;
	char path[192];
	bool changed = false;

	assert_int_equal(utilization_update("", 1, 1, 2000, &changed), -EINVAL);
	assert_int_equal(utilization_update(NULL, 1, 1, 2000, &changed), -EINVAL);

	/* a crm_resource that hangs is killed within the bound */
	snprintf(path, sizeof(path), "%s/hang", f->dir);
	testutil_write(path, "");
	assert_int_equal(utilization_update("web1", 1, 1, 200, &changed), -ETIME);
	unlink(path);

	/* no crm_resource at all */
	setenv(UTILIZATION_TOOL_ENV, "/nonexistent/crm_resource", 1);
	assert_int_equal(utilization_update("web1", 1, 1, 2000, &changed), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_sets_then_leaves_alone, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_zero_is_skipped, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
