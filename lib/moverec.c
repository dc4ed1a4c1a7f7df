/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * moverec.c - move records as JSON lines: format, parse, append.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry/moverec.h"

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

enum field_kind { FIELD_STR, FIELD_INT };

struct field {
	const char *key;
	enum field_kind kind;
	size_t offset;
	size_t size; /* for strings: buffer size */
};

#define STR_FIELD(k) {#k, FIELD_STR, offsetof(struct move_record, k), sizeof(((struct move_record *)0)->k)}
#define INT_FIELD(k) {#k, FIELD_INT, offsetof(struct move_record, k), sizeof(int64_t)}

/* The order of the keys on the line. */
static const struct field fields[] = {
	STR_FIELD(vm),
	STR_FIELD(uuid),
	STR_FIELD(from),
	STR_FIELD(to),
	STR_FIELD(mode),
	STR_FIELD(result),
	STR_FIELD(error),
	INT_FIELD(start_unix_ms),
	INT_FIELD(total_ms),
	INT_FIELD(downtime_ms),
	INT_FIELD(guest_gap_ms),
	INT_FIELD(save_ms),
	INT_FIELD(restore_ms),
	INT_FIELD(bytes),
	INT_FIELD(iterations),
	INT_FIELD(max_downtime_ms),
	INT_FIELD(net_bps),
	STR_FIELD(predicted_move),
	STR_FIELD(predicted_why),
	INT_FIELD(predicted_downtime_ms),
	INT_FIELD(predicted_gap_ms),
	INT_FIELD(predicted_total_ms),
	INT_FIELD(connect_ms),
	INT_FIELD(image_ms),
	INT_FIELD(qemu_start_ms),
	INT_FIELD(restore_read_ms),
	INT_FIELD(resume_ms),
	INT_FIELD(save_channels),
	STR_FIELD(image_format),
	STR_FIELD(stack_from),
	STR_FIELD(stack_to),
};
_Static_assert(ELEMENTSOF(fields) == 31, "one entry per member of struct move_record");

static char *
str_at(struct move_record *r, const struct field *f)
{
	return (char *)r + f->offset;
}

static const char *
cstr_at(const struct move_record *r, const struct field *f)
{
	return (const char *)r + f->offset;
}

static int64_t *
int_at(struct move_record *r, const struct field *f)
{
	return (int64_t *)(void *)((char *)r + f->offset);
}

static int64_t
cint_at(const struct move_record *r, const struct field *f)
{
	int64_t v;

	memcpy(&v, (const char *)r + f->offset, sizeof(v));
	return v;
}

void
moverec_init(struct move_record *r)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < ELEMENTSOF(fields); i++)
		if (fields[i].kind == FIELD_INT)
			*int_at(r, &fields[i]) = -1;
}

/* ---- format ---- */

struct out {
	char *buf;
	size_t len;
	size_t pos;
	bool overflow;
};

static void
out_char(struct out *o, char c)
{
	if (o->pos + 1 >= o->len) { /* keep room for the NUL */
		o->overflow = true;
		return;
	}
	o->buf[o->pos++] = c;
}

static void
out_str(struct out *o, const char *s)
{
	for (; *s != '\0'; s++)
		out_char(o, *s);
}

static void
out_json_string(struct out *o, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";

	out_char(o, '"');
	for (size_t i = 0; i < max && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			out_str(o, "\\\"");
			break;
		case '\\':
			out_str(o, "\\\\");
			break;
		case '\n':
			out_str(o, "\\n");
			break;
		case '\r':
			out_str(o, "\\r");
			break;
		case '\t':
			out_str(o, "\\t");
			break;
		case '\b':
			out_str(o, "\\b");
			break;
		case '\f':
			out_str(o, "\\f");
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				out_str(o, "\\u00");
				out_char(o, hex[c >> 4]);
				out_char(o, hex[c & 0xf]);
			} else {
				out_char(o, (char)c);
			}
		}
	}
	out_char(o, '"');
}

int
moverec_format(const struct move_record *r, char *buf, size_t len)
{
	struct out o = {.buf = buf, .len = len, .pos = 0, .overflow = false};

	if (r == NULL || buf == NULL || len == 0)
		return -EINVAL;

	out_char(&o, '{');
	for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
		const struct field *f = &fields[i];

		if (i > 0)
			out_char(&o, ',');
		out_char(&o, '"');
		out_str(&o, f->key);
		out_str(&o, "\":");
		if (f->kind == FIELD_STR) {
			out_json_string(&o, cstr_at(r, f), f->size);
		} else {
			char num[24];

			snprintf(num, sizeof(num), "%lld", (long long)cint_at(r, f));
			out_str(&o, num);
		}
	}
	out_str(&o, "}\n");
	if (o.overflow || o.pos > INT_MAX)
		return -ENOBUFS;
	buf[o.pos] = '\0';
	return (int)o.pos;
}

/* ---- parse ---- */

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

