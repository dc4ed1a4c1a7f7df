/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ctlcib - ferryctl's CIB reader against a fake libcib (--wrap of
 * cib_new and cib_delete; the fake cib_t's cmds table answers signon, query
 * and signoff with canned CIB XML): the resource found by id and by its
 * config file's domain name, no resource, an unreachable CIB, and values
 * the agent would refuse. */
#include "ctlcib.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testutil.h"

/* ---- the fake libcib ------------------------------------------------------ */

static cib_api_operations_t fake_ops;
static cib_t fake_cib;
static bool fake_oom;
static int signon_rc;          /* what signon returns */
static int query_rc;           /* what query returns */
static const char *answer_xml; /* what a successful query returns */
static int signons, queries, signoffs, deletes;
static char tmpdir[128]; /* short: the canned XML embeds it */

static int
fake_signon(cib_t *cib, const char *name, enum cib_conn_type type)
{
	assert_ptr_equal(cib, &fake_cib);
	assert_string_equal(name, "ferryctl");
	assert_int_equal(type, cib_query);
	signons++;
	return signon_rc;
}

static int
fake_query(cib_t *cib, const char *section, xmlNode **output, int options)
{
	xmlDoc *doc;

	assert_ptr_equal(cib, &fake_cib);
	assert_string_equal(section, "/cib/configuration/resources//primitive[@class='ocf']"
	                             "[@provider='ferry'][@type='vm']");
	assert_true((options & cib_xpath) != 0);
	assert_true((options & cib_sync_call) != 0);
	queries++;
	if (query_rc != pcmk_ok)
		return query_rc;
	/* libxml2 directly: Pacemaker 3.0 has no string2xml() */
	doc = xmlReadMemory(answer_xml, (int)strlen(answer_xml), "answer.xml", NULL,
	                    XML_PARSE_NONET);
	assert_non_null(doc);
	*output = xmlDocGetRootElement(doc);
	assert_non_null(*output);
	return pcmk_ok;
}

static int
fake_signoff(cib_t *cib)
{
	assert_ptr_equal(cib, &fake_cib);
	signoffs++;
	return pcmk_ok;
}

cib_t *__wrap_cib_new(void);
cib_t *
__wrap_cib_new(void)
{
	if (fake_oom)
		return NULL;
	memset(&fake_cib, 0, sizeof(fake_cib));
	memset(&fake_ops, 0, sizeof(fake_ops));
	fake_ops.signon = fake_signon;
	fake_ops.query = fake_query;
	fake_ops.signoff = fake_signoff;
	fake_cib.cmds = &fake_ops;
	return &fake_cib;
}

void __wrap_cib_delete(cib_t *cib);
void
__wrap_cib_delete(cib_t *cib)
{
	assert_ptr_equal(cib, &fake_cib);
	deletes++;
}

/* ---- helpers -------------------------------------------------------------- */

static void
reset_fake(void)
{
	unsetenv("CIB_file");
	unsetenv("CIB_shadow");
	fake_oom = false;
	signon_rc = pcmk_ok;
	query_rc = pcmk_ok;
	answer_xml = NULL;
	signons = queries = signoffs = deletes = 0;
}

static int
setup(void **state)
{
	(void)state;
	reset_fake();
	testutil_tmpdir(tmpdir, sizeof(tmpdir), "ctlcib");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	testutil_rmrf(tmpdir);
	return 0;
}

