/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * imagestore.c - file backend of the image store (layout and formats in
 * imagestore.h).  Everything is relative to one O_DIRECTORY fd of save_dir;
 * every replacement is write + fsync + rename + fsync(dir); images are only
 * ever renamed, never deleted (a partial NAME.save.part is not an image).
 * Pacemaker runs one operation per resource at a time, so there is no locking.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "ferry/fileio.h"
#include "ferry/imagestore.h"

#define VM_NAME_MAX 200
#define IO_CHUNK    (64 * 1024)
#define WHOLE_CHUNK (1024 * 1024)
#define ASIDE_TRIES 100

struct imagestore {
	int dir_fd;
	char dir[PATH_MAX];
	char name[VM_NAME_MAX + 1];
	char uuid[IMAGE_UUID_LEN + 1];
	bool saving;
	bool whole_crc; /* commits record the whole image's CRC (NAME.save.body) */
	uint64_t save_generation;
	char path[PATH_MAX]; /* last path handed out */
};

/* ---- small helpers ---- */

static int fmt(char *buf, size_t len, const char *f, ...) __attribute__((format(printf, 3, 4)));

static int
fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENAMETOOLONG;
	return n;
}

static bool
uuid_valid(const char *u)
{
	if (strlen(u) != IMAGE_UUID_LEN)
		return false;
	for (size_t i = 0; i < IMAGE_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = u[i];

		if (dash) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		             (c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return true;
}

static bool
name_valid(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > VM_NAME_MAX || n[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (n[i] == '/' || (unsigned char)n[i] < 0x20)
			return false;
	return true;
}

static int
parse_u64(const char *v, uint64_t *ret)
{
	uint64_t x = 0;

	if (*v == '\0' || strlen(v) > 20)
		return -EBADMSG;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9')
			return -EBADMSG;
		if (x > (UINT64_MAX - (uint64_t)(*v - '0')) / 10)
			return -EBADMSG;
		x = x * 10 + (uint64_t)(*v - '0');
	}
	*ret = x;
	return 0;
}

static int
parse_hex32(const char *v, uint32_t *ret)
{
	uint32_t x = 0;

	if (strlen(v) != 8)
		return -EBADMSG;
	for (; *v != '\0'; v++) {
		uint32_t d;

		if (*v >= '0' && *v <= '9')
			d = (uint32_t)(*v - '0');
		else if (*v >= 'a' && *v <= 'f')
			d = (uint32_t)(*v - 'a' + 10);
		else
			return -EBADMSG;
		x = x << 4 | d;
	}
	*ret = x;
	return 0;
}

/* Reads a whole small file; -EBADMSG if it is larger than the buffer allows. */
static int
read_small(int dir_fd, const char *name, char *buf, size_t bufsz, size_t *ret_len)
{
	void *text = NULL;
	size_t len = 0;
	int fd, r;

	fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -errno;
	r = fileio_read_fd(fd, bufsz - 1, &text, &len);
	close(fd);
	if (r == -EFBIG)
		return -EBADMSG; /* too large to be ours */
	if (r < 0)
		return r;
	memcpy(buf, text, len + 1);
	free(text);
	*ret_len = len;
	return 0;
}

/*
 * Splits "version=1\nk=v\n..." in place.  Every key in keys[] must appear
 * exactly once and nothing else may; version=1 must come first.
 */
static int
kv_parse(char *buf, size_t len, const char *const *keys, size_t n_keys, const char **ret_vals)
{
	char *p = buf;
	bool first = true;

	if (len == 0 || memchr(buf, '\0', len) != NULL || buf[len - 1] != '\n')
		return -EBADMSG;
	for (size_t i = 0; i < n_keys; i++)
		ret_vals[i] = NULL;

	while (*p != '\0') {
		char *nl = strchr(p, '\n');
		char *eq;
		size_t i;

		if (nl == NULL)
			return -EBADMSG; /* cannot happen: buf ends in '\n' */
		*nl = '\0';
		eq = strchr(p, '=');
		if (eq == NULL)
			return -EBADMSG;
		*eq = '\0';
		if (first) {
			if (strcmp(p, "version") != 0 || strcmp(eq + 1, "1") != 0)
				return -EBADMSG;
			first = false;
		} else {
			for (i = 0; i < n_keys; i++)
				if (strcmp(p, keys[i]) == 0)
					break;
			if (i == n_keys || ret_vals[i] != NULL)
				return -EBADMSG;
			ret_vals[i] = eq + 1;
		}
		p = nl + 1;
	}
	if (first)
		return -EBADMSG;
	for (size_t i = 0; i < n_keys; i++)
		if (ret_vals[i] == NULL)
			return -EBADMSG;
	return 0;
}

/* name.tmp (O_NOFOLLOW, 0644 under the umask), write, fsync, rename over
 * name, fsync(dir): fileio's directory-fd form. */
static int
write_atomic(const struct imagestore *s, const char *name, const char *data, size_t len)
{
	const struct fileio_opts o = {.mode = 0644, .umask_applies = true, .nofollow = true};
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};

	return fileio_write_atomicat(s->dir_fd, name, &iov, 1, &o);
}

/* ---- file names ---- */

static int
file_name(const struct imagestore *s, const char *suffix, char *buf, size_t len)
{
	return fmt(buf, len, "%s%s", s->name, suffix);
}

static const char *
hand_out(struct imagestore *s, const char *name)
{
	if (fmt(s->path, sizeof(s->path), "%s/%s", s->dir, name) < 0)
		s->path[0] = '\0';
	return s->path;
}

/* ---- NAME.gen ---- */

/* Reads NAME<suffix> into buf and parses its n keys; vals point into buf. */
static int
kv_read(const struct imagestore *s, const char *suffix, const char *const *keys, size_t n,
        const char **vals, char *buf, size_t buf_len)
{
	char name[NAME_MAX + 1];
	size_t len = 0;
	int r;

	r = file_name(s, suffix, name, sizeof(name));
	if (r < 0)
		return r;
	r = read_small(s->dir_fd, name, buf, buf_len, &len);
	if (r < 0)
		return r;
	return kv_parse(buf, len, keys, n, vals);
}

static int
gen_read(const struct imagestore *s, uint64_t *ret_gen)
{
	static const char *const keys[] = {"uuid", "generation"};
	const char *vals[2];
	char buf[IMAGESTORE_MAX_FILE];
	uint64_t gen;
	int r;

	r = kv_read(s, ".gen", keys, 2, vals, buf, sizeof(buf));
	if (r < 0)
		return r;
	if (!uuid_valid(vals[0]) || parse_u64(vals[1], &gen) < 0)
		return -EBADMSG;
	if (strcasecmp(vals[0], s->uuid) != 0)
		return -EUCLEAN;
	*ret_gen = gen;
	return 0;
}

static int
gen_write(const struct imagestore *s, uint64_t gen)
{
	char name[NAME_MAX + 1], buf[IMAGESTORE_MAX_FILE];
	int n, r;

	r = file_name(s, ".gen", name, sizeof(name));
	if (r < 0)
		return r;
	n = fmt(buf, sizeof(buf), "version=1\nuuid=%s\ngeneration=%llu\n", s->uuid,
	        (unsigned long long)gen);
	if (n < 0)
		return n;
	return write_atomic(s, name, buf, (size_t)n);
}

/* ---- NAME.save.meta ---- */

static int
meta_read(const struct imagestore *s, struct image_meta *ret)
{
	static const char *const keys[] = {"uuid",     "generation", "size",
	                                   "head_crc", "tail_crc",   "consumed"};
	const char *vals[6];
	char buf[IMAGESTORE_MAX_FILE];
	struct image_meta m;
	int r;

	r = kv_read(s, ".save.meta", keys, 6, vals, buf, sizeof(buf));
	if (r < 0)
		return r;
	memset(&m, 0, sizeof(m));
	if (!uuid_valid(vals[0]))
		return -EBADMSG;
	memcpy(m.uuid, vals[0], IMAGE_UUID_LEN + 1);
	if (parse_u64(vals[1], &m.generation) < 0 || parse_u64(vals[2], &m.size_bytes) < 0 ||
	    parse_hex32(vals[3], &m.head_crc) < 0 || parse_hex32(vals[4], &m.tail_crc) < 0)
		return -EBADMSG;
	if (strcmp(vals[5], "0") == 0)
		m.consumed = false;
	else if (strcmp(vals[5], "1") == 0)
		m.consumed = true;
	else
		return -EBADMSG;
	*ret = m;
	return 0;
}

static int
meta_write(const struct imagestore *s, const struct image_meta *m)
{
	char name[NAME_MAX + 1], buf[IMAGESTORE_MAX_FILE];
	int n, r;

	r = file_name(s, ".save.meta", name, sizeof(name));
	if (r < 0)
		return r;
	n = fmt(buf, sizeof(buf),
	        "version=1\nuuid=%s\ngeneration=%llu\nsize=%llu\nhead_crc=%08x\n"
	        "tail_crc=%08x\nconsumed=%d\n",
	        m->uuid, (unsigned long long)m->generation, (unsigned long long)m->size_bytes,
	        m->head_crc, m->tail_crc, m->consumed ? 1 : 0);
	if (n < 0)
		return n;
	return write_atomic(s, name, buf, (size_t)n);
}

/* ---- NAME.save.body: the whole image's CRC ---- */

/* Sets m->has_body_crc/body_crc when NAME.save.body belongs to the image m
 * describes; a missing, unreadable or foreign one (left by an older image, or
 * by a ferry that moved the image aside without it) is no check at all. */
static void
body_read(const struct imagestore *s, struct image_meta *m)
{
	static const char *const keys[] = {"generation", "size", "head_crc", "body_crc"};
	const char *vals[4];
	char buf[IMAGESTORE_MAX_FILE];
	uint64_t gen, size;
	uint32_t head, body;

	m->has_body_crc = false;
	if (kv_read(s, ".save.body", keys, 4, vals, buf, sizeof(buf)) < 0)
		return;
	if (parse_u64(vals[0], &gen) < 0 || parse_u64(vals[1], &size) < 0 ||
	    parse_hex32(vals[2], &head) < 0 || parse_hex32(vals[3], &body) < 0)
		return;
	if (gen != m->generation || size != m->size_bytes || head != m->head_crc)
		return;
	m->has_body_crc = true;
	m->body_crc = body;
}

static int
body_write(const struct imagestore *s, const struct image_meta *m)
{
	char name[NAME_MAX + 1], buf[IMAGESTORE_MAX_FILE];
	int n, r;

	r = file_name(s, ".save.body", name, sizeof(name));
	if (r < 0)
		return r;
	n = fmt(buf, sizeof(buf),
	        "version=1\ngeneration=%llu\nsize=%llu\nhead_crc=%08x\nbody_crc=%08x\n",
	        (unsigned long long)m->generation, (unsigned long long)m->size_bytes, m->head_crc,
	        m->body_crc);
	if (n < 0)
		return n;
	return write_atomic(s, name, buf, (size_t)n);
}

/* ---- measuring an image ---- */

static int
crc_range(int fd, char *buf, off_t off, uint64_t len, uint32_t *ret)
{
	uint32_t crc = 0;

	while (len > 0) {
		size_t want = len < IO_CHUNK ? (size_t)len : IO_CHUNK;
		ssize_t n = pread(fd, buf, want, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO; /* shrank under us */
		crc = (uint32_t)crc32_z(crc, (const Bytef *)buf, (size_t)n);
		off += n;
		len -= (uint64_t)n;
	}
	*ret = crc;
	return 0;
}

/* The CRC-32 of the whole file, read in large chunks. */
static int
crc_whole(int fd, uint64_t size, uint32_t *ret)
{
	char *buf = malloc(WHOLE_CHUNK);
	uint32_t crc = 0;
	off_t off = 0;
	int r = 0;

	if (buf == NULL)
		return -ENOMEM;
	while ((uint64_t)off < size) {
		size_t want = size - (uint64_t)off < WHOLE_CHUNK ? (size_t)(size - (uint64_t)off)
		                                                 : WHOLE_CHUNK;
		ssize_t n = pread(fd, buf, want, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		crc = (uint32_t)crc32_z(crc, (const Bytef *)buf, (size_t)n);
		off += n;
	}
	free(buf);
	if (r == 0)
		*ret = crc;
	return r;
}

static int
measure(int fd, bool with_crc, struct image_observed *obs)
{
	struct stat st;
	uint64_t span;
	char *buf;
	int r;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADF;
	obs->size_bytes = (uint64_t)st.st_size;
	obs->head_crc = 0;
	obs->tail_crc = 0;
	if (!with_crc)
		return 0;

	span = obs->size_bytes < IMAGESTORE_CRC_SPAN ? obs->size_bytes : IMAGESTORE_CRC_SPAN;
	buf = calloc(1, IO_CHUNK);
	if (buf == NULL)
		return -ENOMEM;
	r = crc_range(fd, buf, 0, span, &obs->head_crc);
	if (r == 0)
		r = crc_range(fd, buf, (off_t)(obs->size_bytes - span), span, &obs->tail_crc);
	free(buf);
	return r;
}

/* ---- moving aside ---- */

static int
rename_noreplace(int dir_fd, const char *from, const char *to)
{
	if (renameat2(dir_fd, from, dir_fd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -errno;
	/* filesystem without RENAME_NOREPLACE: a hard link refuses to overwrite */
	if (linkat(dir_fd, from, dir_fd, to, 0) == 0) {
		if (unlinkat(dir_fd, from, 0) < 0)
			return -errno;
		return 0;
	}
	if (errno == EEXIST || errno == ENOENT)
		return -errno;
	/* no hard links either: check, then rename (one actor per VM anyway) */
	if (faccessat(dir_fd, to, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return -EEXIST;
	if (renameat(dir_fd, from, dir_fd, to) < 0)
		return -errno;
	return 0;
}

static bool
exists(const struct imagestore *s, const char *name)
{
	return faccessat(s->dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/*
 * NAME<from> (and, with_meta, NAME.save.meta) ->
 * NAME.save.<why>.<gen>.<unix_s>[.<n>] (and the same + ".meta"); an existing
 * name is never overwritten.  -ENOENT if NAME<from> does not exist.
 * *ret_path (s->path) names the file aside.
 */
static int
move_aside_as(struct imagestore *s, const char *from, const char *why, uint64_t gen, bool with_meta,
              const char **ret_path)
{
	char image[NAME_MAX + 1], meta[NAME_MAX + 1];
	char aside[NAME_MAX + 1], aside_meta[NAME_MAX + 1];
	long long now = (long long)time(NULL);
	int r;

	r = file_name(s, from, image, sizeof(image));
	if (r < 0)
		return r;
	r = file_name(s, ".save.meta", meta, sizeof(meta));
	if (r < 0)
		return r;

	for (int i = 0; i < ASIDE_TRIES; i++) {
		if (i == 0)
			r = fmt(aside, sizeof(aside), "%s.save.%s.%llu.%lld", s->name, why,
			        (unsigned long long)gen, now);
		else
			r = fmt(aside, sizeof(aside), "%s.save.%s.%llu.%lld.%d", s->name, why,
			        (unsigned long long)gen, now, i);
		if (r < 0)
			return r;
		r = fmt(aside_meta, sizeof(aside_meta), "%s.meta", aside);
		if (r < 0)
			return r;
		if (exists(s, aside_meta))
			continue;
		r = rename_noreplace(s->dir_fd, image, aside);
		if (r == -EEXIST)
			continue;
		if (r < 0)
			return r;
		break;
	}
	if (r < 0)
		return -EEXIST;

	if (with_meta) {
		char body[NAME_MAX + 1], aside_body[NAME_MAX + 1];

		r = rename_noreplace(s->dir_fd, meta, aside_meta);
		if (r < 0 && r != -ENOENT)
			return r;
		/* the whole image's CRC goes with it, where there is one */
		if (file_name(s, ".save.body", body, sizeof(body)) >= 0 &&
		    fmt(aside_body, sizeof(aside_body), "%s.body", aside) >= 0) {
			r = rename_noreplace(s->dir_fd, body, aside_body);
			if (r < 0 && r != -ENOENT)
				return r;
		}
	}
	r = fileio_fsync_dirfd(s->dir_fd);
	if (r < 0)
		return r;
	if (ret_path != NULL)
		*ret_path = hand_out(s, aside);
	return 0;
}

/* The image and its sidecar, named after the verdict. */
static int
move_aside(struct imagestore *s, enum image_verdict why, uint64_t gen, const char **ret_path)
{
	const char *why_name = image_verdict_name(why);

	if (why_name == NULL || why == IMAGE_NONE || why == IMAGE_VALID)
		return -EINVAL;
	return move_aside_as(s, ".save", why_name, gen, true, ret_path);
}

/* Generation to put in an aside name: the image's own if known. */
static uint64_t
image_gen_for_name(const struct imagestore *s, uint64_t current)
{
	struct image_meta m;

	if (meta_read(s, &m) == 0)
		return m.generation;
	return current;
}

/*
 * Generation for a store that has no NAME.gen yet: 0, unless an image is
 * already there.  A normal store never has an image without NAME.gen (the
 * save that made it opened the store first), so such an image has an unknown
 * history: start one generation past it, so it is judged stale, not valid.
 */
static uint64_t
first_generation(const struct imagestore *s)
{
	char image[NAME_MAX + 1];
	struct image_meta m;

	if (file_name(s, ".save", image, sizeof(image)) >= 0 && exists(s, image) &&
	    meta_read(s, &m) == 0 && m.generation < UINT64_MAX)
		return m.generation + 1;
	return 0;
}

/* ---- public ---- */

int
imagestore_open(const char *save_dir, const char *vm_name, const char *vm_uuid,
                struct imagestore **ret)
{
	struct imagestore *s;
	uint64_t gen;
	int r;

	if (save_dir == NULL || vm_name == NULL || vm_uuid == NULL || ret == NULL)
		return -EINVAL;
	if (!name_valid(vm_name) || !uuid_valid(vm_uuid))
		return -EINVAL;
	if (strlen(save_dir) >= sizeof(s->dir))
		return -ENAMETOOLONG;
	/* the longest name we make must fit NAME_MAX */
	if (strlen(vm_name) + strlen(".save.wrong-uuid.18446744073709551615.99999999999.99.meta") >
	    NAME_MAX)
		return -ENAMETOOLONG;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->dir_fd = -1;
	memcpy(s->dir, save_dir, strlen(save_dir) + 1);
	memcpy(s->name, vm_name, strlen(vm_name) + 1);
	for (size_t i = 0; i <= IMAGE_UUID_LEN; i++)
		s->uuid[i] = (vm_uuid[i] >= 'A' && vm_uuid[i] <= 'F') ? (char)(vm_uuid[i] + 32)
		                                                      : vm_uuid[i];

	s->dir_fd = open(save_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dir_fd < 0) {
		r = -errno;
		goto fail;
	}
	if (faccessat(s->dir_fd, ".", W_OK, AT_EACCESS) < 0) {
		r = -errno;
		goto fail;
	}

	r = gen_read(s, &gen);
	if (r == -ENOENT)
		r = gen_write(s, first_generation(s));
	if (r < 0)
		goto fail;

	*ret = s;
	return 0;
fail:
	imagestore_free(s);
	return r;
}

struct imagestore *
imagestore_free(struct imagestore *s)
{
	if (s == NULL)
		return NULL;
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	free(s);
	return NULL;
}

int
imagestore_generation(struct imagestore *s, uint64_t *ret_gen)
{
	if (s == NULL || ret_gen == NULL)
		return -EINVAL;
	/* always from disk: another node may have moved it on */
	return gen_read(s, ret_gen);
}

int
imagestore_cold_boot(struct imagestore *s, uint64_t *ret_gen)
{
	uint64_t gen;
	int r;

	if (s == NULL)
		return -EINVAL;
	r = gen_read(s, &gen);
	if (r < 0)
		return r;
	if (gen == UINT64_MAX)
		return -EOVERFLOW;
	/* bump first: should we die before the move, the image is stale anyway */
	r = gen_write(s, gen + 1);
	if (r < 0)
		return r;
	if (imagestore_has_image(s)) {
		r = move_aside(s, IMAGE_STALE, image_gen_for_name(s, gen), NULL);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	if (ret_gen != NULL)
		*ret_gen = gen + 1;
	return 0;
}

int
imagestore_save_begin(struct imagestore *s, const char **ret_path, uint64_t *ret_gen)
{
	char part[NAME_MAX + 1];
	uint64_t gen;
	int r;

	if (s == NULL || ret_path == NULL || ret_gen == NULL)
		return -EINVAL;
	r = gen_read(s, &gen);
	if (r < 0)
		return r;
	r = file_name(s, ".save.part", part, sizeof(part));
	if (r < 0)
		return r;
	/* Left by an earlier save: never restored, but it may be a complete
	 * image whose commit failed (the only copy of a stopped guest), so it
	 * is moved aside as NAME.save.partial.<gen>.<unix_s>, not deleted. */
	r = move_aside_as(s, ".save.part", "partial", gen, false, NULL);
	if (r < 0 && r != -ENOENT)
		return r;
	s->saving = true;
	s->save_generation = gen;
	*ret_path = hand_out(s, part);
	*ret_gen = gen;
	return 0;
}

void
imagestore_whole_crc(struct imagestore *s, bool on)
{
	if (s != NULL)
		s->whole_crc = on;
}

int
imagestore_save_commit(struct imagestore *s)
{
	char part[NAME_MAX + 1], image[NAME_MAX + 1];
	struct image_observed obs = {0};
	struct image_meta m;
	int fd, r;

	if (s == NULL)
		return -EINVAL;
	if (!s->saving)
		return -EBADFD;
	r = file_name(s, ".save.part", part, sizeof(part));
	if (r < 0)
		return r;
	r = file_name(s, ".save", image, sizeof(image));
	if (r < 0)
		return r;

	fd = openat(s->dir_fd, part, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -errno;
	r = fsync(fd) < 0 ? -errno : 0;
	if (r == 0)
		r = measure(fd, true, &obs);
	if (r == 0 && s->whole_crc) {
		r = crc_whole(fd, obs.size_bytes, &obs.body_crc);
		obs.body_measured = r == 0;
	}
	close(fd);
	if (r < 0)
		return r;

	/* an older image in the way is moved aside, not overwritten */
	if (exists(s, image)) {
		uint64_t cur;

		r = gen_read(s, &cur);
		if (r < 0)
			return r;
		r = move_aside(s, IMAGE_STALE, image_gen_for_name(s, cur), NULL);
		if (r < 0 && r != -ENOENT)
			return r;
	}

	memset(&m, 0, sizeof(m));
	memcpy(m.uuid, s->uuid, sizeof(m.uuid));
	m.generation = s->save_generation;
	m.size_bytes = obs.size_bytes;
	m.head_crc = obs.head_crc;
	m.tail_crc = obs.tail_crc;
	m.consumed = false;
	if (obs.body_measured) {
		m.body_crc = obs.body_crc;
		r = body_write(s, &m);
	} else {
		/* an older image's is not this one's (body_read would ignore it anyway) */
		char body[NAME_MAX + 1];

		r = file_name(s, ".save.body", body, sizeof(body));
		if (r >= 0)
			r = unlinkat(s->dir_fd, body, 0) < 0 && errno != ENOENT ? -errno : 0;
	}
	if (r < 0)
		return r;
	r = meta_write(s, &m);
	if (r < 0)
		return r;
	if (renameat(s->dir_fd, part, s->dir_fd, image) < 0)
		return -errno;
	r = fileio_fsync_dirfd(s->dir_fd);
	if (r < 0)
		return r;
	s->saving = false;
	return 0;
}

int
imagestore_save_abort(struct imagestore *s)
{
	char part[NAME_MAX + 1];
	int r;

	if (s == NULL)
		return -EINVAL;
	r = file_name(s, ".save.part", part, sizeof(part));
	if (r < 0)
		return r;
	s->saving = false;
	if (unlinkat(s->dir_fd, part, 0) < 0 && errno != ENOENT)
		return -errno;
	return fileio_fsync_dirfd(s->dir_fd);
}

int
imagestore_restore_check(struct imagestore *s, enum image_verdict *ret_verdict,
                         const char **ret_path, uint64_t *ret_gen)
{
	char image[NAME_MAX + 1];
	struct image_observed obs = {0};
	struct image_meta m;
	enum image_verdict v;
	const char *aside = NULL;
	uint64_t gen;
	int fd, r;

	if (s == NULL || ret_verdict == NULL)
		return -EINVAL;
	r = gen_read(s, &gen);
	if (r < 0)
		return r;
	r = file_name(s, ".save", image, sizeof(image));
	if (r < 0)
		return r;

	fd = openat(s->dir_fd, image, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		if (errno != ENOENT)
			return -errno;
		*ret_verdict = IMAGE_NONE;
		if (ret_path != NULL)
			*ret_path = NULL;
		if (ret_gen != NULL)
			*ret_gen = gen;
		return 0;
	}
	obs.image_exists = true;

	memset(&m, 0, sizeof(m));
	r = meta_read(s, &m);
	if (r == 0) {
		obs.meta_exists = true;
		body_read(s, &m);
	} else if (r == -EBADMSG)
		obs.meta_unreadable = true;
	else if (r != -ENOENT) {
		close(fd);
		return r;
	}
	r = measure(fd, false, &obs);
	/* checksums only when they can still decide something */
	if (r == 0 && obs.meta_exists && obs.size_bytes == m.size_bytes)
		r = measure(fd, true, &obs);
	if (r == 0 && obs.meta_exists && m.has_body_crc && obs.size_bytes == m.size_bytes &&
	    obs.head_crc == m.head_crc && obs.tail_crc == m.tail_crc) {
		r = crc_whole(fd, obs.size_bytes, &obs.body_crc);
		obs.body_measured = r == 0;
	}
	close(fd);
	if (r < 0)
		return r;

	v = imagerules_judge(s->uuid, gen, obs.meta_exists ? &m : NULL, &obs);
	if (v == IMAGE_VALID) {
		*ret_verdict = v;
		if (ret_path != NULL)
			*ret_path = hand_out(s, image);
		if (ret_gen != NULL)
			*ret_gen = m.generation;
		return 0;
	}

	r = move_aside(s, v, obs.meta_exists ? m.generation : gen, &aside);
	if (r < 0)
		return r;
	*ret_verdict = v;
	if (ret_path != NULL)
		*ret_path = aside;
	if (ret_gen != NULL)
		*ret_gen = obs.meta_exists ? m.generation : gen;
	return 0;
}

int
imagestore_reject(struct imagestore *s, enum image_verdict verdict, const char **ret_aside)
{
	uint64_t gen;
	int r;

	if (s == NULL || verdict == IMAGE_NONE || verdict == IMAGE_VALID ||
	    image_verdict_name(verdict) == NULL)
		return -EINVAL;
	r = gen_read(s, &gen);
	if (r < 0)
		return r;
	return move_aside(s, verdict, image_gen_for_name(s, gen), ret_aside);
}

int
imagestore_restore_consume(struct imagestore *s)
{
	struct image_meta m;
	uint64_t gen, image_gen;
	int r;

	if (s == NULL)
		return -EINVAL;
	r = gen_read(s, &gen);
	if (r < 0)
		return r;
	if (gen == UINT64_MAX)
		return -EOVERFLOW;
	if (!imagestore_has_image(s))
		return -ENOENT;

	/*
	 * Three guards, any one of which refuses a second restore: the
	 * generation, the consumed flag, the image's name.  The generation
	 * goes first, in one atomic step: if it fails nothing has changed and
	 * the image is still valid (the caller may destroy the paused copy and
	 * try again); once it is done the image is stale for good, and the
	 * other two steps only make that plain to a reader of the directory
	 * (restore_check would move it aside as stale otherwise).
	 */
	r = gen_write(s, gen + 1);
	if (r < 0)
		return r;
	image_gen = gen;
	if (meta_read(s, &m) == 0) {
		image_gen = m.generation;
		m.consumed = true;
		(void)meta_write(s, &m);
	}
	(void)move_aside(s, IMAGE_CONSUMED, image_gen, NULL);
	return 0;
}

bool
imagestore_has_image(struct imagestore *s)
{
	char image[NAME_MAX + 1];

	if (s == NULL || file_name(s, ".save", image, sizeof(image)) < 0)
		return false;
	return exists(s, image);
}
