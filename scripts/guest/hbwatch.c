/*
 * hbwatch: measure guest-visible downtime from a test guest's serial log.
 *
 *   hbwatch [--from-start] [--duration S] [--status FILE] [--gap-ms MS] FILE
 *
 * Follows FILE (which QEMU appends to, also across moves of the VM), polls
 * every 1 ms and stamps each "HB <boot_id> <counter>" line with the host's
 * CLOCK_MONOTONIC on arrival.  Until SIGTERM/SIGINT or --duration, then
 * prints one JSON object on stdout; --status FILE rewrites the same JSON
 * atomically every 500 ms.
 */
#define _GNU_SOURCE
#include "hbtrack.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define POLL_NS         1000000LL
#define STATUS_NS       500000000LL
#define REOPEN_CHECK_NS 100000000LL
#define LINE_MAX_BYTES  4096

struct hbwatch {
	const char *path;
	const char *status_path;
	int fd;
	dev_t dev;
	ino_t ino;
	off_t offset;
	size_t len;
	char line[LINE_MAX_BYTES];
	struct hbtrack track;
	uint64_t boots;
	uint64_t ready;
	uint64_t other_lines;
	uint64_t bytes;
	uint64_t reopened;
	char name[64];
};

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
sleep_ns(int64_t ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};

	nanosleep(&ts, NULL);
}

static int
watch_open(struct hbwatch *w, bool at_end)
{
	struct stat st;

	w->fd = open(w->path, O_RDONLY | O_CLOEXEC);
	if (w->fd < 0)
		return -errno;
	if (fstat(w->fd, &st) < 0) {
		close(w->fd);
		w->fd = -1;
		return -errno;
	}
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	w->offset = at_end ? st.st_size : 0;
	lseek(w->fd, w->offset, SEEK_SET);
	w->len = 0;
	return 0;
}

/* The file was truncated or replaced: read the new content from its start. */
static void
watch_check_reopen(struct hbwatch *w)
{
	struct stat st;

	if (stat(w->path, &st) < 0)
		return;
	if (st.st_dev == w->dev && st.st_ino == w->ino && st.st_size >= w->offset)
		return;
	close(w->fd);
	w->fd = -1;
	w->reopened++;
	watch_open(w, false);
}

static void
watch_field(const char *line, const char *key, char *out, size_t size)
{
	const char *p = strstr(line, key);
	size_t n;

	if (p == NULL)
		return;
	p += strlen(key);
	n = strcspn(p, " \r\n");
	snprintf(out, size, "%.*s", (int)n, p);
}

static void
watch_line(struct hbwatch *w, int64_t now_ns, const char *line)
{
	const char *hb = strstr(line, "HB ");

	if (strstr(line, "FERRY-BOOT ") != NULL) {
		w->boots++;
		watch_field(line, "name=", w->name, sizeof(w->name));
	} else if (strstr(line, "FERRY-READY ") != NULL) {
		w->ready++;
	} else if (hb == NULL || hbtrack_line(&w->track, now_ns, hb + 3) < 0) {
		w->other_lines++;
	}
}

/* Read what is there; split it into lines stamped with one arrival time. */
static int
watch_read(struct hbwatch *w)
{
	int64_t now_ns;
	size_t start = 0;
	ssize_t n;

	n = read(w->fd, w->line + w->len, sizeof(w->line) - 1 - w->len);
	if (n <= 0)
		return n < 0 ? -errno : 0;
	now_ns = hbtrack_now_ns();
	w->offset += n;
	w->bytes += (uint64_t)n;
	w->len += (size_t)n;
	for (size_t i = 0; i < w->len; i++) {
		if (w->line[i] != '\n')
			continue;
		w->line[i] = '\0';
		watch_line(w, now_ns, w->line + start);
		start = i + 1;
	}
	memmove(w->line, w->line + start, w->len - start);
	w->len -= start;
	if (w->len == sizeof(w->line) - 1)
		w->len = 0; /* an overlong line: drop it */
	return (int)n;
}

