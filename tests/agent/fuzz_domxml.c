/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_domxml.c - libFuzzer target for the agent's domain XML scanner
 * (agents/domxml.c), which reads the config file and the XML embedded in
 * save images: both are files an operator or another node wrote.
 *
 * Any input, as a string: domxml_parse, domxml_image_tag and
 * domxml_uuid_canon must not crash, and what they accept must hold up:
 * terminated names, canonical UUIDs (or none, when the XML has no <uuid>), and an image tag that
 * formats and scans back to the same UUID and generation.
 *
 * Built with --enable-fuzz (clang); test_replay_domxml runs the same
 * function over fuzz/domxml in every "make check".
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_uuid(const char *u)
{
	char again[DOMXML_UUID_LEN + 1];

	if (strlen(u) != DOMXML_UUID_LEN || domxml_uuid_canon(u, again) != 0 ||
	    strcmp(again, u) != 0)
		abort();
}

/* The tag as a save embeds it (libvirt adds our namespace to the element
 * domxml_format_image_tag makes), inside a domain, scanned back. */
static void
check_image_roundtrip(const char *uuid, uint64_t gen)
{
	static const char elem[] = "<" DOMXML_IMAGE_ELEMENT " ";
	char tag[512], xml[1024], u[DOMXML_UUID_LEN + 1];
	uint64_t g = 0;
	int n;

	if (domxml_format_image_tag(uuid, gen, tag, sizeof(tag)) < 0 ||
	    strncmp(tag, elem, sizeof(elem) - 1) != 0)
		abort();
	n = snprintf(xml, sizeof(xml),
	             "<domain><name>x</name><uuid>%s</uuid><metadata><" DOMXML_IMAGE_PREFIX
	             ":" DOMXML_IMAGE_ELEMENT " xmlns:" DOMXML_IMAGE_PREFIX "=\"" DOMXML_IMAGE_NS
	             "\" %s</metadata></domain>",
	             uuid, tag + sizeof(elem) - 1);
	if (n < 0 || (size_t)n >= sizeof(xml))
		abort();
	if (domxml_image_tag(xml, u, &g) != 0 || strcmp(u, uuid) != 0 || g != gen)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct domxml_info info;
	char uuid[DOMXML_UUID_LEN + 1];
	char msg[128];
	uint64_t gen = 0;
	char *text;

	if (size > DOMXML_MAX_BYTES)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	memset(&info, 0, sizeof(info));
	if (domxml_parse(text, &info, msg, sizeof(msg)) == 0) {
		if (strnlen(info.name, sizeof(info.name)) >= sizeof(info.name))
			abort();
		/* without a <uuid> the UUID is empty (the agent asks libvirt) */
		if (info.uuid[0] != '\0')
			check_uuid(info.uuid);
	}
	if (strnlen(msg, sizeof(msg)) >= sizeof(msg))
		abort();
	if (domxml_image_tag(text, uuid, &gen) == 0) {
		check_uuid(uuid);
		check_image_roundtrip(uuid, gen);
	}
	if (domxml_uuid_canon(text, uuid) == 0)
		check_uuid(uuid);
	free(text);
	return 0;
}
