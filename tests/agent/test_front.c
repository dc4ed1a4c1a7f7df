/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_front.c - when the front may answer a monitor itself (front.h): it
 * may only ever say "running", and only on the whole evidence.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "front.h"

#define UUID  "11111111-2222-3333-4444-555555555555"
#define UUID2 "11111111-2222-3333-4444-666666666666"

/* ---- the request ---------------------------------------------------------- */

static struct front_request
recurring(void)
{
	struct front_request r = {
	        .action = "monitor",
	        .params_rc = 0,
	        .interval_ms = 10000,
	        .check_level = NULL,
	        .hypervisor = "qemu:///system",
	        .resource = "web1",
	        .since_full_ms = 10000,
	};
	return r;
}

static void
assert_defers(const struct front_request *r, const char *want)
{
	const char *why = NULL;

	assert_false(front_may_answer(r, &why));
	assert_non_null(why);
	assert_string_equal(why, want);
}

static void
test_request_recurring_monitor(void **state)
{
	struct front_request r = recurring();
	const char *why = NULL;

	(void)state;
	assert_true(front_may_answer(&r, &why));
	r.check_level = "0";
	assert_true(front_may_answer(&r, &why));
	r.since_full_ms = 0;
	assert_true(front_may_answer(&r, &why));
	r.since_full_ms = FRONT_FULL_EVERY_MS - 1;
	assert_true(front_may_answer(&r, &why));
}

static void
test_request_defers(void **state)
{
	struct front_request r;

	(void)state;
	r = recurring();
	r.interval_ms = 0;
	assert_defers(&r, "a probe (interval 0)");

	r = recurring();
	r.action = "status";
	assert_defers(&r, "not a monitor");
	r.action = "start";
	assert_defers(&r, "not a monitor");
	r.action = "meta-data";
	assert_defers(&r, "not a monitor");
	r.action = NULL;
	assert_defers(&r, "not a monitor");

	r = recurring();
	r.check_level = "10";
	assert_defers(&r, "a deeper check level was asked for");

	r = recurring();
	r.params_rc = 6; /* OCF_ERR_CONFIGURED: the full monitor warns about it */
	assert_defers(&r, "the parameters do not parse cleanly");

	r = recurring();
	r.hypervisor = "qemu:///session";
	assert_defers(&r, "hypervisor is not qemu:///system");
	r.hypervisor = "qemu+tcp://node1/system";
	assert_defers(&r, "hypervisor is not qemu:///system");

	r = recurring();
	r.resource = "";
	assert_defers(&r, "no resource name");

	r = recurring();
	r.since_full_ms = -1; /* no stamp: never asked libvirt */
	assert_defers(&r, "libvirt was not asked recently");
	r.since_full_ms = FRONT_FULL_EVERY_MS;
	assert_defers(&r, "libvirt was not asked recently");

	/* monitor_scripts / guest_agent_check: every monitor runs them */
	r = recurring();
	r.guest_checks = true;
	assert_defers(&r, "monitor_scripts or guest_agent_check set: the full agent runs them");
}

/* ---- the evidence --------------------------------------------------------- */

static struct front_evidence
running(void)
{
	struct front_evidence e;

	memset(&e, 0, sizeof(e));
	snprintf(e.config.name, sizeof(e.config.name), "web1");
	snprintf(e.config.uuid, sizeof(e.config.uuid), UUID);
	snprintf(e.cache_name, sizeof(e.cache_name), "web1");
	snprintf(e.cache_uuid, sizeof(e.cache_uuid), UUID);
	snprintf(e.status.state, sizeof(e.status.state), "running");
	snprintf(e.status.uuid, sizeof(e.status.uuid), UUID);
	e.status.pid = 4242;
	e.scan_rc = 1;
	e.scan_pid = 4242;
	return e;
}

static void
assert_judged(const struct front_evidence *e, enum front_verdict want, const char *want_why)
{
	const char *why = NULL;

	assert_int_equal(front_judge(e, &why), want);
	assert_non_null(why);
	assert_string_equal(why, want_why);
}

static void
test_evidence_running(void **state)
{
	struct front_evidence e = running();

	(void)state;
	assert_judged(&e, FRONT_RUNNING,
	              "libvirt's status says running and its QEMU process lives");
	/* no id cache (started by hand, or RSCTMP emptied): the full monitor
	 * then goes by the config alone, and so may the front */
	e.cache_rc = -ENOENT;
	e.cache_name[0] = '\0';
	assert_judged(&e, FRONT_RUNNING,
	              "libvirt's status says running and its QEMU process lives");
}

static void
test_evidence_identity(void **state)
{
	struct front_evidence e;

	(void)state;
	e = running();
	e.config_rc = -ENOENT; /* full monitor: warning, identity from the cache */
	assert_judged(&e, FRONT_DEFER, "config unreadable or invalid");
	e.config_rc = -EBADMSG;
	assert_judged(&e, FRONT_DEFER, "config unreadable or invalid");

	e = running();
	e.cache_rc = -EBADMSG;
	assert_judged(&e, FRONT_DEFER, "the identity recorded at start is unreadable");

	/* the config was edited while the VM runs: the full monitor warns and
	 * answers for the VM it started */
	e = running();
	snprintf(e.config.name, sizeof(e.config.name), "web2");
	assert_judged(&e, FRONT_DEFER, "the config names another VM than the one started here");
	e = running();
	snprintf(e.config.uuid, sizeof(e.config.uuid), UUID2);
	assert_judged(&e, FRONT_DEFER, "the config names another VM than the one started here");
	/* no <uuid> in the config: the full agent finds the VM's */
	e = running();
	e.config.uuid[0] = '\0';
	assert_judged(&e, FRONT_DEFER, "config has no <uuid>: the full agent finds the VM's");
}

