/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* domxml.c - strict little XML scanner for libvirt domain XML. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry/fileio.h"
#include "ferry/numparse.h"
#include "domxml.h"

#define DOMXML_MAX_DEPTH 64
#define DOMXML_MAX_TAG   128

enum domxml_ev_type {
	DOMXML_EV_START,
	DOMXML_EV_TEXT,
	DOMXML_EV_END,
};

struct domxml_ev {
	enum domxml_ev_type type;
	int depth;        /* element depth (root = 0); for text, the enclosing element's */
	const char *name; /* element (for text: the enclosing element) */
	const char *attrs;
	size_t attrs_len;
	const char *text;
	size_t text_len;
};

typedef int (*domxml_cb)(const struct domxml_ev *ev, void *ud);

static void domxml_msg(char *msg, size_t len, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void
domxml_msg(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (msg == NULL || len == 0 || msg[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
}

static bool
domxml_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == ':' || c == '.' || c == '-';
}

static size_t
domxml_line(const char *start, const char *at)
{
	size_t line = 1;

	for (const char *c = start; c < at; c++)
		line += *c == '\n';
	return line;
}

/* Skips `<?...?>`, `<!--...-->`, `<!DOCTYPE ...>`; returns the position after, or NULL. */
static const char *
domxml_skip_special(const char *p)
{
	const char *e;

	if (strncmp(p, "<?", 2) == 0) {
		e = strstr(p + 2, "?>");
		return e == NULL ? NULL : e + 2;
	}
	if (strncmp(p, "<!--", 4) == 0) {
		e = strstr(p + 4, "-->");
		return e == NULL ? NULL : e + 3;
	}
	if (strncmp(p, "<!DOCTYPE", 9) == 0) {
		e = strchr(p, '>');
		return e == NULL ? NULL : e + 1;
	}
	return NULL;
}

/* Checks the attribute list syntax: name="v" or name='v', separated by space. */
static bool
domxml_attrs_ok(const char *a, size_t len)
{
	const char *end = a + len;

	while (a < end) {
		const char *q;

		if (isspace((unsigned char)*a)) {
			a++;
			continue;
		}
		if (!domxml_name_char(*a))
			return false;
		while (a < end && domxml_name_char(*a))
			a++;
		while (a < end && isspace((unsigned char)*a))
			a++;
		if (a >= end || *a != '=')
			return false;
		a++;
		while (a < end && isspace((unsigned char)*a))
			a++;
		if (a >= end || (*a != '"' && *a != '\''))
			return false;
		q = memchr(a + 1, *a, (size_t)(end - a - 1));
		if (q == NULL || memchr(a + 1, '<', (size_t)(q - a - 1)) != NULL)
			return false;
		a = q + 1;
		if (a < end && !isspace((unsigned char)*a))
			return false;
	}
	return true;
}

static int
domxml_walk(const char *xml, domxml_cb cb, void *ud, char *msg, size_t msg_len)
{
	char stack[DOMXML_MAX_DEPTH][DOMXML_MAX_TAG];
	int depth = 0;
	bool seen_root = false;
	const char *p = xml;
	int r;

	while (*p != '\0') {
		if (*p != '<') {
			const char *t = p;

			while (*p != '\0' && *p != '<')
				p++;
			if (depth == 0) {
				for (const char *c = t; c < p; c++) {
					if (!isspace((unsigned char)*c)) {
						domxml_msg(
						        msg, msg_len,
						        "text outside the root element at line %zu",
						        domxml_line(xml, c));
						return -EBADMSG;
					}
				}
				continue;
			}
			struct domxml_ev ev = {.type = DOMXML_EV_TEXT,
			                       .depth = depth - 1,
			                       .name = stack[depth - 1],
			                       .text = t,
			                       .text_len = (size_t)(p - t)};
			r = cb(&ev, ud);
			if (r != 0)
				return r;
			continue;
		}
		if (strncmp(p, "<![CDATA[", 9) == 0) {
			const char *e = strstr(p + 9, "]]>");

			if (e == NULL || depth == 0) {
				domxml_msg(msg, msg_len, "bad CDATA section at line %zu",
				           domxml_line(xml, p));
				return -EBADMSG;
			}
			struct domxml_ev ev = {.type = DOMXML_EV_TEXT,
			                       .depth = depth - 1,
			                       .name = stack[depth - 1],
			                       .text = p + 9,
			                       .text_len = (size_t)(e - p - 9)};
			r = cb(&ev, ud);
			if (r != 0)
				return r;
			p = e + 3;
			continue;
		}
		if (p[1] == '?' || p[1] == '!') {
			const char *n = domxml_skip_special(p);

			if (n == NULL) {
				domxml_msg(msg, msg_len, "unterminated markup at line %zu",
				           domxml_line(xml, p));
				return -EBADMSG;
			}
			p = n;
			continue;
		}
		if (p[1] == '/') {
			const char *n = p + 2;
			size_t nlen;

			while (domxml_name_char(*n))
				n++;
			nlen = (size_t)(n - p - 2);
			while (isspace((unsigned char)*n))
				n++;
			if (*n != '>' || depth == 0 || nlen != strlen(stack[depth - 1]) ||
			    strncmp(p + 2, stack[depth - 1], nlen) != 0) {
				domxml_msg(msg, msg_len, "mismatched end tag at line %zu",
				           domxml_line(xml, p));
				return -EBADMSG;
			}
			depth--;
			struct domxml_ev ev = {
			        .type = DOMXML_EV_END, .depth = depth, .name = stack[depth]};
			r = cb(&ev, ud);
			if (r != 0)
				return r;
			p = n + 1;
			continue;
		}
		/* start tag */
		const char *n = p + 1;
		const char *a;
		const char *gt;
		size_t nlen;
		bool empty;

		while (domxml_name_char(*n))
			n++;
		nlen = (size_t)(n - p - 1);
		if (nlen == 0 || nlen >= DOMXML_MAX_TAG) {
			domxml_msg(msg, msg_len, "bad element name at line %zu",
			           domxml_line(xml, p));
			return -EBADMSG;
		}
		if (depth == 0 && seen_root) {
			domxml_msg(msg, msg_len, "second root element at line %zu",
			           domxml_line(xml, p));
			return -EBADMSG;
		}
		if (depth >= DOMXML_MAX_DEPTH) {
			domxml_msg(msg, msg_len, "elements nested too deeply at line %zu",
			           domxml_line(xml, p));
			return -EBADMSG;
		}
		a = n;
		/* find the closing '>' outside quotes */
		gt = a;
		{
			char q = '\0';

			while (*gt != '\0' && (q != '\0' || *gt != '>')) {
				if (q == '\0' && (*gt == '"' || *gt == '\''))
					q = *gt;
				else if (q != '\0' && *gt == q)
					q = '\0';
				gt++;
			}
		}
		if (*gt != '>') {
			domxml_msg(msg, msg_len, "unterminated start tag at line %zu",
			           domxml_line(xml, p));
			return -EBADMSG;
		}
		empty = gt > a && gt[-1] == '/';
		if (!domxml_attrs_ok(a, (size_t)(gt - a) - (empty ? 1u : 0u)) ||
		    (a < gt - (empty ? 1 : 0) && !isspace((unsigned char)*a))) {
			domxml_msg(msg, msg_len, "bad attributes at line %zu", domxml_line(xml, p));
			return -EBADMSG;
		}
		memcpy(stack[depth], p + 1, nlen);
		stack[depth][nlen] = '\0';
		seen_root = true;
		struct domxml_ev ev = {.type = DOMXML_EV_START,
		                       .depth = depth,
		                       .name = stack[depth],
		                       .attrs = a,
		                       .attrs_len = (size_t)(gt - a) - (empty ? 1u : 0u)};
		r = cb(&ev, ud);
		if (r != 0)
			return r;
		if (empty) {
			struct domxml_ev end = {
			        .type = DOMXML_EV_END, .depth = depth, .name = stack[depth]};
			r = cb(&end, ud);
			if (r != 0)
				return r;
		} else {
			depth++;
		}
		p = gt + 1;
	}
	if (depth != 0 || !seen_root) {
		domxml_msg(msg, msg_len, "%s",
		           seen_root ? "unclosed element at end of file" : "no root element");
		return -EBADMSG;
	}
	return 0;
}

/* Value of attribute `name` in an attribute list, entity-free.  0 or -ENOENT. */
static int
domxml_attr(const char *a, size_t len, const char *name, char *buf, size_t buf_len)
{
	const char *end = a + len;
	size_t nlen = strlen(name);

	while (a < end) {
		const char *n;
		const char *q;

		while (a < end && isspace((unsigned char)*a))
			a++;
		n = a;
		while (a < end && domxml_name_char(*a))
			a++;
		bool match = (size_t)(a - n) == nlen && strncmp(n, name, nlen) == 0;
		while (a < end && *a != '"' && *a != '\'')
			a++;
		if (a >= end)
			break;
		q = memchr(a + 1, *a, (size_t)(end - a - 1));
		if (q == NULL)
			break;
		if (match) {
			size_t vlen = (size_t)(q - a - 1);

			if (vlen >= buf_len)
				return -ENAMETOOLONG;
			memcpy(buf, a + 1, vlen);
			buf[vlen] = '\0';
			return 0;
		}
		a = q + 1;
	}
	return -ENOENT;
}

/* Appends text with the five predefined entities decoded and outer space trimmed later. */
static int
domxml_append_text(char *dst, size_t len, const char *t, size_t tlen)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = {
	        {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
	size_t o = strlen(dst);

	for (size_t i = 0; i < tlen; i++) {
		char c = t[i];

		if (c == '&') {
			size_t k;

			for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
				size_t el = strlen(ents[k].ent);

				if (tlen - i >= el && strncmp(t + i, ents[k].ent, el) == 0) {
					c = ents[k].c;
					i += el - 1;
					break;
				}
			}
			if (k == sizeof(ents) / sizeof(ents[0]))
				return -EINVAL;
		}
		if (o + 1 >= len)
			return -ENAMETOOLONG;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return 0;
}

static void
domxml_trim(char *s)
{
	size_t n = strlen(s);
	size_t i = 0;

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, n - i + 1);
}

int
domxml_uuid_canon(const char *in, char out[DOMXML_UUID_LEN + 1])
{
	char hex[33];
	size_t h = 0;

	for (const char *c = in; *c != '\0'; c++) {
		if (*c == '-')
			continue;
		if (!isxdigit((unsigned char)*c) || h >= 32)
			return -EINVAL;
		hex[h++] = (char)tolower((unsigned char)*c);
	}
	if (h != 32)
		return -EINVAL;
	/* dashes, if any, must sit in the canonical places */
	if (strchr(in, '-') != NULL &&
	    (strlen(in) != 36 || in[8] != '-' || in[13] != '-' || in[18] != '-' || in[23] != '-'))
		return -EINVAL;
	snprintf(out, DOMXML_UUID_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
	         hex + 16, hex + 20);
	return 0;
}

/* libvirt memory units -> KiB */
static int
domxml_to_kib(uint64_t v, const char *unit, uint64_t *ret)
{
	static const struct {
		const char *unit;
		uint64_t mul_bytes;
	} units[] = {
	        {"b", 1},
	        {"bytes", 1},
	        {"KB", 1000},
	        {"k", 1024},
	        {"KiB", 1024},
	        {"MB", 1000000},
	        {"M", 1048576},
	        {"MiB", 1048576},
	        {"GB", 1000000000},
	        {"G", 1073741824},
	        {"GiB", 1073741824},
	        {"TB", 1000000000000},
	        {"T", 1099511627776},
	        {"TiB", 1099511627776},
	};

	if (unit[0] == '\0') {
		*ret = v;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, units[i].unit) == 0) {
			if (v > UINT64_MAX / units[i].mul_bytes)
				return -EINVAL;
			*ret = v * units[i].mul_bytes / 1024;
			return 0;
		}
	}
	return -EINVAL;
}

