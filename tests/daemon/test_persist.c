/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_persist - atomic files: round trips, corruption detected, bounded history. */
#include "persist.c"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ferry-persist-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_ledger_round_trip(void **state)
{
	const char blob[] = "ferry-ledger 1\nvm a 1\n";
	void *out = NULL;
	size_t len = 0;
	char path[128];
	struct stat st;

	(void)state;
	assert_int_equal(persist_ledger_save(dir, blob, sizeof(blob) - 1), 0);
	assert_int_equal(persist_ledger_load(dir, 4096, &out, &len), 0);
	assert_int_equal(len, sizeof(blob) - 1);
	assert_memory_equal(out, blob, len);
	free(out);
	/* no temporary left behind, private mode */
	snprintf(path, sizeof(path), "%s/%s.tmp", dir, PERSIST_LEDGER_FILE);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/%s", dir, PERSIST_LEDGER_FILE);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* replaced, not appended */
	assert_int_equal(persist_ledger_save(dir, "x", 1), 0);
	assert_int_equal(persist_ledger_load(dir, 4096, &out, &len), 0);
	assert_int_equal(len, 1);
	free(out);
	/* empty blob is fine */
	assert_int_equal(persist_ledger_save(dir, "", 0), 0);
	assert_int_equal(persist_ledger_load(dir, 4096, &out, &len), 0);
	assert_int_equal(len, 0);
	free(out);
}

static void
flip_byte(const char *name, long off)
{
	char path[128];
	FILE *f;
	int c;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r+");
	assert_non_null(f);
	fseek(f, off, off < 0 ? SEEK_END : SEEK_SET);
	c = fgetc(f);
	fseek(f, off, off < 0 ? SEEK_END : SEEK_SET);
	fputc(c ^ 0x5a, f);
	fclose(f);
}

static void
test_ledger_corruption(void **state)
{
	void *out = NULL;
	size_t len = 0;
	char path[128];

	(void)state;
	assert_int_equal(persist_ledger_load(dir, 4096, &out, &len), -ENOENT);
	assert_int_equal(persist_ledger_save(dir, "hello ledger", 12), 0);
	flip_byte(PERSIST_LEDGER_FILE, -1); /* payload */
	assert_int_equal(persist_ledger_load(dir, 4096, &out, &len), -EBADMSG);
	assert_int_equal(persist_ledger_save(dir, "hello ledger", 12), 0);
	flip_byte(PERSIST_LEDGER_FILE, 0); /* magic */
	assert_int_equal(persist_ledger_load(dir, 4096, &out, &len), -EBADMSG);
	assert_int_equal(persist_ledger_save(dir, "hello ledger", 12), 0);
	flip_byte(PERSIST_LEDGER_FILE, 4); /* version */
	assert_int_equal(persist_ledger_load(dir, 4096, &out, &len), -EPROTO);
	/* truncated file */
	assert_int_equal(persist_ledger_save(dir, "hello ledger", 12), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, PERSIST_LEDGER_FILE);
	assert_int_equal(truncate(path, 30), 0);
	assert_int_equal(persist_ledger_load(dir, 4096, &out, &len), -EBADMSG);
	assert_int_equal(truncate(path, 3), 0);
	assert_int_equal(persist_ledger_load(dir, 4096, &out, &len), -EBADMSG);
	/* over the caller's limit */
	assert_int_equal(persist_ledger_save(dir, "hello ledger", 12), 0);
	assert_int_equal(persist_ledger_load(dir, 4, &out, &len), -EFBIG);
}

static struct ferry_ipc_move
mv(int i)
{
	struct ferry_ipc_move m;

	memset(&m, 0, sizeof(m));
	snprintf(m.vm, sizeof(m.vm), "vm%d", i);
	snprintf(m.mode, sizeof(m.mode), "live");
	snprintf(m.result, sizeof(m.result), "ok");
	m.start_unix_ms = i;
	m.downtime_ms = -1;
	return m;
}