static int
hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Appends one byte to a bounded output; false when full. */
static bool
put(char *out, size_t size, size_t *pos, char c)
{
	if (*pos + 1 >= size)
		return false;
	out[(*pos)++] = c;
	return true;
}

/*
 * Parses a JSON string starting at the opening quote into out (size bytes,
 * NUL-terminated).  \uXXXX is decoded to UTF-8 (no NUL, no surrogates).
 * Returns the position after the closing quote, NULL on bad input or overflow.
 */
static const char *
parse_string(const char *p, char *out, size_t size)
{
	size_t pos = 0;

	if (*p != '"')
		return NULL;
	p++;
	for (;;) {
		unsigned char c = (unsigned char)*p;

		if (c == '\0' || c < 0x20)
			return NULL;
		if (c == '"')
			break;
		if (c != '\\') {
			if (!put(out, size, &pos, (char)c))
				return NULL;
			p++;
			continue;
		}
		p++;
		switch (*p) {
		case '"':
		case '\\':
		case '/':
			c = (unsigned char)*p;
			break;
		case 'n':
			c = '\n';
			break;
		case 'r':
			c = '\r';
			break;
		case 't':
			c = '\t';
			break;
		case 'b':
			c = '\b';
			break;
		case 'f':
			c = '\f';
			break;
		case 'u': {
			unsigned int u = 0;

			for (int i = 1; i <= 4; i++) {
				int h = hex_val(p[i]);

				if (h < 0)
					return NULL;
				u = u << 4 | (unsigned int)h;
			}
			p += 4;
			if (u == 0 || (u >= 0xd800 && u <= 0xdfff))
				return NULL;
			if (u < 0x80) {
				c = (unsigned char)u;
				break;
			}
			if (u < 0x800) {
				if (!put(out, size, &pos, (char)(0xc0 | u >> 6)))
					return NULL;
			} else {
				if (!put(out, size, &pos, (char)(0xe0 | u >> 12)) ||
				    !put(out, size, &pos, (char)(0x80 | ((u >> 6) & 0x3f))))
					return NULL;
			}
			c = (unsigned char)(0x80 | (u & 0x3f));
			break;
		}
		default:
			return NULL;
		}
		if (!put(out, size, &pos, (char)c))
			return NULL;
		p++;
	}
	out[pos] = '\0';
	return p + 1;
}

static const char *
parse_int(const char *p, int64_t *ret)
{
	bool neg = false;
	uint64_t v = 0, limit;
	size_t digits = 0;

	if (*p == '-') {
		neg = true;
		p++;
	}
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (*p == '0' && p[1] >= '0' && p[1] <= '9')
		return NULL; /* no leading zeros in JSON */
	while (*p >= '0' && *p <= '9') {
		uint64_t d = (uint64_t)(*p - '0');

		if (v > (limit - d) / 10)
			return NULL;
		v = v * 10 + d;
		p++;
		digits++;
	}
	if (digits == 0)
		return NULL;
	if (neg)
		*ret = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*ret = (int64_t)v;
	return p;
}

int
moverec_parse(const char *line, struct move_record *ret)
{
	struct move_record r;
	const char *p;
	bool first = true;

	if (line == NULL || ret == NULL)
		return -EINVAL;
	if (strnlen(line, MOVEREC_MAX_LINE * 2 + 1) > MOVEREC_MAX_LINE * 2)
		return -EBADMSG;

	moverec_init(&r);
	p = skip_ws(line);
	if (*p != '{')
		return -EBADMSG;
	p = skip_ws(p + 1);
	if (*p == '}') {
		p++;
		goto end;
	}

	for (;;) {
		char key[32], skip[MOVEREC_MAX_LINE];
		const struct field *f = NULL;

		if (!first) {
			if (*p == '}') {
				p++;
				break;
			}
			if (*p != ',')
				return -EBADMSG;
			p = skip_ws(p + 1);
		}
		first = false;

		p = parse_string(p, key, sizeof(key));
		if (p == NULL)
			return -EBADMSG;
		p = skip_ws(p);
		if (*p != ':')
			return -EBADMSG;
		p = skip_ws(p + 1);

		for (size_t i = 0; i < ELEMENTSOF(fields); i++)
			if (strcmp(fields[i].key, key) == 0)
				f = &fields[i];

		if (*p == '"') {
			if (f != NULL && f->kind != FIELD_STR)
				return -EBADMSG;
			if (f != NULL) {
				/* a repeated key leaves no bytes of the earlier value */
				memset(str_at(&r, f), 0, f->size);
				p = parse_string(p, str_at(&r, f), f->size);
			} else {
				p = parse_string(p, skip, sizeof(skip)); /* unknown key: skip */
			}
		} else {
			int64_t v;

			if (f != NULL && f->kind != FIELD_INT)
				return -EBADMSG;
			p = parse_int(p, &v);
			if (p != NULL && f != NULL)
				*int_at(&r, f) = v;
		}
		if (p == NULL)
			return -EBADMSG;
		p = skip_ws(p);
	}
end:
	p = skip_ws(p);
	if (*p != '\0')
		return -EBADMSG;
	*ret = r;
	return 0;
}

