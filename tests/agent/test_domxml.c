/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_domxml.c - reading name/UUID/memory from domain XML, the image tag. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domxml.h"
#include "testutil.h"

#define UUID "11111111-2222-3333-4444-555555555555"

static const char good[] =
        "<?xml version='1.0'?>\n"
        "<!-- a comment with <tags> -->\n"
        "<domain type='kvm' xmlns:qemu=\"http://libvirt.org/schemas/domain/qemu/1.0\">\n"
        "  <name> web&amp;1 </name>\n"
        "  <uuid>11111111-2222-3333-4444-555555555555</uuid>\n"
        "  <memory unit='MiB'>512</memory>\n"
        "  <currentMemory unit='KiB'>262144</currentMemory>\n"
        "  <vcpu placement='static'>2</vcpu>\n"
        "  <devices><disk type='file'><source file='/x'/></disk>\n"
        "    <console><target><name>not the domain name</name></target></console></devices>\n"
        "  <description><![CDATA[ <name>fake</name> ]]></description>\n"
        "</domain>\n";

static void
test_good(void **state)
{
	struct domxml_info info;
	char msg[128];

	(void)state;
	assert_int_equal(domxml_parse(good, &info, msg, sizeof(msg)), 0);
	assert_string_equal(info.name, "web&1");
	assert_string_equal(info.uuid, UUID);
	assert_int_equal(info.memory_kib, 262144);
	assert_int_equal(info.vcpus, 2);
}

static void
test_uuid_forms(void **state)
{
	char out[DOMXML_UUID_LEN + 1];

	(void)state;
	assert_int_equal(domxml_uuid_canon("11111111222233334444555555555555", out), 0);
	assert_string_equal(out, UUID);
	assert_int_equal(domxml_uuid_canon("ABCDEF01-2222-3333-4444-555555555555", out), 0);
	assert_string_equal(out, "abcdef01-2222-3333-4444-555555555555");
	assert_int_equal(domxml_uuid_canon("1111-11112222-3333-4444-555555555555", out), -EINVAL);
	assert_int_equal(domxml_uuid_canon("xyz", out), -EINVAL);
	assert_int_equal(domxml_uuid_canon("", out), -EINVAL);
}

static void
expect_parse(const char *xml, int err, const char *needle)
{
	struct domxml_info info;
	char msg[128];
	int r = domxml_parse(xml, &info, msg, sizeof(msg));

	if (r != err || strstr(msg, needle) == NULL)
		fail_msg("%s: got %d '%s', want %d '%s'", xml, r, msg, err, needle);
}

/* No <uuid>: parsed, the UUID left empty for the agent to find; and the
 * helpers for it and for start_resources. */
static void
test_no_uuid(void **state)
{
	struct domxml_info info;
	char names[4][DOMXML_NAME_MAX];
	char *out = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(domxml_parse("<domain><name>a</name></domain>", &info, NULL, 0), 0);
	assert_string_equal(info.name, "a");
	assert_string_equal(info.uuid, "");
	assert_int_equal(domxml_add_uuid("<domain><name>a</name></domain>", UUID, &out), 0);
	assert_int_equal(domxml_parse(out, &info, NULL, 0), 0);
	assert_string_equal(info.uuid, UUID);
	free(out);
	assert_int_equal(domxml_add_uuid("<domain/>", UUID, &out), -EINVAL);
	assert_int_equal(domxml_add_uuid("<?xml version='1.0'?>\n<domain type='kvm'>\n"
	                                 "<metadata><x:name xmlns:x='urn:x'>b</x:name></metadata>"
	                                 "<name>a</name></domain>",
	                                 UUID, &out),
	                 0);
	assert_int_equal(domxml_parse(out, &info, NULL, 0), 0);
	assert_string_equal(info.name, "a");
	assert_string_equal(info.uuid, UUID);
	free(out);

	assert_int_equal(domxml_attr_values("<domain><disk type='volume'><source pool='p1' "
	                                    "volume='v'/></disk><disk><source pool=\"p2\"/>"
	                                    "</disk><disk><source pool='p1'/></disk>"
	                                    "<interface type='network'><source network='net0'/>"
	                                    "</interface><x storagepool='no'/></domain>",
	                                    "pool", names, 4, &n),
	                 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "p1");
	assert_string_equal(names[1], "p2");
	assert_int_equal(
	        domxml_attr_values("<a network='n1'/><b network='n2'/>", "network", names, 1, &n),
	        -E2BIG);
}

