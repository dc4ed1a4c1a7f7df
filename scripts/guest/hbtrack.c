/* hbtrack: heartbeat stream bookkeeping, see hbtrack.h. */
#define _GNU_SOURCE
#include "hbtrack.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_MS 1000000LL
#define NS_PER_S  1000000000LL

int64_t
hbtrack_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

void
hbtrack_init(struct hbtrack *t, int64_t now_ns, int64_t gap_threshold_ns)
{
	memset(t, 0, sizeof(*t));
	t->start_ns = now_ns;
	t->gap_threshold_ns = gap_threshold_ns;
}

static int
parse_hb(const char *line, char id[17], uint64_t *ret_counter)
{
	const char *p = line;
	uint64_t counter;
	char *end;
	size_t n;

	for (n = 0; n < 16 && p[n] != '\0' && strchr("0123456789abcdef", p[n]) != NULL; n++)
		id[n] = p[n];
	if (n != 16 || p[16] != ' ')
		return -EINVAL;
	id[16] = '\0';
	p += 17;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	counter = strtoull(p, &end, 10);
	end += strspn(end, " \t\r\n");
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	*ret_counter = counter;
	return 0;
}

static void
note_gap(struct hbtrack *t, int64_t gap_ns, int64_t now_ns, uint64_t counter)
{
	struct hbtrack_gap gap = {
	        .gap_ns = gap_ns,
	        .end_ns = now_ns,
	        .counter_before = t->last_counter,
	        .counter_after = counter,
	};

	if (gap_ns > t->longest_gap.gap_ns)
		t->longest_gap = gap;
	if (gap_ns < t->gap_threshold_ns)
		return;
	if (t->n_gaps < HBTRACK_MAX_GAPS)
		t->gaps[t->n_gaps] = gap;
	t->n_gaps++;
}

static void
note_reset(struct hbtrack *t, int64_t now_ns, const char *id, uint64_t counter)
{
	if (t->n_resets < HBTRACK_MAX_RESETS)
		t->reset_list[t->n_resets] = (struct hbtrack_reset){
		        .at_ns = now_ns,
		        .counter_before = t->last_counter,
		        .counter_after = counter,
		        .new_boot = strcmp(id, t->boot_id) != 0,
		        .stayed_back = -1,
		};
	t->n_resets++;
	t->resets++;
}

/* The line after a reset tells whether the stream stayed back (a stale image, another
 * boot) or went on past the line before the reset (one line out of place). */
static void
judge_last_reset(struct hbtrack *t, const char *id, uint64_t counter)
{
	struct hbtrack_reset *x;

	if (t->n_resets == 0 || t->n_resets > HBTRACK_MAX_RESETS)
		return;
	x = &t->reset_list[t->n_resets - 1];
	if (x->stayed_back != -1)
		return;
	x->stayed_back = !(strcmp(id, t->before_id) == 0 && counter > t->before_counter);
}

int
hbtrack_line(struct hbtrack *t, int64_t now_ns, const char *line)
{
	uint64_t counter;
	char id[17];
	int r;

	r = parse_hb(line, id, &counter);
	if (r < 0)
		return r;
	if (!t->have_line) {
		t->have_line = true;
		t->first_counter = counter;
	} else {
		note_gap(t, now_ns - t->last_ns, now_ns, counter);
		judge_last_reset(t, id, counter);
		if (strcmp(id, t->boot_id) != 0 || counter <= t->last_counter)
			note_reset(t, now_ns, id, counter);
		else
			t->skipped += counter - t->last_counter - 1;
	}
	memcpy(t->before_id, t->boot_id, sizeof(t->before_id));
	t->before_counter = t->last_counter;
	memcpy(t->boot_id, id, sizeof(t->boot_id));
	t->last_counter = counter;
	t->last_ns = now_ns;
	t->lines++;
	return 0;
}

static double
ms(int64_t ns)
{
	return (double)ns / (double)NS_PER_MS;
}

