/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * textout.c - bounded text output and JSON strings (textout.h).
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/* The escape of byte c, or NULL when it stands for itself. */
static const char *
json_escape(unsigned char c, char tmp[8])
{
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
		if (c < 0x20 || c == 0x7f) {
			snprintf(tmp, 8, "\\u%04x", c);
			return tmp;
		}
		return NULL;
	}
}

void
textout_json_strn(struct textout *o, const char *s, size_t max)
{
	char tmp[8];

	textout_printf(o, "\"");
	for (size_t i = 0; i < max && s[i] != '\0'; i++) {
		const char *e = json_escape((unsigned char)s[i], tmp);

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
	char tmp[8];

	fputc('"', f);
	for (; *s != '\0'; s++) {
		const char *e = json_escape((unsigned char)*s, tmp);

		if (e != NULL)
			fputs(e, f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}