static void
test_evidence_libvirt_state(void **state)
{
	static const char *const not_running[] = {"paused",  "crashed",     "shutoff", "shutdown",
	                                          "blocked", "pmsuspended", "nostate", ""};
	struct front_evidence e;

	(void)state;
	/* libvirt stopped it: it removes the status file */
	e = running();
	e.status_rc = -ENOENT;
	assert_judged(&e, FRONT_DEFER, "no libvirt status file for the domain");
	e.status_rc = -EBADMSG;
	assert_judged(&e, FRONT_DEFER, "no libvirt status file for the domain");

	/* a QEMU process lives in each of these, but only the full monitor
	 * may judge them (paused: warning; crashed: error) */
	for (size_t i = 0; i < sizeof(not_running) / sizeof(not_running[0]); i++) {
		e = running();
		snprintf(e.status.state, sizeof(e.status.state), "%s", not_running[i]);
		assert_judged(&e, FRONT_DEFER, "libvirt's status is not running");
	}

	e = running();
	snprintf(e.status.uuid, sizeof(e.status.uuid), UUID2);
	assert_judged(&e, FRONT_DEFER, "libvirt's status is for another UUID");
}

static void
test_evidence_process(void **state)
{
	struct front_evidence e;

	(void)state;
	/* status file left behind (libvirtd killed with the VM, crash of the
	 * host's QEMU): no process, never "running" from the front */
	e = running();
	e.scan_rc = 0;
	assert_judged(&e, FRONT_DEFER, "no live QEMU process with the UUID");
	e.scan_rc = -EACCES;
	assert_judged(&e, FRONT_DEFER, "no live QEMU process with the UUID");

	e = running();
	e.scan_pid = 4343;
	assert_judged(&e, FRONT_DEFER, "the QEMU process is not the one libvirt's status names");
}

/* ---- libvirt's status file -------------------------------------------------- */

#define STATUS_HEAD                                                                                \
	"<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n"          \
	"OVERWRITTEN AND LOST.\n-->\n"

static void
test_status_parse(void **state)
{
	struct front_status st;

	(void)state;
	assert_int_equal(
	        front_status_parse(STATUS_HEAD
	                           "<domstatus state='running' reason='booted' pid='12345'>\n"
	                           "  <taint flag='high-privileges'/>\n"
	                           "  <monitor path='/var/lib/libvirt/qemu/domain-1-web1/"
	                           "monitor.sock' type='unix'/>\n"
	                           "  <domain type='qemu' id='1'>\n"
	                           "    <name>web1</name>\n"
	                           "    <uuid>11111111-2222-3333-4444-555555555555</uuid>\n"
	                           "    <sysinfo type='smbios'><system><entry name='uuid'>"
	                           "99999999-2222-3333-4444-555555555555</entry></system>"
	                           "</sysinfo>\n"
	                           "  </domain>\n</domstatus>\n",
	                           &st),
	        0);
	assert_string_equal(st.state, "running");
	assert_int_equal(st.pid, 12345);
	assert_string_equal(st.uuid, UUID);

	/* double quotes, attributes in another order, upper-case UUID */
	assert_int_equal(front_status_parse("<domstatus pid=\"7\" state=\"paused\" "
	                                    "reason=\"user\"><domain type=\"kvm\"><name>a</name>"
	                                    "<uuid>11111111-2222-3333-4444-55555555555A</uuid>"
	                                    "</domain></domstatus>",
	                                    &st),
	                 0);
	assert_string_equal(st.state, "paused");
	assert_int_equal(st.pid, 7);
	assert_string_equal(st.uuid, "11111111-2222-3333-4444-55555555555a");
}

static void
test_status_parse_refuses(void **state)
{
	static const char *const bad[] = {
	        "",
	        "<domain><uuid>" UUID "</uuid></domain>",
	        "<domstatusx state='running' pid='1'><domain><uuid>" UUID "</uuid></domain>",
	        "<domstatus state='running'><domain><uuid>" UUID "</uuid></domain>",
	        "<domstatus pid='1'><domain><uuid>" UUID "</uuid></domain>",
	        "<domstatus xstate='running' pid='1'><domain><uuid>" UUID "</uuid></domain>",
	        "<domstatus state='running' pid='0'><domain><uuid>" UUID "</uuid></domain>",
	        "<domstatus state='running' pid='-1'><domain><uuid>" UUID "</uuid></domain>",
	        "<domstatus state='running' pid='12x'><domain><uuid>" UUID "</uuid></domain>",
	        "<domstatus state='running' pid='99999999999'><domain><uuid>" UUID "</uuid>",
	        "<domstatus state='running' pid=1><domain><uuid>" UUID "</uuid></domain>",
	        "<domstatus state='running' pid='1'",
	        "<domstatus state='running' pid='1'></domstatus>",
	        "<domstatus state='running' pid='1'><domain><name>a</name></domain>",
	        "<domstatus state='running' pid='1'><domain><uuid>not-a-uuid</uuid></domain>",
	        "<domstatus state='running' pid='1'><domain><uuid>" UUID,
	        "<domstatus state='running-and-then-some-more' pid='1'><domain><uuid>" UUID
	        "</uuid></domain>",
	};
	struct front_status st;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (front_status_parse(bad[i], &st) != -EBADMSG)
			fail_msg("accepted: %s", bad[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_request_recurring_monitor),
	        cmocka_unit_test(test_request_defers),
	        cmocka_unit_test(test_evidence_running),
	        cmocka_unit_test(test_evidence_identity),
	        cmocka_unit_test(test_evidence_libvirt_state),
	        cmocka_unit_test(test_evidence_process),
	        cmocka_unit_test(test_status_parse),
	        cmocka_unit_test(test_status_parse_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