static void
gap_json(const struct hbtrack *t, const struct hbtrack_gap *g, FILE *f)
{
	fprintf(f,
	        "{\"ms\":%.3f,\"at_s\":%.3f,\"counter_before\":%" PRIu64
	        ",\"counter_after\":%" PRIu64 "}",
	        ms(g->gap_ns), ms(g->end_ns - t->start_ns) / 1000.0, g->counter_before,
	        g->counter_after);
}

static void
reset_json(const struct hbtrack *t, const struct hbtrack_reset *x, FILE *f)
{
	fprintf(f,
	        "{\"at_s\":%.3f,\"counter_before\":%" PRIu64 ",\"counter_after\":%" PRIu64
	        ",\"new_boot\":%s,\"stayed_back\":%s}",
	        ms(x->at_ns - t->start_ns) / 1000.0, x->counter_before, x->counter_after,
	        x->new_boot ? "true" : "false",
	        x->stayed_back < 0 ? "null"
	        : x->stayed_back   ? "true"
	                           : "false");
}

void
hbtrack_json_members(const struct hbtrack *t, int64_t now_ns, FILE *f)
{
	unsigned kept = t->n_gaps < HBTRACK_MAX_GAPS ? t->n_gaps : HBTRACK_MAX_GAPS;

	fprintf(f, ",\"elapsed_s\":%.3f", ms(now_ns - t->start_ns) / 1000.0);
	fprintf(f, ",\"lines\":%" PRIu64, t->lines);
	fprintf(f, ",\"boot_id\":\"%s\"", t->boot_id);
	fprintf(f, ",\"first_counter\":%" PRIu64 ",\"last_counter\":%" PRIu64, t->first_counter,
	        t->last_counter);
	fprintf(f, ",\"counter_resets\":%" PRIu64 ",\"skipped\":%" PRIu64, t->resets, t->skipped);
	fputs(",\"resets\":[", f);
	for (unsigned i = 0; i < t->n_resets && i < HBTRACK_MAX_RESETS; i++) {
		if (i > 0)
			fputc(',', f);
		reset_json(t, &t->reset_list[i], f);
	}
	fputc(']', f);
	fprintf(f, ",\"longest_gap_ms\":%.3f", ms(t->longest_gap.gap_ns));
	fprintf(f,
	        ",\"longest_gap_counter_before\":%" PRIu64
	        ",\"longest_gap_counter_after\":%" PRIu64,
	        t->longest_gap.counter_before, t->longest_gap.counter_after);
	fprintf(f, ",\"since_last_ms\":%.3f", t->have_line ? ms(now_ns - t->last_ns) : -1.0);
	fprintf(f, ",\"gap_threshold_ms\":%.3f,\"n_gaps\":%u,\"gaps\":[", ms(t->gap_threshold_ns),
	        t->n_gaps);
	for (unsigned i = 0; i < kept; i++) {
		if (i > 0)
			fputc(',', f);
		gap_json(t, &t->gaps[i], f);
	}
	fputc(']', f);
}

void
hbtrack_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

int
hbtrack_write_atomic(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	ssize_t n;
	int fd, r = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

int
hbtrack_parse_seconds(const char *s, int64_t *ret_ns)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 1e9)
		return -EINVAL;
	*ret_ns = (int64_t)(v * (double)NS_PER_S);
	return 0;
}

char *
hbtrack_json_finish(const struct hbtrack *t, int64_t now_ns, FILE *f, char **bufp)
{
	hbtrack_json_members(t, now_ns, f);
	fputs("}\n", f);
	if (fclose(f) != 0) {
		free(*bufp);
		return NULL;
	}
	return *bufp;
}

void
hbtrack_publish(const char *tool, const char *status_path, char *json, size_t len)
{
	int r;

	if (json == NULL)
		return;
	r = hbtrack_write_atomic(status_path, json, len);
	if (r < 0)
		fprintf(stderr, "%s: %s: %s\n", tool, status_path, strerror(-r));
	free(json);
}
