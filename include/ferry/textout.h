/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * textout.h - bounded text output with snprintf's contract, and the one way
 * ferry writes a JSON string.
 *
 * A struct textout writes into buf (len bytes, always NUL-terminated when len
 * > 0) and counts in need the bytes the whole text takes, written or not:
 * need >= len means it did not fit, and need + 1 is the size that would.
 * predict's and calibrate's formatters, the move records and ferryctl's
 * --json all escape JSON strings the same way: '"' and '\' escaped, \n \r \t
 * \b \f in their short forms, every other byte below 0x20 and 0x7f as
 * \u00XX, UTF-8 as \uXXXX (a surrogate pair above U+FFFF) and a byte that is
 * not UTF-8 as \ufffd: the output is ASCII, which every json-c reads.
 */
#ifndef FERRY_TEXTOUT_H
#define FERRY_TEXTOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct textout {
	char *buf;
	size_t len;
	size_t need;
};

/* buf may be NULL with len 0: only counts. */
void textout_init(struct textout *o, char *buf, size_t len);
__attribute__((format(printf, 2, 3))) void textout_printf(struct textout *o, const char *fmt, ...);
/* A message into a caller's buffer (buf, len as snprintf's, cut to fit);
 * nothing when buf is NULL or len is 0: for functions that explain an error
 * in an optional char *err, size_t err_len. */
__attribute__((format(printf, 3, 4))) void textout_msg(char *buf, size_t len, const char *fmt, ...);
/* unix_ms as local "YYYY-MM-DD HH:MM:SS" in buf, or "-" when it is not set
 * (<= 0) or cannot be converted (ferryctl's one clock format). */
void textout_clock(int64_t unix_ms, char *buf, size_t len);
/* s as a quoted JSON string; at most max bytes of s (stops at its NUL). */
void textout_json_strn(struct textout *o, const char *s, size_t max);
void textout_json_str(struct textout *o, const char *s);
/* s as a quoted JSON string on a stream. */
void json_fputs_str(const char *s, FILE *f);

#endif
