/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test_idcache.c - the identity remembered at start. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "idcache.h"
#include "testutil.h"

#define UUID "11111111-2222-3333-4444-555555555555"

static void
test_round_trip(void **state)
{
	char dir[PATH_MAX];
	char sub[PATH_MAX + 8];
	char path[PATH_MAX + 64];
	char name[64];
	char uuid[37];

	(void)state;
	testutil_tmpdir(dir, sizeof(dir), "idcache");
	snprintf(sub, sizeof(sub), "%s/rsc", dir); /* created on first write */
	assert_int_equal(idcache_read(sub, "vm-web1", name, sizeof(name), uuid), -ENOENT);
	assert_int_equal(idcache_write(sub, "vm-web1", "web1", UUID), 0);
	assert_int_equal(idcache_read(sub, "vm-web1", name, sizeof(name), uuid), 0);
	assert_string_equal(name, "web1");
	assert_string_equal(uuid, UUID);
	assert_int_equal(idcache_remove(sub, "vm-web1"), 0);
	assert_int_equal(idcache_remove(sub, "vm-web1"), 0); /* idempotent */
	assert_int_equal(idcache_read(sub, "vm-web1", name, sizeof(name), uuid), -ENOENT);

	snprintf(path, sizeof(path), "%s/ferry-vm-bad.id", sub);
	testutil_write(path, "web1\nnot-a-uuid\n");
	assert_int_equal(idcache_read(sub, "bad", name, sizeof(name), uuid), -EBADMSG);
	testutil_write(path, "");
	assert_int_equal(idcache_read(sub, "bad", name, sizeof(name), uuid), -EBADMSG);

	assert_int_equal(idcache_write(sub, "", "web1", UUID), -EINVAL);
	assert_int_equal(idcache_write(sub, "../x", "web1", UUID), -EINVAL);
	testutil_rmrf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
