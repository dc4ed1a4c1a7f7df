/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* numparse.c - strict unsigned decimals: digits only, no sign, no junk, no overflow. */
#include <config.h>

#include <errno.h>
#include <stdint.h>

#include "ferry/numparse.h"

int
ferry_parse_u64(const char *text, uint64_t *ret)
{
	uint64_t v = 0;
	const char *s;

	if (text[0] == '\0')
		return -EINVAL;
	for (s = text; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return -EINVAL;
	for (s = text; *s != '\0'; s++) {
		uint64_t d = (uint64_t)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

int
ferry_parse_u32_range(const char *text, uint32_t min, uint32_t max, uint32_t *ret)
{
	uint64_t v;
	int r;

	r = ferry_parse_u64(text, &v);
	if (r < 0)
		return r;
	if (v < min || v > max)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}
