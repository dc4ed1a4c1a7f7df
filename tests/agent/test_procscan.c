/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_procscan.c - finding a VM's QEMU process in a fake /proc tree. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "procscan.h"
#include "testutil.h"

#define UUID "11111111-2222-3333-4444-555555555555"

struct fake {
	char root[PATH_MAX];
	char proc[PATH_MAX + 8];
	char run[PATH_MAX + 8];
};

static void
fake_proc(struct fake *f, int pid, const char *comm, char state, const char *const *argv)
{
	char path[PATH_MAX + 64];
	char stat[256];
	FILE *out;

	snprintf(path, sizeof(path), "%s/%d", f->proc, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/stat", f->proc, pid);
	snprintf(stat, sizeof(stat), "%d (%s) %c 1 1 1 0 -1\n", pid, comm, state);
	testutil_write(path, stat);
	snprintf(path, sizeof(path), "%s/%d/cmdline", f->proc, pid);
	out = fopen(path, "we");
	assert_non_null(out);
	for (size_t i = 0; argv[i] != NULL; i++)
		fwrite(argv[i], 1, strlen(argv[i]) + 1, out);
	fclose(out);
}

/* ns/net links as the kernel shows them: "net:[INODE]". */
static void
fake_netns(struct fake *f, const char *who, unsigned inode)
{
	char path[PATH_MAX + 64];
	char target[32];

	snprintf(path, sizeof(path), "%s/%s/ns", f->proc, who);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/ns/net", f->proc, who);
	snprintf(target, sizeof(target), "net:[%u]", inode);
	assert_int_equal(symlink(target, path), 0);
}

static void
fake_pidfile(struct fake *f, const char *name, const char *text)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s.pid", f->run, name);
	testutil_write(path, text);
}

static int
setup(void **state)
{
	static struct fake f;

	testutil_tmpdir(f.root, sizeof(f.root), "procscan");
	snprintf(f.proc, sizeof(f.proc), "%s/proc", f.root);
	snprintf(f.run, sizeof(f.run), "%s/run", f.root);
	mkdir(f.proc, 0755);
	mkdir(f.run, 0755);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fake *f = *state;

	testutil_rmrf(f->root);
	return 0;
}

static const char *const qemu_argv[] = {
        "/usr/bin/qemu-system-x86_64", "-name", "guest=web1", "-uuid", UUID, "-m", "128", NULL};
static const char *const other_argv[] = {"/usr/bin/qemu-system-x86_64", "-uuid",
                                         "99999999-2222-3333-4444-555555555555", NULL};
static const char *const not_qemu_argv[] = {"/usr/bin/grep", UUID, "/var/log/x", NULL};

static void
test_pidfile(void **state)
{
	struct fake *f = *state;
	pid_t pid = 0;

	fake_proc(f, 4242, "qemu-system-x86", 'S', qemu_argv);
	fake_pidfile(f, "web1", "4242\n");
	assert_int_equal(procscan_find(f->run, f->proc, "web1", UUID, &pid), 1);
	assert_int_equal(pid, 4242);
}

static void
test_scan_without_pidfile(void **state)
{
	struct fake *f = *state;
	pid_t pid = 0;

	fake_proc(f, 100, "grep", 'R', not_qemu_argv);
	fake_proc(f, 200, "qemu-system-x86", 'S', other_argv);
	fake_proc(f, 300, "qemu-system-x86", 'R', qemu_argv);
	assert_int_equal(procscan_find(f->run, f->proc, "web1", UUID, &pid), 1);
	assert_int_equal(pid, 300);
	/* name unknown: the scan alone finds it */
	assert_int_equal(procscan_find(f->run, f->proc, NULL, UUID, &pid), 1);
}

static void
test_stale_pidfile(void **state)
{
	struct fake *f = *state;
	pid_t pid = 0;

	/* the pid file names a process that is now something else */
	fake_proc(f, 500, "bash", 'S', not_qemu_argv);
	fake_pidfile(f, "web1", "500");
	assert_int_equal(procscan_find(f->run, f->proc, "web1", UUID, &pid), 0);
	fake_pidfile(f, "web1", "garbage");
	assert_int_equal(procscan_find(f->run, f->proc, "web1", UUID, &pid), 0);
}

static void
test_zombie_is_dead(void **state)
{
	struct fake *f = *state;
	pid_t pid = 0;

	fake_proc(f, 600, "qemu-system-x86", 'Z', qemu_argv);
	fake_pidfile(f, "web1", "600");
	assert_int_equal(procscan_find(f->run, f->proc, "web1", UUID, &pid), 0);
}

static void
test_comm_with_paren(void **state)
{
	struct fake *f = *state;
	pid_t pid = 0;

	fake_proc(f, 700, "qemu) R (x", 'S', qemu_argv);
	assert_int_equal(procscan_find(f->run, f->proc, "web1", UUID, &pid), 1);
	assert_int_equal(pid, 700);
}

static void
test_errors(void **state)
{
	struct fake *f = *state;
	char missing[PATH_MAX + 16];
	pid_t pid = 0;

	snprintf(missing, sizeof(missing), "%s/nope", f->root);
	assert_int_equal(procscan_find(f->run, missing, "web1", UUID, &pid), -ENOENT);
	assert_int_equal(procscan_find(f->run, f->proc, "web1", "", &pid), -EINVAL);
	assert_int_equal(procscan_find(f->run, f->proc, "web1", UUID, &pid), 0); /* empty /proc */
}

/*
 * One machine, several lab nodes: another node's QEMU for the same UUID is
 * visible in /proc but lives in another network namespace; it is not ours,
 * neither through the pid file nor through the scan.
 */
static void
test_other_netns_is_not_ours(void **state)
{
	struct fake *f = *state;
	const char *const argv[] = {"/usr/bin/qemu-system-x86_64", "-uuid", UUID, NULL};
	char self[PATH_MAX + 16];
	pid_t pid = 0;

	snprintf(self, sizeof(self), "%s/self", f->proc);
	mkdir(self, 0755);
	fake_netns(f, "self", 4026531840u);
	fake_proc(f, 4242, "qemu-system-x86", 'S', argv);
	fake_netns(f, "4242", 4026532999u);
	fake_pidfile(f, "web1", "4242\n");
	assert_int_equal(procscan_find(f->run, f->proc, "web1", UUID, &pid), 0);

	/* the same process in our namespace is found */
	fake_proc(f, 4343, "qemu-system-x86", 'S', argv);
	fake_netns(f, "4343", 4026531840u);
	assert_int_equal(procscan_find(f->run, f->proc, "web1", UUID, &pid), 1);
	assert_int_equal(pid, 4343);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_pidfile, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_scan_without_pidfile, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stale_pidfile, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_zombie_is_dead, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_comm_with_paren, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_other_netns_is_not_ours, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
