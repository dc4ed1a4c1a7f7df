/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_fileio - whole-file reads with a limit, atomic replacement, in a temp dir. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ferry/fileio.h"
#include "testutil.h"

static char dir[PATH_MAX];

static int
setup(void **state)
{
	(void)state;
	testutil_tmpdir(dir, sizeof(dir), "fileio");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	(void)chmod(dir, 0700);
	testutil_rmrf(dir);
	return 0;
}

static void
path_of(const char *name, char *buf, size_t len)
{
	assert_true((size_t)snprintf(buf, len, "%s/%s", dir, name) < len);
}

static void
read_expect(const char *path, const char *text)
{
	void *buf = NULL;
	size_t len = 0;

	assert_int_equal(fileio_read_all(path, 1 << 20, &buf, &len), 0);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(buf, text, len);
	assert_int_equal(((char *)buf)[len], '\0');
	free(buf);
}

static void
test_round_trip(void **state)
{
	char path[PATH_MAX];
	static char big[100000];

	(void)state;
	path_of("a", path, sizeof(path));
	assert_int_equal(fileio_write_atomic(path, "hello\n", 6, NULL), 0);
	read_expect(path, "hello\n");
	/* empty, then larger than any first guess */
	assert_int_equal(fileio_write_atomic(path, "", 0, NULL), 0);
	read_expect(path, "");
	memset(big, 'x', sizeof(big) - 1);
	assert_int_equal(fileio_write_atomic(path, big, sizeof(big) - 1, NULL), 0);
	read_expect(path, big);
	assert_int_equal(testutil_count_entries(dir), 1); /* no temporary left */
}

static void
test_pieces(void **state)
{
	struct iovec iov[2] = {{.iov_base = "head:", .iov_len = 5},
	                       {.iov_base = "tail", .iov_len = 4}};
	char path[PATH_MAX];

	(void)state;
	path_of("v", path, sizeof(path));
	assert_int_equal(fileio_write_atomicv(path, iov, 2, NULL), 0);
	read_expect(path, "head:tail");
}

/* the directory-fd form, as imagestore uses it */
static void
test_at(void **state)
{
	struct iovec iov = {.iov_base = "at", .iov_len = 2};
	char path[PATH_MAX];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	(void)state;
	assert_true(dfd >= 0);
	assert_int_equal(fileio_write_atomicat(dfd, "f", &iov, 1, NULL), 0);
	assert_int_equal(fileio_write_atomicat(dfd, "a/f", &iov, 1, NULL), -EINVAL);
	assert_int_equal(
	        fileio_write_atomicat(dfd, "u", &iov, 1, &(struct fileio_opts){.tmp_unique = true}),
	        0);
	assert_int_equal(fileio_fsync_dirfd(dfd), 0);
	close(dfd);
	path_of("f", path, sizeof(path));
	read_expect(path, "at");
	path_of("u", path, sizeof(path));
	read_expect(path, "at");
	assert_int_equal(testutil_count_entries(dir), 2);
}

static void
test_limit(void **state)
{
	char path[PATH_MAX];
	void *buf = (void *)1;
	size_t len = 7;

	(void)state;
	path_of("l", path, sizeof(path));
	assert_int_equal(fileio_write_atomic(path, "0123456789", 10, NULL), 0);
	assert_int_equal(fileio_read_all(path, 9, &buf, &len), -EFBIG);
	assert_ptr_equal(buf, (void *)1); /* untouched */
	assert_int_equal(len, 7);
	assert_int_equal(fileio_read_all(path, 10, &buf, &len), 0);
	assert_int_equal(len, 10);
	free(buf);
}

/* a file that grows past the limit after fstat is still refused */
static void
test_limit_stream(void **state)
{
	int p[2];
	void *buf = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "abcdef", 6), 6);
	close(p[1]);
	assert_int_equal(fileio_read_fd(p[0], 5, &buf, &len), -EFBIG);
	close(p[0]);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "abcdef", 6), 6);
	close(p[1]);
	assert_int_equal(fileio_read_fd(p[0], 6, &buf, &len), 0);
	assert_int_equal(len, 6);
	assert_string_equal(buf, "abcdef");
	free(buf);
	close(p[0]);
}

static void
test_missing(void **state)
{
	char path[PATH_MAX], sub[PATH_MAX];
	void *buf = NULL;
	size_t len = 0;

	(void)state;
	path_of("nothing", path, sizeof(path));
	assert_int_equal(fileio_read_all(path, 100, &buf, &len), -ENOENT);
	assert_int_equal(fileio_read_all(dir, 100, &buf, &len), -EINVAL); /* a directory */
	path_of("nodir/f", sub, sizeof(sub));
	assert_int_equal(fileio_write_atomic(sub, "x", 1, NULL), -ENOENT);
	path_of("nodir/g", sub, sizeof(sub));
	assert_int_equal(
	        fileio_write_atomic(sub, "x", 1, &(struct fileio_opts){.tmp_unique = true}),
	        -ENOENT);
	assert_int_equal(testutil_count_entries(dir), 0);
	assert_int_equal(fileio_fsync_dir(sub), -ENOENT);
	assert_int_equal(fileio_fsync_dir(dir), 0);
}

