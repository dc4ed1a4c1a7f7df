/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_probe.c - probe_address: the gap accounting with synthetic times, and
 * real probes of the loopback address (root only: raw ICMP sockets).
 *
 * No timing assertions beyond very generous bounds: the tests run on busy
 * 2-core machines.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ferry/clock.h"
#include "probe.h"

#define MS 1000u /* µs */

/* n replies every step_us from *t */
static void
replies(struct probe_gaps *g, uint64_t *t, unsigned n, uint64_t step_us)
{
	for (unsigned i = 0; i < n; i++) {
		*t += step_us;
		probe_gaps_reply(g, *t);
	}
}

static void
test_gaps_steady(void **state)
{
	struct probe_gaps g;
	uint64_t t = 1000000;
	bool open = true;

	(void)state;
	probe_gaps_init(&g);
	replies(&g, &t, 200, 5 * MS);
	assert_int_equal(g.replies, 200);
	/* the first reply starts the count: the time before it is no gap */
	assert_int_equal(probe_gaps_longest(&g, t, &open), 5 * MS);
	assert_false(open);
	/* 2 ms after the last reply: the silence so far is shorter */
	assert_int_equal(probe_gaps_longest(&g, t + 2 * MS, &open), 5 * MS);
	assert_false(open);
}

static void
test_gaps_one_long_gap(void **state)
{
	struct probe_gaps g;
	uint64_t t = 0;
	bool open = true;

	(void)state;
	probe_gaps_init(&g);
	replies(&g, &t, 50, 5 * MS);
	t += 83 * MS; /* the move */
	probe_gaps_reply(&g, t);
	replies(&g, &t, 50, 5 * MS);
	t += 12 * MS; /* a smaller one later */
	probe_gaps_reply(&g, t);
	replies(&g, &t, 10, 5 * MS);
	assert_int_equal(probe_gaps_longest(&g, t, &open), 83 * MS);
	assert_false(open);
	assert_int_equal(g.replies, 112);
}

static void
test_gaps_open_silence(void **state)
{
	struct probe_gaps g;
	uint64_t t = 0;
	bool open = false;

	(void)state;
	probe_gaps_init(&g);
	replies(&g, &t, 20, 5 * MS);
	t += 40 * MS;
	probe_gaps_reply(&g, t);
	/* still silent 10 s later (the grace ran out): that silence counts */
	assert_int_equal(probe_gaps_longest(&g, t + 10000 * MS, &open), 10000 * MS);
	assert_true(open);
	/* silent for less than the longest closed gap: the closed one */
	assert_int_equal(probe_gaps_longest(&g, t + 30 * MS, &open), 40 * MS);
	assert_false(open);
	/* NULL for ret_open is fine */
	assert_int_equal(probe_gaps_longest(&g, t + 50 * MS, NULL), 50 * MS);
}

static void
test_gaps_no_reply(void **state)
{
	struct probe_gaps g;
	bool open = false;

	(void)state;
	probe_gaps_init(&g);
	assert_int_equal(probe_gaps_longest(&g, 123456, &open), -1);
	assert_false(g.any);
	/* one reply: no gap between replies yet, only the silence since */
	probe_gaps_reply(&g, 1000);
	assert_int_equal(probe_gaps_longest(&g, 1000, &open), 0);
	assert_int_equal(probe_gaps_longest(&g, 4000, &open), 3000);
	assert_true(open);
}

static void
test_gaps_out_of_order(void **state)
{
	struct probe_gaps g;

	(void)state;
	probe_gaps_init(&g);
	probe_gaps_reply(&g, 10 * MS);
	probe_gaps_reply(&g, 20 * MS);
	probe_gaps_reply(&g, 15 * MS); /* an earlier time: no gap, no going back */
	probe_gaps_reply(&g, 25 * MS);
	assert_int_equal(g.last_us, 25 * MS);
	assert_int_equal(probe_gaps_longest(&g, 25 * MS, NULL), 10 * MS);
	assert_int_equal(g.replies, 4);
}

/* ---- real probes ------------------------------------------------------- */

