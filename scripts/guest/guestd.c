/*
 * guestd: the ferry test guest's workload.
 *
 * Runs inside the initramfs of the test guest (static binary, started by
 * /init).  Reads its settings from the kernel command line:
 *
 *   ferry.name=NAME            shown in the boot line
 *   ferry.ip=A.B.C.D/NN        shown in the ready line (/init configures eth0)
 *   ferry.port=7777            TCP heartbeat server port
 *   ferry.touch_mib=N          fill N MiB once with non-zero data, keep it
 *   ferry.dirty_mib=N          re-dirty an N MiB working set forever
 *   ferry.dirty_rate_mib_s=R   limit re-dirtying to R MiB/s (0 = no limit)
 *
 * Serial console (/dev/ttyS0) output, one line each:
 *
 *   FERRY-BOOT name=NAME boot_id=<16 hex>
 *   FERRY-READY ip=A.B.C.D/NN port=P clocksource=NAME
 *   FERRY-MEM total_mib=T free_mib=F available_mib=A
 *   HB <boot_id> <counter>                  every 10 ms, counter from 1
 *   FERRY-TOUCHED mib=N ms=T                touch_mib filled
 *   FERRY-DIRTY mib=N rate_mib_s=R          re-dirtying started
 *   FERRY-WARN <text>
 *
 * Every TCP client gets "<boot_id> <counter>\n" every 10 ms.
 *
 * Options for running it on a host: --cmdline FILE, --console PATH.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define HB_PERIOD_NS     10000000LL
#define NS_PER_S         1000000000LL
#define MIB              (1024UL * 1024UL)
#define PAGE_BYTES       4096UL
#define MAX_CLIENTS      64
#define CLIENT_BUF_BYTES 4096
#define MEM_RESERVE_MIB  8UL

struct config {
	char name[64];
	char ip[40];
	unsigned port;
	unsigned long touch_mib;
	unsigned long dirty_mib;
	unsigned long dirty_rate_mib_s;
};

struct client {
	int fd;
	size_t len;
	char buf[CLIENT_BUF_BYTES];
};

struct guestd {
	struct config cfg;
	char boot_id[17];
	int console_fd;
	int listen_fd;
	uint64_t counter;
	struct client clients[MAX_CLIENTS];
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static struct timespec
ns_to_ts(int64_t ns)
{
	struct timespec ts = {.tv_sec = ns / NS_PER_S, .tv_nsec = ns % NS_PER_S};

	return ts;
}

static void
sleep_until_ns(int64_t deadline_ns)
{
	struct timespec ts = ns_to_ts(deadline_ns);

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* One write() per line, so lines from both threads never interleave. */
__attribute__((format(printf, 2, 3))) static void
console_printf(int fd, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	while (write(fd, line, (size_t)n) < 0 && errno == EINTR)
		;
}

static int
parse_ulong(const char *s, unsigned long max, unsigned long *ret)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static void
copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

static int
config_set(struct config *cfg, const char *key, const char *val)
{
	unsigned long v;
	int r = 0;

	if (strcmp(key, "name") == 0)
		copy_str(cfg->name, sizeof(cfg->name), val);
	else if (strcmp(key, "ip") == 0)
		copy_str(cfg->ip, sizeof(cfg->ip), val);
	else if (strcmp(key, "port") == 0) {
		r = parse_ulong(val, 65535, &v);
		if (r == 0)
			cfg->port = (unsigned)v;
	} else if (strcmp(key, "touch_mib") == 0)
		r = parse_ulong(val, 1UL << 20, &cfg->touch_mib);
	else if (strcmp(key, "dirty_mib") == 0)
		r = parse_ulong(val, 1UL << 20, &cfg->dirty_mib);
	else if (strcmp(key, "dirty_rate_mib_s") == 0)
		r = parse_ulong(val, 1UL << 20, &cfg->dirty_rate_mib_s);
	return r;
}