struct domxml_parse_state {
	struct domxml_info *info;
	char name[DOMXML_NAME_MAX];
	char uuid[64];
	char memory[32];
	char memory_unit[16];
	char current[32];
	char current_unit[16];
	char vcpu[16];
	bool root_ok;
	bool too_long;
};

static int
domxml_parse_cb(const struct domxml_ev *ev, void *ud)
{
	struct domxml_parse_state *s = ud;
	char *dst = NULL;
	size_t len = 0;

	if (ev->type == DOMXML_EV_START && ev->depth == 0) {
		s->root_ok = strcmp(ev->name, "domain") == 0;
		return s->root_ok ? 0 : -EBADMSG;
	}
	if (ev->type == DOMXML_EV_START && ev->depth == 1) {
		if (strcmp(ev->name, "memory") == 0)
			(void)domxml_attr(ev->attrs, ev->attrs_len, "unit", s->memory_unit,
			                  sizeof(s->memory_unit));
		else if (strcmp(ev->name, "currentMemory") == 0)
			(void)domxml_attr(ev->attrs, ev->attrs_len, "unit", s->current_unit,
			                  sizeof(s->current_unit));
		return 0;
	}
	if (ev->type != DOMXML_EV_TEXT || ev->depth != 1)
		return 0;
	if (strcmp(ev->name, "name") == 0) {
		dst = s->name;
		len = sizeof(s->name);
	} else if (strcmp(ev->name, "uuid") == 0) {
		dst = s->uuid;
		len = sizeof(s->uuid);
	} else if (strcmp(ev->name, "memory") == 0) {
		dst = s->memory;
		len = sizeof(s->memory);
	} else if (strcmp(ev->name, "currentMemory") == 0) {
		dst = s->current;
		len = sizeof(s->current);
	} else if (strcmp(ev->name, "vcpu") == 0) {
		dst = s->vcpu;
		len = sizeof(s->vcpu);
	}
	if (dst != NULL && domxml_append_text(dst, len, ev->text, ev->text_len) != 0)
		s->too_long = true;
	return 0;
}