static void
probe_loopback(const char *address)
{
	struct probe *p = NULL;
	struct probe_result res;
	char err[PROBE_ERR_MAX] = "";
	int r;

	r = probe_start(address, 2000, &p, err, sizeof(err));
	if (r != 0)
		fail_msg("probe_start(%s): %d %s", address, r, err);
	ferry_sleep_ms(100);
	r = probe_stop(p, 5000, &res, err, sizeof(err));
	if (r != 0)
		fail_msg("probe_stop(%s): %d %s", address, r, err);
	/* loopback answers at once; a busy machine may stall us for a while */
	assert_true(res.gap_ms >= 0);
	assert_true(res.gap_ms < 2000);
	assert_false(res.lower_bound);
	assert_true(res.replies >= 1);
	assert_true(res.sent >= res.replies); /* only our own replies count */
	assert_string_equal(res.address, address);
}

static void
test_probe_ipv4_loopback(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* raw ICMP sockets need root */
	probe_loopback("127.0.0.1");
}

static void
test_probe_ipv6_loopback(void **state)
{
	FILE *f;
	char line[256];
	bool lo6 = false;

	(void)state;
	if (geteuid() != 0)
		skip();
	f = fopen("/proc/net/if_inet6", "re");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "00000000000000000000000000000001 ", 33) == 0)
			lo6 = true;
	if (f != NULL)
		fclose(f);
	if (!lo6)
		skip(); /* no ::1 on this machine */
	probe_loopback("::1");
}

/* Two probes of the same address at once: raw sockets see every echo reply,
 * each must count only its own. */
static void
test_probe_two_at_once(void **state)
{
	struct probe *p1 = NULL;
	struct probe *p2 = NULL;
	struct probe_result r1;
	struct probe_result r2;
	char err[PROBE_ERR_MAX] = "";

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(probe_start("127.0.0.1", 2000, &p1, err, sizeof(err)), 0);
	assert_int_equal(probe_start("127.0.0.1", 2000, &p2, err, sizeof(err)), 0);
	ferry_sleep_ms(100);
	assert_int_equal(probe_stop(p1, 5000, &r1, err, sizeof(err)), 0);
	assert_int_equal(probe_stop(p2, 5000, &r2, err, sizeof(err)), 0);
	assert_true(r1.replies >= 1 && r1.replies <= r1.sent);
	assert_true(r2.replies >= 1 && r2.replies <= r2.sent);
}

/* ---- a real silence: loopback down in a network namespace of our own --- */

static int
lo_set(bool up)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int r = -1;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		if (up)
			ifr.ifr_flags |= IFF_UP;
		else
			ifr.ifr_flags &= ~IFF_UP;
		r = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return r;
}

struct silence_out {
	int rc;
	struct probe_result res;
	char err[PROBE_ERR_MAX];
};

/* In a child (its own network namespace): probe 127.0.0.1, take lo down
 * for silence_ms, bring it back unless still_down, stop with grace_ms. */
static void
silence_child(int out, unsigned silence_ms, bool still_down, uint64_t grace_ms)
{
	struct silence_out o;
	struct probe *p = NULL;

	memset(&o, 0, sizeof(o));
	o.rc = probe_start("127.0.0.1", 2000, &p, o.err, sizeof(o.err));
	if (o.rc == 0) {
		ferry_sleep_ms(50);
		lo_set(false);
		ferry_sleep_ms(silence_ms);
		if (!still_down)
			lo_set(true);
		o.rc = probe_stop(p, grace_ms, &o.res, o.err, sizeof(o.err));
	}
	if (write(out, &o, sizeof(o)) != (ssize_t)sizeof(o))
		_exit(2);
	_exit(0);
}

/* Runs silence_child; false (the test skips) when no namespace can be made. */
static bool
silence(unsigned silence_ms, bool still_down, uint64_t grace_ms, struct silence_out *o)
{
	int fds[2];
	int status = 0;
	pid_t pid;
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		if (unshare(CLONE_NEWNET) != 0 || lo_set(true) != 0)
			_exit(77);
		silence_child(fds[1], silence_ms, still_down, grace_ms);
	}
	close(fds[1]);
	n = read(fds[0], o, sizeof(*o));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		return false;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(n, (ssize_t)sizeof(*o));
	return true;
}