/* Parse "ferry.KEY=VALUE" words of a kernel command line. */
static void
config_parse(struct config *cfg, char *cmdline, int console_fd)
{
	char *save = NULL;

	for (char *w = strtok_r(cmdline, " \t\n", &save); w != NULL;
	     w = strtok_r(NULL, " \t\n", &save)) {
		char *eq;

		if (strncmp(w, "ferry.", 6) != 0)
			continue;
		eq = strchr(w, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		if (config_set(cfg, w + 6, eq + 1) < 0)
			console_printf(console_fd, "FERRY-WARN bad value %s=%s, ignoring\n", w,
			               eq + 1);
	}
}

static int
read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* Plain "\n" line ends in the log (no ONLCR); not a tty is fine too. */
static void
console_setup(int fd)
{
	struct termios tio;

	if (tcgetattr(fd, &tio) < 0)
		return;
	tio.c_oflag &= ~(tcflag_t)ONLCR;
	tcsetattr(fd, TCSANOW, &tio);
}

static void
clocksource(char *out, size_t size)
{
	char buf[64];

	copy_str(out, size, "unknown");
	if (read_file("/sys/devices/system/clocksource/clocksource0/current_clocksource", buf,
	              sizeof(buf)) == 0) {
		buf[strcspn(buf, "\n")] = '\0';
		copy_str(out, size, buf);
	}
}

static void
make_boot_id(char out[17])
{
	uint64_t v = 0;

	/* GRND_INSECURE: never wait for the CRNG during early boot. */
	if (getrandom(&v, sizeof(v), GRND_INSECURE) != (ssize_t)sizeof(v))
		v = (uint64_t)now_ns() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	snprintf(out, 17, "%016" PRIx64, v);
}

/* A /proc/meminfo value in MiB, 0 if unknown. */
static unsigned long
meminfo_mib(const char *key)
{
	char buf[4096];
	char *p;

	if (read_file("/proc/meminfo", buf, sizeof(buf)) < 0)
		return 0;
	p = strstr(buf, key);
	if (p == NULL)
		return 0;
	return strtoul(p + strlen(key), NULL, 10) / 1024;
}

/* Keep touch + dirty below what the guest has, rather than be OOM-killed. */
static void
config_cap_memory(struct config *cfg, int console_fd)
{
	unsigned long avail = meminfo_mib("MemAvailable:");
	unsigned long room;

	console_printf(console_fd, "FERRY-MEM total_mib=%lu free_mib=%lu available_mib=%lu\n",
	               meminfo_mib("MemTotal:"), meminfo_mib("MemFree:"), avail);
	if (avail == 0)
		return;
	room = avail > MEM_RESERVE_MIB ? avail - MEM_RESERVE_MIB : 0;
	if (cfg->touch_mib > room) {
		console_printf(console_fd, "FERRY-WARN touch_mib %lu capped to %lu\n",
		               cfg->touch_mib, room);
		cfg->touch_mib = room;
	}
	room -= cfg->touch_mib;
	if (cfg->dirty_mib > room) {
		console_printf(console_fd, "FERRY-WARN dirty_mib %lu capped to %lu\n",
		               cfg->dirty_mib, room);
		cfg->dirty_mib = room;
	}
}

/* Anonymous memory filled with incompressible non-zero data. */
static uint64_t *
mem_fill(unsigned long mib, uint64_t seed)
{
	size_t words = mib * MIB / sizeof(uint64_t);
	uint64_t x = seed | 1;
	uint64_t *p;

	p = mmap(NULL, mib * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	for (size_t i = 0; i < words; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = x | 1;
	}
	return p;
}

static void *
mem_main(void *arg)
{
	struct guestd *g = arg;
	const struct config *cfg = &g->cfg;
	size_t words_per_page = PAGE_BYTES / sizeof(uint64_t);
	size_t pages, pages_per_mib = MIB / PAGE_BYTES;
	int64_t start, deadline;
	volatile uint64_t *dirty;
	uint64_t *touch, pass = 0;

	if (cfg->touch_mib > 0) {
		start = now_ns();
		touch = mem_fill(cfg->touch_mib, strtoull(g->boot_id, NULL, 16));
		if (touch == NULL)
			console_printf(g->console_fd, "FERRY-WARN touch_mib %lu: %s\n",
			               cfg->touch_mib, strerror(errno));
		else
			console_printf(g->console_fd, "FERRY-TOUCHED mib=%lu ms=%" PRId64 "\n",
			               cfg->touch_mib, (now_ns() - start) / 1000000);
	}
	if (cfg->dirty_mib == 0)
		return NULL;
	dirty = mem_fill(cfg->dirty_mib, 0x5eed);
	if (dirty == NULL) {
		console_printf(g->console_fd, "FERRY-WARN dirty_mib %lu: %s\n", cfg->dirty_mib,
		               strerror(errno));
		return NULL;
	}
	console_printf(g->console_fd, "FERRY-DIRTY mib=%lu rate_mib_s=%lu\n", cfg->dirty_mib,
	               cfg->dirty_rate_mib_s);
	pages = cfg->dirty_mib * pages_per_mib;
	deadline = now_ns();
	for (;;) {
		pass++;
		for (size_t pg = 0; pg < pages; pg++) {
			/* One write per page; vary the word so it really changes. */
			dirty[pg * words_per_page + (pass % words_per_page)] = pass << 1 | 1;
			if (cfg->dirty_rate_mib_s == 0 || (pg + 1) % pages_per_mib != 0)
				continue;
			deadline += NS_PER_S / (int64_t)cfg->dirty_rate_mib_s;
			if (deadline < now_ns())
				deadline = now_ns(); /* no catch-up bursts after a pause */
			else
				sleep_until_ns(deadline);
		}
	}
	return NULL;
}

static int
net_listen(unsigned port)
{
	struct sockaddr_in sa = {
	        .sin_family = AF_INET,
	        .sin_port = htons((uint16_t)port),
	        .sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int one = 1, fd, r;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static void
client_close(struct client *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
}

static void
net_accept(struct guestd *g)
{
	int one = 1, zero = 0;

	for (;;) {
		struct client *slot = NULL;
		int fd;

		fd = accept4(g->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		for (int i = 0; i < MAX_CLIENTS && slot == NULL; i++)
			if (g->clients[i].fd < 0)
				slot = &g->clients[i];
		if (slot == NULL) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &zero, sizeof(zero));
		slot->fd = fd;
		slot->len = 0;
	}
}

/* Discard what the client sends; close it on EOF or error. */
static bool
client_drain(struct client *c)
{
	char scratch[512];

	for (;;) {
		ssize_t n = recv(c->fd, scratch, sizeof(scratch), MSG_DONTWAIT);

		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n < 0 && errno == EINTR)
			continue;
		return false;
	}
}

/* Queue the line (dropped if a stuck client's buffer is full), then flush. */
static bool
client_send(struct client *c, const char *line, size_t len)
{
	ssize_t n;

	if (c->len + len <= sizeof(c->buf)) {
		memcpy(c->buf + c->len, line, len);
		c->len += len;
	}
	n = send(c->fd, c->buf, c->len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
	memmove(c->buf, c->buf + n, c->len - (size_t)n);
	c->len -= (size_t)n;
	return true;
}

static void
net_broadcast(struct guestd *g, const char *line, size_t len)
{
	if (g->listen_fd >= 0)
		net_accept(g);
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &g->clients[i];

		if (c->fd < 0)
			continue;
		if (!client_drain(c) || !client_send(c, line, len))
			client_close(c);
	}
}

static void
heartbeat_loop(struct guestd *g)
{
	int64_t deadline = now_ns();
	char line[64];
	int n;

	for (;;) {
		deadline += HB_PERIOD_NS;
		if (deadline < now_ns())
			deadline = now_ns(); /* after a pause: no burst, just go on */
		sleep_until_ns(deadline);

		g->counter++;
		n = snprintf(line, sizeof(line), "HB %s %" PRIu64 "\n", g->boot_id, g->counter);
		while (write(g->console_fd, line, (size_t)n) < 0 && errno == EINTR)
			;
		net_broadcast(g, line + 3, (size_t)n - 3);
	}
}

static void
raise_priority(void)
{
	struct sched_param sp = {.sched_priority = 10};

	pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
}

int
main(int argc, char **argv)
{
	static struct guestd g;
	const char *cmdline_path = "/proc/cmdline", *console_path = "/dev/ttyS0";
	static const struct option opts[] = {
	        {"cmdline", required_argument, NULL, 'c'},
	        {"console", required_argument, NULL, 'o'},
	        {NULL, 0, NULL, 0},
	};
	char cmdline[4096], clock[64];
	pthread_t mem_thread;
	int opt, r;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'c')
			cmdline_path = optarg;
		else if (opt == 'o')
			console_path = optarg;
		else
			return 2;
	}

	g.console_fd =
	        open(console_path, O_WRONLY | O_NOCTTY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (g.console_fd < 0) {
		fprintf(stderr, "guestd: %s: %s\n", console_path, strerror(errno));
		g.console_fd = STDOUT_FILENO;
	}
	console_setup(g.console_fd);
	for (int i = 0; i < MAX_CLIENTS; i++)
		g.clients[i].fd = -1;
	copy_str(g.cfg.name, sizeof(g.cfg.name), "guest");
	copy_str(g.cfg.ip, sizeof(g.cfg.ip), "none");
	g.cfg.port = 7777;
	r = read_file(cmdline_path, cmdline, sizeof(cmdline));
	if (r < 0)
		console_printf(g.console_fd, "FERRY-WARN %s: %s\n", cmdline_path, strerror(-r));
	else
		config_parse(&g.cfg, cmdline, g.console_fd);
	make_boot_id(g.boot_id);

	console_printf(g.console_fd, "FERRY-BOOT name=%s boot_id=%s\n", g.cfg.name, g.boot_id);

	g.listen_fd = net_listen(g.cfg.port);
	if (g.listen_fd < 0)
		console_printf(g.console_fd, "FERRY-WARN listen on port %u: %s\n", g.cfg.port,
		               strerror(-g.listen_fd));
	clocksource(clock, sizeof(clock));
	console_printf(g.console_fd, "FERRY-READY ip=%s port=%u clocksource=%s\n", g.cfg.ip,
	               g.cfg.port, clock);

	config_cap_memory(&g.cfg, g.console_fd);
	/* The memory thread keeps normal priority; the heartbeat preempts it. */
	if (g.cfg.touch_mib > 0 || g.cfg.dirty_mib > 0) {
		r = pthread_create(&mem_thread, NULL, mem_main, &g);
		if (r != 0)
			console_printf(g.console_fd, "FERRY-WARN memory thread: %s\n", strerror(r));
	}
	raise_priority();
	heartbeat_loop(&g);
	return 0;
}