int
domxml_parse(const char *xml, struct domxml_info *ret, char *msg, size_t msg_len)
{
	struct domxml_parse_state s;
	struct domxml_info info;
	uint64_t v;
	int r;

	if (msg != NULL && msg_len > 0)
		msg[0] = '\0';
	memset(&s, 0, sizeof(s));
	memset(&info, 0, sizeof(info));
	s.info = &info;
	r = domxml_walk(xml, domxml_parse_cb, &s, msg, msg_len);
	if (r != 0) {
		if (!s.root_ok)
			domxml_msg(msg, msg_len, "the root element is not <domain>");
		return -EBADMSG;
	}
	if (s.too_long) {
		domxml_msg(msg, msg_len,
		           "a <name>, <uuid> or number is too long or has a bad entity");
		return -EINVAL;
	}
	domxml_trim(s.name);
	domxml_trim(s.uuid);
	domxml_trim(s.memory);
	domxml_trim(s.current);
	domxml_trim(s.vcpu);
	if (s.name[0] == '\0') {
		domxml_msg(msg, msg_len, "no <name> in <domain>");
		return -ENODATA;
	}
	/* no <uuid>: info.uuid stays empty, the caller finds one (domxml.h) */
	if (s.uuid[0] != '\0' && domxml_uuid_canon(s.uuid, info.uuid) != 0) {
		domxml_msg(msg, msg_len, "<uuid>%s</uuid> is not a UUID", s.uuid);
		return -EINVAL;
	}
	snprintf(info.name, sizeof(info.name), "%s", s.name);
	if (s.current[0] != '\0') {
		if (ferry_parse_u64(s.current, &v) != 0 ||
		    domxml_to_kib(v, s.current_unit, &info.memory_kib) != 0) {
			domxml_msg(msg, msg_len, "bad <currentMemory>");
			return -EINVAL;
		}
	} else if (s.memory[0] != '\0') {
		if (ferry_parse_u64(s.memory, &v) != 0 ||
		    domxml_to_kib(v, s.memory_unit, &info.memory_kib) != 0) {
			domxml_msg(msg, msg_len, "bad <memory>");
			return -EINVAL;
		}
	}
	if (s.vcpu[0] != '\0') {
		if (ferry_parse_u64(s.vcpu, &v) != 0 || v == 0 || v > 4096) {
			domxml_msg(msg, msg_len, "bad <vcpu>");
			return -EINVAL;
		}
		info.vcpus = (uint32_t)v;
	}
	*ret = info;
	return 0;
}