static void
test_mode(void **state)
{
	char path[PATH_MAX];
	struct stat st;
	mode_t old = umask(0077);

	(void)state;
	path_of("m", path, sizeof(path));
	assert_int_equal(fileio_write_atomic(path, "x", 1, NULL), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* the mode asked for, whatever the umask */
	assert_int_equal(fileio_write_atomic(path, "x", 1, &(struct fileio_opts){.mode = 0644}), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	/* an existing file's mode wins when asked; a new one gets mode */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(fileio_write_atomic(path, "y", 1,
	                                     &(struct fileio_opts){.mode = 0644,
	                                                           .keep_mode = true,
	                                                           .keep_owner = true,
	                                                           .tmp_unique = true}),
	                 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_uid, getuid());
	read_expect(path, "y");
	path_of("m2", path, sizeof(path));
	assert_int_equal(
	        fileio_write_atomic(path, "z", 1,
	                            &(struct fileio_opts){.mode = 0604, .keep_mode = true}),
	        0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0604);
	/* as open(2) would create it */
	path_of("m3", path, sizeof(path));
	assert_int_equal(
	        fileio_write_atomic(path, "u", 1,
	                            &(struct fileio_opts){.mode = 0644, .umask_applies = true}),
	        0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(testutil_count_entries(dir), 3);
	umask(old);
}

static void
test_nofollow(void **state)
{
	char path[PATH_MAX], target[PATH_MAX], tmp[PATH_MAX];
	struct stat st;

	(void)state;
	path_of("target", target, sizeof(target));
	path_of("link", path, sizeof(path));
	assert_int_equal(fileio_write_atomic(target, "old", 3, NULL), 0);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(
	        fileio_write_atomic(path, "new", 3, &(struct fileio_opts){.nofollow = true}),
	        -ELOOP);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	read_expect(target, "old");
	/* nor is a symlink planted at the temporary name followed */
	assert_int_equal(unlink(path), 0);
	path_of("link.tmp", tmp, sizeof(tmp));
	assert_int_equal(symlink(target, tmp), 0);
	assert_int_equal(
	        fileio_write_atomic(path, "new", 3, &(struct fileio_opts){.nofollow = true}),
	        -ELOOP);
	read_expect(target, "old");
	/* without nofollow, a symlink at PATH is replaced (rename), its target kept */
	assert_int_equal(unlink(tmp), 0);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(fileio_write_atomic(path, "new", 3, NULL), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	read_expect(target, "old");
	read_expect(path, "new");
}

/* a failed write leaves the old content and no temporary file */
static void
test_replace(void **state)
{
	char sub[PATH_MAX], path[PATH_MAX];

	(void)state;
	path_of("ro", sub, sizeof(sub));
	assert_int_equal(mkdir(sub, 0700), 0);
	path_of("ro/f", path, sizeof(path));
	assert_int_equal(fileio_write_atomic(path, "old", 3, NULL), 0);
	assert_int_equal(fileio_write_atomic(path, "newer", 5, NULL), 0);
	read_expect(path, "newer");
	assert_int_equal(testutil_count_entries(sub), 1);
	/* a write cut short (a file size limit, which binds root too) */
	{
		struct rlimit lim, small;

		assert_int_equal(getrlimit(RLIMIT_FSIZE, &lim), 0);
		small = lim;
		small.rlim_cur = 4;
		(void)signal(SIGXFSZ, SIG_IGN);
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
		assert_int_equal(fileio_write_atomic(path, "longer than four", 16, NULL), -EFBIG);
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
		(void)signal(SIGXFSZ, SIG_DFL);
		read_expect(path, "newer");
		assert_int_equal(testutil_count_entries(sub), 1);
	}
	if (geteuid() == 0) {
		/* root may write into a read-only directory: nothing to show there */
		return;
	}
	assert_int_equal(chmod(sub, 0500), 0);
	assert_int_equal(fileio_write_atomic(path, "lost", 4, NULL), -EACCES);
	assert_int_equal(chmod(sub, 0700), 0);
	read_expect(path, "newer");
	assert_int_equal(testutil_count_entries(sub), 1);
}

/* a temporary file that cannot be renamed over PATH (a directory there) is removed */
static void
test_rename_fails(void **state)
{
	char path[PATH_MAX], inner[PATH_MAX];

	(void)state;
	path_of("isdir", path, sizeof(path));
	assert_int_equal(mkdir(path, 0700), 0);
	path_of("isdir/x", inner, sizeof(inner));
	assert_int_equal(fileio_write_atomic(inner, "x", 1, NULL), 0);
	assert_true(fileio_write_atomic(path, "x", 1, NULL) < 0);
	assert_int_equal(testutil_count_entries(dir), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_pieces, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_at, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_limit, setup, teardown),
	        cmocka_unit_test(test_limit_stream),
	        cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_mode, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_nofollow, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rename_fails, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
