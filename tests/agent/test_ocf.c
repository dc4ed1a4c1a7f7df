/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_ocf.c - OCF exit code names and the exit reason. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/ocf.h"

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(ocf_exit_name(OCF_SUCCESS), "OCF_SUCCESS");
	assert_string_equal(ocf_exit_name(OCF_ERR_GENERIC), "OCF_ERR_GENERIC");
	assert_string_equal(ocf_exit_name(OCF_ERR_INSTALLED), "OCF_ERR_INSTALLED");
	assert_string_equal(ocf_exit_name(OCF_ERR_CONFIGURED), "OCF_ERR_CONFIGURED");
	assert_string_equal(ocf_exit_name(OCF_NOT_RUNNING), "OCF_NOT_RUNNING");
	assert_string_equal(ocf_exit_name(OCF_DEGRADED_PROMOTED), "OCF_DEGRADED_PROMOTED");
	assert_string_equal(ocf_exit_name(42), "OCF_UNKNOWN");
	/* the numbers Pacemaker expects */
	assert_int_equal(OCF_ERR_INSTALLED, 5);
	assert_int_equal(OCF_ERR_CONFIGURED, 6);
	assert_int_equal(OCF_NOT_RUNNING, 7);
}

static void
test_first_reason_wins(void **state)
{
	struct ocf_reason why = {{0}};

	(void)state;
	assert_int_equal(ocf_fail(&why, OCF_ERR_CONFIGURED, "bad %s", "thing"), OCF_ERR_CONFIGURED);
	assert_int_equal(ocf_fail(&why, OCF_ERR_GENERIC, "consequence"), OCF_ERR_GENERIC);
	assert_string_equal(why.text, "bad thing");
	assert_int_equal(ocf_fail(NULL, 3, "no buffer"), 3);
}

static void
test_print(void **state)
{
	struct ocf_reason why = {{0}};
	char buf[256] = "";
	FILE *f = tmpfile();

	(void)state;
	assert_non_null(f);
	ocf_reason_print(&why, f); /* nothing recorded: nothing printed */
	ocf_fail(&why, 1, "libvirtd does not answer; restart it");
	ocf_reason_print(&why, f);
	rewind(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "ocf-exit-reason:libvirtd does not answer; restart it\n");
	assert_null(fgets(buf, sizeof(buf), f));
	fclose(f);
}

static void
test_long_reason_truncated(void **state)
{
	struct ocf_reason why = {{0}};
	char big[2 * OCF_REASON_MAX];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ocf_fail(&why, 1, "%s", big);
	assert_int_equal(strlen(why.text), OCF_REASON_MAX - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_names),
	        cmocka_unit_test(test_first_reason_wins),
	        cmocka_unit_test(test_print),
	        cmocka_unit_test(test_long_reason_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
