/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_front.c - libFuzzer target for the front's scanner of libvirt's
 * status file (front_status_parse in agents/front.c), whose answer lets the
 * front report a VM running without asking libvirt.
 *
 * Any input, as a string: no crash, and what it accepts is a terminated
 * state, a positive pid and a canonical UUID.
 *
 * Built with --enable-fuzz (clang); test_replay_front runs the same
 * function over fuzz/front in every "make check".
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "front.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct front_status st;
	char again[DOMXML_UUID_LEN + 1];
	char *text;

	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (front_status_parse(text, &st) == 0) {
		if (strnlen(st.state, sizeof(st.state)) >= sizeof(st.state) || st.pid <= 0 ||
		    strlen(st.uuid) != DOMXML_UUID_LEN || domxml_uuid_canon(st.uuid, again) != 0 ||
		    strcmp(again, st.uuid) != 0)
			abort();
	}
	free(text);
	return 0;
}
