/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * textout.c - bounded text output and JSON strings (textout.h).
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ferry/textout.h"

void
textout_init(struct textout *o, char *buf, size_t len)
{
	o->buf = buf;
	o->len = buf != NULL ? len : 0;
	o->need = 0;
	if (o->len > 0)
		o->buf[0] = '\0';
}

void
textout_printf(struct textout *o, const char *fmt, ...)
{
	va_list ap;
	size_t room = o->need < o->len ? o->len - o->need : 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room > 0 ? o->buf + o->need : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->need += (size_t)n;
}

void
textout_msg(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/*
 * The length of the well-formed UTF-8 sequence at s (at most n bytes) and its
 * code point in *cp, or 0 when s does not start one (a stray continuation
 * byte, an overlong form, a surrogate, beyond U+10FFFF or cut short).
 */
void
textout_clock(int64_t unix_ms, char *buf, size_t len)
{
	time_t t = (time_t)(unix_ms / 1000);
	struct tm tm;

	if (unix_ms <= 0 || localtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static size_t
utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
	static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t len;
	unsigned c;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/*
 * The escape of the character at s (n bytes left) in tmp, or NULL when its
 * one byte stands for itself; *used says how many bytes it took.  Output is
 * ASCII only: json-c 0.18's strict mode refuses any byte above 0x7f inside a
 * string (json-c issue 875), so UTF-8 goes out as \uXXXX (a surrogate pair
 * above U+FFFF) and a byte that is not UTF-8 as U+FFFD.
 */
static const char *
json_escape(const char *s, size_t n, size_t *used, char tmp[16])
{
	unsigned char c = (unsigned char)s[0];
	unsigned cp;

	*used = 1;
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	default:
		break;
	}
	if (c < 0x20 || c == 0x7f) {
		snprintf(tmp, 16, "\\u%04x", c);
		return tmp;
	}
	if (c < 0x80)
		return NULL;
	*used = utf8_seq((const unsigned char *)s, n, &cp);
	if (*used == 0) {
		*used = 1;
		return "\\ufffd";
	}
	if (cp < 0x10000)
		snprintf(tmp, 16, "\\u%04x", cp);
	else
		snprintf(tmp, 16, "\\u%04x\\u%04x", 0xd800 + ((cp - 0x10000) >> 10),
		         0xdc00 + ((cp - 0x10000) & 0x3ff));
	return tmp;
}

void
textout_json_strn(struct textout *o, const char *s, size_t max)
{
	size_t n = strnlen(s, max), used;
	char tmp[16];

	textout_printf(o, "\"");
	for (size_t i = 0; i < n; i += used) {
		const char *e = json_escape(s + i, n - i, &used, tmp);

		if (e != NULL)
			textout_printf(o, "%s", e);
		else
			textout_printf(o, "%c", s[i]);
	}
	textout_printf(o, "\"");
}

void
textout_json_str(struct textout *o, const char *s)
{
	textout_json_strn(o, s, strlen(s));
}

void
json_fputs_str(const char *s, FILE *f)
{
	size_t n = strlen(s), used;
	char tmp[16];

	fputc('"', f);
	for (size_t i = 0; i < n; i += used) {
		const char *e = json_escape(s + i, n - i, &used, tmp);

		if (e != NULL)
			fputs(e, f);
		else
			fputc(s[i], f);
	}
	fputc('"', f);
}