/* A domain XML named name at tmpdir/file. */
static void
write_domain(const char *file, const char *name)
{
	char path[PATH_MAX + 64];
	char xml[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
	snprintf(xml, sizeof(xml),
	         "<domain type='kvm'>\n  <name>%s</name>\n  <memory unit='KiB'>524288</memory>\n"
	         "</domain>\n",
	         name);
	testutil_write(path, xml);
}

/* The policy read for vm, with warnings and err captured. */
struct run {
	int r;
	struct ctlcib_policy p;
	char err[512];
	char *warn;
};

static void
run(const char *vm, struct run *out)
{
	size_t len = 0;
	FILE *w;

	memset(out, 0, sizeof(*out));
	snprintf(out->p.resource, sizeof(out->p.resource), "untouched");
	w = open_memstream(&out->warn, &len);
	assert_non_null(w);
	out->r = ctlcib_policy_read(vm, &out->p, w, out->err, sizeof(out->err));
	fclose(w);
	/* every path signs off what it signed on, and frees the connection */
	assert_int_equal(deletes, fake_oom ? 0 : 1);
	assert_int_equal(signoffs, queries);
}

static void
run_free(struct run *out)
{
	free(out->warn);
	out->warn = NULL;
}

/* The query's answer: the primitives given, wrapped in <xpath-query> when
 * there are several, as libcib answers.  Each primitive is its id, its
 * "name=value" parameters, then NULL; a second NULL ends the list.  A value
 * "./FILE" names tmpdir/FILE. */
static char answer[8192];

static void
set_answer(const char *id, ...)
{
	size_t o = 0;
	size_t n = 0;
	va_list ap;

	va_start(ap, id);
	for (; id != NULL; id = va_arg(ap, const char *), n++) {
		const char *kv;

		o += (size_t)snprintf(answer + o, sizeof(answer) - o,
		                      "<primitive id='%s' class='ocf' provider='ferry' type='vm'>"
		                      "<instance_attributes id='%s-ia'>",
		                      id, id);
		for (int i = 0; (kv = va_arg(ap, const char *)) != NULL; i++) {
			const char *eq = strchr(kv, '=');
			bool rel;

			assert_non_null(eq);
			rel = strncmp(eq + 1, "./", 2) == 0;
			o += (size_t)snprintf(answer + o, sizeof(answer) - o,
			                      "<nvpair id='%s-%d' name='%.*s' value='%s%s'/>", id,
			                      i, (int)(eq - kv), kv, rel ? tmpdir : "",
			                      rel ? eq + 2 : eq + 1);
		}
		o += (size_t)snprintf(answer + o, sizeof(answer) - o,
		                      "</instance_attributes></primitive>");
		assert_true(o < sizeof(answer));
	}
	va_end(ap);
	if (n > 1) {
		char *copy = strdup(answer);

		assert_non_null(copy);
		snprintf(answer, sizeof(answer), "<xpath-query>%s</xpath-query>", copy);
		free(copy);
	}
	answer_xml = answer;
}

/* ---- tests ---------------------------------------------------------------- */

/* one match: libcib answers with the primitive itself */
static void
test_by_id(void **state)
{
	struct run o;

	(void)state;
	set_answer("web1", "config=/nowhere/web1.xml", "max_downtime_ms=300",
	           "downtime_steps=600, 1200", "save_dir=/shared/save", NULL, NULL);
	run("web1", &o);
	assert_int_equal(o.r, 0);
	assert_string_equal(o.p.resource, "web1");
	assert_true(o.p.has_max_downtime);
	assert_int_equal(o.p.max_downtime_ms, 300);
	assert_true(o.p.has_steps);
	assert_int_equal(o.p.n_downtime_steps, 2);
	assert_int_equal(o.p.downtime_steps_ms[0], 600);
	assert_int_equal(o.p.downtime_steps_ms[1], 1200);
	assert_string_equal(o.p.save_dir, "/shared/save");
	assert_string_equal(o.warn, "");
	assert_int_equal(signons, 1);
	assert_int_equal(queries, 1);
	run_free(&o);
}

/* several matches come wrapped in <xpath-query>; the id wins over a config
 * naming the same VM; unset parameters stay unset */
static void
test_by_id_wrapped(void **state)
{
	struct run o;

	(void)state;
	write_domain("other.xml", "web1");
	set_answer("db", "config=./other.xml", "max_downtime_ms=50", NULL, "web1",
	           "config=/nowhere/web1.xml", "downtime_steps=none", NULL, NULL);
	run("web1", &o);
	assert_int_equal(o.r, 0);
	assert_string_equal(o.p.resource, "web1");
	assert_false(o.p.has_max_downtime);
	assert_true(o.p.has_steps);
	assert_int_equal(o.p.n_downtime_steps, 0);
	assert_string_equal(o.p.save_dir, "");
	run_free(&o);
}

/* no id match: the resource whose config file's <domain><name> is the VM */
static void
test_by_config(void **state)
{
	struct run o;

	(void)state;
	write_domain("a.xml", "db1");
	write_domain("b.xml", "web1");
	set_answer("vm-a", "config=./a.xml", "max_downtime_ms=50", NULL, "vm-c",
	           "config=./missing.xml", NULL, "vm-b", "config=./b.xml", "max_downtime_ms=250",
	           "save_dir=/srv/save", NULL, NULL);
	run("web1", &o);
	assert_int_equal(o.r, 0);
	assert_string_equal(o.p.resource, "vm-b");
	assert_true(o.p.has_max_downtime);
	assert_int_equal(o.p.max_downtime_ms, 250);
	assert_false(o.p.has_steps);
	assert_string_equal(o.p.save_dir, "/srv/save");
	assert_string_equal(o.warn, "");
	run_free(&o);
}

/* sets are read as Pacemaker reads them: the higher score first, first wins */
static void
test_set_scores(void **state)
{
	struct run o;

	(void)state;
	answer_xml = "<primitive id='web1' class='ocf' provider='ferry' type='vm'>"
	             "<instance_attributes id='low' score='1'>"
	             "<nvpair id='l1' name='max_downtime_ms' value='300'/>"
	             "<nvpair id='l2' name='save_dir' value='/low'/>"
	             "</instance_attributes>"
	             "<instance_attributes id='high' score='10'>"
	             "<nvpair id='h1' name='max_downtime_ms' value='500'/>"
	             "</instance_attributes>"
	             "</primitive>";
	run("web1", &o);
	assert_int_equal(o.r, 0);
	assert_int_equal(o.p.max_downtime_ms, 500);
	assert_string_equal(o.p.save_dir, "/low");
	run_free(&o);
}

/* two resources for one VM: the first, with a warning */
static void
test_two_configs_warn(void **state)
{
	struct run o;

	(void)state;
	write_domain("b.xml", "web1");
	set_answer("one", "config=./b.xml", NULL, "two", "config=./b.xml", NULL, NULL);
	run("web1", &o);
	assert_int_equal(o.r, 0);
	assert_string_equal(o.p.resource, "one");
	assert_non_null(strstr(o.warn, "resources one and two both have web1"));
	run_free(&o);
}

/* no resource: nothing matched the XPath, or nothing is the VM's */
static void
test_no_match(void **state)
{
	struct run o;

	(void)state;
	query_rc = -ENXIO;
	run("web1", &o);
	assert_int_equal(o.r, -ENOENT);
	assert_string_equal(o.err, "no ocf:ferry:vm resource for web1 in the CIB");
	assert_string_equal(o.p.resource, "untouched");
	run_free(&o);

	reset_fake();
	write_domain("a.xml", "db1");
	set_answer("db1", "config=./a.xml", NULL, "nocfg", "max_downtime_ms=50", NULL, NULL);
	run("web1", &o);
	assert_int_equal(o.r, -ENOENT);
	assert_string_equal(o.err, "no ocf:ferry:vm resource for web1 in the CIB");
	assert_string_equal(o.p.resource, "untouched");
	run_free(&o);
}

/* a config that cannot be read might have been the VM's: say so */
static void
test_no_match_unreadable(void **state)
{
	char want[1024];
	struct run o;

	(void)state;
	snprintf(want, sizeof(want), "%s/bad.xml", tmpdir);
	testutil_write(want, "<domain><name>web1</domain>");
	set_answer("a", "config=./missing.xml", NULL, "b", "config=./bad.xml", NULL, NULL);
	run("web1", &o);
	assert_int_equal(o.r, -ENOENT);
	snprintf(want, sizeof(want),
	         "no ocf:ferry:vm resource for web1 in the CIB (the config of a, "
	         "%s/missing.xml, cannot be read: No such file or directory; and 1 more)",
	         tmpdir);
	assert_string_equal(o.err, want);
	run_free(&o);
}

/* the CIB cannot be read: -errno, why, and what to do */
static void
test_unreachable(void **state)
{
	struct run o;

	(void)state;
	signon_rc = -ENOTCONN;
	run("web1", &o);
	assert_int_equal(o.r, -ENOTCONN);
	assert_int_equal(queries, 0);
	assert_string_equal(o.err, "cannot read the CIB: Transport endpoint is not connected; "
	                           "is Pacemaker running on this node?");
	assert_string_equal(o.p.resource, "untouched");
	run_free(&o);

	reset_fake();
	signon_rc = -EACCES;
	run("web1", &o);
	assert_int_equal(o.r, -EACCES);
	assert_non_null(strstr(o.err, "run as root or as a member of haclient"));
	run_free(&o);

	/* a Pacemaker-specific code is not an errno: -EIO */
	reset_fake();
	signon_rc = -pcmk_err_schema_validation;
	setenv("CIB_file", "/nowhere/cib.xml", 1);
	run("web1", &o);
	assert_int_equal(o.r, -EIO);
	assert_non_null(strstr(o.err, "; check CIB_file or CIB_shadow"));
	run_free(&o);

	reset_fake();
	query_rc = -ETIME;
	run("web1", &o);
	assert_int_equal(o.r, -ETIME);
	assert_int_equal(signoffs, 1);
	assert_non_null(strstr(o.err, "cannot read the CIB: "));
	run_free(&o);

	reset_fake();
	fake_oom = true;
	run("web1", &o);
	assert_int_equal(o.r, -ENOMEM);
	run_free(&o);
}

/* values the agent refuses: left out with a warning naming resource and
 * parameter; the good ones still apply */
static void
test_unparsable(void **state)
{
	static const char *const bad[] = {
	        "max_downtime_ms=fast", "max_downtime_ms=0",       "max_downtime_ms=60001",
	        "max_downtime_ms=-5",   "max_downtime_ms=100ms",   "downtime_steps=400,200",
	        "downtime_steps=0,100", "downtime_steps=100,,200", "save_dir=relative/dir",
	};
	struct run o;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool is_dir = strncmp(bad[i], "save_dir=", 9) == 0;
		char want[128];

		reset_fake();
		set_answer("web1", bad[i], is_dir ? "max_downtime_ms=200" : "save_dir=/good", NULL,
		           NULL);
		run("web1", &o);
		assert_int_equal(o.r, 0);
		snprintf(want, sizeof(want), "ferryctl: warning: resource web1: %s is ", bad[i]);
		if (strncmp(o.warn, want, strlen(want)) != 0)
			fail_msg("%s: got warning '%s'", bad[i], o.warn);
		assert_non_null(strstr(o.warn, "the agent refuses too"));
		assert_false(o.p.has_steps);
		if (is_dir) {
			assert_string_equal(o.p.save_dir, "");
			assert_true(o.p.has_max_downtime);
			assert_int_equal(o.p.max_downtime_ms, 200);
		} else {
			assert_false(o.p.has_max_downtime);
			assert_string_equal(o.p.save_dir, "/good");
		}
		run_free(&o);
	}
}

/* an empty value is unset, as the agent reads an empty OCF_RESKEY_ */
static void
test_empty_is_unset(void **state)
{
	struct run o;

	(void)state;
	set_answer("web1", "max_downtime_ms=", "save_dir=", NULL, NULL);
	run("web1", &o);
	assert_int_equal(o.r, 0);
	assert_false(o.p.has_max_downtime);
	assert_string_equal(o.p.save_dir, "");
	assert_string_equal(o.warn, "");
	run_free(&o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_by_id, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_by_id_wrapped, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_by_config, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_set_scores, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_two_configs_warn, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_no_match, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_no_match_unreadable, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unreachable, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unparsable, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_empty_is_unset, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
