/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_guestcheck.c - what ferry took over from VirtualDomain (issue 13):
 * monitor_scripts and guest_agent_check (guestcheck.c) in monitor, start
 * and migrate_from; shutdown_mode; start_resources; save_config_on_stop
 * (cfgsave.c); a config without <uuid>; the TLS files (tlscheck.c).
 *
 * The actions run against libvirt's test:///default driver; what it cannot
 * do is faked with --wrap: the guest agent (virDomainGetHostname) and
 * shutdown modes (virDomainShutdownFlags, which the test driver refuses).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "agent.h"
#include "cfgsave.h"
#include "domxml.h"
#include "ferry/clock.h"
#include "guestcheck.h"
#include "testutil.h"
#include "tlscheck.h"
#include "virt.h"

#define NAME        "gc1"
#define UUID        "a1b2c3d4-0000-4000-8000-00000000c001"
#define XML_HEAD    "<domain type='test'><name>" NAME "</name>"
#define XML_BODY    "<memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type>hvm</type></os>"
#define DOMAIN_XML  XML_HEAD "<uuid>" UUID "</uuid>" XML_BODY "</domain>\n"
#define NO_UUID_XML XML_HEAD XML_BODY "</domain>\n"
/* the test driver's own running domain */
#define TEST_DOM_NAME "test"

/* ---- fakes at the libvirt boundary ---------------------------------------- */

static bool fake_agent_up;
static unsigned fake_agent_calls;
static unsigned fake_shutdown_flags;
static unsigned fake_shutdown_calls;

char *__wrap_virDomainGetHostname(virDomainPtr d, unsigned int flags);
int __wrap_virDomainShutdownFlags(virDomainPtr d, unsigned int flags);
int __wrap_virDomainMigrateToURI3(virDomainPtr d, const char *uri, virTypedParameterPtr params,
                                  unsigned int n, unsigned int flags);

static unsigned fake_migrate_flags;
static int fake_migrate_nparams;

/* The test driver cannot migrate: record what virt_migrate asks for. */
int
__wrap_virDomainMigrateToURI3(virDomainPtr d, const char *uri, virTypedParameterPtr params,
                              unsigned int n, unsigned int flags)
{
	(void)d;
	(void)uri;
	(void)params;
	fake_migrate_flags = flags;
	fake_migrate_nparams = (int)n;
	return 0;
}

char *
__wrap_virDomainGetHostname(virDomainPtr d, unsigned int flags)
{
	(void)d;
	fake_agent_calls++;
	assert_int_equal(flags, VIR_DOMAIN_GET_HOSTNAME_AGENT);
	if (fake_agent_up)
		return strdup("guest1");
	virResetLastError(); /* no error recorded: "unknown libvirt error" */
	return NULL;
}

/* The test driver takes no flags: record them, then shut down as it can. */
int
__wrap_virDomainShutdownFlags(virDomainPtr d, unsigned int flags)
{
	fake_shutdown_calls++;
	fake_shutdown_flags = flags;
	return virDomainShutdown(d);
}

/* ---- helpers -------------------------------------------------------------- */

static virConnectPtr keep;
static char tmp[256];
static char config[320];
static char rsctmp[320];
static char scripts_dir[320];
static char env_config[400];
static char env_rsctmp[400];

#define ENV(...)                                                                                   \
	((const char *const[]){"OCF_RESKEY_hypervisor=test:///default",                            \
	                       "OCF_RESOURCE_INSTANCE=vm-" NAME, env_rsctmp,                       \
	                       "OCF_RESKEY_ledger=off", __VA_ARGS__, NULL})

static int
run(const char *action, const char *const *env, char *why, size_t why_len)
{
	struct vm_agent *a = calloc(1, sizeof(*a));
	int rc;

	assert_non_null(a);
	rc = agent_run(a, action, env);
	if (why != NULL)
		snprintf(why, why_len, "%s", a->why.text);
	assert_false(a->abandoned);
	agent_clear(a);
	free(a);
	return rc;
}

