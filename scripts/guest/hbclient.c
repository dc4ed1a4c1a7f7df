/*
 * hbclient: see whether a TCP connection to the test guest survives a move.
 *
 *   hbclient [--duration S] [--status FILE] [--gap-ms MS]
 *            [--connect-timeout S] HOST PORT
 *
 * Connects to guestd (retrying until --connect-timeout, default 30 s),
 * reads "<boot_id> <counter>" lines and stamps each with the host's
 * CLOCK_MONOTONIC on arrival.  No keepalive, no user timeout: the
 * connection ends only by EOF, RST or the kernel's own retransmission
 * limit.  Until SIGTERM/SIGINT or --duration, then prints one JSON object
 * on stdout; --status FILE rewrites the same JSON atomically every 500 ms.
 */
#define _GNU_SOURCE
#include "hbtrack.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_MS      1000000LL
#define STATUS_NS      500000000LL
#define RETRY_NS       100000000LL
#define LINE_MAX_BYTES 4096

struct hbclient {
	const char *host;
	const char *port;
	const char *status_path;
	int fd;
	bool connected; /* ever */
	bool eof;
	char error[128];
	unsigned attempts;
	int64_t connect_ns;    /* when connected, relative to start */
	int64_t disconnect_ns; /* when lost, relative to start */
	size_t len;
	char line[LINE_MAX_BYTES];
	struct hbtrack track;
};

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int
poll_timeout_ms(int64_t now_ns, int64_t until_ns)
{
	int64_t ms = (until_ns - now_ns + NS_PER_MS - 1) / NS_PER_MS;

	if (ms < 0)
		return 0;
	return ms > 100 ? 100 : (int)ms;
}

/* One connection attempt to any address of host:port; fd or -errno. */
static int
client_connect_once(const struct hbclient *c)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	int zero = 0, fd = -1, r;

	r = getaddrinfo(c->host, c->port, &hints, &res);
	if (r != 0)
		return r == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	r = -ECONNREFUSED;
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			r = -errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &zero, sizeof(zero));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		r = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd >= 0 ? fd : r;
}

static void
client_lost(struct hbclient *c, int64_t now_ns, int err)
{
	if (err == 0)
		c->eof = true;
	else
		snprintf(c->error, sizeof(c->error), "%s", strerror(err));
	c->disconnect_ns = now_ns - c->track.start_ns;
	close(c->fd);
	c->fd = -1;
}

static void
client_read(struct hbclient *c)
{
	int64_t now_ns;
	size_t start = 0;
	ssize_t n;

	n = recv(c->fd, c->line + c->len, sizeof(c->line) - 1 - c->len, MSG_DONTWAIT);
	now_ns = hbtrack_now_ns();
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		client_lost(c, now_ns, n == 0 ? 0 : errno);
		return;
	}
	c->len += (size_t)n;
	for (size_t i = 0; i < c->len; i++) {
		if (c->line[i] != '\n')
			continue;
		c->line[i] = '\0';
		hbtrack_line(&c->track, now_ns, c->line + start);
		start = i + 1;
	}
	memmove(c->line, c->line + start, c->len - start);
	c->len -= start;
	if (c->len == sizeof(c->line) - 1)
		c->len = 0;
}

static char *
client_json(const struct hbclient *c, int64_t now_ns, size_t *ret_len)
{
	bool survived = c->connected && c->fd >= 0 && !c->eof && c->error[0] == '\0';
	char *buf = NULL;
	FILE *f;

	f = open_memstream(&buf, ret_len);
	if (f == NULL)
		return NULL;
	fputs("{\"tool\":\"hbclient\",\"host\":", f);
	hbtrack_json_string(f, c->host);
	fputs(",\"port\":", f);
	hbtrack_json_string(f, c->port);
	fprintf(f, ",\"connected\":%s,\"connected_now\":%s,\"survived\":%s,\"eof\":%s",
	        c->connected ? "true" : "false", c->fd >= 0 ? "true" : "false",
	        survived ? "true" : "false", c->eof ? "true" : "false");
	fputs(",\"error\":", f);
	if (c->error[0] != '\0')
		hbtrack_json_string(f, c->error);
	else
		fputs("null", f);
	fprintf(f, ",\"attempts\":%u,\"connect_s\":%.3f,\"disconnect_s\":%.3f", c->attempts,
	        c->connected ? (double)c->connect_ns / 1e9 : -1.0,
	        c->disconnect_ns > 0 ? (double)c->disconnect_ns / 1e9 : -1.0);
	return hbtrack_json_finish(&c->track, now_ns, f, &buf);
}

