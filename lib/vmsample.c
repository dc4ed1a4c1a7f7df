/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vmsample.c - measure one running domain for the prediction engine. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "ferry/macros.h"
#include "ferry/clock.h"
#include "ferry/vmsample.h"

#define VMSAMPLE_CMDLINE_MAX 65536
#define VMSAMPLE_POLL_MS     100

static const char *const vmsample_field_names[] = {
        [VMSAMPLE_MEM] = "mem",
        [VMSAMPLE_TOUCHED] = "touched",
        [VMSAMPLE_DIRTY] = "dirty",
        [VMSAMPLE_NET] = "net",
        [VMSAMPLE_SAVE_WRITE] = "save_write",
        [VMSAMPLE_SAVE_READ] = "save_read",
};
_Static_assert(ELEMENTSOF(vmsample_field_names) == _VMSAMPLE_FIELD_MAX, "field names");

static const char *const vmsample_source_names[] = {
        [VMSAMPLE_MEASURED] = "measured",
        [VMSAMPLE_CACHED] = "cached",
        [VMSAMPLE_HISTORY] = "history",
        [VMSAMPLE_ASSUMED] = "assumed",
};
_Static_assert(ELEMENTSOF(vmsample_source_names) == _VMSAMPLE_SOURCE_MAX, "source names");

const char *
vmsample_field_name(enum vmsample_field f)
{
	if ((unsigned)f >= ELEMENTSOF(vmsample_field_names))
		return "unknown";
	return vmsample_field_names[f];
}

const char *
vmsample_source_name(enum vmsample_source s)
{
	if ((unsigned)s >= ELEMENTSOF(vmsample_source_names))
		return "unknown";
	return vmsample_source_names[s];
}

uint64_t
vmsample_value(const struct vmsample *s, enum vmsample_field f)
{
	switch (f) {
	case VMSAMPLE_MEM:
		return s->in.mem_bytes;
	case VMSAMPLE_TOUCHED:
		return s->in.touched_bytes;
	case VMSAMPLE_DIRTY:
		return s->in.dirty_bytes_s;
	case VMSAMPLE_NET:
		return s->in.net_bps;
	case VMSAMPLE_SAVE_WRITE:
		return s->in.save_write_bps;
	case VMSAMPLE_SAVE_READ:
		return s->in.save_read_bps;
	default:
		return PREDICT_UNKNOWN;
	}
}

void
vmsample_opts_default(struct vmsample_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->dirty_seconds = VMSAMPLE_DIRTY_SECONDS;
	o->probe_bytes = VMSAMPLE_PROBE_BYTES;
	o->probe_cache_s = VMSAMPLE_PROBE_CACHE_S;
}

