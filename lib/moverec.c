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

#include <json-c/json.h>

#include "ferry/macros.h"
#include "ferry/moverec.h"
#include "ferry/textout.h"

enum field_kind { FIELD_STR, FIELD_INT };

struct field {
	const char *key;
	enum field_kind kind;
	size_t offset;
	size_t size; /* for strings: buffer size */
};

#define STR_FIELD(k)                                                                               \
	{                                                                                          \
#k, FIELD_STR, offsetof(struct move_record, k),                                    \
		        sizeof(((struct move_record *)0)->k)                                       \
	}
#define INT_FIELD(k)                                                                               \
	{                                                                                          \
#k, FIELD_INT, offsetof(struct move_record, k), sizeof(int64_t)                    \
	}

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

/* ---- kind and result, by movekind.h's names ---- */

void
moverec_set_kind(struct move_record *r, enum ferry_move_kind k)
{
	snprintf(r->mode, sizeof(r->mode), "%s", ferry_move_kind_name(k));
}

void
moverec_set_result(struct move_record *r, enum ferry_move_result res)
{
	snprintf(r->result, sizeof(r->result), "%s", ferry_move_result_name(res));
}

int
moverec_kind(const struct move_record *r, enum ferry_move_kind *ret)
{
	char s[sizeof(r->mode)];

	snprintf(s, sizeof(s), "%.*s", (int)sizeof(s) - 1, r->mode);
	return ferry_move_kind_from_name(s, ret);
}

int
moverec_result(const struct move_record *r, enum ferry_move_result *ret)
{
	char s[sizeof(r->result)];

	snprintf(s, sizeof(s), "%.*s", (int)sizeof(s) - 1, r->result);
	return ferry_move_result_from_name(s, ret);
}

bool
moverec_ok_of(const struct move_record *r, enum ferry_move_kind k)
{
	enum ferry_move_kind rk;
	enum ferry_move_result res;

	return moverec_kind(r, &rk) == 0 && rk == k && moverec_result(r, &res) == 0 &&
	       res == FERRY_MOVE_OK;
}

/* ---- format ---- */

int
moverec_format(const struct move_record *r, char *buf, size_t len)
{
	struct textout o;

	if (r == NULL || buf == NULL || len == 0)
		return -EINVAL;

	textout_init(&o, buf, len);
	textout_printf(&o, "{");
	for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
		const struct field *f = &fields[i];

		textout_printf(&o, "%s\"%s\":", i > 0 ? "," : "", f->key);
		if (f->kind == FIELD_STR) {
			textout_json_strn(&o, cstr_at(r, f), f->size);
		} else {
			if (cint_at(r, f) == INT64_MIN || cint_at(r, f) == INT64_MAX)
				return -ERANGE; /* moverec_parse could not read it back */
			textout_printf(&o, "%lld", (long long)cint_at(r, f));
		}
	}
	textout_printf(&o, "}\n");
	if (o.need >= len || o.need > INT_MAX)
		return -ENOBUFS;
	return (int)o.need;
}

/* ---- parse (json-c) ---- */

/*
 * One known key's value into r: strings must fit their field and hold no
 * NUL, numbers must be integers inside int64_t.  json-c saturates an
 * integer that does not fit (to INT64_MIN, INT64_MAX or a uint64_t), so the
 * extremes are refused as what they stand for: out of range.
 */
static int
parse_value(struct move_record *r, const struct field *f, struct json_object *v)
{
	int64_t n;

	if (f->kind == FIELD_STR) {
		const char *s;
		size_t len;

		if (!json_object_is_type(v, json_type_string))
			return -EBADMSG;
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		if (len >= f->size || strlen(s) != len)
			return -EBADMSG;
		memset(str_at(r, f), 0, f->size);
		memcpy(str_at(r, f), s, len);
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return -EBADMSG;
	n = json_object_get_int64(v);
	if (n == INT64_MIN || n == INT64_MAX)
		return -EBADMSG;
	*int_at(r, f) = n;
	return 0;
}

int
moverec_parse(const char *line, struct move_record *ret)
{
	struct json_tokener *tok;
	struct json_object *obj;
	struct move_record r;
	size_t len, end;
	int rc = 0;

	if (line == NULL || ret == NULL)
		return -EINVAL;
	len = strnlen(line, MOVEREC_MAX_LINE * 2 + 1);
	if (len > MOVEREC_MAX_LINE * 2)
		return -EBADMSG;

	tok = json_tokener_new();
	if (tok == NULL)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, line, (int)len);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
	    line[end + strspn(line + end, " \t\r\n")] != '\0') {
		json_object_put(obj);
		return -EBADMSG;
	}

	/* missing keys keep their defaults; unknown keys (of any type) are
	 * skipped, so a newer ferry's lines still read */
	moverec_init(&r);
	for (size_t i = 0; i < ELEMENTSOF(fields) && rc == 0; i++) {
		struct json_object *v;

		if (json_object_object_get_ex(obj, fields[i].key, &v))
			rc = parse_value(&r, &fields[i], v);
	}
	json_object_put(obj);
	if (rc < 0)
		return rc;
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
