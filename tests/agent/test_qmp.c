/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_qmp.c - a QEMU's monitor found from a fake /proc, asked by a fake QEMU. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "qmp.h"
#include "testutil.h"

static char root[PATH_MAX];
static char proc[PATH_MAX + 8];
static char sock[PATH_MAX + 32];

/* ---- a fake /proc: net/unix and one process's fds ---------------------------- */

static void
fake_fd(int pid, int fd, const char *target)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%d", proc, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/fd", proc, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/fd/%d", proc, pid, fd);
	assert_int_equal(symlink(target, path), 0);
}

static int
setup(void **state)
{
	char path[PATH_MAX + 64];
	char text[3 * PATH_MAX];

	(void)state;
	testutil_tmpdir(root, sizeof(root), "qmp");
	snprintf(proc, sizeof(proc), "%s/proc", root);
	mkdir(proc, 0755);
	snprintf(path, sizeof(path), "%s/net", proc);
	mkdir(path, 0755);
	snprintf(sock, sizeof(sock), "%s/domain-1-web1/monitor.sock", root);
	snprintf(path, sizeof(path), "%s/domain-1-web1", root);
	mkdir(path, 0750);
	/* another VM's monitor (inode 700), a listening non-monitor socket of
	 * pid 42 (701), then pid 42's monitor (702); pid 42 holds 701 and 702 */
	snprintf(text, sizeof(text),
	         "Num       RefCount Protocol Flags    Type St Inode Path\n"
	         "0000000000000000: 00000002 00000000 00010000 0001 01 700 "
	         "/var/lib/libvirt/qemu/domain-2-other/monitor.sock\n"
	         "0000000000000000: 00000002 00000000 00010000 0001 01 701 %s/vnc.sock\n"
	         "0000000000000000: 00000003 00000000 00000000 0001 03 999\n"
	         "0000000000000000: 00000002 00000000 00010000 0001 01 702 %s\n",
	         root, sock);
	snprintf(path, sizeof(path), "%s/net/unix", proc);
	testutil_write(path, text);
	fake_fd(42, 0, "/dev/null");
	fake_fd(42, 5, "socket:[701]");
	fake_fd(42, 9, "socket:[702]");
	fake_fd(43, 3, "socket:[703]");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	testutil_rmrf(root);
	return 0;
}

static void
test_find_monitor(void **state)
{
	char path[PATH_MAX];

	(void)state;
	assert_int_equal(qmp_find_monitor(proc, 42, path, sizeof(path)), 0);
	assert_string_equal(path, sock);
	/* a process with no monitor socket, one that does not exist */
	assert_int_equal(qmp_find_monitor(proc, 43, path, sizeof(path)), -ENOENT);
	assert_int_equal(qmp_find_monitor(proc, 44, path, sizeof(path)), -ENOENT);
	/* no such /proc */
	assert_int_equal(qmp_find_monitor("/nonexistent-ferry", 42, path, sizeof(path)), -ENOENT);
	/* too small a buffer: said, not truncated */
	assert_int_equal(qmp_find_monitor(proc, 42, path, 8), -ENAMETOOLONG);
}

/* ---- a fake QEMU on the monitor socket --------------------------------------- */

struct fake_qemu {
	int listen_fd;
	bool greet;         /* send the QMP greeting (false: a monitor held by libvirtd) */
	const char *status; /* query-status answers this */
	bool error;         /* query-status answers an error */
	bool events;        /* events interleaved before each answer */
	char got[512];      /* what the client sent */
};

static const char greeting[] =
        "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 2, \"minor\": 0, \"major\": 10}}, "
        "\"capabilities\": [\"oob\"]}}\r\n";
static const char event[] = "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": "
                            "\"MIGRATION\", \"data\": {\"status\": \"failed\"}}\r\n";