static void vmsample_how(struct vmsample *s, enum vmsample_field f, enum vmsample_source src,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
vmsample_how(struct vmsample *s, enum vmsample_field f, enum vmsample_source src, const char *fmt,
             ...)
{
	va_list ap;

	s->how[f].source = src;
	va_start(ap, fmt);
	vsnprintf(s->how[f].text, sizeof(s->how[f].text), fmt, ap);
	va_end(ap);
}

static const char *
vmsample_virt_err(void)
{
	const char *m = virGetLastErrorMessage();

	return m != NULL ? m : "unknown libvirt error";
}

/* ---- smaps -------------------------------------------------------------- */

struct vmsample_map {
	bool candidate;
	uint64_t size;
	uint64_t resident;
};

/* Guest RAM lives in anonymous memory, or in a memfd, hugetlbfs or shm file
 * (memoryBacking); never in a library or an ordinary file. */
static bool
vmsample_ram_path(const char *path)
{
	return path[0] == '\0' || strncmp(path, "/memfd:", 7) == 0 ||
	       strncmp(path, "/dev/shm/", 9) == 0 || strstr(path, "hugepages") != NULL ||
	       strstr(path, "/libvirt/qemu/") != NULL;
}

/* 1 header parsed into m, 0 not a header. */
static int
vmsample_smaps_header(const char *line, struct vmsample_map *m)
{
	unsigned long long start, end, inode;
	char perms[8];
	int pos = 0;
	const char *path;
	size_t len;

	if (sscanf(line, "%llx-%llx %7s %*x %*x:%*x %llu %n", &start, &end, perms, &inode, &pos) <
	            4 ||
	    pos == 0 || end < start)
		return 0;
	path = line + pos;
	len = strcspn(path, "\n");
	while (len > 0 && (path[len - 1] == ' ' || path[len - 1] == '\t'))
		len--;
	{
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%.*s", (int)len, path);
		m->candidate = perms[0] == 'r' && perms[1] == 'w' && vmsample_ram_path(p);
	}
	m->size = (uint64_t)(end - start);
	m->resident = 0;
	return 1;
}

static void
vmsample_smaps_pick(const struct vmsample_map *m, uint64_t min_bytes, bool *found,
                    struct vmsample_map *best)
{
	if (!m->candidate || m->size < min_bytes)
		return;
	if (!*found || m->size < best->size) {
		*best = *m;
		*found = true;
	}
}

int
vmsample_smaps_guest_rss(FILE *f, uint64_t min_bytes, uint64_t *ret_rss, uint64_t *ret_size)
{
	struct vmsample_map cur = {0};
	struct vmsample_map best = {0};
	bool have = false;
	bool found = false;
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;

	while (getline(&line, &cap, f) > 0) {
		struct vmsample_map m;
		unsigned long long kb;
		char key[64];

		if (vmsample_smaps_header(line, &m) == 1) {
			if (have)
				vmsample_smaps_pick(&cur, min_bytes, &found, &best);
			cur = m;
			have = true;
			continue;
		}
		if (!have) {
			ret = -EBADMSG;
			break;
		}
		if (sscanf(line, "%63[^:]: %llu kB", key, &kb) != 2)
			continue; /* VmFlags, THPeligible, ... */
		if (strcmp(key, "Rss") == 0 || strcmp(key, "Private_Hugetlb") == 0 ||
		    strcmp(key, "Shared_Hugetlb") == 0)
			cur.resident += (uint64_t)kb * 1024u;
	}
	free(line);
	if (ret != 0)
		return ret;
	if (have)
		vmsample_smaps_pick(&cur, min_bytes, &found, &best);
	if (!found)
		return -ENOENT;
	*ret_rss = best.resident;
	*ret_size = best.size;
	return 0;
}

/* ---- moves log ------------------------------------------------------------ */

int
vmsample_pick_move(const struct move_record *recs, size_t n, const char *target,
                   struct move_record *ret, bool *ret_same_target)
{
	const struct move_record *any = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct move_record *r = &recs[i];

		if (!moverec_ok_of(r, FERRY_MOVE_LIVE) || r->net_bps <= 0)
			continue;
		if (any == NULL)
			any = r;
		if (target != NULL && target[0] != '\0' && strcmp(r->to, target) == 0) {
			*ret = *r;
			*ret_same_target = true;
			return 1;
		}
	}
	if (any == NULL)
		return 0;
	*ret = *any;
	*ret_same_target = false;
	return 1;
}

/* ---- dirty-rate stats ------------------------------------------------------ */

static bool
vmsample_param_u64(const virTypedParameter *p, uint64_t *ret)
{
	switch (p->type) {
	case VIR_TYPED_PARAM_INT:
		if (p->value.i < 0)
			return false;
		*ret = (uint64_t)p->value.i;
		return true;
	case VIR_TYPED_PARAM_UINT:
		*ret = p->value.ui;
		return true;
	case VIR_TYPED_PARAM_LLONG:
		if (p->value.l < 0)
			return false;
		*ret = (uint64_t)p->value.l;
		return true;
	case VIR_TYPED_PARAM_ULLONG:
		*ret = p->value.ul;
		return true;
	default:
		return false;
	}
}