static char *
watch_json(const struct hbwatch *w, int64_t now_ns, size_t *ret_len)
{
	char *buf = NULL;
	FILE *f;

	f = open_memstream(&buf, ret_len);
	if (f == NULL)
		return NULL;
	fputs("{\"tool\":\"hbwatch\",\"file\":", f);
	hbtrack_json_string(f, w->path);
	fputs(",\"name\":", f);
	hbtrack_json_string(f, w->name);
	fprintf(f,
	        ",\"boots\":%" PRIu64 ",\"ready\":%" PRIu64 ",\"other_lines\":%" PRIu64
	        ",\"bytes\":%" PRIu64 ",\"reopened\":%" PRIu64,
	        w->boots, w->ready, w->other_lines, w->bytes, w->reopened);
	return hbtrack_json_finish(&w->track, now_ns, f, &buf);
}

static void
watch_status(const struct hbwatch *w, int64_t now_ns)
{
	size_t len = 0;
	char *json = watch_json(w, now_ns, &len);

	hbtrack_publish("hbwatch", w->status_path, json, len);
}

static void
usage(void)
{
	fprintf(stderr, "usage: hbwatch [--from-start] [--duration S] [--status FILE] "
	                "[--gap-ms MS] FILE\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"from-start", no_argument, NULL, 'f'},
	        {"duration", required_argument, NULL, 'd'},
	        {"status", required_argument, NULL, 's'},
	        {"gap-ms", required_argument, NULL, 'g'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	static struct hbwatch w = {.fd = -1};
	int64_t duration_ns = 0, gap_ns, now_ns, next_status_ns, next_check_ns, end_ns;
	bool from_start = false;
	double gap_ms = HBTRACK_DEFAULT_GAP_MS;
	struct sigaction sa = {.sa_handler = on_signal};
	size_t len;
	char *json;
	int opt, r;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			from_start = true;
			break;
		case 'd':
			if (hbtrack_parse_seconds(optarg, &duration_ns) < 0) {
				usage();
				return 2;
			}
			break;
		case 's':
			w.status_path = optarg;
			break;
		case 'g':
			gap_ms = strtod(optarg, NULL);
			break;
		default:
			usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind + 1 != argc) {
		usage();
		return 2;
	}
	w.path = argv[optind];
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	now_ns = hbtrack_now_ns();
	gap_ns = (int64_t)(gap_ms * 1e6);
	hbtrack_init(&w.track, now_ns, gap_ns);
	end_ns = duration_ns > 0 ? now_ns + duration_ns : INT64_MAX;
	next_status_ns = now_ns;
	next_check_ns = now_ns + REOPEN_CHECK_NS;
	/* A file that does not exist yet is read from its start once it does. */
	r = watch_open(&w, !from_start);
	if (r < 0 && r != -ENOENT)
		fprintf(stderr, "hbwatch: %s: %s, waiting\n", w.path, strerror(-r));

	while (!stop_requested && now_ns < end_ns) {
		int n = 0;

		if (w.fd < 0)
			watch_open(&w, false);
		if (w.fd >= 0)
			n = watch_read(&w);
		now_ns = hbtrack_now_ns();
		if (w.status_path != NULL && now_ns >= next_status_ns) {
			watch_status(&w, now_ns);
			next_status_ns = now_ns + STATUS_NS;
		}
		if (n > 0)
			continue;
		if (w.fd >= 0 && now_ns >= next_check_ns) {
			watch_check_reopen(&w);
			next_check_ns = now_ns + REOPEN_CHECK_NS;
		}
		sleep_ns(POLL_NS);
		now_ns = hbtrack_now_ns();
	}

	now_ns = hbtrack_now_ns();
	if (w.status_path != NULL)
		watch_status(&w, now_ns);
	json = watch_json(&w, now_ns, &len);
	if (json == NULL)
		return 1;
	fputs(json, stdout);
	free(json);
	return 0;
}
