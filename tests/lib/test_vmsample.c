/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_vmsample - sampling a VM for the prediction: the smaps, moves-log and
 * dirty-rate parsers, and vmsample_take() against libvirt's test:///default
 * driver with a fake /proc and libvirt run dir.
 */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "testutil.h"

#include "ferry/vmsample.h"

#define MIB PREDICT_MIB

/* A QEMU of a 512 MiB guest: libraries, heap, a 2 GiB file mapping, a
 * smaller anonymous one, the guest RAM (512 MiB + nothing), a larger
 * anonymous one (1 GiB, e.g. a TCG buffer) and a guard. */
static const char smaps_qemu[] =
        "55d0c0000000-55d0c0100000 r-xp 00000000 08:01 1234    /usr/bin/qemu-system-x86_64\n"
        "Size:               1024 kB\n"
        "Rss:                 900 kB\n"
        "VmFlags: rd ex mr mw me dw\n"
        "55d0c1000000-55d0c2000000 rw-p 00000000 00:00 0       [heap]\n"
        "Size:              16384 kB\n"
        "Rss:               16000 kB\n"
        "7f0000000000-7f0080000000 rw-p 00000000 08:01 99      /var/lib/big.img\n"
        "Size:            2097152 kB\n"
        "Rss:             2097152 kB\n"
        "7f1000000000-7f1010000000 rw-p 00000000 00:00 0 \n"
        "Size:             262144 kB\n"
        "Rss:              262144 kB\n"
        "7f2000000000-7f2020000000 rw-p 00000000 00:00 0 \n"
        "Size:             524288 kB\n"
        "KernelPageSize:        4 kB\n"
        "MMUPageSize:           4 kB\n"
        "Rss:              409600 kB\n"
        "Pss:              409600 kB\n"
        "Private_Hugetlb:       0 kB\n"
        "Shared_Hugetlb:        0 kB\n"
        "THPeligible:    1\n"
        "VmFlags: rd wr mr mw me ac sd hg mg\n"
        "7f2020000000-7f2020001000 ---p 00000000 00:00 0 \n"
        "Size:                  4 kB\n"
        "Rss:                   0 kB\n"
        "7f3000000000-7f3040000000 rw-p 00000000 00:00 0 \n"
        "Size:            1048576 kB\n"
        "Rss:             1048576 kB\n";

static void
test_smaps_picks_guest_ram(void **state)
{
	uint64_t rss = 0, size = 0;
	FILE *f = fmemopen((void *)smaps_qemu, sizeof(smaps_qemu) - 1, "r");

	(void)state;
	assert_non_null(f);
	assert_int_equal(vmsample_smaps_guest_rss(f, 512 * MIB, &rss, &size), 0);
	assert_int_equal(size, 512 * MIB);
	assert_int_equal(rss, 400 * MIB);
	/* a 600 MiB guest: the 1 GiB anonymous mapping is the closest that holds it */
	rewind(f);
	assert_int_equal(vmsample_smaps_guest_rss(f, 600 * MIB, &rss, &size), 0);
	assert_int_equal(size, 1024 * MIB);
	/* larger than anything anonymous: the file mapping does not count */
	rewind(f);
	assert_int_equal(vmsample_smaps_guest_rss(f, 1536 * MIB, &rss, &size), -ENOENT);
	fclose(f);
}

static void
test_smaps_memfd_and_hugetlb(void **state)
{
	static const char text[] =
	        "7f0000000000-7f0008000000 rw-s 00000000 00:01 4321    /memfd:pc.ram (deleted)\n"
	        "Size:             131072 kB\n"
	        "Rss:               65536 kB\n"
	        "7f1000000000-7f1040000000 rw-s 00000000 00:2e 77      "
	        "/dev/hugepages/libvirt/qemu/1-big/qemu_back_mem.pc.ram.abc\n"
	        "Size:            1048576 kB\n"
	        "Rss:                   0 kB\n"
	        "Private_Hugetlb:  0 kB\n"
	        "Shared_Hugetlb:   524288 kB\n";
	uint64_t rss = 0, size = 0;
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

	(void)state;
	assert_int_equal(vmsample_smaps_guest_rss(f, 128 * MIB, &rss, &size), 0);
	assert_int_equal(rss, 64 * MIB);
	rewind(f);
	assert_int_equal(vmsample_smaps_guest_rss(f, 1024 * MIB, &rss, &size), 0);
	assert_int_equal(rss, 512 * MIB); /* hugetlb pages are not in Rss */
	fclose(f);
}