static void
client_status(const struct hbclient *c, int64_t now_ns)
{
	size_t len = 0;
	char *json = client_json(c, now_ns, &len);

	hbtrack_publish("hbclient", c->status_path, json, len);
}

static void
usage(void)
{
	fprintf(stderr, "usage: hbclient [--duration S] [--status FILE] [--gap-ms MS] "
	                "[--connect-timeout S] HOST PORT\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"duration", required_argument, NULL, 'd'},
	        {"status", required_argument, NULL, 's'},
	        {"gap-ms", required_argument, NULL, 'g'},
	        {"connect-timeout", required_argument, NULL, 'c'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	static struct hbclient c = {.fd = -1};
	int64_t duration_ns = 0, connect_timeout_ns = 30LL * 1000000000LL;
	int64_t now_ns, end_ns, next_status_ns, next_try_ns;
	double gap_ms = HBTRACK_DEFAULT_GAP_MS;
	struct sigaction sa = {.sa_handler = on_signal};
	size_t len;
	char *json;
	int opt, r = 0;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			r = hbtrack_parse_seconds(optarg, &duration_ns);
			break;
		case 'c':
			r = hbtrack_parse_seconds(optarg, &connect_timeout_ns);
			break;
		case 's':
			c.status_path = optarg;
			break;
		case 'g':
			gap_ms = strtod(optarg, NULL);
			break;
		default:
			usage();
			return opt == 'h' ? 0 : 2;
		}
		if (r < 0) {
			usage();
			return 2;
		}
	}
	if (optind + 2 != argc) {
		usage();
		return 2;
	}
	c.host = argv[optind];
	c.port = argv[optind + 1];
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	now_ns = hbtrack_now_ns();
	hbtrack_init(&c.track, now_ns, (int64_t)(gap_ms * 1e6));
	end_ns = duration_ns > 0 ? now_ns + duration_ns : INT64_MAX;
	next_status_ns = now_ns;
	next_try_ns = now_ns;

	while (!stop_requested && now_ns < end_ns) {
		struct pollfd pfd = {.fd = c.fd, .events = POLLIN};

		if (!c.connected && now_ns >= next_try_ns &&
		    now_ns - c.track.start_ns < connect_timeout_ns) {
			c.attempts++;
			r = client_connect_once(&c);
			if (r >= 0) {
				c.fd = r;
				c.connected = true;
				c.connect_ns = hbtrack_now_ns() - c.track.start_ns;
				c.error[0] = '\0';
			} else {
				snprintf(c.error, sizeof(c.error), "connect: %s", strerror(-r));
				next_try_ns = now_ns + RETRY_NS;
			}
		}
		/* Never connected or lost: just sleep in poll() until the end. */
		if (poll(&pfd, 1, poll_timeout_ms(now_ns, next_status_ns)) > 0)
			client_read(&c);
		now_ns = hbtrack_now_ns();
		if (c.status_path != NULL && now_ns >= next_status_ns) {
			client_status(&c, now_ns);
			next_status_ns = now_ns + STATUS_NS;
		}
	}

	now_ns = hbtrack_now_ns();
	if (c.status_path != NULL)
		client_status(&c, now_ns);
	json = client_json(&c, now_ns, &len);
	if (json == NULL)
		return 1;
	fputs(json, stdout);
	free(json);
	return 0;
}