/* ---- read ---- */

const char *
moverec_path(const char *path)
{
	if (path == NULL) {
		path = secure_getenv(MOVEREC_PATH_ENV);
		if (path == NULL || path[0] == '\0')
			path = MOVEREC_DEFAULT_PATH;
	}
	return path;
}

/* Newest first: start time descending, then the later line (higher seq) first. */
struct read_slot {
	struct move_record r;
	uint64_t seq;
};

static int
read_cmp(const void *a, const void *b)
{
	const struct read_slot *x = a, *y = b;

	if (x->r.start_unix_ms != y->r.start_unix_ms)
		return x->r.start_unix_ms > y->r.start_unix_ms ? -1 : 1;
	return x->seq > y->seq ? -1 : x->seq < y->seq ? 1 : 0;
}

int
moverec_read(FILE *f, size_t max, struct move_record **ret, size_t *ret_n, size_t *ret_skipped)
{
	struct read_slot *ring = NULL;
	struct move_record *out = NULL;
	char *line = NULL;
	size_t cap = 0, n = 0, skipped = 0;
	uint64_t seq = 0;
	int rc = 0;

	if (f == NULL || ret == NULL || ret_n == NULL || max > MOVEREC_READ_MAX)
		return -EINVAL;
	if (max > 0) {
		ring = calloc(max, sizeof(*ring));
		if (ring == NULL)
			return -ENOMEM;
	}
	while (getline(&line, &cap, f) > 0) {
		struct read_slot *s;

		if (ring == NULL)
			continue;
		s = &ring[seq % max];
		if (moverec_parse(line, &s->r) != 0) {
			skipped++;
			continue;
		}
		s->seq = seq++;
		if (n < max)
			n++;
	}
	free(line);
	if (n > 0) {
		qsort(ring, n, sizeof(*ring), read_cmp);
		out = calloc(n, sizeof(*out));
		if (out == NULL) {
			rc = -ENOMEM;
			goto cleanup;
		}
		for (size_t i = 0; i < n; i++)
			out[i] = ring[i].r;
	}
	*ret = out;
	*ret_n = n;
	if (ret_skipped != NULL)
		*ret_skipped = skipped;
cleanup:
	free(ring);
	return rc;
}

int
moverec_load(const char *path, size_t max, struct move_record **ret, size_t *ret_n,
	     size_t *ret_skipped)
{
	FILE *f = fopen(moverec_path(path), "re");
	int rc;

	if (f == NULL)
		return -errno;
	rc = moverec_read(f, max, ret, ret_n, ret_skipped);
	fclose(f);
	return rc;
}

/* ---- append ---- */

static int
mkdir_parents(const char *path)
{
	char dir[PATH_MAX];
	size_t len = strlen(path);
	char *slash;

	if (len >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, len + 1);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0; /* relative name in cwd, or in / */
	*slash = '\0';

	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int
fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	size_t len = strlen(path);
	char *slash;
	int fd, r = 0;

	if (len >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, len + 1);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		memcpy(dir, ".", 2);
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

/*
 * Formats r; if it does not fit a line, the error text (the only field a
 * foreign component fills freely), then the prediction's reason, are
 * shortened rather than losing the record.
 */
static int
format_fitting(const struct move_record *r, char *buf, size_t len)
{
	struct move_record copy;
	size_t elen;
	int n;

	n = moverec_format(r, buf, len);
	if (n != -ENOBUFS)
		return n;
	copy = *r;
	elen = strnlen(copy.error, sizeof(copy.error));
	while (elen > 0) {
		elen /= 2;
		copy.error[elen] = '\0';
		n = moverec_format(&copy, buf, len);
		if (n != -ENOBUFS)
			return n;
	}
	elen = strnlen(copy.predicted_why, sizeof(copy.predicted_why));
	while (elen > 0) {
		elen /= 2;
		copy.predicted_why[elen] = '\0';
		n = moverec_format(&copy, buf, len);
		if (n != -ENOBUFS)
			return n;
	}
	return -ENOBUFS;
}

int
moverec_append(const char *path, const struct move_record *r)
{
	char line[MOVEREC_MAX_LINE];
	struct stat st;
	bool created;
	ssize_t w;
	int fd, n, ret = 0;

	if (r == NULL)
		return -EINVAL;
	path = moverec_path(path);

	n = format_fitting(r, line, sizeof(line));
	if (n < 0)
		return n;
	ret = mkdir_parents(path);
	if (ret < 0)
		return ret;

	created = stat(path, &st) < 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0)
		return -errno;
	do {
		w = write(fd, line, (size_t)n);
	} while (w < 0 && errno == EINTR);
	if (w < 0)
		ret = -errno;
	else if (w != n)
		ret = -EIO; /* a short append: the line is torn, readers skip it */
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && created)
		ret = fsync_parent(path);
	return ret;
}