static void
test_smaps_garbage(void **state)
{
	static const char text[] = "Rss: 5 kB\n";
	static const char empty[] = "\n";
	uint64_t rss = 7, size = 7;
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

	(void)state;
	assert_int_equal(vmsample_smaps_guest_rss(f, 1, &rss, &size), -EBADMSG);
	fclose(f);
	f = fmemopen((void *)empty, sizeof(empty) - 1, "r");
	assert_int_equal(vmsample_smaps_guest_rss(f, 1, &rss, &size), -EBADMSG);
	fclose(f);
	assert_int_equal(rss, 7); /* not written on failure */
}

static const char moves_log[] =
        /* old line without net_bps */
        "{\"vm\":\"a\",\"to\":\"node2\",\"mode\":\"live\",\"result\":\"ok\",\"start_unix_ms\":1000}"
        "\n"
        "{\"vm\":\"a\",\"to\":\"node2\",\"mode\":\"live\",\"result\":\"ok\",\"start_unix_ms\":2000,"
        "\"net_bps\":100}\n"
        "not a record\n"
        "{\"vm\":\"b\",\"to\":\"node3\",\"mode\":\"live\",\"result\":\"ok\",\"start_unix_ms\":5000,"
        "\"net_bps\":300}\n"
        /* newer but not usable: failed, quick, fallback, zero */
        "{\"vm\":\"a\",\"to\":\"node2\",\"mode\":\"live\",\"result\":\"failed\",\"start_unix_ms\":"
        "6000,"
        "\"net_bps\":999}\n"
        "{\"vm\":\"a\",\"to\":\"node2\",\"mode\":\"quick\",\"result\":\"ok\",\"start_unix_ms\":"
        "6001,"
        "\"net_bps\":999}\n"
        "{\"vm\":\"a\",\"to\":\"node2\",\"mode\":\"live->quick\",\"result\":\"ok\","
        "\"start_unix_ms\":6002,\"net_bps\":999}\n"
        "{\"vm\":\"a\",\"to\":\"node2\",\"mode\":\"live\",\"result\":\"ok\",\"start_unix_ms\":6003,"
        "\"net_bps\":0}\n"
        /* out of order in the file: the time decides */
        "{\"vm\":\"c\",\"to\":\"node2\",\"mode\":\"live\",\"result\":\"ok\",\"start_unix_ms\":1500,"
        "\"net_bps\":50}\n";

static void
test_pick_move(void **state)
{
	struct move_record r;
	struct move_record *recs = NULL;
	size_t n = 0;
	bool same = false;
	FILE *f = fmemopen((void *)moves_log, sizeof(moves_log) - 1, "r");

	(void)state;
	/* the one reader of the log, newest first */
	assert_int_equal(moverec_read(f, MOVEREC_READ_MAX, &recs, &n, NULL), 0);
	fclose(f);
	assert_int_equal(vmsample_pick_move(recs, n, "node2", &r, &same), 1);
	assert_true(same);
	assert_int_equal(r.net_bps, 100);
	assert_string_equal(r.vm, "a");
	/* nothing to node4: the newest to anywhere */
	assert_int_equal(vmsample_pick_move(recs, n, "node4", &r, &same), 1);
	assert_false(same);
	assert_int_equal(r.net_bps, 300);
	assert_int_equal(vmsample_pick_move(recs, n, NULL, &r, &same), 1);
	assert_int_equal(r.net_bps, 300);
	free(recs);

	f = fmemopen((void *)"{}\n", 3, "r");
	assert_int_equal(moverec_read(f, MOVEREC_READ_MAX, &recs, &n, NULL), 0);
	fclose(f);
	assert_int_equal(vmsample_pick_move(recs, n, "node2", &r, &same), 0);
	free(recs);
	assert_int_equal(vmsample_pick_move(NULL, 0, "node2", &r, &same), 0);
}