/* Reads one command line from the client into f->got (appended). */
static bool
fake_read_cmd(struct fake_qemu *f, int fd)
{
	char c;
	size_t n = strlen(f->got);

	while (read(fd, &c, 1) == 1) {
		if (n < sizeof(f->got) - 1)
			f->got[n++] = c;
		f->got[n] = '\0';
		if (c == '\n')
			return true;
	}
	return false;
}

static void
fake_say(int fd, const char *text)
{
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

static void *
fake_qemu_main(void *arg)
{
	struct fake_qemu *f = arg;
	char answer[256];
	int fd = accept(f->listen_fd, NULL, NULL);

	if (fd < 0)
		return NULL;
	if (!f->greet) {
		/* say nothing until the client gives up */
		while (read(fd, answer, sizeof(answer)) > 0)
			;
		close(fd);
		return NULL;
	}
	fake_say(fd, greeting);
	if (fake_read_cmd(f, fd)) {
		if (f->events)
			fake_say(fd, event);
		fake_say(fd, "{\"return\": {}}\r\n");
	}
	if (fake_read_cmd(f, fd)) {
		if (f->events)
			fake_say(fd, event);
		if (f->error)
			snprintf(
			        answer, sizeof(answer),
			        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}}\r\n");
		else
			snprintf(answer, sizeof(answer),
			         "{\"return\": {\"status\": \"%s\", \"singlestep\": false, "
			         "\"running\": false}}\r\n",
			         f->status);
		fake_say(fd, answer);
	}
	close(fd);
	return NULL;
}

static int
fake_qemu_query(struct fake_qemu *f, uint64_t timeout_ms, char *status, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	pthread_t t;
	int r;

	unlink(sock);
	assert_true(strlen(sock) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->listen_fd >= 0);
	assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->listen_fd, 1), 0);
	assert_int_equal(pthread_create(&t, NULL, fake_qemu_main, f), 0);
	r = qmp_query_status(sock, timeout_ms, status, len);
	pthread_join(t, NULL);
	close(f->listen_fd);
	return r;
}

static void
test_query_status_inmigrate(void **state)
{
	struct fake_qemu f = {.greet = true, .status = "inmigrate"};
	char status[QMP_STATUS_MAX] = "";

	(void)state;
	assert_int_equal(fake_qemu_query(&f, 5000, status, sizeof(status)), 0);
	assert_string_equal(status, "inmigrate");
	/* capabilities first, then the question */
	assert_string_equal(f.got, "{\"execute\":\"qmp_capabilities\"}\n"
	                           "{\"execute\":\"query-status\"}\n");
}

static void
test_query_status_events_skipped(void **state)
{
	struct fake_qemu f = {.greet = true, .status = "paused", .events = true};
	char status[QMP_STATUS_MAX] = "";

	(void)state;
	assert_int_equal(fake_qemu_query(&f, 5000, status, sizeof(status)), 0);
	assert_string_equal(status, "paused"); /* not the event's "failed" */
}

/* libvirtd (hung, not dead) still holds the monitor: QEMU does not greet. */
static void
test_query_status_no_greeting(void **state)
{
	struct fake_qemu f = {.greet = false};
	char status[QMP_STATUS_MAX] = "";

	(void)state;
	assert_int_equal(fake_qemu_query(&f, 300, status, sizeof(status)), -ETIMEDOUT);
	assert_string_equal(status, "");
}

static void
test_query_status_error(void **state)
{
	struct fake_qemu f = {.greet = true, .error = true};
	char status[QMP_STATUS_MAX] = "";

	(void)state;
	assert_int_equal(fake_qemu_query(&f, 5000, status, sizeof(status)), -EPROTO);
	assert_string_equal(status, "");
}

static void
test_query_status_no_socket(void **state)
{
	char status[QMP_STATUS_MAX] = "";

	(void)state;
	unlink(sock);
	assert_int_equal(qmp_query_status(sock, 300, status, sizeof(status)), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_find_monitor, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_query_status_inmigrate, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_query_status_events_skipped, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_query_status_no_greeting, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_query_status_error, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_query_status_no_socket, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