struct domxml_image_state {
	bool found;
	char uuid[64];
	char gen[32];
	int err;
};

/* A start tag whose local name is "image" and that binds its own prefix to
 * DOMXML_IMAGE_NS (that is how libvirt prints metadata elements). */
static int
domxml_image_cb(const struct domxml_ev *ev, void *ud)
{
	struct domxml_image_state *s = ud;
	const char *colon;
	char attr[DOMXML_MAX_TAG + 8];
	char ns[128];

	if (ev->type != DOMXML_EV_START || s->found)
		return 0;
	colon = strchr(ev->name, ':');
	if (colon == NULL || strcmp(colon + 1, DOMXML_IMAGE_ELEMENT) != 0)
		return 0;
	snprintf(attr, sizeof(attr), "xmlns:%.*s", (int)(colon - ev->name), ev->name);
	if (domxml_attr(ev->attrs, ev->attrs_len, attr, ns, sizeof(ns)) != 0 ||
	    strcmp(ns, DOMXML_IMAGE_NS) != 0)
		return 0;
	s->found = true;
	if (domxml_attr(ev->attrs, ev->attrs_len, "uuid", s->uuid, sizeof(s->uuid)) != 0 ||
	    domxml_attr(ev->attrs, ev->attrs_len, "generation", s->gen, sizeof(s->gen)) != 0)
		s->err = -EINVAL;
	return 0;
}