static void
test_dirty_parse(void **state)
{
	virTypedParameter p[4];
	uint64_t rate = 0;
	int period = 0;

	(void)state;
	memset(p, 0, sizeof(p));
	assert_int_equal(vmsample_dirty_parse(p, 0, &rate, &period), VMSAMPLE_DIRTY_NONE);

	snprintf(p[0].field, sizeof(p[0].field), "dirtyrate.calc_status");
	p[0].type = VIR_TYPED_PARAM_INT;
	p[0].value.i = VIR_DOMAIN_DIRTYRATE_MEASURING;
	snprintf(p[1].field, sizeof(p[1].field), "dirtyrate.calc_period");
	p[1].type = VIR_TYPED_PARAM_INT;
	p[1].value.i = 2;
	snprintf(p[2].field, sizeof(p[2].field), "dirtyrate.megabytes_per_second");
	p[2].type = VIR_TYPED_PARAM_LLONG;
	p[2].value.l = 300;
	assert_int_equal(vmsample_dirty_parse(p, 3, &rate, &period), VMSAMPLE_DIRTY_MEASURING);
	assert_int_equal(rate, 0);

	p[0].value.i = VIR_DOMAIN_DIRTYRATE_MEASURED;
	assert_int_equal(vmsample_dirty_parse(p, 3, &rate, &period), VMSAMPLE_DIRTY_MEASURED);
	assert_int_equal(rate, 300 * MIB);
	assert_int_equal(period, 2);

	/* measured, but no rate: nothing usable */
	rate = 0;
	assert_int_equal(vmsample_dirty_parse(p, 2, &rate, &period), VMSAMPLE_DIRTY_NONE);
	assert_int_equal(rate, 0);

	p[0].value.i = VIR_DOMAIN_DIRTYRATE_UNSTARTED;
	assert_int_equal(vmsample_dirty_parse(p, 3, &rate, &period), VMSAMPLE_DIRTY_UNSTARTED);
}

/* ---- vmsample_take against test:///default ---------------------------------- */

