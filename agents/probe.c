/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * probe.c - ICMP echo to the guest every few ms during a move; the longest
 * gap between replies is the guest-visible gap (probe.h).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ferry/clock.h"
#include "probe.h"

/* Linux's raw-socket filter of ICMP types (linux/icmp.h, whose struct
 * icmphdr clashes with glibc's): a set bit blocks that type. */
#ifndef SOL_RAW
#define SOL_RAW 255
#endif
#ifndef ICMP_FILTER
#define ICMP_FILTER 1
#endif

#define PROBE_INTERVAL_US ((uint64_t)PROBE_INTERVAL_MS * 1000u)
#define PROBE_COOKIE_LEN  8
#define PROBE_PACKET_LEN  (8 + PROBE_COOKIE_LEN) /* ICMP header + cookie */
#define PROBE_RECV_MAX    1500

struct probe {
	int fd;
	int family; /* AF_INET or AF_INET6 */
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char given[256];  /* as the caller wrote it, for messages */
	char numeric[64]; /* the address pinged */
	uint16_t id;
	uint16_t seq; /* prober thread only */
	uint8_t cookie[PROBE_COOKIE_LEN];
	uint64_t mark_us;    /* probe_start() returned: the move began */
	bool answered_early; /* a reply came before mark_us */

	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a reply came */
	/* under lock */
	struct probe_gaps gaps;
	uint64_t sent;
	int send_errno; /* the latest sendto() failure, 0 if none */
	bool quit;
};

/* ---- gap accounting --------------------------------------------------- */

void
probe_gaps_init(struct probe_gaps *g)
{
	memset(g, 0, sizeof(*g));
}

void
probe_gaps_reply(struct probe_gaps *g, uint64_t t_us)
{
	g->replies++;
	if (!g->any) {
		g->any = true;
		g->first_us = t_us;
		g->last_us = t_us;
		return;
	}
	if (t_us <= g->last_us)
		return;
	if (t_us - g->last_us > g->longest_us)
		g->longest_us = t_us - g->last_us;
	g->last_us = t_us;
}

int64_t
probe_gaps_longest(const struct probe_gaps *g, uint64_t now_us, bool *ret_open)
{
	uint64_t open_us;

	if (!g->any)
		return -1;
	open_us = now_us > g->last_us ? now_us - g->last_us : 0;
	if (ret_open != NULL)
		*ret_open = open_us > g->longest_us;
	return (int64_t)(open_us > g->longest_us ? open_us : g->longest_us);
}

/* ---- the prober ------------------------------------------------------- */

