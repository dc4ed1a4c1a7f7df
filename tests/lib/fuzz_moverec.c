/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_moverec - libFuzzer target (./configure --enable-fuzz CC=clang).
 * Any line: moverec_parse must not crash; what it accepts must survive
 * format -> parse unchanged.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/moverec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct move_record r, again;
	char line[MOVEREC_MAX_LINE * 2];
	char *text;
	int n;

	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (moverec_parse(text, &r) == 0) {
		n = moverec_format(&r, line, sizeof(line));
		if (n < 0 || moverec_parse(line, &again) != 0 || memcmp(&r, &again, sizeof(r)) != 0)
			abort();
	}
	free(text);
	return 0;
}
