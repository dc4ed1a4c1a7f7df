/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* saveprobe.c - how fast the save dir writes and reads, measured and cached. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ferry/clock.h"
#include "ferry/fileio.h"
#include "ferry/saveprobe.h"

#define SAVEPROBE_CHUNK ((size_t)1024 * 1024)
#define SAVEPROBE_ALIGN 4096

#define SAVEPROBE_MAGIC     "ferry-probe-v1"
#define SAVEPROBE_CACHE_MAX 127 /* bytes: a cache line is far shorter */

int
saveprobe_format(const struct saveprobe *p, char *buf, size_t len)
{
	int n = snprintf(buf, len, SAVEPROBE_MAGIC " %" PRIu64 " %" PRIu64 " %" PRId64 " %d\n",
	                 p->write_bps, p->read_bps, p->at_unix_s, p->direct ? 1 : 0);

	if (n < 0 || (size_t)n >= len)
		return -ENOBUFS;
	return n;
}

int
saveprobe_parse(const char *text, struct saveprobe *ret)
{
	unsigned long long w, r;
	long long at;
	int direct;
	int pos = 0;

	if (sscanf(text, SAVEPROBE_MAGIC " %llu %llu %lld %d%n", &w, &r, &at, &direct, &pos) != 4 ||
	    w == 0 || r == 0 || at <= 0 || (direct != 0 && direct != 1))
		return -EBADMSG;
	if (text[pos] != '\n' || text[pos + 1] != '\0')
		return -EBADMSG;
	ret->write_bps = w;
	ret->read_bps = r;
	ret->at_unix_s = at;
	ret->direct = direct == 1;
	return 0;
}

int
saveprobe_cache_path(const char *cache_dir, const char *save_dir, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/saveprobe", cache_dir);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	for (const char *c = save_dir; *c != '\0'; c++) {
		if ((size_t)n + 1 >= len)
			return -ENAMETOOLONG;
		buf[n++] = *c == '/' ? '_' : *c;
	}
	buf[n] = '\0';
	return 0;
}

static int
saveprobe_read_all(int fd, char *buf, size_t len)
{
	while (len > 0) {
		ssize_t r = read(fd, buf, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* shorter than written */
		buf += r;
		len -= (size_t)r;
	}
	return 0;
}

static uint64_t
saveprobe_bps(uint64_t bytes, uint64_t ns)
{
	if (ns == 0)
		ns = 1;
	if (bytes > UINT64_MAX / 1000000000u)
		return bytes / ns * 1000000000u;
	return bytes * 1000000000u / ns;
}

/* One probe with or without O_DIRECT; -EINVAL when O_DIRECT is refused. */
static int
saveprobe_once(const char *path, char *buf, uint64_t bytes, bool direct, struct saveprobe *ret)
{
	int dflag = direct ? O_DIRECT : 0;
	uint64_t t0, t1, done;
	int fd;
	int r = 0;

	fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOCTTY | dflag, 0600);
	if (fd < 0)
		return -errno;
	t0 = ferry_clock_ns();
	for (done = 0; done < bytes && r == 0; done += SAVEPROBE_CHUNK) {
		buf[0] = (char)(done >> 20); /* no two chunks alike */
		r = fileio_write_all(fd, buf, SAVEPROBE_CHUNK);
	}
	if (r == 0 && fsync(fd) != 0)
		r = -errno;
	t1 = ferry_clock_ns();
	if (r == 0 && !direct)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
	if (r == 0) {
		ret->write_bps = saveprobe_bps(bytes, t1 - t0);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | dflag);
		if (fd < 0) {
			r = -errno;
		} else {
			t0 = ferry_clock_ns();
			for (done = 0; done < bytes && r == 0; done += SAVEPROBE_CHUNK)
				r = saveprobe_read_all(fd, buf, SAVEPROBE_CHUNK);
			t1 = ferry_clock_ns();
			close(fd);
			ret->read_bps = saveprobe_bps(bytes, t1 - t0);
		}
	}
	(void)unlink(path);
	ret->direct = direct;
	return r;
}

int
saveprobe_run(const char *dir, uint64_t bytes, struct saveprobe *ret)
{
	struct saveprobe p = {0};
	char path[PATH_MAX];
	uint32_t x = (uint32_t)getpid() * 2654435761u + (uint32_t)ferry_clock_ns();
	void *mem = NULL;
	char *buf;
	int r;

	if (bytes < SAVEPROBE_CHUNK || bytes % SAVEPROBE_CHUNK != 0)
		return -EINVAL;
	if (snprintf(path, sizeof(path), "%s/.ferry-probe.%ld.%08" PRIx32, dir, (long)getpid(),
	             x) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	r = posix_memalign(&mem, SAVEPROBE_ALIGN, SAVEPROBE_CHUNK);
	if (r != 0)
		return -r;
	buf = mem;
	/* incompressible: a filesystem that compresses or dedups must not flatter it */
	for (size_t i = 0; i < SAVEPROBE_CHUNK; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (char)x;
	}
	r = saveprobe_once(path, buf, bytes, true, &p);
	if (r == -EINVAL) /* no O_DIRECT here (older tmpfs, some FUSE) */
		r = saveprobe_once(path, buf, bytes, false, &p);
	free(mem);
	if (r != 0)
		return r;
	p.at_unix_s = (int64_t)time(NULL);
	*ret = p;
	return 0;
}

static int
saveprobe_cache_read(const char *file, struct saveprobe *ret)
{
	void *text = NULL;
	size_t len = 0;
	int r;

	r = fileio_read_all(file, SAVEPROBE_CACHE_MAX, &text, &len);
	if (r < 0)
		return r;
	r = saveprobe_parse(text, ret);
	free(text);
	return r;
}

/* A cache under /run (tmpfs): replaced atomically, nothing to fsync. */
static int
saveprobe_cache_write(const char *cache_dir, const char *file, const struct saveprobe *p)
{
	const struct fileio_opts o = {
	        .mode = 0644, .umask_applies = true, .no_fsync_file = true, .no_fsync_dir = true};
	char text[SAVEPROBE_CACHE_MAX + 1];
	int n = saveprobe_format(p, text, sizeof(text));

	if (n < 0)
		return n;
	if (mkdir(cache_dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	return fileio_write_atomic(file, text, (size_t)n, &o);
}

int
saveprobe_get(const char *dir, const char *cache_dir, uint64_t bytes, uint32_t max_age_s,
              struct saveprobe *ret, int64_t *ret_age_s)
{
	struct saveprobe p;
	char file[PATH_MAX] = "";
	int64_t now = (int64_t)time(NULL);
	int r;

	if (cache_dir != NULL && saveprobe_cache_path(cache_dir, dir, file, sizeof(file)) != 0)
		file[0] = '\0';
	if (file[0] != '\0' && saveprobe_cache_read(file, &p) == 0 && p.at_unix_s <= now &&
	    now - p.at_unix_s < (int64_t)max_age_s) {
		*ret = p;
		*ret_age_s = now - p.at_unix_s;
		return 0;
	}
	r = saveprobe_run(dir, bytes, &p);
	if (r != 0)
		return r;
	/* a cache that cannot be written costs the next caller a probe, no more */
	if (file[0] != '\0')
		(void)saveprobe_cache_write(cache_dir, file, &p);
	*ret = p;
	*ret_age_s = -1;
	return 0;
}