static uint16_t
probe_checksum(const uint8_t *buf, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(buf[i] << 8 | buf[i + 1]);
	if (len % 2 != 0)
		sum += (uint32_t)buf[len - 1] << 8;
	while (sum >> 16 != 0)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
probe_send(struct probe *p)
{
	uint8_t pkt[PROBE_PACKET_LEN] = {0};
	uint16_t seq = ++p->seq;
	uint16_t sum;
	int e = 0;

	pkt[0] = p->family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	pkt[4] = (uint8_t)(p->id >> 8);
	pkt[5] = (uint8_t)p->id;
	pkt[6] = (uint8_t)(seq >> 8);
	pkt[7] = (uint8_t)seq;
	memcpy(pkt + 8, p->cookie, PROBE_COOKIE_LEN);
	if (p->family == AF_INET) { /* the kernel sums ICMPv6 itself */
		sum = probe_checksum(pkt, sizeof(pkt));
		pkt[2] = (uint8_t)(sum >> 8);
		pkt[3] = (uint8_t)sum;
	}
	if (sendto(p->fd, pkt, sizeof(pkt), MSG_DONTWAIT, (const struct sockaddr *)&p->addr,
	           p->addr_len) < 0)
		e = errno;
	pthread_mutex_lock(&p->lock);
	p->sent++;
	if (e != 0)
		p->send_errno = e;
	pthread_mutex_unlock(&p->lock);
}

/* Our echo reply from the target?  buf: what the raw socket gave. */
static bool
probe_match(const struct probe *p, const uint8_t *buf, size_t len,
            const struct sockaddr_storage *from)
{
	const uint8_t *icmp = buf;
	uint8_t want;

	if (p->family == AF_INET) {
		const struct sockaddr_in *f = (const struct sockaddr_in *)from;
		const struct sockaddr_in *t = (const struct sockaddr_in *)&p->addr;
		size_t ihl;

		if (from->ss_family != AF_INET || f->sin_addr.s_addr != t->sin_addr.s_addr)
			return false;
		if (len < 20) /* IPv4 raw sockets deliver the IP header */
			return false;
		ihl = (size_t)(buf[0] & 0x0f) * 4;
		if (ihl < 20 || len < ihl)
			return false;
		icmp = buf + ihl;
		len -= ihl;
		want = ICMP_ECHOREPLY;
	} else {
		const struct sockaddr_in6 *f = (const struct sockaddr_in6 *)from;
		const struct sockaddr_in6 *t = (const struct sockaddr_in6 *)&p->addr;

		if (from->ss_family != AF_INET6 ||
		    memcmp(&f->sin6_addr, &t->sin6_addr, sizeof(f->sin6_addr)) != 0)
			return false;
		want = ICMP6_ECHO_REPLY;
	}
	return len >= PROBE_PACKET_LEN && icmp[0] == want && icmp[1] == 0 &&
	       icmp[4] == (uint8_t)(p->id >> 8) && icmp[5] == (uint8_t)p->id &&
	       memcmp(icmp + 8, p->cookie, PROBE_COOKIE_LEN) == 0;
}

static void
probe_receive(struct probe *p)
{
	uint8_t buf[PROBE_RECV_MAX];
	struct sockaddr_storage from;
	socklen_t from_len;
	ssize_t n;

	for (;;) {
		from_len = sizeof(from);
		memset(&from, 0, sizeof(from));
		n = recvfrom(p->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
		             &from_len);
		if (n < 0)
			return; /* EAGAIN: drained; anything else: try at the next poll */
		if (!probe_match(p, buf, (size_t)n, &from))
			continue;
		pthread_mutex_lock(&p->lock);
		probe_gaps_reply(&p->gaps, ferry_clock_us());
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
}

static void *
probe_thread(void *arg)
{
	struct probe *p = arg;
	struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
	uint64_t next_us = ferry_clock_us();

	for (;;) {
		uint64_t now = ferry_clock_us();
		struct timespec ts;
		bool quit;

		pthread_mutex_lock(&p->lock);
		quit = p->quit;
		pthread_mutex_unlock(&p->lock);
		if (quit)
			break;
		if (now >= next_us) {
			probe_send(p);
			next_us += PROBE_INTERVAL_US;
			if (next_us <= now) /* fell behind: no burst to catch up */
				next_us = now + PROBE_INTERVAL_US;
		}
		ts.tv_sec = (time_t)((next_us - now) / 1000000u);
		ts.tv_nsec = (long)((next_us - now) % 1000000u) * 1000;
		if (ppoll(&pfd, 1, &ts, NULL) > 0 && (pfd.revents & POLLIN) != 0)
			probe_receive(p);
	}
	return NULL;
}

/* Stops the thread (if any) and frees everything; accepts NULL. */
static struct probe *
probe_free(struct probe *p)
{
	if (p == NULL)
		return NULL;
	if (p->thread_started) {
		pthread_mutex_lock(&p->lock);
		p->quit = true;
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
	}
	if (p->fd >= 0)
		close(p->fd);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
	return NULL;
}

static int
probe_resolve(struct probe *p, char *err, size_t err_len)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM};
	struct addrinfo *res = NULL;
	int r;

	r = getaddrinfo(p->given, NULL, &hints, &res);
	if (r != 0) {
		int e = r == EAI_SYSTEM ? errno : ENOENT;

		snprintf(err, err_len,
		         "probe_address %s: cannot resolve it (%s); give an IP address of the "
		         "guest or a name this node resolves",
		         p->given, r == EAI_SYSTEM ? strerror(e) : gai_strerror(r));
		return -e;
	}
	for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
		    ai->ai_addrlen <= sizeof(p->addr)) {
			p->family = ai->ai_family;
			memcpy(&p->addr, ai->ai_addr, ai->ai_addrlen);
			p->addr_len = ai->ai_addrlen;
			break;
		}
	}
	freeaddrinfo(res);
	if (p->addr_len == 0) {
		snprintf(err, err_len,
		         "probe_address %s: resolves to no IPv4 or IPv6 address; give an IP "
		         "address of the guest",
		         p->given);
		return -EAFNOSUPPORT;
	}
	if (getnameinfo((const struct sockaddr *)&p->addr, p->addr_len, p->numeric,
	                sizeof(p->numeric), NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(p->numeric, sizeof(p->numeric), "%.*s", (int)sizeof(p->numeric) - 1,
		         p->given);
	return 0;
}

static int
probe_socket(struct probe *p, char *err, size_t err_len)
{
	int proto = p->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	int e;

	p->fd = socket(p->family, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
	if (p->fd < 0) {
		e = errno;
		if (e == EPERM || e == EACCES)
			snprintf(err, err_len,
			         "probe_address %s: no permission for a raw ICMP socket (%s); the "
			         "agent must run as root or with CAP_NET_RAW",
			         p->given, strerror(e));
		else
			snprintf(err, err_len, "probe_address %s: cannot open a raw %s socket: %s",
			         p->given, p->family == AF_INET ? "ICMP" : "ICMPv6", strerror(e));
		return -e;
	}
	/* only echo replies reach us; probe_match() checks the rest */
	if (p->family == AF_INET) {
		uint32_t block = ~(1u << ICMP_ECHOREPLY);

		(void)setsockopt(p->fd, SOL_RAW, ICMP_FILTER, &block, sizeof(block));
	} else {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		(void)setsockopt(p->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	}
	return 0;
}

static void
probe_identity(struct probe *p)
{
	uint8_t r[2 + PROBE_COOKIE_LEN];

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		uint64_t x = ferry_clock_us() ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)p;

		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (uint8_t)(x >> (8 * (i % 8))) ^ (uint8_t)i;
	}
	p->id = (uint16_t)(r[0] << 8 | r[1]);
	memcpy(p->cookie, r + 2, PROBE_COOKIE_LEN);
}

static int
probe_start_thread(struct probe *p, char *err, size_t err_len)
{
	sigset_t all;
	sigset_t old;
	int r;

	/* signals are the main thread's business */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&p->thread, NULL, probe_thread, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		snprintf(err, err_len, "probe_address %s: cannot start the prober thread: %s",
		         p->given, strerror(r));
		return -r;
	}
	p->thread_started = true;
	return 0;
}

