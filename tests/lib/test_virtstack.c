/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_virtstack - which stack a connection leads to and what ferry uses of it:
 * the pure decision on made-up stacks (Debian 12's, Debian 13's, mixtures, a
 * daemon that refuses the probe), the quick move's channel choice for every
 * pair of ends, the one-line description, and the adapter against libvirt's
 * test:///default driver (not QEMU: none of the newer save paths).
 */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "ferry/virtstack.h"

static struct virtstack
stack(uint64_t lib, uint64_t qemu, enum virtstack_probe_answer params,
      enum virtstack_probe_answer channels)
{
	struct virtstack s;

	memset(&s, 0, sizeof(s));
	s.libvirt_version = lib;
	s.hypervisor_version = qemu;
	snprintf(s.driver, sizeof(s.driver), "QEMU");
	s.probe_params = params;
	s.probe_channels = channels;
	virtstack_decide(&s);
	return s;
}

static struct virtstack
debian12(void)
{
	return stack(9000000, 7002000, VIRTSTACK_PROBE_ACCEPTED, VIRTSTACK_PROBE_NOT_ASKED);
}

static struct virtstack
debian13(void)
{
	return stack(11003000, 10000002, VIRTSTACK_PROBE_ACCEPTED, VIRTSTACK_PROBE_ACCEPTED);
}

static void
test_debian12(void **state)
{
	struct virtstack s = debian12();

	(void)state;
	assert_string_equal(virtstack_name(&s), "debian12");
	assert_true(s.has[VIRTSTACK_SAVE_PARAMS]);
	assert_false(s.has[VIRTSTACK_SAVE_SPARSE]);
	assert_false(s.has[VIRTSTACK_SAVE_PARALLEL]);
	assert_false(s.has[VIRTSTACK_SAVE_DIRECT_IO]);
}

static void
test_debian13(void **state)
{
	struct virtstack s = debian13();

	(void)state;
	assert_string_equal(virtstack_name(&s), "debian13");
	for (int f = 0; f < _VIRTSTACK_FEATURE_MAX; f++)
		assert_true(s.has[f]);
}

/* libvirt new enough, QEMU too old for mapped-ram: no sparse, no channels */
static void
test_new_libvirt_old_qemu(void **state)
{
	struct virtstack s =
	        stack(11003000, 7002000, VIRTSTACK_PROBE_ACCEPTED, VIRTSTACK_PROBE_ACCEPTED);

	(void)state;
	assert_string_equal(virtstack_name(&s), "other");
	assert_true(s.has[VIRTSTACK_SAVE_PARAMS]);
	assert_false(s.has[VIRTSTACK_SAVE_SPARSE]);
	assert_false(s.has[VIRTSTACK_SAVE_PARALLEL]);
}

/* QEMU 9.0: mapped-ram, but not yet direct-io */
static void
test_qemu_9_0(void **state)
{
	struct virtstack s =
	        stack(11002000, 9000000, VIRTSTACK_PROBE_ACCEPTED, VIRTSTACK_PROBE_ACCEPTED);

	(void)state;
	assert_true(s.has[VIRTSTACK_SAVE_SPARSE]);
	assert_true(s.has[VIRTSTACK_SAVE_PARALLEL]);
	assert_false(s.has[VIRTSTACK_SAVE_DIRECT_IO]);
}

/* The probe has the last word over the version: a daemon that says 11.3 but
 * refuses the channels parameter does not get it; one that refuses the
 * restore API gets nothing. */
static void
test_probe_refusals(void **state)
{
	struct virtstack s =
	        stack(11003000, 10000002, VIRTSTACK_PROBE_ACCEPTED, VIRTSTACK_PROBE_REFUSED);

	(void)state;
	assert_true(s.has[VIRTSTACK_SAVE_SPARSE]);
	assert_false(s.has[VIRTSTACK_SAVE_PARALLEL]);
	s = stack(11003000, 10000002, VIRTSTACK_PROBE_REFUSED, VIRTSTACK_PROBE_NOT_ASKED);
	for (int f = 0; f < _VIRTSTACK_FEATURE_MAX; f++)
		assert_false(s.has[f]);
	/* too old for the params API whatever the probe said */
	s = stack(8003000, 10000002, VIRTSTACK_PROBE_ACCEPTED, VIRTSTACK_PROBE_ACCEPTED);
	assert_false(s.has[VIRTSTACK_SAVE_PARAMS]);
	assert_false(s.has[VIRTSTACK_SAVE_SPARSE]);
}