static void
test_history_bounded(void **state)
{
	struct persist_history h, h2;
	struct ferry_ipc_move m;
	int i;

	(void)state;
	assert_int_equal(persist_history_init(&h, 0), -EINVAL);
	assert_int_equal(persist_history_init(&h, 3), 0);
	for (i = 1; i <= 5; i++) {
		m = mv(i);
		persist_history_add(&h, &m);
	}
	assert_int_equal(h.n, 3);
	assert_string_equal(h.moves[0].vm, "vm3");
	assert_string_equal(h.moves[2].vm, "vm5");
	assert_int_equal(persist_history_save(&h, dir), 0);
	/* reload into a smaller ring: the newest survive */
	assert_int_equal(persist_history_init(&h2, 2), 0);
	assert_int_equal(persist_history_load(&h2, dir), 0);
	assert_int_equal(h2.n, 2);
	assert_string_equal(h2.moves[0].vm, "vm4");
	assert_string_equal(h2.moves[1].vm, "vm5");
	assert_int_equal(h2.moves[1].downtime_ms, -1);
	persist_history_done(&h2);
	/* a history file is not a ledger file */
	flip_byte(PERSIST_HISTORY_FILE, -5);
	assert_int_equal(persist_history_init(&h2, 5), 0);
	assert_int_equal(persist_history_load(&h2, dir), -EBADMSG);
	persist_history_done(&h2);
	persist_history_done(&h);
}

static void
test_write_missing_dir(void **state)
{
	char sub[128];

	(void)state;
	snprintf(sub, sizeof(sub), "%s/new", dir);
	assert_int_equal(persist_write(sub, "f", "x", 1), 0); /* creates one level */
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	assert_int_equal(persist_write(sub, "f", "x", 1), -ENOENT);
}

/* The metrics file: readable by node_exporter (0644 whatever the umask),
 * replaced atomically, and its directory never created. */
static void
test_write_public(void **state)
{
	char path[128], missing[128];
	struct stat st;
	void *out = NULL;
	size_t len = 0;
	mode_t old;

	(void)state;
	old = umask(077);
	assert_int_equal(persist_write_public(dir, "ferry.prom", "a 1\n", 4), 0);
	umask(old);
	snprintf(path, sizeof(path), "%s/ferry.prom", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(persist_write_public(dir, "ferry.prom", "b 2\n", 4), 0);
	assert_int_equal(persist_read(dir, "ferry.prom", 64, &out, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(out, "b 2\n", 4);
	free(out);
	snprintf(path, sizeof(path), "%s/ferry.prom.tmp", dir);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(missing, sizeof(missing), "%s/node-exporter", dir);
	assert_int_equal(persist_write_public(missing, "ferry.prom", "x", 1), -ENOENT);
	assert_int_equal(access(missing, F_OK), -1);
}

/* A ledger file as an earlier ferry wrote it (its own CRC-32 before zlib's
 * crc32): the frame's checksum field holds the standard CRC-32 of the
 * payload, so files written before and after the switch load alike. */
static void
test_crc(void **state)
{
	struct persist_frame f = {
	        .magic = PERSIST_MAGIC_LEDGER,
	        .version = PERSIST_VERSION,
	        .len = 9,
	        .crc32 = 0xcbf43926u, /* the CRC-32 check value of "123456789" */
	};
	char file[sizeof(f) + 9];
	void *out = NULL;
	size_t len = 0;

	(void)state;
	memcpy(file, &f, sizeof(f));
	memcpy(file + sizeof(f), "123456789", 9);
	assert_int_equal(persist_write(dir, PERSIST_LEDGER_FILE, file, sizeof(file)), 0);
	assert_int_equal(persist_ledger_load(dir, 4096, &out, &len), 0);
	assert_int_equal(len, 9);
	assert_memory_equal(out, "123456789", 9);
	free(out);
}

/* a symlink planted at a state file is neither followed nor replaced */
static void
test_symlink_refused(void **state)
{
	char path[128], target[128];
	void *out = NULL;
	size_t len = 0;
	struct stat st;

	(void)state;
	snprintf(target, sizeof(target), "%s/elsewhere", dir);
	snprintf(path, sizeof(path), "%s/%s", dir, PERSIST_LEDGER_FILE);
	assert_int_equal(persist_write(dir, "elsewhere", "keep", 4), 0);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(persist_ledger_save(dir, "x", 1), -ELOOP);
	assert_int_equal(persist_ledger_load(dir, 4096, &out, &len), -ELOOP);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(persist_read(dir, "elsewhere", 16, &out, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(out, "keep", 4);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_ledger_round_trip, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_ledger_corruption, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_history_bounded, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_write_missing_dir, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_crc, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_write_public, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
