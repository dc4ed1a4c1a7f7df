/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_importplan - `ferryctl import`'s decisions (tools/importplan.c) on a
 * recorded CIB (import/cib.xml): the resources it refuses and why, the new
 * primitive (same id, attributes and meta, ocf:ferry:vm), the --all
 * selection, where the resource runs against where ferryctl runs, ferryd on
 * every node, the UUID put into a config, and the dry run's text (golden:
 * import/web1.dryrun.expect; FERRY_GOLDEN_UPDATE=1 rewrites it). */
#include "importplan.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <glib.h>

static xmlDoc *cib;
static char err[1024];

static char *
srcpath(const char *name)
{
	const char *src = getenv("top_srcdir");
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/tests/daemon/import/%s", src != NULL ? src : "../..", name);
	return buf;
}

static int
setup(void **state)
{
	(void)state;
	cib = xmlReadFile(srcpath("cib.xml"), NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	return cib != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	xmlFreeDoc(cib);
	return 0;
}

static int
read_one(const char *id, struct importplan *p)
{
	err[0] = '\0';
	return importplan_read(cib, id, p, err, sizeof(err));
}

static void
test_translation_keeps_everything(void **state)
{
	struct importplan p;

	(void)state;
	assert_int_equal(read_one("web1", &p), 0);
	assert_string_equal(p.id, "web1");
	assert_string_equal(p.config, "/shared/vms/web1.xml");
	assert_string_equal(p.hypervisor, "qemu:///system");
	assert_true(p.ledger);
	assert_false(p.has_managed);
	assert_string_equal(p.parent, "");
	assert_int_equal(p.n_attrs, 4);
	assert_string_equal(p.attrs[3].name, "migration_downtime"); /* kept: the agent translates */
	assert_string_equal(p.attrs[3].value, "300");
	assert_non_null(strstr(p.old_xml, "provider=\"heartbeat\" type=\"VirtualDomain\""));
	assert_non_null(strstr(
	        p.new_xml, "<primitive id=\"web1\" class=\"ocf\" provider=\"ferry\" type=\"vm\">"));
	assert_non_null(strstr(p.new_xml, "name=\"migration_downtime\" value=\"300\""));
	assert_non_null(strstr(p.new_xml, "name=\"allow-migrate\" value=\"true\""));
	assert_non_null(strstr(p.new_xml, "<op id=\"web1-migrate_to\""));
	importplan_clear(&p);
}

static void
test_group_member_and_meta(void **state)
{
	struct importplan p;

	(void)state;
	assert_int_equal(read_one("web2", &p), 0);
	assert_string_equal(p.parent, "g");
	assert_false(p.ledger);
	assert_true(p.has_managed);
	assert_string_equal(p.managed, "true");
	assert_string_equal(p.hypervisor, "");
	importplan_clear(&p);
}

/* A probe in flight (a node that joined checks every resource) is told apart
 * from other operations: ferryctl import waits for it instead of refusing. */
static void
test_probe_in_flight(void **state)
{
	xmlXPathObject *obj = NULL;
	xmlNodeSet *set;
	struct importplan p;

	(void)state;
	set = importplan_xpath(cib, "//node_state[@uname='node2']//lrm_rsc_op[@id='web1_last_0']",
	                       &obj);
	assert_non_null(set);
	assert_int_equal(set->nodeNr, 1);
	xmlSetProp(set->nodeTab[0], BAD_CAST "op-status", BAD_CAST "-1");
	assert_int_equal(read_one("web1", &p), -EINPROGRESS);
	assert_string_equal(err, "resource web1: its probe is in progress on node2 (a node that "
	                         "joins checks every resource)");
	xmlSetProp(set->nodeTab[0], BAD_CAST "op-status", BAD_CAST "0");
	xmlXPathFreeObject(obj);
	assert_int_equal(read_one("web1", &p), 0);
	importplan_clear(&p);
}

static void
test_refusals(void **state)
{
	struct importplan p;

	(void)state;
	assert_int_equal(read_one("nope", &p), -ENOENT);
	assert_non_null(strstr(err, "no primitive nope"));
	assert_int_equal(read_one("dummy", &p), -EINVAL);
	assert_non_null(strstr(
	        err, "resource dummy is ocf:heartbeat:Dummy, not ocf:heartbeat:VirtualDomain"));
	assert_int_equal(read_one("fvm", &p), -EALREADY);
	assert_non_null(strstr(err, "ocf:ferry:vm already"));
	assert_int_equal(read_one("web4", &p), -EBUSY);
	assert_string_equal(err, "resource web4: migrate_to (a migration) is in progress on node1; "
	                         "wait until it is over (crm_mon) and run ferryctl import again");
	assert_int_equal(read_one("web5", &p), -ENOTSUP);
	assert_non_null(strstr(err, "inside clone vdc"));
	assert_int_equal(read_one("web6", &p), -ENOTSUP);
	assert_non_null(strstr(err, "have a rule"));
}

static void
test_select_all(void **state)
{
	char **ids = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(importplan_select_all(cib, &ids, &n), 0);
	assert_int_equal(n, 6);
	assert_string_equal(ids[0], "web1");
	assert_string_equal(ids[1], "web2");
	assert_string_equal(ids[2], "web3");
	assert_string_equal(ids[3], "web4");
	assert_string_equal(ids[4], "web5");
	assert_string_equal(ids[5], "web6");
	importplan_ids_free(ids, n);
}

static void
test_nodes(void **state)
{
	const char *one[] = {"node1"};
	const char *two[] = {"node1", "node2"};

	(void)state;
	assert_int_equal(importplan_check_nodes("web1", one, 1, "node1", err, sizeof(err)), 0);
	assert_int_equal(importplan_check_nodes("web3", one, 0, "node1", err, sizeof(err)), -ESRCH);
	assert_non_null(strstr(err, "resource web3 is not running"));
	assert_int_equal(importplan_check_nodes("web1", two, 2, "node1", err, sizeof(err)), -EBUSY);
	assert_non_null(strstr(err, "active on 2 nodes (node1, node2)"));
	assert_int_equal(importplan_check_nodes("web1", one, 1, "node2", err, sizeof(err)),
	                 -EREMOTE);
	assert_non_null(
	        strstr(err, "runs on node1, not here (node2): run ferryctl import on node1"));
}

static void
test_ferryd(void **state)
{
	struct {
		struct ferry_ipc_status_rsp s;
	} st;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.s.n_nodes = 3;
	st.s.quorate = 1;
	st.s.synced = 1;
	for (int i = 0; i < 3; i++) {
		st.s.nodes[i].nodeid = (uint32_t)i + 1;
		snprintf(st.s.nodes[i].name, sizeof(st.s.nodes[i].name), "node%d", i + 1);
		st.s.nodes[i].member = 1;
	}
	assert_int_equal(importplan_check_ferryd(&st.s, err, sizeof(err)), 0);
	st.s.nodes[2].member = 0;
	assert_int_equal(importplan_check_ferryd(&st.s, err, sizeof(err)), -EAGAIN);
	assert_non_null(strstr(err, "ferryd is not running on every node (not a member: node3)"));
	st.s.nodes[2].member = 1;
	st.s.synced = 0;
	assert_int_equal(importplan_check_ferryd(&st.s, err, sizeof(err)), -EAGAIN);
	assert_non_null(strstr(err, "still syncing"));
}

static void
test_add_uuid(void **state)
{
	const char *u = "6f1b2c3d-0000-4000-8000-000000000001";
	char *out = NULL;

	(void)state;
	assert_int_equal(importplan_add_uuid("<domain type='qemu'>\n  <name>web1</name>\n  "
	                                     "<memory unit='MiB'>128</memory>\n</domain>\n",
	                                     u, &out),
	                 0);
	assert_string_equal(out, "<domain type='qemu'>\n  <name>web1</name>\n  <uuid>"
	                         "6f1b2c3d-0000-4000-8000-000000000001</uuid>\n  "
	                         "<memory unit='MiB'>128</memory>\n</domain>\n");
	free(out);
	assert_int_equal(
	        importplan_add_uuid("<domain><name>a</name><uuid>x</uuid></domain>", u, &out),
	        -EEXIST);
	assert_int_equal(importplan_add_uuid("<domain></domain>", u, &out), -EBADMSG);
}

static void
test_dry_run_golden(void **state)
{
	struct importplan p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	gchar *expect = NULL;

	(void)state;
	assert_non_null(f);
	assert_int_equal(read_one("web1", &p), 0);
	importplan_print(f, &p, "node1", "web1", "6f1b2c3d-0000-4000-8000-000000000001", true);
	fclose(f);
	importplan_clear(&p);
	if (getenv("FERRY_GOLDEN_UPDATE") != NULL)
		assert_true(g_file_set_contents(srcpath("web1.dryrun.expect"), buf, -1, NULL));
	assert_true(g_file_get_contents(srcpath("web1.dryrun.expect"), &expect, NULL, NULL));
	assert_string_equal(buf, expect);
	g_free(expect);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_translation_keeps_everything),
	        cmocka_unit_test(test_group_member_and_meta),
	        cmocka_unit_test(test_refusals),
	        cmocka_unit_test(test_probe_in_flight),
	        cmocka_unit_test(test_select_all),
	        cmocka_unit_test(test_nodes),
	        cmocka_unit_test(test_ferryd),
	        cmocka_unit_test(test_add_uuid),
	        cmocka_unit_test(test_dry_run_golden),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