static bool
running(const char *name)
{
	virDomainPtr d = virDomainLookupByName(keep, name);
	int st = 0;
	int reason = 0;

	if (d == NULL)
		return false;
	virDomainGetState(d, &st, &reason, 0);
	virDomainFree(d);
	return st == VIR_DOMAIN_RUNNING;
}

static void
destroy_mine(void)
{
	virDomainPtr d = virDomainLookupByName(keep, NAME);

	if (d != NULL) {
		virDomainDestroy(d);
		virDomainFree(d);
	}
}

/* Writes an executable script dir/name with body; returns its path. */
static const char *
script(const char *name, const char *body)
{
	static char path[4][PATH_MAX];
	static int next;
	char text[1024];
	char *p = path[next++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", scripts_dir, name);
	snprintf(text, sizeof(text), "#!/bin/sh\n%s\n", body);
	testutil_write(p, text);
	assert_int_equal(chmod(p, 0755), 0);
	return p;
}

static int
group_setup(void **state)
{
	(void)state;
	testutil_tmpdir(tmp, sizeof(tmp), "guestcheck");
	snprintf(config, sizeof(config), "%s/" NAME ".xml", tmp);
	snprintf(rsctmp, sizeof(rsctmp), "%s/rsc", tmp);
	snprintf(scripts_dir, sizeof(scripts_dir), "%s/bin", tmp);
	snprintf(env_config, sizeof(env_config), "OCF_RESKEY_config=%s", config);
	snprintf(env_rsctmp, sizeof(env_rsctmp), "HA_RSCTMP=%s", rsctmp);
	if (mkdir(scripts_dir, 0700) != 0)
		return -1;
	virt_init();
	keep = virConnectOpen("test:///default");
	return keep == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	destroy_mine();
	virConnectClose(keep);
	testutil_rmrf(tmp);
	return 0;
}

static int
setup(void **state)
{
	char cmd[800];

	(void)state;
	destroy_mine();
	fake_agent_up = false;
	fake_agent_calls = 0;
	fake_shutdown_flags = 0;
	fake_shutdown_calls = 0;
	testutil_write(config, DOMAIN_XML);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'/*", rsctmp, scripts_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- guestcheck.c alone ---------------------------------------------------- */

static void
test_first_line(void **state)
{
	char buf[64];

	(void)state;
	guestcheck_first_line("", 0, buf, sizeof(buf));
	assert_string_equal(buf, "(no output)");
	guestcheck_first_line("\n\n  web down  \nmore\n", 19, buf, sizeof(buf));
	assert_string_equal(buf, "web down");
	guestcheck_first_line("no newline", 10, buf, sizeof(buf));
	assert_string_equal(buf, "no newline");
}

static void
test_scripts(void **state)
{
	char why[OCF_REASON_MAX];
	char list[PATH_MAX * 3];
	const char *ok = script("ok", "echo fine");
	const char *bad = script("bad", "echo 'db: connection refused' >&2; echo second; exit 3");
	const char *slow = script("slow", "echo starting; sleep 30");
	uint64_t t0;

	(void)state;
	assert_int_equal(guestcheck_scripts("", 1000, why, sizeof(why)), 0);
	assert_int_equal(guestcheck_scripts(ok, 5000, why, sizeof(why)), 0);
	/* in order; the first failure decides, with its status and first line */
	snprintf(list, sizeof(list), "  %s\t%s %s ", ok, bad, slow);
	assert_int_equal(guestcheck_scripts(list, 5000, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "monitor script "));
	assert_non_null(strstr(why, "/bad exited 3: db: connection refused"));
	/* too slow: killed at the deadline, not waited for */
	t0 = ferry_clock_ms();
	assert_int_equal(guestcheck_scripts(slow, 300, why, sizeof(why)), 1);
	assert_true(ferry_clock_ms() - t0 < 5000);
	assert_non_null(strstr(why, "/slow did not finish in time and was killed: starting"));
	/* cannot be run at all */
	assert_int_equal(guestcheck_scripts("/nonexistent/check", 5000, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "monitor script /nonexistent/check exited 127: cannot run it"));
	/* a bare name is looked up in PATH, as VirtualDomain's shell does */
	assert_int_equal(guestcheck_scripts("true", 5000, why, sizeof(why)), 0);
}

/* ---- monitor_scripts in the actions ----------------------------------------- */

static void
test_monitor_scripts_monitor(void **state)
{
	char why[OCF_REASON_MAX];
	char env_scripts[PATH_MAX + 64];
	const char *flag = script("flag", "");
	char check_body[PATH_MAX + 64];
	const char *check;

	(void)state;
	snprintf(check_body, sizeof(check_body), "test -e '%s.ok' || { echo 'not ready'; exit 1; }",
	         flag);
	check = script("check", check_body);
	snprintf(env_scripts, sizeof(env_scripts), "OCF_RESKEY_monitor_scripts=%s", check);
	{
		char ok[PATH_MAX + 8];

		snprintf(ok, sizeof(ok), "%s.ok", flag);
		testutil_write(ok, "");
		assert_int_equal(
		        run("start",
		            ENV(env_config, env_scripts, "OCF_RESKEY_CRM_meta_timeout=20000"), why,
		            sizeof(why)),
		        OCF_SUCCESS);
		assert_int_equal(
		        run("monitor",
		            ENV(env_config, env_scripts, "OCF_RESKEY_CRM_meta_interval=10000",
		                "OCF_RESKEY_CRM_meta_timeout=20000"),
		            why, sizeof(why)),
		        OCF_SUCCESS);
		/* the guest's service goes down: the monitor fails, naming the script */
		assert_int_equal(unlink(ok), 0);
	}
	assert_int_equal(run("monitor",
	                     ENV(env_config, env_scripts, "OCF_RESKEY_CRM_meta_interval=10000",
	                         "OCF_RESKEY_CRM_meta_timeout=20000"),
	                     why, sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "/check exited 1: not ready"));
	/* the domain check comes first: a stopped VM is not running, scripts or not */
	assert_int_equal(run("stop", ENV(env_config, env_scripts), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("monitor", ENV(env_config, env_scripts), why, sizeof(why)),
	                 OCF_NOT_RUNNING);
}

static void
test_monitor_scripts_start_waits(void **state)
{
	char why[OCF_REASON_MAX];
	char env_scripts[PATH_MAX + 64];
	char body[1024];
	char count[400];
	const char *check;
	uint64_t t0;

	(void)state;
	/* passes from its third run on: start waits for it */
	snprintf(count, sizeof(count), "%s/count", scripts_dir);
	snprintf(body, sizeof(body),
	         "echo x >> '%s'; test $(wc -l < '%s') -ge 3 || { echo \"warming up\"; exit 2; }",
	         count, count);
	check = script("warm", body);
	snprintf(env_scripts, sizeof(env_scripts), "OCF_RESKEY_monitor_scripts=%s", check);
	t0 = ferry_clock_ms();
	assert_int_equal(run("start",
	                     ENV(env_config, env_scripts, "OCF_RESKEY_CRM_meta_timeout=30000"), why,
	                     sizeof(why)),
	                 OCF_SUCCESS);
	assert_true(ferry_clock_ms() - t0 >= 1500); /* two pauses of a second */
	assert_true(running(NAME));
	assert_int_equal(run("stop", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);

	/* never passes: start fails before its timeout, saying why */
	check = script("never", "echo 'HTTP 503 from localhost:80'; exit 4");
	snprintf(env_scripts, sizeof(env_scripts), "OCF_RESKEY_monitor_scripts=%s", check);
	t0 = ferry_clock_ms();
	assert_int_equal(run("start",
	                     ENV(env_config, env_scripts, "OCF_RESKEY_CRM_meta_timeout=6000"), why,
	                     sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_true(ferry_clock_ms() - t0 < 6000);
	assert_non_null(strstr(why, "the VM runs but its guest checks did not pass within"));
	assert_non_null(strstr(why, "/never exited 4: HTTP 503 from localhost:80"));
	/* Pacemaker stops it next: stop finds it */
	assert_int_equal(run("stop", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_false(running(NAME));
}

static void
test_guest_agent_check(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	fake_agent_up = true;
	assert_int_equal(run("start",
	                     ENV(env_config, "OCF_RESKEY_guest_agent_check=true",
	                         "OCF_RESKEY_CRM_meta_timeout=20000"),
	                     why, sizeof(why)),
	                 OCF_SUCCESS);
	assert_true(fake_agent_calls >= 1);
	assert_int_equal(
	        run("monitor",
	            ENV(env_config, "OCF_RESKEY_guest_agent_check=true",
	                "OCF_RESKEY_CRM_meta_interval=10000", "OCF_RESKEY_CRM_meta_timeout=20000"),
	            why, sizeof(why)),
	        OCF_SUCCESS);
	fake_agent_up = false;
	assert_int_equal(
	        run("monitor",
	            ENV(env_config, "OCF_RESKEY_guest_agent_check=true",
	                "OCF_RESKEY_CRM_meta_interval=10000", "OCF_RESKEY_CRM_meta_timeout=20000"),
	            why, sizeof(why)),
	        OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "the QEMU guest agent does not answer"));
	/* off: not asked */
	fake_agent_calls = 0;
	assert_int_equal(run("monitor", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(fake_agent_calls, 0);
	assert_int_equal(run("stop", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
}

/* ---- shutdown_mode ------------------------------------------------------------ */

static void
test_shutdown_mode(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("stop", ENV(env_config, "OCF_RESKEY_shutdown_mode=agent,acpi"), why,
	                     sizeof(why)),
	                 OCF_SUCCESS);
	assert_int_equal(fake_shutdown_calls, 1);
	assert_int_equal(fake_shutdown_flags,
	                 VIR_DOMAIN_SHUTDOWN_GUEST_AGENT | VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN);
	assert_false(running(NAME));
	/* unset: libvirt's default call, no flags */
	assert_int_equal(run("start", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("stop", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(fake_shutdown_calls, 1);
}

/* ---- start_resources ------------------------------------------------------------ */

static void
define_inactive(void)
{
	virStoragePoolPtr pool = virStoragePoolDefineXML(
	        keep,
	        "<pool type='dir'><name>gcpool</name><target><path>/gcpool</path></target></pool>",
	        0);
	virNetworkPtr net = virNetworkDefineXML(
	        keep, "<network><name>gcnet</name><bridge name='gcbr0'/></network>");

	assert_non_null(pool);
	assert_non_null(net);
	assert_int_equal(virStoragePoolIsActive(pool), 0);
	assert_int_equal(virNetworkIsActive(net), 0);
	virStoragePoolFree(pool);
	virNetworkFree(net);
}

static int
active(bool is_pool, const char *name)
{
	int r;

	if (is_pool) {
		virStoragePoolPtr p = virStoragePoolLookupByName(keep, name);

		r = p != NULL ? virStoragePoolIsActive(p) : -1;
		if (p != NULL)
			virStoragePoolFree(p);
	} else {
		virNetworkPtr n = virNetworkLookupByName(keep, name);

		r = n != NULL ? virNetworkIsActive(n) : -1;
		if (n != NULL)
			virNetworkFree(n);
	}
	return r;
}

static void
test_start_resources(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	define_inactive();
	testutil_write(config,
	               XML_HEAD "<uuid>" UUID "</uuid>" XML_BODY
	                        "<devices><disk type='volume'><source pool='gcpool' volume='v'/>"
	                        "<target dev='vda'/></disk><interface type='network'>"
	                        "<source network='gcnet'/></interface></devices></domain>\n");
	/* off: nothing started (the test driver boots without them) */
	assert_int_equal(run("validate-all", ENV(env_config, "OCF_RESKEY_start_resources=true"),
	                     why, sizeof(why)),
	                 OCF_SUCCESS);
	assert_int_equal(active(true, "gcpool"), 0);
	assert_int_equal(
	        run("start", ENV(env_config, "OCF_RESKEY_start_resources=true"), why, sizeof(why)),
	        OCF_SUCCESS);
	assert_int_equal(active(true, "gcpool"), 1);
	assert_int_equal(active(false, "gcnet"), 1);
	assert_int_equal(run("stop", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);

	/* a pool that does not exist: the start fails, naming it */
	testutil_write(config,
	               XML_HEAD "<uuid>" UUID "</uuid>" XML_BODY
	                        "<devices><disk type='volume'><source pool='nosuchpool' "
	                        "volume='v'/><target dev='vda'/></disk></devices></domain>\n");
	assert_int_equal(
	        run("start", ENV(env_config, "OCF_RESKEY_start_resources=true"), why, sizeof(why)),
	        OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "start_resources: cannot start the storage pool nosuchpool on "
	                            "this node"));
	assert_false(running(NAME));
}

/* ---- save_config_on_stop ---------------------------------------------------------- */

static void
test_save_config_on_stop(void **state)
{
	char why[OCF_REASON_MAX];
	char *text = NULL;
	struct domxml_info info;
	struct stat st;

	(void)state;
	assert_int_equal(chmod(config, 0640), 0);
	assert_int_equal(run("start", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("stop", ENV(env_config, "OCF_RESKEY_save_config_on_stop=true"), why,
	                     sizeof(why)),
	                 OCF_SUCCESS);
	/* the file is libvirt's dump now: same VM, more said, mode kept */
	assert_int_equal(domxml_read_file(config, &text), 0);
	assert_string_not_equal(text, DOMAIN_XML);
	assert_non_null(strstr(text, "<on_poweroff>"));
	assert_int_equal(domxml_parse(text, &info, NULL, 0), 0);
	assert_string_equal(info.name, NAME);
	assert_string_equal(info.uuid, UUID);
	free(text);
	assert_int_equal(stat(config, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	/* it starts from the saved file, and no temporary file is left */
	assert_int_equal(run("start", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("stop", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "ls '%s' | grep -q ferry-", tmp);
		assert_int_not_equal(system(cmd), 0);
	}
}

static void
test_cfgsave_write(void **state)
{
	char path[PATH_MAX];
	char err[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/c.xml", tmp);
	testutil_write(path, "<a/>");
	assert_int_equal(cfgsave_write(path, "<a/>", err, sizeof(err)), 0); /* unchanged */
	assert_int_equal(cfgsave_write(path, "<b/>", err, sizeof(err)), 1);
	{
		/* through a symlink: the link stays, its target gets the text */
		char link[PATH_MAX + 8];
		struct stat st;
		char *text = NULL;

		snprintf(link, sizeof(link), "%s.link", path);
		assert_int_equal(symlink(path, link), 0);
		assert_int_equal(cfgsave_write(link, "<c/>", err, sizeof(err)), 1);
		assert_int_equal(lstat(link, &st), 0);
		assert_true(S_ISLNK(st.st_mode));
		assert_int_equal(domxml_read_file(path, &text), 0);
		assert_string_equal(text, "<c/>");
		free(text);
		unlink(link);
	}
	assert_int_equal(cfgsave_write("/nonexistent/dir/c.xml", "<b/>", err, sizeof(err)),
	                 -ENOENT);
	assert_non_null(strstr(err, "cannot replace /nonexistent/dir/c.xml"));
	unlink(path);
}

/* ---- a config without <uuid> -------------------------------------------------------- */

static void
test_no_uuid(void **state)
{
	char why[OCF_REASON_MAX];
	char env_other[PATH_MAX + 32];
	char other[PATH_MAX];

	(void)state;
	testutil_write(config, NO_UUID_XML);
	/* no domain of that name anywhere: refused, saying how to add one (6) */
	assert_int_equal(run("validate-all", ENV(env_config), why, sizeof(why)),
	                 OCF_ERR_CONFIGURED);
	assert_non_null(strstr(why, "has no <uuid> and no domain of that name is defined or "
	                            "running on this node"));
	assert_non_null(strstr(why, "add a line <uuid>UUID</uuid> after <name>"));
	assert_int_equal(run("start", ENV(env_config), why, sizeof(why)), OCF_ERR_CONFIGURED);
	/* monitor and stop go by name */
	assert_int_equal(run("monitor", ENV(env_config), why, sizeof(why)), OCF_NOT_RUNNING);
	assert_int_equal(run("stop", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);

	/* the test driver's running domain "test": its UUID is taken */
	snprintf(other, sizeof(other), "%s/test.xml", tmp);
	testutil_write(other,
	               "<domain type='test'><name>" TEST_DOM_NAME "</name>" XML_BODY "</domain>\n");
	snprintf(env_other, sizeof(env_other), "OCF_RESKEY_config=%s", other);
	assert_int_equal(run("validate-all", ENV(env_other), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("monitor", ENV(env_other), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("start", ENV(env_other), why, sizeof(why)), OCF_SUCCESS);
	assert_true(running(TEST_DOM_NAME));
}

/* ---- migration_transport=tls: the files ------------------------------------------------ */

static void
test_tlscheck(void **state)
{
	char root[PATH_MAX];
	char what[PATH_MAX + 64];
	char cmd[PATH_MAX * 2];

	(void)state;
	snprintf(root, sizeof(root), "%s/pki", tmp);
	assert_int_equal(tlscheck_missing(root, what, sizeof(what)), -ENOENT);
	assert_non_null(strstr(what, "/etc/pki/CA/cacert.pem: No such file"));
	for (size_t i = 0; tlscheck_files[i] != NULL; i++) {
		char path[PATH_MAX * 2];

		snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s%s')\"", root,
		         tlscheck_files[i]);
		assert_int_equal(system(cmd), 0);
		snprintf(path, sizeof(path), "%s%s", root, tlscheck_files[i]);
		testutil_write(path, "-----BEGIN-----\n");
	}
	assert_int_equal(tlscheck_missing(root, what, sizeof(what)), 0);
	snprintf(cmd, sizeof(cmd), "rm '%s/etc/pki/qemu/server-key.pem'", root);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(tlscheck_missing(root, what, sizeof(what)), -ENOENT);
	assert_non_null(strstr(what, "/etc/pki/qemu/server-key.pem"));
	snprintf(cmd, sizeof(cmd), "mkdir '%s/etc/pki/qemu/server-key.pem'", root);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(tlscheck_missing(root, what, sizeof(what)), -EINVAL);
	assert_non_null(strstr(what, "server-key.pem: not a regular file"));
}

/* ---- migration_transport: libvirt's flags --------------------------------------------------- */

static void
test_migrate_flags(void **state)
{
	char err[VIRT_ERR_MAX] = "";
	struct virt *v = NULL;
	virDomainPtr d = NULL;
	struct virt_migrate_opts o = {.dconnuri = "qemu+ssh://node2/system"};
	const unsigned base = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER;

	(void)state;
	assert_int_equal(virt_open("test:///default", &v, err, sizeof(err)), 0);
	assert_int_equal(virt_lookup(v, "", TEST_DOM_NAME, &d), 0);
	o.data = PARAMS_DATA_PLAIN;
	assert_int_equal(virt_migrate(v, d, &o), 0);
	assert_int_equal(fake_migrate_flags, base);
	o.data = PARAMS_DATA_TLS;
	assert_int_equal(virt_migrate(v, d, &o), 0);
	assert_int_equal(fake_migrate_flags, base | VIR_MIGRATE_TLS);
	o.data = PARAMS_DATA_TUNNELLED;
	assert_int_equal(virt_migrate(v, d, &o), 0);
	assert_int_equal(fake_migrate_flags, base | VIR_MIGRATE_TUNNELLED);
	assert_int_equal(fake_migrate_nparams, 0); /* no migration URI */
	virDomainFree(d);
	virt_close(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_first_line),
	        cmocka_unit_test_setup(test_scripts, setup),
	        cmocka_unit_test_setup(test_monitor_scripts_monitor, setup),
	        cmocka_unit_test_setup(test_monitor_scripts_start_waits, setup),
	        cmocka_unit_test_setup(test_guest_agent_check, setup),
	        cmocka_unit_test_setup(test_shutdown_mode, setup),
	        cmocka_unit_test_setup(test_start_resources, setup),
	        cmocka_unit_test_setup(test_save_config_on_stop, setup),
	        cmocka_unit_test_setup(test_cfgsave_write, setup),
	        cmocka_unit_test_setup(test_no_uuid, setup),
	        cmocka_unit_test_setup(test_tlscheck, setup),
	        cmocka_unit_test_setup(test_migrate_flags, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