static void
test_bad(void **state)
{
	(void)state;
	expect_parse("", -EBADMSG, "no root element");
	expect_parse("not xml at all", -EBADMSG, "text outside the root element");
	expect_parse("<domain><name>a</name>", -EBADMSG, "unclosed element");
	expect_parse("<domain><name>a</nam></domain>", -EBADMSG, "mismatched end tag");
	expect_parse("<domain a=b></domain>", -EBADMSG, "bad attributes");
	expect_parse("<domain a='b></domain>", -EBADMSG, "unterminated start tag");
	expect_parse("<domain/><domain/>", -EBADMSG, "second root element");
	expect_parse("<network><name>a</name><uuid>" UUID "</uuid></network>", -EBADMSG,
	             "root element is not <domain>");
	expect_parse("<domain><uuid>" UUID "</uuid></domain>", -ENODATA, "no <name>");
	expect_parse("<domain><name>a</name><uuid>1234</uuid></domain>", -EINVAL, "is not a UUID");
	expect_parse("<domain><name>a</name><uuid>" UUID "</uuid><memory>lots</memory></domain>",
	             -EINVAL, "bad <memory>");
	expect_parse("<domain><name>a</name><uuid>" UUID
	             "</uuid><memory unit='parsecs'>1</memory></domain>",
	             -EINVAL, "bad <memory>");
	expect_parse("<domain><name>a</name><uuid>" UUID "</uuid><vcpu>0</vcpu></domain>", -EINVAL,
	             "bad <vcpu>");
	expect_parse("<domain><name>a&bogus;</name><uuid>" UUID "</uuid></domain>", -EINVAL,
	             "bad entity");
	expect_parse("<domain><!-- unterminated </domain>", -EBADMSG, "unterminated markup");
}

static void
test_memory_units(void **state)
{
	struct domxml_info info;

	(void)state;
	assert_int_equal(domxml_parse("<domain><name>a</name><uuid>" UUID
	                              "</uuid><memory unit='GiB'>2</memory></domain>",
	                              &info, NULL, 0),
	                 0);
	assert_int_equal(info.memory_kib, 2 * 1024 * 1024);
	assert_int_equal(domxml_parse("<domain><name>a</name><uuid>" UUID
	                              "</uuid><memory>1024</memory></domain>",
	                              &info, NULL, 0),
	                 0);
	assert_int_equal(info.memory_kib, 1024);
}

static void
test_image_tag(void **state)
{
	/* as virDomainSaveImageGetXMLDesc prints it */
	static const char img[] =
	        "<domain type='kvm'>\n  <name>web1</name>\n  <uuid>" UUID "</uuid>\n"
	        "  <metadata>\n"
	        "    <other:image xmlns:other=\"https://example.org/other\" uuid=\"x\" "
	        "generation=\"9\"/>\n"
	        "    <ferry:image xmlns:ferry=\"https://ferry.invalid/xmlns/image/1\" uuid=\"" UUID
	        "\" generation=\"42\"/>\n"
	        "  </metadata>\n</domain>\n";
	static const char none[] = "<domain><name>a</name><uuid>" UUID "</uuid></domain>";
	static const char bad_gen[] =
	        "<domain><metadata><f:image xmlns:f='https://ferry.invalid/xmlns/image/1' "
	        "uuid='" UUID "' generation='-1'/></metadata></domain>";
	char uuid[DOMXML_UUID_LEN + 1];
	uint64_t gen = 0;
	char tag[128];

	(void)state;
	assert_int_equal(domxml_image_tag(img, uuid, &gen), 0);
	assert_string_equal(uuid, UUID);
	assert_int_equal(gen, 42);
	assert_int_equal(domxml_image_tag(none, uuid, &gen), -ENOENT);
	assert_int_equal(domxml_image_tag(bad_gen, uuid, &gen), -EINVAL);
	assert_int_equal(domxml_image_tag("<domain>", uuid, &gen), -EBADMSG);

	assert_int_equal(domxml_format_image_tag(UUID, 7, tag, sizeof(tag)), 0);
	assert_string_equal(tag, "<image uuid=\"" UUID "\" generation=\"7\"/>");
	assert_int_equal(domxml_format_image_tag(UUID, 7, tag, 10), -ENAMETOOLONG);
}

static void
test_read_file(void **state)
{
	char dir[PATH_MAX];
	char path[PATH_MAX + 16];
	char *text = NULL;

	(void)state;
	testutil_tmpdir(dir, sizeof(dir), "domxml");
	snprintf(path, sizeof(path), "%s/dom.xml", dir);
	testutil_write(path, good);
	assert_int_equal(domxml_read_file(path, &text), 0);
	assert_string_equal(text, good);
	free(text);
	assert_int_equal(domxml_read_file(dir, &text), -EINVAL);
	snprintf(path, sizeof(path), "%s/missing.xml", dir);
	assert_int_equal(domxml_read_file(path, &text), -ENOENT);
	testutil_rmrf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_good),         cmocka_unit_test(test_uuid_forms),
	        cmocka_unit_test(test_bad),          cmocka_unit_test(test_no_uuid),
	        cmocka_unit_test(test_memory_units), cmocka_unit_test(test_image_tag),
	        cmocka_unit_test(test_read_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