enum vmsample_dirty_status
vmsample_dirty_parse(const virTypedParameter *params, int n, uint64_t *ret_bytes_s,
                     int *ret_period_s)
{
	bool have_status = false;
	bool have_rate = false;
	uint64_t status = 0;
	uint64_t rate = 0;
	uint64_t v;

	for (int i = 0; i < n; i++) {
		const virTypedParameter *p = &params[i];

		if (strcmp(p->field, "dirtyrate.calc_status") == 0 && vmsample_param_u64(p, &v)) {
			status = v;
			have_status = true;
		} else if (strcmp(p->field, "dirtyrate.megabytes_per_second") == 0 &&
		           vmsample_param_u64(p, &v)) {
			rate = v;
			have_rate = true;
		} else if (strcmp(p->field, "dirtyrate.calc_period") == 0 &&
		           vmsample_param_u64(p, &v) && ret_period_s != NULL && v <= INT_MAX) {
			*ret_period_s = (int)v;
		}
	}
	if (!have_status)
		return VMSAMPLE_DIRTY_NONE;
	switch (status) {
	case VIR_DOMAIN_DIRTYRATE_MEASURED:
		if (!have_rate || rate > UINT64_MAX / PREDICT_MIB)
			return VMSAMPLE_DIRTY_NONE;
		*ret_bytes_s = rate * PREDICT_MIB;
		return VMSAMPLE_DIRTY_MEASURED;
	case VIR_DOMAIN_DIRTYRATE_MEASURING:
		return VMSAMPLE_DIRTY_MEASURING;
	default:
		return VMSAMPLE_DIRTY_UNSTARTED;
	}
}

/* ---- the samples ------------------------------------------------------------- */