int
domxml_image_tag(const char *xml, char ret_uuid[DOMXML_UUID_LEN + 1], uint64_t *ret_gen)
{
	struct domxml_image_state s;
	char uuid[DOMXML_UUID_LEN + 1];
	uint64_t gen;
	int r;

	memset(&s, 0, sizeof(s));
	r = domxml_walk(xml, domxml_image_cb, &s, NULL, 0);
	if (r != 0)
		return -EBADMSG;
	if (!s.found)
		return -ENOENT;
	if (s.err != 0 || domxml_uuid_canon(s.uuid, uuid) != 0 || ferry_parse_u64(s.gen, &gen) != 0)
		return -EINVAL;
	memcpy(ret_uuid, uuid, sizeof(uuid));
	*ret_gen = gen;
	return 0;
}

int
domxml_format_image_tag(const char *uuid, uint64_t generation, char *buf, size_t len)
{
	int n = snprintf(buf, len,
	                 "<" DOMXML_IMAGE_ELEMENT " uuid=\"%s\" generation=\"%" PRIu64 "\"/>", uuid,
	                 generation);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int
domxml_read_file(const char *path, char **ret)
{
	void *buf = NULL;
	size_t len = 0;
	int r;

	r = fileio_read_all(path, DOMXML_MAX_BYTES, &buf, &len);
	if (r < 0)
		return r;
	if (strlen(buf) != len) {
		free(buf);
		return -EBADMSG; /* NUL bytes: not a text file */
	}
	*ret = buf;
	return 0;
}

int
domxml_add_uuid(const char *xml, const char *uuid, char **ret)
{
	const char *root = strstr(xml, "<domain");
	const char *end = root != NULL ? strchr(root, '>') : NULL;
	size_t head;
	size_t len = strlen(xml);
	char *out;

	/* right after the root's start tag: <domain ...>, not <domain .../> */
	if (end == NULL || end[-1] == '/' || strlen(uuid) != DOMXML_UUID_LEN)
		return -EINVAL;
	head = (size_t)(end - xml) + 1;
	out = calloc(1, len + DOMXML_UUID_LEN + 32);
	if (out == NULL)
		return -ENOMEM;
	snprintf(out, len + DOMXML_UUID_LEN + 32, "%.*s\n  <uuid>%s</uuid>%s", (int)head, xml, uuid,
	         xml + head);
	*ret = out;
	return 0;
}

int
domxml_attr_values(const char *xml, const char *attr, char names[][DOMXML_NAME_MAX], size_t max,
                   size_t *ret_n)
{
	size_t alen = strlen(attr);
	size_t n = 0;

	for (const char *p = strstr(xml, attr); p != NULL; p = strstr(p + 1, attr)) {
		char quote;
		const char *v;
		const char *e;
		size_t i;

		/* a whole attribute name: after a blank, followed by =' or =" */
		if (p == xml || (p[-1] != ' ' && p[-1] != '\t' && p[-1] != '\n') ||
		    p[alen] != '=' || (p[alen + 1] != '\'' && p[alen + 1] != '"'))
			continue;
		quote = p[alen + 1];
		v = p + alen + 2;
		e = strchr(v, quote);
		if (e == NULL || e == v || (size_t)(e - v) >= DOMXML_NAME_MAX)
			continue;
		for (i = 0; i < n; i++) {
			if (strlen(names[i]) == (size_t)(e - v) &&
			    strncmp(names[i], v, (size_t)(e - v)) == 0)
				break;
		}
		if (i < n)
			continue; /* once each */
		if (n == max)
			return -E2BIG;
		snprintf(names[n], DOMXML_NAME_MAX, "%.*s", (int)(e - v), v);
		n++;
	}
	*ret_n = n;
	return 0;
}