static void
probe_deadline(struct timespec *ts, uint64_t deadline_us)
{
	ts->tv_sec = (time_t)(deadline_us / 1000000u);
	ts->tv_nsec = (long)(deadline_us % 1000000u) * 1000;
}

int
probe_start(const char *address, uint64_t first_wait_ms, struct probe **ret, char *err,
            size_t err_len)
{
	struct probe *p = NULL;
	pthread_condattr_t ca;
	struct timespec ts;
	uint64_t deadline_us;
	int r;

	if (address == NULL || address[0] == '\0') {
		snprintf(err, err_len, "probe_address is empty; give an IP address of the guest");
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		snprintf(err, err_len, "probe_address %s: out of memory", address);
		return -ENOMEM;
	}
	p->fd = -1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	probe_gaps_init(&p->gaps);
	snprintf(p->given, sizeof(p->given), "%s", address);

	r = probe_resolve(p, err, err_len);
	if (r == 0)
		r = probe_socket(p, err, err_len);
	if (r != 0)
		goto fail;
	probe_identity(p);
	r = probe_start_thread(p, err, err_len);
	if (r != 0)
		goto fail;

	deadline_us = ferry_clock_us() + first_wait_ms * 1000u;
	probe_deadline(&ts, deadline_us);
	pthread_mutex_lock(&p->lock);
	while (!p->gaps.any && ferry_clock_us() < deadline_us)
		(void)pthread_cond_timedwait(&p->cond, &p->lock, &ts);
	p->mark_us = ferry_clock_us();
	p->answered_early = p->gaps.any;
	pthread_mutex_unlock(&p->lock);
	*ret = p;
	return 0;
fail:
	probe_free(p);
	return r;
}

int
probe_stop(struct probe *p, uint64_t grace_ms, struct probe_result *ret, char *err, size_t err_len)
{
	struct probe_gaps g;
	struct timespec ts;
	uint64_t stop_us;
	uint64_t deadline_us;
	uint64_t at_stop;
	uint64_t sent;
	uint64_t end_us;
	int send_errno;
	bool answered;
	int64_t longest_us;

	if (p == NULL) {
		snprintf(err, err_len, "no probe running");
		return -EINVAL;
	}
	stop_us = ferry_clock_us();
	deadline_us = stop_us + grace_ms * 1000u;
	probe_deadline(&ts, deadline_us);
	pthread_mutex_lock(&p->lock);
	/* the first reply from now on ends whatever silence the move caused;
	 * not worth waiting for when the guest did not answer before it */
	at_stop = p->gaps.replies;
	while (p->answered_early && p->gaps.replies == at_stop && ferry_clock_us() < deadline_us)
		(void)pthread_cond_timedwait(&p->cond, &p->lock, &ts);
	answered = p->gaps.replies != at_stop;
	end_us = answered ? p->gaps.last_us : ferry_clock_us();
	g = p->gaps;
	sent = p->sent;
	send_errno = p->send_errno;
	pthread_mutex_unlock(&p->lock);

	if (!g.any) {
		snprintf(err, err_len,
		         "probe_address %s (%s): no echo reply at all to %" PRIu64
		         " requests%s%s; give an address of the guest that answers ping",
		         p->given, p->numeric, sent, send_errno != 0 ? ", last send error: " : "",
		         send_errno != 0 ? strerror(send_errno) : "");
		probe_free(p);
		return -ENODATA;
	}
	if (!p->answered_early) {
		snprintf(err, err_len,
		         "probe_address %s (%s): the first echo reply came %" PRIu64
		         " ms after the move began; the gap before it is unknown",
		         p->given, p->numeric, (g.first_us - p->mark_us) / 1000u);
		probe_free(p);
		return -ENODATA;
	}
	longest_us = probe_gaps_longest(&g, end_us, NULL);
	memset(ret, 0, sizeof(*ret));
	ret->gap_ms = (longest_us + 500) / 1000;
	ret->lower_bound = !answered;
	ret->silent_ms = answered ? 0 : (end_us - g.last_us) / 1000u;
	ret->sent = sent;
	ret->replies = g.replies;
	snprintf(ret->address, sizeof(ret->address), "%s", p->numeric);
	probe_free(p);
	return 0;
}