/* The guest falls silent for 300 ms and answers again: the gap is that
 * silence (generous bounds: a busy machine only makes it look longer, and
 * a late timestamp of the last reply before it shorter by a little). */
static void
test_probe_silence(void **state)
{
	struct silence_out o;

	(void)state;
	if (geteuid() != 0 || !silence(300, false, 5000, &o))
		skip(); /* needs root and a network namespace */
	if (o.rc != 0)
		fail_msg("probe: %d %s", o.rc, o.err);
	if (o.res.gap_ms < 150 || o.res.gap_ms > 20000)
		fail_msg("gap %" PRId64 " ms for a silence of 300 ms", o.res.gap_ms);
	assert_false(o.res.lower_bound);
	printf("# silence of 300 ms: gap %" PRId64 " ms\n", o.res.gap_ms);
}

/* Still silent when the grace runs out: the silence so far counts, and it
 * is a lower bound. */
static void
test_probe_silent_at_end(void **state)
{
	struct silence_out o;

	(void)state;
	if (geteuid() != 0 || !silence(100, true, 200, &o))
		skip();
	if (o.rc != 0)
		fail_msg("probe: %d %s", o.rc, o.err);
	assert_true(o.res.lower_bound);
	if (o.res.gap_ms < 150 || o.res.silent_ms < 150)
		fail_msg("gap %" PRId64 " ms, silent %" PRIu64
		         " ms: the 300 ms silence not counted",
		         o.res.gap_ms, o.res.silent_ms);
	assert_true(o.res.gap_ms >= (int64_t)o.res.silent_ms);
	printf("# silent at the end: gap %" PRId64 " ms, silent %" PRIu64 " ms\n", o.res.gap_ms,
	       o.res.silent_ms);
}

/* Nothing answers: said so, not a gap.  The limited broadcast address: a
 * raw socket without SO_BROADCAST may not send there (EACCES), so nothing
 * leaves this machine and nothing can answer. */
static void
test_probe_no_answer(void **state)
{
	struct probe *p = NULL;
	struct probe_result res;
	char err[PROBE_ERR_MAX] = "";

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(probe_start("255.255.255.255", 30, &p, err, sizeof(err)), 0);
	assert_int_equal(probe_stop(p, 20, &res, err, sizeof(err)), -ENODATA);
	assert_non_null(strstr(err, "probe_address 255.255.255.255 (255.255.255.255)"));
	assert_non_null(strstr(err, "no echo reply at all"));
	assert_non_null(strstr(err, "last send error"));
	assert_non_null(strstr(err, "answers ping"));
}

static void
test_probe_unresolvable(void **state)
{
	struct probe *p = NULL;
	char err[PROBE_ERR_MAX] = "";
	int r;

	(void)state;
	r = probe_start("no-such-host.invalid", 10, &p, err, sizeof(err));
	assert_true(r < 0);
	assert_null(p);
	assert_non_null(strstr(err, "probe_address no-such-host.invalid: cannot resolve it"));
	assert_non_null(strstr(err, "give an IP address of the guest"));

	r = probe_start("", 10, &p, err, sizeof(err));
	assert_int_equal(r, -EINVAL);
	assert_null(p);
}

static void
test_stop_null(void **state)
{
	struct probe_result res;
	char err[PROBE_ERR_MAX] = "";

	(void)state;
	assert_int_equal(probe_stop(NULL, 0, &res, err, sizeof(err)), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_gaps_steady),
	        cmocka_unit_test(test_gaps_one_long_gap),
	        cmocka_unit_test(test_gaps_open_silence),
	        cmocka_unit_test(test_gaps_no_reply),
	        cmocka_unit_test(test_gaps_out_of_order),
	        cmocka_unit_test(test_probe_ipv4_loopback),
	        cmocka_unit_test(test_probe_ipv6_loopback),
	        cmocka_unit_test(test_probe_two_at_once),
	        cmocka_unit_test(test_probe_silence),
	        cmocka_unit_test(test_probe_silent_at_end),
	        cmocka_unit_test(test_probe_no_answer),
	        cmocka_unit_test(test_probe_unresolvable),
	        cmocka_unit_test(test_stop_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