static char tmp[256];

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_take_test_driver(void **state)
{
	char run_dir[300], proc[300], pdir[320], path[400], moves[300], cache[300];
	char uuid[VIR_UUID_STRING_BUFLEN];
	char cmdline[200];
	char smaps[600];
	struct vmsample_opts o;
	struct vmsample s;
	virConnectPtr c;
	virDomainPtr d;
	virDomainInfo info;
	char err[256] = "";

	(void)state;
	c = virConnectOpen("test:///default");
	assert_non_null(c);
	d = virDomainLookupByName(c, "test"); /* the driver's running domain */
	assert_non_null(d);
	assert_int_equal(virDomainGetInfo(d, &info), 0);
	assert_int_equal(virDomainGetUUIDString(d, uuid), 0);

	snprintf(run_dir, sizeof(run_dir), "%s/run", tmp);
	snprintf(proc, sizeof(proc), "%s/proc", tmp);
	snprintf(pdir, sizeof(pdir), "%s/4242", proc);
	snprintf(moves, sizeof(moves), "%s/moves.jsonl", tmp);
	snprintf(cache, sizeof(cache), "%s/cache", tmp);
	assert_int_equal(mkdir(run_dir, 0700), 0);
	assert_int_equal(mkdir(proc, 0700), 0);
	assert_int_equal(mkdir(pdir, 0700), 0);

	vmsample_opts_default(&o);
	o.run_dir = run_dir;
	o.proc_root = proc;
	o.moves_path = moves;
	o.cache_dir = cache;
	o.target = "node2";
	o.save_dir = tmp;
	o.probe_bytes = 2 * MIB;

	/* nothing but the memory size can be had */
	assert_int_equal(vmsample_take(d, &o, &s, err, sizeof(err)), 0);
	assert_int_equal(s.in.mem_bytes, (uint64_t)info.memory * 1024);
	assert_int_equal(s.how[VMSAMPLE_MEM].source, VMSAMPLE_MEASURED);
	assert_int_equal(s.in.touched_bytes, PREDICT_UNKNOWN);
	assert_int_equal(s.how[VMSAMPLE_TOUCHED].source, VMSAMPLE_ASSUMED);
	assert_non_null(strstr(s.how[VMSAMPLE_TOUCHED].text, "no QEMU pid file"));
	/* the test driver has no dirty-rate calculation */
	assert_int_equal(s.in.dirty_bytes_s, PREDICT_UNKNOWN);
	assert_non_null(strstr(s.how[VMSAMPLE_DIRTY].text, "cannot start"));
	assert_int_equal(s.in.net_bps, PREDICT_UNKNOWN);
	assert_non_null(strstr(s.how[VMSAMPLE_NET].text, "no moves log"));
	/* no log: every constant a-priori */
	assert_non_null(strstr(s.history, "no moves log"));
	assert_int_equal(s.cal.records, 0);
	assert_int_equal(s.cal.q[CALIBRATE_QEMU_START].scope, CALIBRATE_CONSTANT);
	/* the probe ran and was cached */
	assert_int_equal(s.how[VMSAMPLE_SAVE_WRITE].source, VMSAMPLE_MEASURED);
	assert_true(s.in.save_write_bps > 0 && s.in.save_write_bps != PREDICT_UNKNOWN);
	assert_true(s.in.save_read_bps > 0 && s.in.save_read_bps != PREDICT_UNKNOWN);

	/* a QEMU process for it, and a recorded move */
	snprintf(path, sizeof(path), "%s/test.pid", run_dir);
	write_file(path, "4242\n");
	snprintf(path, sizeof(path), "%s/cmdline", pdir);
	snprintf(cmdline, sizeof(cmdline), "qemu-system-x86_64%c-uuid%c%s%c", 0, 0, uuid, 0);
	{
		FILE *f = fopen(path, "we");

		assert_non_null(f);
		fwrite(cmdline, 1, strlen("qemu-system-x86_64") + 7 + strlen(uuid) + 1, f);
		fclose(f);
	}
	snprintf(smaps, sizeof(smaps),
	         "7f2000000000-%llx rw-p 00000000 00:00 0 \nSize: 1 kB\nRss: %llu kB\n",
	         0x7f2000000000ull + (unsigned long long)info.maxMem * 1024,
	         (unsigned long long)info.maxMem / 4);
	snprintf(path, sizeof(path), "%s/smaps", pdir);
	write_file(path, smaps);
	/* one live move gives the bandwidth; three quick moves from this node
	 * to node2 calibrate the restore, in the same read of the log */
	write_file(moves,
	           "{\"vm\":\"x\",\"to\":\"node2\",\"mode\":\"live\",\"result\":\"ok\","
	           "\"start_unix_ms\":1795000000000,\"net_bps\":123456789}\n"
	           "{\"from\":\"here\",\"to\":\"node2\",\"mode\":\"quick\",\"result\":\"ok\","
	           "\"restore_ms\":900,\"restore_read_ms\":300}\n"
	           "{\"from\":\"here\",\"to\":\"node2\",\"mode\":\"quick\",\"result\":\"ok\","
	           "\"restore_ms\":1000,\"restore_read_ms\":300}\n"
	           "{\"from\":\"here\",\"to\":\"node2\",\"mode\":\"quick\",\"result\":\"ok\","
	           "\"restore_ms\":950,\"restore_read_ms\":300}\n");
	o.node = "here";
	assert_int_equal(vmsample_take(d, &o, &s, err, sizeof(err)), 0);
	assert_int_equal(s.how[VMSAMPLE_TOUCHED].source, VMSAMPLE_MEASURED);
	assert_int_equal(s.in.touched_bytes, (uint64_t)info.maxMem / 4 * 1024);
	assert_int_equal(s.in.net_bps, 123456789);
	assert_int_equal(s.how[VMSAMPLE_NET].source, VMSAMPLE_HISTORY);
	assert_non_null(strstr(s.how[VMSAMPLE_NET].text, "live move of x to node2"));
	assert_int_equal(s.net_move_unix_ms, 1795000000000);
	assert_non_null(strstr(s.history, "4 records in "));
	assert_int_equal(s.cal.records, 4);
	assert_int_equal(s.cal.q[CALIBRATE_QEMU_START].scope, CALIBRATE_PAIR);
	assert_int_equal(s.cal.q[CALIBRATE_QEMU_START].value, 650);
	assert_string_equal(s.cal.q[CALIBRATE_QEMU_START].how,
	                    "history: 3 quick moves here->node2");
	assert_int_equal(s.cal.q[CALIBRATE_SAVE_RATE].scope, CALIBRATE_CONSTANT);
	/* the probe now comes from the cache */
	assert_int_equal(s.how[VMSAMPLE_SAVE_WRITE].source, VMSAMPLE_CACHED);

	/* a pid file naming another process: not trusted */
	snprintf(path, sizeof(path), "%s/cmdline", pdir);
	write_file(path, "sleep 100");
	assert_int_equal(vmsample_take(d, &o, &s, err, sizeof(err)), 0);
	assert_int_equal(s.in.touched_bytes, PREDICT_UNKNOWN);
	assert_non_null(strstr(s.how[VMSAMPLE_TOUCHED].text, "is not this VM's QEMU"));

	/* more seconds than libvirt's dirty-rate calculation takes */
	o.dirty_seconds = VMSAMPLE_DIRTY_SECONDS_MAX + 1;
	assert_int_equal(vmsample_take(d, &o, &s, err, sizeof(err)), -EINVAL);

	virDomainFree(d);
	virConnectClose(c);
}

static void
errors_quiet(void *data, virErrorPtr e)
{
	(void)data;
	(void)e;
}

static int
group_setup(void **state)
{
	(void)state;
	virSetErrorFunc(NULL, errors_quiet);
	testutil_tmpdir(tmp, sizeof(tmp), "vmsample");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	testutil_rmrf(tmp);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_smaps_picks_guest_ram),
	        cmocka_unit_test(test_smaps_memfd_and_hugetlb),
	        cmocka_unit_test(test_smaps_garbage),
	        cmocka_unit_test(test_pick_move),
	        cmocka_unit_test(test_dirty_parse),
	        cmocka_unit_test(test_take_test_driver),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
