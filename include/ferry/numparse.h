/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * numparse.h - strict unsigned decimals, as parameters and config files
 * spell them: digits only (leading zeros allowed), no sign, no spaces, no
 * trailing junk, no overflow.  "+1", " 1", "1 ", "0x10" and "" are refused.
 */
#ifndef FERRY_NUMPARSE_H
#define FERRY_NUMPARSE_H

#include <stdint.h>

/* 0 and *ret; -EINVAL when text is not digits only, -ERANGE when it does not
 * fit in 64 bits.  *ret is written only on success. */
int ferry_parse_u64(const char *text, uint64_t *ret);

/* As ferry_parse_u64, and -ERANGE unless min <= value <= max. */
int ferry_parse_u32_range(const char *text, uint32_t min, uint32_t max, uint32_t *ret);

#endif