static void
test_not_qemu(void **state)
{
	struct virtstack s = debian13();

	(void)state;
	snprintf(s.driver, sizeof(s.driver), "TEST");
	virtstack_decide(&s);
	assert_string_equal(virtstack_name(&s), "other");
	assert_false(s.has[VIRTSTACK_SAVE_SPARSE]);
}

static void
test_save_channels(void **state)
{
	struct virtstack d12 = debian12();
	struct virtstack d13 = debian13();
	struct virtstack noch =
	        stack(11003000, 10000002, VIRTSTACK_PROBE_ACCEPTED, VIRTSTACK_PROBE_REFUSED);
	char why[160];

	(void)state;
	/* both ends new: what was asked, capped */
	assert_int_equal(virtstack_save_channels(&d13, &d13, 0, why, sizeof(why)), 0);
	assert_int_equal(virtstack_save_channels(&d13, &d13, 1, why, sizeof(why)), 1);
	assert_int_equal(virtstack_save_channels(&d13, &d13, 4, why, sizeof(why)), 4);
	assert_string_equal(why, "");
	assert_int_equal(virtstack_save_channels(&d13, &d13, 99, why, sizeof(why)),
	                 VIRTSTACK_MAX_CHANNELS);
	/* a target that cannot restore a sparse image: the classic image */
	assert_int_equal(virtstack_save_channels(&d13, &d12, 2, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "the target cannot restore sparse"));
	assert_int_equal(virtstack_save_channels(&d12, &d13, 1, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "this node cannot write sparse"));
	/* an unknown target (not reached) is treated as one that cannot */
	assert_int_equal(virtstack_save_channels(&d13, NULL, 2, why, sizeof(why)), 0);
	/* sparse but no channels on one end: one channel */
	assert_int_equal(virtstack_save_channels(&d13, &noch, 4, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "no parallel"));
	assert_int_equal(virtstack_save_channels(&d13, &noch, 1, NULL, 0), 1);
}

static void
test_describe(void **state)
{
	struct virtstack s = debian13();
	char buf[256];

	(void)state;
	assert_true(virtstack_describe(&s, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "debian13: libvirt 11.3.0, QEMU 10.0.2; uses save_params sparse "
	                         "parallel direct_io");
	s = debian12();
	assert_true(virtstack_describe(&s, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "debian12: libvirt 9.0.0, QEMU 7.2.0; uses save_params");
	memset(&s, 0, sizeof(s));
	assert_true(virtstack_features(&s, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "none");
	assert_int_equal(virtstack_describe(&s, buf, 8), -ENOBUFS);
	assert_string_equal(virtstack_feature_name(_VIRTSTACK_FEATURE_MAX), "invalid");
}

static void
silent(void *ud, virErrorPtr e)
{
	(void)ud;
	(void)e;
}

/* The adapter on libvirt's test driver: versions read, probe asked, none of
 * the QEMU-only paths, and no domain created by the probe. */
static void
test_probe_test_driver(void **state)
{
	virConnectPtr c;
	struct virtstack s;
	char buf[256];
	int before;

	(void)state;
	virSetErrorFunc(NULL, silent);
	c = virConnectOpen("test:///default");
	assert_non_null(c);
	before = virConnectNumOfDomains(c);
	assert_int_equal(virtstack_probe(c, &s), 0);
	assert_true(s.libvirt_version >= 9000000);
	assert_string_equal(s.driver, "TEST");
	assert_true(s.probe_params != VIRTSTACK_PROBE_NOT_ASKED);
	assert_false(s.has[VIRTSTACK_SAVE_SPARSE]);
	assert_false(s.has[VIRTSTACK_SAVE_PARALLEL]);
	assert_string_equal(virtstack_name(&s), "other");
	assert_int_equal(virConnectNumOfDomains(c), before);
	assert_true(virtstack_describe(&s, buf, sizeof(buf)) > 0);
	printf("# test:///default: %s\n", buf);
	virConnectClose(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_debian12),
	        cmocka_unit_test(test_debian13),
	        cmocka_unit_test(test_new_libvirt_old_qemu),
	        cmocka_unit_test(test_qemu_9_0),
	        cmocka_unit_test(test_probe_refusals),
	        cmocka_unit_test(test_not_qemu),
	        cmocka_unit_test(test_save_channels),
	        cmocka_unit_test(test_describe),
	        cmocka_unit_test(test_probe_test_driver),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