/* The QEMU pid from libvirt's pid file, checked against the UUID. */
static int
vmsample_qemu_pid(const char *run_dir, const char *proc_root, const char *name, const char *uuid,
                  long *ret_pid, char *why, size_t why_len)
{
	char path[PATH_MAX];
	char text[32];
	char *cmd;
	char *end = NULL;
	size_t n;
	long pid;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.pid", run_dir, name);
	f = fopen(path, "re");
	if (f == NULL) {
		snprintf(why, why_len, "no QEMU pid file %.96s (%s)", path, strerror(errno));
		return -ENOENT;
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	errno = 0;
	pid = strtol(text, &end, 10);
	if (errno != 0 || end == text || pid <= 0 || (*end != '\0' && *end != '\n')) {
		snprintf(why, why_len, "pid file %.96s holds no pid", path);
		return -EBADMSG;
	}
	snprintf(path, sizeof(path), "%s/%ld/cmdline", proc_root, pid);
	f = fopen(path, "re");
	if (f == NULL) {
		snprintf(why, why_len, "QEMU pid %ld from %.64s/%.32s.pid: %s", pid, run_dir, name,
		         strerror(errno));
		return -ESRCH;
	}
	cmd = calloc(1, VMSAMPLE_CMDLINE_MAX);
	if (cmd == NULL) {
		fclose(f);
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	n = fread(cmd, 1, VMSAMPLE_CMDLINE_MAX - 1, f);
	fclose(f);
	for (size_t i = 0; i < n; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	cmd[n] = '\0';
	if (strstr(cmd, uuid) == NULL) {
		free(cmd);
		snprintf(why, why_len, "process %ld named by %.64s/%.32s.pid is not this VM's QEMU",
		         pid, run_dir, name);
		return -ESRCH;
	}
	free(cmd);
	*ret_pid = pid;
	return 0;
}

static void
vmsample_touched(virDomainPtr d, const struct vmsample_opts *o, struct vmsample *s)
{
	char uuid[VIR_UUID_STRING_BUFLEN];
	char why[VMSAMPLE_HOW_MAX];
	char path[PATH_MAX];
	const char *name = virDomainGetName(d);
	uint64_t rss = 0;
	uint64_t size = 0;
	long pid = 0;
	FILE *f;
	int r;

	if (name == NULL || virDomainGetUUIDString(d, uuid) != 0) {
		vmsample_how(s, VMSAMPLE_TOUCHED, VMSAMPLE_ASSUMED, "all memory: %s",
		             vmsample_virt_err());
		return;
	}
	if (vmsample_qemu_pid(o->run_dir, o->proc_root, name, uuid, &pid, why, sizeof(why)) != 0) {
		vmsample_how(s, VMSAMPLE_TOUCHED, VMSAMPLE_ASSUMED, "all memory: %.170s", why);
		return;
	}
	snprintf(path, sizeof(path), "%s/%ld/smaps", o->proc_root, pid);
	f = fopen(path, "re");
	if (f == NULL) {
		vmsample_how(s, VMSAMPLE_TOUCHED, VMSAMPLE_ASSUMED, "all memory: %.96s: %s", path,
		             strerror(errno));
		return;
	}
	r = vmsample_smaps_guest_rss(f, s->max_mem_bytes, &rss, &size);
	if (r == -ENOENT && s->in.mem_bytes < s->max_mem_bytes) {
		rewind(f);
		r = vmsample_smaps_guest_rss(f, s->in.mem_bytes, &rss, &size);
	}
	fclose(f);
	if (r != 0) {
		vmsample_how(s, VMSAMPLE_TOUCHED, VMSAMPLE_ASSUMED, "all memory: %.96s: %s", path,
		             r == -ENOENT ? "no mapping as large as the guest's memory"
		                          : "unreadable");
		return;
	}
	if (rss > s->in.mem_bytes)
		rss = s->in.mem_bytes; /* ballooned down: never more than the guest has */
	s->in.touched_bytes = rss;
	vmsample_how(s, VMSAMPLE_TOUCHED, VMSAMPLE_MEASURED,
	             "Rss of QEMU %ld's guest-RAM mapping (%" PRIu64 " MiB mapped)", pid,
	             size / PREDICT_MIB);
}

static void
vmsample_dirty(virDomainPtr d, const struct vmsample_opts *o, struct vmsample *s)
{
	virDomainPtr doms[2] = {d, NULL};
	enum vmsample_dirty_status st = VMSAMPLE_DIRTY_NONE;
	uint64_t deadline;
	uint64_t rate = 0;
	int period = 0;

	if (o->dirty_seconds == 0) {
		vmsample_how(s, VMSAMPLE_DIRTY, VMSAMPLE_ASSUMED, "idle: not measured (0 s asked)");
		return;
	}
	if (virDomainStartDirtyRateCalc(d, (int)o->dirty_seconds, 0) != 0) {
		vmsample_how(s, VMSAMPLE_DIRTY, VMSAMPLE_ASSUMED,
		             "idle: the dirty-rate calculation cannot start: %s",
		             vmsample_virt_err());
		return;
	}
	deadline = ferry_clock_ms() + o->dirty_seconds * 1000u + VMSAMPLE_DIRTY_SLACK_MS;
	ferry_sleep_ms(o->dirty_seconds * 1000u);
	for (;;) {
		virDomainStatsRecordPtr *recs = NULL;
		int n = virDomainListGetStats(doms, VIR_DOMAIN_STATS_DIRTYRATE, &recs, 0);

		if (n < 0) {
			vmsample_how(s, VMSAMPLE_DIRTY, VMSAMPLE_ASSUMED,
			             "idle: cannot read the dirty rate: %s", vmsample_virt_err());
			return;
		}
		st = n >= 1 ? vmsample_dirty_parse(recs[0]->params, recs[0]->nparams, &rate,
		                                   &period)
		            : VMSAMPLE_DIRTY_NONE;
		virDomainStatsRecordListFree(recs);
		if (st == VMSAMPLE_DIRTY_MEASURED || st == VMSAMPLE_DIRTY_NONE ||
		    ferry_clock_ms() >= deadline)
			break;
		ferry_sleep_ms(VMSAMPLE_POLL_MS);
	}
	if (st != VMSAMPLE_DIRTY_MEASURED) {
		vmsample_how(s, VMSAMPLE_DIRTY, VMSAMPLE_ASSUMED, "idle: %s",
		             st == VMSAMPLE_DIRTY_NONE
		                     ? "libvirt reports no dirty-rate result"
		                     : "the dirty-rate calculation did not finish in time");
		return;
	}
	s->in.dirty_bytes_s = rate;
	vmsample_how(s, VMSAMPLE_DIRTY, VMSAMPLE_MEASURED, "libvirt dirty-rate calculation, %d s",
	             period > 0 ? period : (int)o->dirty_seconds);
}

static void
vmsample_net(const struct vmsample_opts *o, const char *path, const struct move_record *recs,
             size_t n, int load_rc, struct vmsample *s)
{
	struct move_record r;
	bool same = false;
	char when[32] = "?";
	struct tm tm;
	time_t t;

	if (load_rc != 0) {
		vmsample_how(s, VMSAMPLE_NET, VMSAMPLE_ASSUMED, "default: no moves log %.96s (%s)",
		             path, strerror(-load_rc));
		return;
	}
	if (vmsample_pick_move(recs, n, o->target, &r, &same) != 1) {
		vmsample_how(s, VMSAMPLE_NET, VMSAMPLE_ASSUMED,
		             "default: no successful live move with a recorded bandwidth in %.96s",
		             path);
		return;
	}
	t = (time_t)(r.start_unix_ms / 1000);
	if (localtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	s->in.net_bps = (uint64_t)r.net_bps;
	s->net_move_unix_ms = r.start_unix_ms;
	vmsample_how(s, VMSAMPLE_NET, VMSAMPLE_HISTORY, "live move of %.40s to %.40s at %s%s", r.vm,
	             r.to, when,
	             same || o->target == NULL || o->target[0] == '\0'
	                     ? ""
	                     : " (none to the target yet)");
}

/* The moves log, read once: the migration bandwidth and the calibration. */
static void
vmsample_history(const struct vmsample_opts *o, struct vmsample *s)
{
	const char *path = moverec_path(o->moves_path);
	struct move_record *recs = NULL;
	struct predict_params apriori;
	size_t n = 0, skipped = 0;
	int rc;

	rc = moverec_load(path, MOVEREC_READ_MAX, &recs, &n, &skipped);
	if (rc != 0)
		snprintf(s->history, sizeof(s->history), "no moves log %.96s (%s)", path,
		         strerror(-rc));
	else
		snprintf(s->history, sizeof(s->history), "%zu record%s in %.96s%s", n,
		         n == 1 ? "" : "s", path, skipped > 0 ? " (unreadable lines skipped)" : "");
	vmsample_net(o, path, recs, n, rc, s);
	predict_params_default(&apriori);
	(void)calibrate_compute(recs, n, o->node, o->target, &apriori, &s->cal);
	free(recs);
}

static void
vmsample_save(const struct vmsample_opts *o, struct vmsample *s)
{
	struct saveprobe p;
	int64_t age_s = -1;
	int r;

	if (o->save_dir == NULL || o->save_dir[0] == '\0') {
		vmsample_how(s, VMSAMPLE_SAVE_WRITE, VMSAMPLE_ASSUMED,
		             "default: no save dir given");
		vmsample_how(s, VMSAMPLE_SAVE_READ, VMSAMPLE_ASSUMED, "default: no save dir given");
		return;
	}
	r = saveprobe_get(o->save_dir, o->cache_dir, o->probe_bytes, o->probe_cache_s, &p, &age_s);
	if (r != 0) {
		vmsample_how(s, VMSAMPLE_SAVE_WRITE, VMSAMPLE_ASSUMED,
		             "default: probe in %.80s failed: %s", o->save_dir, strerror(-r));
	} else if (age_s >= 0) {
		s->in.save_write_bps = p.write_bps;
		s->in.save_read_bps = p.read_bps;
		vmsample_how(s, VMSAMPLE_SAVE_WRITE, VMSAMPLE_CACHED,
		             "probe of %.80s %" PRId64 " s ago%s (cached)", o->save_dir, age_s,
		             p.direct ? ", O_DIRECT" : ", buffered");
	} else {
		s->in.save_write_bps = p.write_bps;
		s->in.save_read_bps = p.read_bps;
		vmsample_how(s, VMSAMPLE_SAVE_WRITE, VMSAMPLE_MEASURED,
		             "probe of %.80s now: %" PRIu64 " MiB written, fsync'd, read back%s",
		             o->save_dir, o->probe_bytes / PREDICT_MIB,
		             p.direct ? " (O_DIRECT)" : " (buffered: no O_DIRECT here)");
	}
	s->how[VMSAMPLE_SAVE_READ] = s->how[VMSAMPLE_SAVE_WRITE];
}

/* The options with every NULL or 0 replaced by its default. */
static void
vmsample_opts_fill(const struct vmsample_opts *o0, struct vmsample_opts *o)
{
	*o = *o0;
	if (o->cache_dir == NULL) {
		o->cache_dir = secure_getenv(VMSAMPLE_CACHE_ENV);
		if (o->cache_dir == NULL || o->cache_dir[0] == '\0')
			o->cache_dir = VMSAMPLE_CACHE_DIR;
	}
	if (o->run_dir == NULL)
		o->run_dir = VMSAMPLE_RUN_DIR;
	if (o->proc_root == NULL)
		o->proc_root = VMSAMPLE_PROC_ROOT;
	if (o->probe_bytes == 0)
		o->probe_bytes = VMSAMPLE_PROBE_BYTES;
	if (o->probe_cache_s == 0)
		o->probe_cache_s = VMSAMPLE_PROBE_CACHE_S;
}

int
vmsample_take(virDomainPtr d, const struct vmsample_opts *o0, struct vmsample *ret, char *err,
              size_t err_len)
{
	struct vmsample_opts o;
	struct vmsample *s;
	virDomainInfo info;

	if (d == NULL || o0 == NULL || ret == NULL)
		return -EINVAL;
	vmsample_opts_fill(o0, &o);
	if (o.dirty_seconds > VMSAMPLE_DIRTY_SECONDS_MAX)
		return -EINVAL;

	if (virDomainGetInfo(d, &info) != 0) {
		if (err != NULL && err_len > 0)
			snprintf(err, err_len, "cannot read the domain's memory size: %s",
			         vmsample_virt_err());
		return -EIO;
	}
	if (info.memory == 0) {
		if (err != NULL && err_len > 0)
			snprintf(err, err_len, "libvirt reports 0 bytes of memory");
		return -EIO;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	predict_input_default(&s->in);
	s->in.mem_bytes = (uint64_t)info.memory * 1024u;
	s->max_mem_bytes = (uint64_t)info.maxMem * 1024u;
	if (s->max_mem_bytes < s->in.mem_bytes)
		s->max_mem_bytes = s->in.mem_bytes;
	s->net_move_unix_ms = -1;
	vmsample_how(s, VMSAMPLE_MEM, VMSAMPLE_MEASURED,
	             "libvirt domain info (maximum %" PRIu64 " MiB)",
	             s->max_mem_bytes / PREDICT_MIB);

	vmsample_touched(d, &o, s);
	vmsample_dirty(d, &o, s);
	vmsample_history(&o, s);
	vmsample_save(&o, s);
	*ret = *s;
	free(s);
	return 0;
}

int
vmsample_from_memory(uint64_t mem_bytes, const char *mem_how, const char *why,
                     const struct vmsample_opts *o0, struct vmsample *ret)
{
	struct vmsample_opts o;
	struct vmsample *s;

	if (mem_bytes == 0 || o0 == NULL || ret == NULL)
		return -EINVAL;
	vmsample_opts_fill(o0, &o);
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	predict_input_default(&s->in);
	s->in.mem_bytes = mem_bytes;
	s->max_mem_bytes = mem_bytes;
	s->net_move_unix_ms = -1;
	vmsample_how(s, VMSAMPLE_MEM, VMSAMPLE_ASSUMED, "%.80s",
	             mem_how != NULL ? mem_how : "given");
	vmsample_how(s, VMSAMPLE_TOUCHED, VMSAMPLE_ASSUMED, "all memory: %.160s",
	             why != NULL ? why : "not sampled");
	vmsample_how(s, VMSAMPLE_DIRTY, VMSAMPLE_ASSUMED, "idle: %.160s",
	             why != NULL ? why : "not sampled");
	vmsample_history(&o, s);
	vmsample_save(&o, s);
	*ret = *s;
	free(s);
	return 0;
}
