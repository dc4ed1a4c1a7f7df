/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * saveprobe.h - how fast a save dir writes and reads: a short probe, cached.
 *
 * The probe writes BYTES of incompressible data in 1 MiB chunks with
 * O_DIRECT (as libvirt's iohelper does with BYPASS_CACHE; buffered + fsync +
 * POSIX_FADV_DONTNEED where O_DIRECT is refused), fsyncs, reads it back and
 * unlinks the file (DIR/.ferry-probe.PID.RANDOM).  The result is cached in
 * CACHE_DIR/saveprobe<save dir with '/' as '_'>, one line
 * "ferry-probe-v1 WRITE_BPS READ_BPS UNIX_S DIRECT", so that move=auto and
 * ferryctl predict pay the probe at most once per max age.
 */
#ifndef FERRY_SAVEPROBE_H
#define FERRY_SAVEPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SAVEPROBE_DEFAULT_BYTES     ((uint64_t)32 * 1024 * 1024)
#define SAVEPROBE_DEFAULT_MAX_AGE_S 600

struct saveprobe {
	uint64_t write_bps;
	uint64_t read_bps;
	int64_t at_unix_s; /* when it was measured */
	bool direct;       /* O_DIRECT (else buffered + fsync + fadvise) */
};

/*
 * The cached probe of dir if younger than max_age_s (*ret_age_s its age),
 * else a new probe (*ret_age_s -1), cached when cache_dir is not NULL (a
 * cache that cannot be written is ignored).  0 and *ret; -errno of the probe.
 */
int saveprobe_get(const char *dir, const char *cache_dir, uint64_t bytes, uint32_t max_age_s,
                  struct saveprobe *ret, int64_t *ret_age_s);

/* One probe now, no cache: bytes must be a non-zero multiple of 1 MiB. */
int saveprobe_run(const char *dir, uint64_t bytes, struct saveprobe *ret);

/* The cache line (pure): length or -ENOBUFS; 0 or -EBADMSG. */
int saveprobe_format(const struct saveprobe *p, char *buf, size_t len);
int saveprobe_parse(const char *text, struct saveprobe *ret);
/* The cache file of save_dir inside cache_dir: 0 or -ENAMETOOLONG. */
int saveprobe_cache_path(const char *cache_dir, const char *save_dir, char *buf, size_t len);

#endif
