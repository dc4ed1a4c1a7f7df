/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_virt.c - the agent's libvirt paths against libvirt's in-process
 * test:///default driver: start, stop, monitor, save, restore, quick and
 * restart moves, the budget refusal of a live move, the answers when
 * libvirtd hangs or the config is gone, and probe_address around moves.
 *
 * The test driver keeps its state only while a connection is open, so the
 * fixture holds one (keep).  What the driver lacks or what must fail on
 * purpose is wrapped (see Makefile.am):
 *   virDomainSaveFlags        drops BYPASS_CACHE; can fail with ENOSPC
 *   virDomainRestoreFlags     drops BYPASS_CACHE; PAUSED = restore + suspend
 *   virConnectOpen            can hang (libvirtd SIGSTOPped)
 *   virDomainSaveImageGetXMLDesc  can return an image XML with a wrong tag
 *   virGetLastError, virResetLastError  carry the injected errors
 *   ferryclient_*             a fake ferryd: a one-VM ledger model that logs
 *                             every call and can refuse or be down
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
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

#include "agent.h"
#include "ferry/client.h"
#include "domxml.h"
#include "virt.h"
#include "ferry/clock.h"
#include "ferry/imagestore.h"
#include "ferry/moverec.h"
#include "ferry/saveprobe.h"
#include "testutil.h"

#define NAME       "fv1"
#define UUID       "a1b2c3d4-0000-4000-8000-00000000f001"
#define OTHER_UUID "a1b2c3d4-0000-4000-8000-00000000f002"
#define DOMAIN_XML                                                                                 \
	"<domain type='test'><name>" NAME "</name><uuid>" UUID "</uuid>"                           \
	"<memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>\n"

/* ---- fakes ---------------------------------------------------------------- */

static atomic_bool fake_hang;
static bool fake_enospc;
static bool fake_restore_fail;
static int fake_tag; /* 0 real, 1 no tag, 2 another VM's UUID */
/* the next N reads of a .save image (or with fake_hide_all every read) find
 * no file: a libvirtd whose save_dir is not mounted */
static int fake_hide_save;
static bool fake_hide_all;

virConnectPtr __real_virConnectOpen(const char *name);
virConnectPtr __wrap_virConnectOpen(const char *name);
int __real_virDomainSaveFlags(virDomainPtr d, const char *to, const char *dxml, unsigned int flags);
int __wrap_virDomainSaveFlags(virDomainPtr d, const char *to, const char *dxml, unsigned int flags);
int __real_virDomainRestoreFlags(virConnectPtr c, const char *from, const char *dxml,
                                 unsigned int flags);
int __wrap_virDomainRestoreFlags(virConnectPtr c, const char *from, const char *dxml,
                                 unsigned int flags);
char *__real_virDomainSaveImageGetXMLDesc(virConnectPtr c, const char *file, unsigned int flags);
char *__wrap_virDomainSaveImageGetXMLDesc(virConnectPtr c, const char *file, unsigned int flags);

/* > 0: a paused domain reports this VIR_DOMAIN_PAUSED_* reason (the test
 * driver only knows PAUSED_USER) */
static int fake_pause_reason;

int __real_virDomainGetState(virDomainPtr d, int *state, int *reason, unsigned int flags);
int __wrap_virDomainGetState(virDomainPtr d, int *state, int *reason, unsigned int flags);

int
__wrap_virDomainGetState(virDomainPtr d, int *state, int *reason, unsigned int flags)
{
	int r = __real_virDomainGetState(d, state, reason, flags);

	if (r == 0 && fake_pause_reason > 0 && *state == VIR_DOMAIN_PAUSED && reason != NULL)
		*reason = fake_pause_reason;
	return r;
}

virConnectPtr
__wrap_virConnectOpen(const char *name)
{
	while (atomic_load(&fake_hang))
		usleep(10 * 1000);
	return __real_virConnectOpen(name);
}

/* libvirt has no public way to set an error: the next virGetLastError()
 * returns this one instead. */
static _Thread_local bool fake_err_set;
static _Thread_local virError fake_err;
static char fake_err_msg[256];

virErrorPtr __real_virGetLastError(void);
virErrorPtr __wrap_virGetLastError(void);
void __real_virResetLastError(void);
void __wrap_virResetLastError(void);

virErrorPtr
__wrap_virGetLastError(void)
{
	if (fake_err_set)
		return &fake_err;
	return __real_virGetLastError();
}

void
__wrap_virResetLastError(void)
{
	fake_err_set = false;
	__real_virResetLastError();
}

static void
fake_error(int code, int errno_value, const char *msg)
{
	memset(&fake_err, 0, sizeof(fake_err));
	snprintf(fake_err_msg, sizeof(fake_err_msg), "%s", msg);
	fake_err.code = code;
	fake_err.domain = VIR_FROM_QEMU;
	fake_err.level = VIR_ERR_ERROR;
	fake_err.message = fake_err_msg;
	fake_err.int1 = errno_value;
	fake_err_set = true;
}

int
__wrap_virDomainSaveFlags(virDomainPtr d, const char *to, const char *dxml, unsigned int flags)
{
	if (fake_enospc) {
		/* QEMU wrote part of the image before the disk filled up */
		testutil_write(to, "partial image");
		fake_error(VIR_ERR_OPERATION_FAILED, 0,
		           "operation failed: migration out: failed to write: No space left on "
		           "device");
		return -1;
	}
	return __real_virDomainSaveFlags(d, to, dxml,
	                                 flags & ~(unsigned int)VIR_DOMAIN_SAVE_BYPASS_CACHE);
}

int
__wrap_virDomainRestoreFlags(virConnectPtr c, const char *from, const char *dxml,
                             unsigned int flags)
{
	char uuid[DOMXML_UUID_LEN + 1];
	struct domxml_info info;
	virDomainPtr d;
	char *xml;
	int r;

	if (fake_restore_fail) {
		fake_error(VIR_ERR_OPERATION_FAILED, 0,
		           "operation failed: restore refused by the fake");
		return -1;
	}
	xml = __real_virDomainSaveImageGetXMLDesc(c, from, 0);
	if (xml == NULL || domxml_parse(xml, &info, NULL, 0) != 0) {
		free(xml);
		return -1;
	}
	free(xml);
	memcpy(uuid, info.uuid, sizeof(uuid));
	r = __real_virDomainRestoreFlags(
	        c, from, dxml,
	        flags & ~(unsigned int)(VIR_DOMAIN_SAVE_PAUSED | VIR_DOMAIN_SAVE_BYPASS_CACHE));
	if (r != 0 || (flags & VIR_DOMAIN_SAVE_PAUSED) == 0)
		return r;
	d = virDomainLookupByUUIDString(c, uuid);
	if (d == NULL)
		return -1;
	r = virDomainSuspend(d);
	virDomainFree(d);
	return r;
}

char *
__wrap_virDomainSaveImageGetXMLDesc(virConnectPtr c, const char *file, unsigned int flags)
{
	size_t n = strlen(file);

	if (fake_hide_all || (fake_hide_save > 0 && n > 5 && strcmp(file + n - 5, ".save") == 0)) {
		if (!fake_hide_all)
			fake_hide_save--;
		return __real_virDomainSaveImageGetXMLDesc(c, "/nonexistent/ferry-test.save",
		                                           flags);
	}
	if (fake_tag == 1)
		return strdup("<domain type='test'><name>" NAME "</name><uuid>" UUID
		              "</uuid></domain>");
	if (fake_tag == 2)
		return strdup("<domain type='test'><name>" NAME "</name><uuid>" UUID
		              "</uuid><metadata>"
		              "<ferry:image xmlns:ferry=\"https://ferry.invalid/xmlns/image/1\" "
		              "uuid=\"" OTHER_UUID "\" generation=\"1\"/></metadata></domain>");
	return __real_virDomainSaveImageGetXMLDesc(c, file, flags);
}

/* ---- fake ferryd (ledger=on) ---------------------------------------------- */

static struct {
	bool down;            /* connect: -ECONNREFUSED */
	char calls[2048];     /* "acquire:start save release ..." */
	uint32_t verdict[40]; /* by enum ferry_ipc_type; 0 = the model decides */
	int refusals;         /* > 0: only this many refusals, then the model decides */
	bool unknown;         /* the ledger has never seen the VM */
	uint32_t owner;       /* owner_nodeid in refusals */
	const char *reason;   /* reason in refusals */
	uint64_t gen;         /* the model's generation */
	bool saved;           /* the model's state is "saved" */
	bool restoring;       /* "restoring": granted, not yet committed or aborted */
	uint32_t mode;        /* migrate_begin's mode */
	int moves;            /* record_move calls */
	struct ferry_ipc_move move;
} fk;

static int fk_token;

static void
fk_log(const char *fmt, ...)
{
	size_t n = strlen(fk.calls);
	va_list ap;

	if (n > 0 && n < sizeof(fk.calls) - 1)
		fk.calls[n++] = ' ';
	va_start(ap, fmt);
	vsnprintf(fk.calls + n, sizeof(fk.calls) - n, fmt, ap);
	va_end(ap);
}

/* 1 and *ret filled if the test forces a refusal of this request type. */
static int
fk_refuse(enum ferry_ipc_type t, struct ferry_ipc_vm_rsp *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->generation = fk.gen;
	if (fk.unknown && t != FERRY_IPC_ACQUIRE) {
		/* what ferryd's ledgerglue answers */
		ret->verdict = FERRY_VERDICT_UNKNOWN_VM;
		snprintf(ret->reason, sizeof(ret->reason), "op refused: unknown-vm (generation 0)");
		return 1;
	}
	if (fk.verdict[t] == FERRY_VERDICT_GRANTED)
		return 0;
	ret->verdict = fk.verdict[t];
	if (fk.refusals > 0 && --fk.refusals == 0)
		fk.verdict[t] = FERRY_VERDICT_GRANTED;
	ret->owner_nodeid = fk.owner;
	snprintf(ret->reason, sizeof(ret->reason), "%s", fk.reason != NULL ? fk.reason : "no");
	return 1;
}

int __wrap_ferryclient_connect(struct ferryclient **ret);
struct ferryclient *__wrap_ferryclient_free(struct ferryclient *c);
int __wrap_ferryclient_acquire(struct ferryclient *c, const char *vm, const char *uuid,
                               const char *rsc, enum ferry_ipc_acquire_mode mode,
                               uint64_t generation, struct ferry_ipc_vm_rsp *ret);
int __wrap_ferryclient_release(struct ferryclient *c, const char *vm, const char *uuid,
                               struct ferry_ipc_vm_rsp *ret);
int __wrap_ferryclient_migrate_begin(struct ferryclient *c, const char *vm, const char *uuid,
                                     const char *target_node, enum ferry_ipc_migrate_mode mode,
                                     struct ferry_ipc_vm_rsp *ret);
int __wrap_ferryclient_migrate_commit(struct ferryclient *c, const char *vm, const char *uuid,
                                      struct ferry_ipc_vm_rsp *ret);
int __wrap_ferryclient_migrate_abort(struct ferryclient *c, const char *vm, const char *uuid,
                                     struct ferry_ipc_vm_rsp *ret);
int __wrap_ferryclient_save(struct ferryclient *c, const char *vm, const char *uuid,
                            struct ferry_ipc_vm_rsp *ret);
int __wrap_ferryclient_expect_stop(struct ferryclient *c, const char *vm, const char *uuid,
                                   uint32_t timeout_ms);
int __wrap_ferryclient_record_move(struct ferryclient *c, const struct ferry_ipc_move *m);

int
__wrap_ferryclient_connect(struct ferryclient **ret)
{
	if (fk.down)
		return -ECONNREFUSED;
	*ret = (struct ferryclient *)&fk_token;
	return 0;
}

struct ferryclient *
__wrap_ferryclient_free(struct ferryclient *c)
{
	assert_true(c == NULL || c == (struct ferryclient *)&fk_token);
	return NULL;
}

int
__wrap_ferryclient_acquire(struct ferryclient *c, const char *vm, const char *uuid, const char *rsc,
                           enum ferry_ipc_acquire_mode mode, uint64_t generation,
                           struct ferry_ipc_vm_rsp *ret)
{
	(void)c;
	assert_string_equal(vm, NAME);
	assert_string_equal(uuid, UUID);
	assert_string_equal(rsc, "vm-" NAME);
	if (mode == FERRY_ACQUIRE_RESTORE)
		fk_log("acquire:restore:%" PRIu64, generation);
	else
		fk_log("acquire:start");
	if (fk_refuse(FERRY_IPC_ACQUIRE, ret))
		return 0;
	if (fk.unknown && mode == FERRY_ACQUIRE_RESTORE) {
		ret->verdict = FERRY_VERDICT_UNKNOWN_VM;
		snprintf(ret->reason, sizeof(ret->reason),
		         "restore refused: unknown-vm (generation 0)");
		return 0;
	}
	fk.unknown = false;
	if (mode == FERRY_ACQUIRE_RESTORE) {
		if (!fk.saved || generation != fk.gen) {
			ret->verdict = FERRY_VERDICT_STALE;
			snprintf(ret->reason, sizeof(ret->reason),
			         "image gen %" PRIu64 ", current gen %" PRIu64, generation, fk.gen);
			return 0;
		}
		/* restoring: the image is consumed by the commit, kept by an abort */
		fk.saved = false;
		fk.restoring = true;
		ret->generation = fk.gen;
		return 0;
	} else if (fk.saved) {
		fk.gen++;
	}
	fk.saved = false;
	ret->generation = fk.gen;
	return 0;
}

int __wrap_ferryclient_restore_commit(struct ferryclient *c, const char *vm, const char *uuid,
                                      struct ferry_ipc_vm_rsp *ret);
int __wrap_ferryclient_restore_abort(struct ferryclient *c, const char *vm, const char *uuid,
                                     struct ferry_ipc_vm_rsp *ret);

int
__wrap_ferryclient_restore_commit(struct ferryclient *c, const char *vm, const char *uuid,
                                  struct ferry_ipc_vm_rsp *ret)
{
	(void)c, (void)vm, (void)uuid;
	fk_log("restore_commit");
	if (fk_refuse(FERRY_IPC_RESTORE_COMMIT, ret))
		return 0;
	assert_true(fk.restoring);
	fk.restoring = false;
	fk.gen++;
	ret->generation = fk.gen;
	return 0;
}

/* From "restoring", or from a quick move's source: back to "saved". */
int
__wrap_ferryclient_restore_abort(struct ferryclient *c, const char *vm, const char *uuid,
                                 struct ferry_ipc_vm_rsp *ret)
{
	(void)c, (void)vm, (void)uuid;
	fk_log("restore_abort");
	if (fk_refuse(FERRY_IPC_RESTORE_ABORT, ret))
		return 0;
	fk.restoring = false;
	fk.saved = true;
	ret->generation = fk.gen;
	return 0;
}

int
__wrap_ferryclient_release(struct ferryclient *c, const char *vm, const char *uuid,
                           struct ferry_ipc_vm_rsp *ret)
{
	(void)c, (void)vm, (void)uuid;
	fk_log("release");
	(void)fk_refuse(FERRY_IPC_RELEASE, ret);
	return 0;
}

int
__wrap_ferryclient_migrate_begin(struct ferryclient *c, const char *vm, const char *uuid,
                                 const char *target_node, enum ferry_ipc_migrate_mode mode,
                                 struct ferry_ipc_vm_rsp *ret)
{
	(void)c, (void)vm, (void)uuid;
	fk_log("migrate_begin:%s:%s", mode == FERRY_MIGRATE_QUICK ? "quick" : "live", target_node);
	fk.mode = mode;
	(void)fk_refuse(FERRY_IPC_MIGRATE_BEGIN, ret);
	return 0;
}

int
__wrap_ferryclient_migrate_commit(struct ferryclient *c, const char *vm, const char *uuid,
                                  struct ferry_ipc_vm_rsp *ret)
{
	(void)c, (void)vm, (void)uuid;
	fk_log("commit");
	if (fk_refuse(FERRY_IPC_MIGRATE_COMMIT, ret))
		return 0;
	if (fk.mode == FERRY_MIGRATE_QUICK)
		fk.gen++;
	ret->generation = fk.gen;
	return 0;
}

int
__wrap_ferryclient_migrate_abort(struct ferryclient *c, const char *vm, const char *uuid,
                                 struct ferry_ipc_vm_rsp *ret)
{
	(void)c, (void)vm, (void)uuid;
	fk_log("abort");
	(void)fk_refuse(FERRY_IPC_MIGRATE_ABORT, ret);
	return 0;
}

int
__wrap_ferryclient_save(struct ferryclient *c, const char *vm, const char *uuid,
                        struct ferry_ipc_vm_rsp *ret)
{
	(void)c, (void)vm, (void)uuid;
	fk_log("save");
	if (fk_refuse(FERRY_IPC_SAVE, ret))
		return 0;
	fk.gen++;
	fk.saved = true;
	ret->generation = fk.gen;
	return 0;
}

int
__wrap_ferryclient_expect_stop(struct ferryclient *c, const char *vm, const char *uuid,
                               uint32_t timeout_ms)
{
	(void)c, (void)vm, (void)uuid;
	assert_true(timeout_ms >= 10000);
	fk_log("expect_stop");
	return 0;
}

int
__wrap_ferryclient_record_move(struct ferryclient *c, const struct ferry_ipc_move *m)
{
	(void)c;
	fk_log("record_move");
	fk.move = *m;
	fk.moves++;
	return 0;
}

/* ---- fixture ---------------------------------------------------------------- */

static virConnectPtr keep;
/* short paths: they are pasted into commands and environment strings */
static char tmp[256];
static char config[320];
static char save_dir[320];
static char rsctmp[320];
static char moves[320];

static char env_config[400];
static char env_config_missing[400];
static char env_save_dir[400];
static char env_rsctmp[400];

/* Agents whose worker was given up on stay referenced here, never freed. */
static struct vm_agent *abandoned[16];
static size_t n_abandoned;

static int
run(const char *action, const char *const *env, char *why, size_t why_len)
{
	struct vm_agent *a = calloc(1, sizeof(*a));
	int rc;

	assert_non_null(a);
	rc = agent_run(a, action, env);
	if (why != NULL)
		snprintf(why, why_len, "%s", a->why.text);
	if (a->abandoned) {
		assert_true(n_abandoned < sizeof(abandoned) / sizeof(abandoned[0]));
		abandoned[n_abandoned++] = a;
		return rc;
	}
	agent_clear(a);
	free(a);
	return rc;
}

/* Builds an environment: the common base plus extra assignments; ENV with
 * ledger=off (no ferryd), LENV with ledger=on (the fake above). */
#define ENV_BASE(ledger, ...)                                                                      \
	((const char *const[]){"OCF_RESKEY_hypervisor=test:///default",                            \
	                       "OCF_RESOURCE_INSTANCE=vm-" NAME, env_rsctmp, ledger, __VA_ARGS__,  \
	                       NULL})
#define ENV(...)  ENV_BASE("OCF_RESKEY_ledger=off", __VA_ARGS__)
#define LENV(...) ENV_BASE("OCF_RESKEY_ledger=on", __VA_ARGS__)

static enum virt_state_simple { ABSENT, RUNNING, PAUSED, OTHER } dom_state(void)
{
	virDomainPtr d = virDomainLookupByUUIDString(keep, UUID);
	int st = 0;
	int reason = 0;

	if (d == NULL)
		return ABSENT;
	virDomainGetState(d, &st, &reason, 0);
	virDomainFree(d);
	if (st == VIR_DOMAIN_RUNNING)
		return RUNNING;
	if (st == VIR_DOMAIN_PAUSED)
		return PAUSED;
	if (st == VIR_DOMAIN_SHUTOFF)
		return ABSENT;
	return OTHER;
}

static void
destroy_all(void)
{
	virDomainPtr d = virDomainLookupByUUIDString(keep, UUID);

	if (d != NULL) {
		virDomainDestroy(d);
		virDomainFree(d);
	}
	d = virDomainLookupByName(keep, NAME);
	if (d != NULL) {
		virDomainDestroy(d);
		virDomainFree(d);
	}
}

static bool
exists(const char *dir, const char *name)
{
	char path[PATH_MAX * 2];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

/* Number of files in save_dir whose name starts with prefix. */
static int
count_prefix(const char *prefix)
{
	char cmd[PATH_MAX * 3];
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "ls -1 '%s' | grep -c '^%s'", save_dir, prefix);
	p = popen(cmd, "r");
	if (p == NULL || fscanf(p, "%d", &n) != 1)
		n = -1;
	if (p != NULL)
		pclose(p);
	return n;
}

static int
count_lines(const char *path, struct move_record *last)
{
	char line[MOVEREC_MAX_LINE];
	FILE *f = fopen(path, "re");
	int n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		n++;
		if (last != NULL)
			assert_int_equal(moverec_parse(line, last), 0);
	}
	fclose(f);
	return n;
}

static int
group_setup(void **state)
{
	(void)state;
	testutil_tmpdir(tmp, sizeof(tmp), "virt");
	snprintf(config, sizeof(config), "%s/" NAME ".xml", tmp);
	snprintf(save_dir, sizeof(save_dir), "%s/save", tmp);
	snprintf(rsctmp, sizeof(rsctmp), "%s/rsc", tmp);
	snprintf(moves, sizeof(moves), "%s/moves.jsonl", tmp);
	snprintf(env_config, sizeof(env_config), "OCF_RESKEY_config=%s", config);
	snprintf(env_config_missing, sizeof(env_config_missing), "OCF_RESKEY_config=%s/gone.xml",
	         tmp);
	snprintf(env_save_dir, sizeof(env_save_dir), "OCF_RESKEY_save_dir=%s", save_dir);
	snprintf(env_rsctmp, sizeof(env_rsctmp), "HA_RSCTMP=%s", rsctmp);
	testutil_write(config, DOMAIN_XML);
	if (mkdir(save_dir, 0700) != 0)
		return -1;
	setenv(MOVEREC_PATH_ENV, moves, 1);
	virt_init(); /* silences libvirt's default error printing */
	keep = virConnectOpen("test:///default");
	return keep == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	destroy_all();
	virConnectClose(keep);
	testutil_rmrf(tmp);
	return 0;
}

static int
setup(void **state)
{
	char cmd[1200];

	(void)state;
	destroy_all();
	atomic_store(&fake_hang, false);
	fake_enospc = false;
	fake_restore_fail = false;
	fake_pause_reason = 0;
	fake_tag = 0;
	fake_hide_save = 0;
	fake_hide_all = false;
	memset(&fk, 0, sizeof(fk));
	fk.gen = 41; /* far from the store's own generations */
	snprintf(cmd, sizeof(cmd), "rm -f '%s'/* '%s'/* '%s'", save_dir, rsctmp, moves);
	if (system(cmd) != 0)
		return -1;
	return 0;
}

/* ---- tests ------------------------------------------------------------------ */

static void
test_start_monitor_stop(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("monitor", ENV(env_config), why, sizeof(why)), OCF_NOT_RUNNING);
	assert_int_equal(run("start", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(dom_state(), RUNNING);
	assert_int_equal(run("monitor", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("status", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("start", ENV(env_config), why, sizeof(why)), OCF_SUCCESS); /* again */
	assert_int_equal(run("stop", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(dom_state(), ABSENT);
	assert_int_equal(run("monitor", ENV(env_config), why, sizeof(why)), OCF_NOT_RUNNING);
	assert_int_equal(run("stop", ENV(env_config), why, sizeof(why)), OCF_SUCCESS); /* again */
}

static void
test_paused_counts_as_running(void **state)
{
	virDomainPtr d;

	(void)state;
	assert_int_equal(run("start", ENV(env_config), NULL, 0), OCF_SUCCESS);
	d = virDomainLookupByUUIDString(keep, UUID);
	assert_non_null(d);
	assert_int_equal(virDomainSuspend(d), 0);
	virDomainFree(d);
	assert_int_equal(run("monitor", ENV(env_config), NULL, 0), OCF_SUCCESS);
	/* start of a paused VM resumes it */
	assert_int_equal(run("start", ENV(env_config), NULL, 0), OCF_SUCCESS);
	assert_int_equal(dom_state(), RUNNING);
	/* stop of a paused VM with on_stop=shutdown */
	d = virDomainLookupByUUIDString(keep, UUID);
	virDomainSuspend(d);
	virDomainFree(d);
	assert_int_equal(run("stop", ENV(env_config), NULL, 0), OCF_SUCCESS);
	assert_int_equal(dom_state(), ABSENT);
}

static void
test_on_stop_destroy(void **state)
{
	(void)state;
	assert_int_equal(run("start", ENV(env_config, "OCF_RESKEY_on_stop=destroy"), NULL, 0),
	                 OCF_SUCCESS);
	assert_int_equal(run("stop", ENV(env_config, "OCF_RESKEY_on_stop=destroy"), NULL, 0),
	                 OCF_SUCCESS);
	assert_int_equal(dom_state(), ABSENT);
}

static void
test_save_restore(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", ENV(env_config, env_save_dir, "OCF_RESKEY_on_stop=save"), why,
	                     sizeof(why)),
	                 OCF_SUCCESS);
	assert_true(exists(save_dir, NAME ".gen"));
	assert_int_equal(run("stop", ENV(env_config, env_save_dir, "OCF_RESKEY_on_stop=save"), why,
	                     sizeof(why)),
	                 OCF_SUCCESS);
	assert_int_equal(dom_state(), ABSENT);
	assert_true(exists(save_dir, NAME ".save"));
	assert_true(exists(save_dir, NAME ".save.meta"));
	assert_false(exists(save_dir, NAME ".save.part"));
	assert_int_equal(run("monitor", ENV(env_config, env_save_dir, "OCF_RESKEY_on_stop=save"),
	                     why, sizeof(why)),
	                 OCF_NOT_RUNNING);

	/* start restores it, marks it consumed: never restored twice */
	assert_int_equal(run("start", ENV(env_config, env_save_dir, "OCF_RESKEY_on_stop=save"), why,
	                     sizeof(why)),
	                 OCF_SUCCESS);
	assert_int_equal(dom_state(), RUNNING);
	assert_false(exists(save_dir, NAME ".save"));
	assert_int_equal(count_prefix(NAME ".save.consumed."),
	                 3); /* image, sidecar, whole-image CRC */

	/* another stop/start cycle works on the next generation */
	assert_int_equal(run("stop", ENV(env_config, env_save_dir, "OCF_RESKEY_on_stop=save"), why,
	                     sizeof(why)),
	                 OCF_SUCCESS);
	assert_int_equal(run("start", ENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_SUCCESS);
	assert_int_equal(count_prefix(NAME ".save.consumed."), 6);
	assert_int_equal(dom_state(), RUNNING);
	assert_string_equal(fk.calls, ""); /* ledger=off never asks ferryd */
}

static void
save_one(void)
{
	assert_int_equal(run("start", ENV(env_config, env_save_dir), NULL, 0), OCF_SUCCESS);
	assert_int_equal(
	        run("stop", ENV(env_config, env_save_dir, "OCF_RESKEY_on_stop=save"), NULL, 0),
	        OCF_SUCCESS);
	assert_true(exists(save_dir, NAME ".save"));
}

static void
test_truncated_image_refused(void **state)
{
	char path[PATH_MAX * 2];

	(void)state;
	save_one();
	snprintf(path, sizeof(path), "%s/" NAME ".save", save_dir);
	assert_int_equal(truncate(path, 10), 0);
	assert_int_equal(run("start", ENV(env_config, env_save_dir), NULL, 0), OCF_SUCCESS);
	assert_int_equal(dom_state(), RUNNING); /* cold boot */
	assert_false(exists(save_dir, NAME ".save"));
	assert_true(count_prefix(NAME ".save.truncated.") >= 1); /* moved aside, not deleted */
}

static void
test_embedded_tag_checked(void **state)
{
	(void)state;
	save_one();
	fake_tag = 2; /* the image's XML names another VM */
	assert_int_equal(run("start", ENV(env_config, env_save_dir), NULL, 0), OCF_SUCCESS);
	assert_int_equal(dom_state(), RUNNING);
	assert_false(exists(save_dir, NAME ".save"));
	assert_true(count_prefix(NAME ".save.wrong") >= 1);

	assert_int_equal(
	        run("stop", ENV(env_config, env_save_dir, "OCF_RESKEY_on_stop=save"), NULL, 0),
	        OCF_SUCCESS);
	fake_tag = 1; /* no tag at all */
	assert_int_equal(run("start", ENV(env_config, env_save_dir), NULL, 0), OCF_SUCCESS);
	assert_false(exists(save_dir, NAME ".save"));
	assert_true(count_prefix(NAME ".save.corrupt.") >= 1);
}

static void
test_restore_failure_keeps_image(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	save_one();
	fake_restore_fail = true;
	assert_int_equal(run("start", ENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "the image is kept and still valid"));
	assert_true(exists(save_dir, NAME ".save"));
	assert_int_equal(dom_state(), ABSENT); /* no cold boot over a valid image */
	fake_restore_fail = false;
	assert_int_equal(run("start", ENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_SUCCESS);
	assert_false(exists(save_dir, NAME ".save"));
}

/* A stop whose save runs out of space still stops: a failed stop gets the
 * node fenced with every VM on it (found by the fault catalogue's
 * save-dir-full: a quick move's ENOSPC, then Pacemaker's recovery stop failed
 * the same way and node1 was fenced).  The memory is lost, nothing
 * half-written is left. */
static void
test_save_enospc_stop_shuts_down(void **state)
{
	char why[OCF_REASON_MAX] = "";

	(void)state;
	assert_int_equal(run("start", ENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_SUCCESS);
	fake_enospc = true;
	assert_int_equal(run("stop", ENV(env_config, env_save_dir, "OCF_RESKEY_on_stop=save"), why,
	                     sizeof(why)),
	                 OCF_SUCCESS);
	assert_int_equal(dom_state(), ABSENT);
	assert_false(exists(save_dir, NAME ".save"));
	assert_false(exists(save_dir, NAME ".save.part")); /* nothing half-written is left */
	assert_int_equal(run("monitor", ENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_NOT_RUNNING);
}

static void
test_config_gone(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	/* nothing runs: stop succeeds without a config */
	assert_int_equal(run("stop", ENV(env_config_missing), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("stop", ENV("OCF_RESKEY_shutdown_timeout=bogus"), why, sizeof(why)),
	                 OCF_SUCCESS);
	/* start needs it */
	assert_int_equal(run("start", ENV(env_config_missing), why, sizeof(why)),
	                 OCF_ERR_INSTALLED);
	assert_non_null(strstr(why, "cannot read config"));

	/* running VM, config vanishes: monitor still says running (id cache) */
	assert_int_equal(run("start", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_true(exists(rsctmp, "ferry-vm-vm-" NAME ".id"));
	assert_int_equal(run("monitor", ENV(env_config_missing), why, sizeof(why)), OCF_SUCCESS);
	/* and stop stops it */
	assert_int_equal(run("stop", ENV(env_config_missing), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(dom_state(), ABSENT);
	assert_false(exists(rsctmp, "ferry-vm-vm-" NAME ".id"));
}

/* The config is edited (new UUID) while the VM runs: monitor and stop still
 * answer for the running one, a start would take the new config. */
static void
test_config_changed_under_running_vm(void **state)
{
	char other[400];
	char env_other[480];
	char why[OCF_REASON_MAX];

	(void)state;
	snprintf(other, sizeof(other), "%s/other.xml", tmp);
	testutil_write(other, "<domain type='test'><name>" NAME "2</name><uuid>" OTHER_UUID
	                      "</uuid><memory>131072</memory><os><type>hvm</type></os></domain>");
	snprintf(env_other, sizeof(env_other), "OCF_RESKEY_config=%s", other);
	assert_int_equal(run("start", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("monitor", ENV(env_other), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("stop", ENV(env_other), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(dom_state(), ABSENT);
	assert_int_equal(run("monitor", ENV(env_other), why, sizeof(why)), OCF_NOT_RUNNING);
}

static void
test_libvirt_hangs(void **state)
{
	char why[OCF_REASON_MAX];
	uint64_t t0;

	(void)state;
	assert_int_equal(run("start", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	atomic_store(&fake_hang, true);
	t0 = ferry_clock_ms();
	/* no QEMU process on this machine runs the test domain: unknown, never 7 */
	assert_int_equal(run("monitor", ENV(env_config, "OCF_RESKEY_CRM_meta_timeout=2000"), why,
	                     sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_true(ferry_clock_ms() - t0 < 2000);
	assert_non_null(strstr(why, "does not answer and no QEMU process for uuid " UUID));
	atomic_store(&fake_hang, false);
	usleep(100 * 1000);
	assert_int_equal(run("monitor", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
}

/* Review finding 10: a stop that succeeds through /proc (libvirtd hung, no
 * QEMU process runs the VM) tells the ledger, or every later start is
 * refused until ferryctl release --force. */
static void
test_ledger_stop_through_proc_releases(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", LENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	fk.calls[0] = '\0';
	atomic_store(&fake_hang, true);
	assert_int_equal(
	        run("stop", LENV(env_config, "OCF_RESKEY_CRM_meta_timeout=4000"), why, sizeof(why)),
	        OCF_SUCCESS);
	/* the hung worker never reached ferryd: main released on its own connection */
	assert_string_equal(fk.calls, "release");
	atomic_store(&fake_hang, false);
	usleep(300 * 1000); /* the abandoned worker finishes its stop late */
}

static void
test_peer_connect_bounded(void **state)
{
	struct virt *v = NULL;
	char err[VIRT_ERR_MAX] = "";
	uint64_t t0;

	(void)state;
	atomic_store(&fake_hang, true);
	t0 = ferry_clock_ms();
	assert_int_equal(virt_open_within("test:///default", 100, &v, err, sizeof(err)),
	                 -ETIMEDOUT);
	assert_true(ferry_clock_ms() - t0 < 1000);
	assert_null(v);
	assert_string_equal(err, "cannot connect to test:///default: no answer within 100 ms");
	atomic_store(&fake_hang, false);
	usleep(100 * 1000); /* the worker connects late and closes what nobody wants */

	assert_int_equal(virt_open_within("test:///default", 5000, &v, err, sizeof(err)), 0);
	assert_non_null(v);
	virt_close(v);
	assert_true(virt_open_within("test:///nonexistent/file", 5000, &v, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "cannot connect to test:///nonexistent/file"));
}

static void
test_name_collision(void **state)
{
	char why[OCF_REASON_MAX];
	virDomainPtr d;

	(void)state;
	d = virDomainCreateXML(keep,
	                       "<domain type='test'><name>" NAME "</name><uuid>" OTHER_UUID
	                       "</uuid>"
	                       "<memory>131072</memory><os><type>hvm</type></os></domain>",
	                       0);
	assert_non_null(d);
	assert_int_equal(run("start", ENV(env_config), why, sizeof(why)), OCF_ERR_CONFIGURED);
	assert_non_null(
	        strstr(why, "a domain named " NAME " with UUID " OTHER_UUID " already exists"));
	virDomainDestroy(d);
	virDomainFree(d);
}

#define QUICK_TO(target)                                                                           \
	ENV(env_config, env_save_dir, "OCF_RESKEY_move=quick", "OCF_RESKEY_remote_uri=test:///%n", \
	    "OCF_RESKEY_CRM_meta_migrate_target=" target,                                          \
	    "OCF_RESKEY_CRM_meta_migrate_source=here", "OCF_RESKEY_CRM_meta_on_node=here")

static void
test_quick_move(void **state)
{
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", QUICK_TO("default"), why, sizeof(why)), OCF_SUCCESS);
	/* the "target" is the same in-process driver, reached through remote_uri */
	assert_int_equal(run("migrate_to", QUICK_TO("default"), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(dom_state(), RUNNING);
	assert_false(exists(save_dir, NAME ".save"));
	assert_int_equal(count_prefix(NAME ".save.consumed."), 2);
	assert_int_equal(run("migrate_from", QUICK_TO("default"), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(count_lines(moves, &rec), 1);
	assert_string_equal(rec.vm, NAME);
	assert_string_equal(rec.uuid, UUID);
	assert_string_equal(rec.from, "here");
	assert_string_equal(rec.to, "default");
	assert_string_equal(rec.mode, "quick");
	assert_string_equal(rec.result, "ok");
	assert_true(rec.save_ms >= 0);
	assert_true(rec.restore_ms >= 0);
	assert_true(rec.downtime_ms >= rec.save_ms);
	assert_true(rec.bytes > 0);
	assert_true(rec.total_ms >= 0);
	assert_int_equal(rec.guest_gap_ms, -1); /* no probe_address */
	assert_string_equal(fk.calls, "");      /* ledger=off never asks ferryd */
}

/* probe_address around a quick move: 127.0.0.1 stands in for the guest. */
#define QUICK_PROBE_TO(target, address)                                                            \
	ENV(env_config, env_save_dir, "OCF_RESKEY_move=quick", "OCF_RESKEY_remote_uri=test:///%n", \
	    "OCF_RESKEY_CRM_meta_migrate_target=" target,                                          \
	    "OCF_RESKEY_CRM_meta_migrate_source=here", "OCF_RESKEY_CRM_meta_on_node=here",         \
	    "OCF_RESKEY_probe_address=" address)

static void
test_probe_quick_move(void **state)
{
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", QUICK_PROBE_TO("default", "127.0.0.1"), why, sizeof(why)),
	                 OCF_SUCCESS);
	assert_int_equal(
	        run("migrate_to", QUICK_PROBE_TO("default", "127.0.0.1"), why, sizeof(why)),
	        OCF_SUCCESS);
	assert_int_equal(count_lines(moves, &rec), 1);
	assert_string_equal(rec.result, "ok");
	if (geteuid() == 0) {
		/* loopback answers throughout: some gap, far from the grace */
		assert_true(rec.guest_gap_ms >= 0);
		assert_true(rec.guest_gap_ms < 5000);
	} else {
		assert_int_equal(rec.guest_gap_ms, -1); /* no raw socket: warned, not failed */
	}
}

/* A probe that cannot work never fails the move: guest_gap_ms stays -1. */
static void
test_probe_never_fails_a_move(void **state)
{
	const char *const *bad[] = {
	        QUICK_PROBE_TO("default", "no-such-host.invalid"), /* cannot resolve */
	        QUICK_PROBE_TO("default", "255.255.255.255"),      /* never answers */
	};
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(run("start", bad[i], why, sizeof(why)), OCF_SUCCESS);
		assert_int_equal(run("migrate_to", bad[i], why, sizeof(why)), OCF_SUCCESS);
		assert_int_equal(count_lines(moves, &rec), (int)i + 1);
		assert_string_equal(rec.result, "ok");
		assert_int_equal(rec.guest_gap_ms, -1);
	}
}

static void
test_quick_move_target_down(void **state)
{
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", QUICK_TO("nowhere"), why, sizeof(why)), OCF_SUCCESS);
	/* test:///nowhere cannot be opened: the image comes back here */
	assert_int_equal(run("migrate_to", QUICK_TO("nowhere"), why, sizeof(why)), OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "quick move to nowhere failed"));
	assert_non_null(strstr(why, "restored and runs on this node again"));
	assert_int_equal(dom_state(), RUNNING);
	assert_int_equal(count_lines(moves, &rec), 1);
	assert_string_equal(rec.result, "failed");
	assert_string_not_equal(rec.error, "");
}

/* A quick move whose save runs out of space: migrate_to fails with a reason
 * naming the space, the VM runs on here, nothing half-written is left. */
static void
test_quick_move_enospc_keeps_running(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", QUICK_TO("default"), why, sizeof(why)), OCF_SUCCESS);
	fake_enospc = true;
	assert_int_equal(run("migrate_to", QUICK_TO("default"), why, sizeof(why)), OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "No space left on device"));
	assert_non_null(strstr(why, "the VM is running on this node; free space in save_dir"));
	assert_int_equal(dom_state(), RUNNING);
	assert_false(exists(save_dir, NAME ".save"));
	assert_false(exists(save_dir, NAME ".save.part"));
}

/* A target that cannot see the image (its save_dir not mounted) is no
 * verdict on the image: it is restored here, memory kept, not moved aside
 * as corrupt (found by the fault catalogue's save-dir-missing-target: the
 * image was set aside and the VM cold-booted). */
static void
test_quick_move_target_without_image(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", QUICK_TO("default"), why, sizeof(why)), OCF_SUCCESS);
	fake_hide_save = 1; /* the target's read of the image */
	assert_int_equal(run("migrate_to", QUICK_TO("default"), why, sizeof(why)), OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "restored and runs on this node again"));
	assert_int_equal(dom_state(), RUNNING);
	assert_int_equal(count_prefix(NAME ".save.corrupt."), 0);
	assert_int_equal(count_prefix(NAME ".save.consumed."), 2);
}

/* A target that does not see save_dir at all: the move fails before the
 * guest pauses. */
static void
test_quick_move_target_without_save_dir(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", QUICK_TO("default"), why, sizeof(why)), OCF_SUCCESS);
	fake_hide_all = true;
	assert_int_equal(run("migrate_to", QUICK_TO("default"), why, sizeof(why)), OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "default does not see save_dir"));
	assert_non_null(strstr(why, "the VM was not paused"));
	assert_int_equal(dom_state(), RUNNING);
	assert_int_equal(count_prefix(NAME ".save"), 0); /* never saved */
}

static void
test_quick_move_no_image_lost(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", QUICK_TO("nowhere"), why, sizeof(why)), OCF_SUCCESS);
	fake_restore_fail = true; /* neither target nor source can restore */
	assert_int_equal(run("migrate_to", QUICK_TO("nowhere"), why, sizeof(why)), OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "the image stays in"));
	assert_true(exists(save_dir, NAME ".save"));
	assert_int_equal(dom_state(), ABSENT);
	fake_restore_fail = false;
	/* the next start restores it */
	assert_int_equal(run("start", QUICK_TO("nowhere"), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(count_prefix(NAME ".save.consumed."), 2);
}

/* The early restore waits for libvirt's final magic and nothing else. */
static void
test_save_image_complete(void **state)
{
	char path[400];
	FILE *f;
	static const struct {
		const char *content;
		int want;
	} cases[] = {
	        {"LibvirtQemudPart\002\000\000\000", 0}, /* being written */
	        {"LibvirtQemudSave\002\000\000\000", 1}, /* complete */
	        {"LibvirtQemudSa", 0},                   /* short */
	        {"TestGuestMagic", 0},                   /* the test driver's format */
	};

	(void)state;
	snprintf(path, sizeof(path), "%s/complete.img", tmp);
	assert_int_equal(virt_save_image_complete(path), 0); /* not created yet */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(cases[i].content, f);
		fclose(f);
		assert_int_equal(virt_save_image_complete(path), cases[i].want);
	}
	unlink(path);
	snprintf(path, sizeof(path), "%s/no-such-dir/x.img", tmp);
	assert_int_equal(virt_save_image_complete(path), 0);
}

#define LIVE_TO(target, timeout)                                                                   \
	ENV(env_config, "OCF_RESKEY_remote_uri=test:///%n",                                        \
	    "OCF_RESKEY_CRM_meta_migrate_target=" target, "OCF_RESKEY_CRM_meta_timeout=" timeout)

static void
test_live_budget_too_short(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", LIVE_TO("nowhere", "8000"), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("migrate_to", LIVE_TO("nowhere", "8000"), why, sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "the migrate_to timeout (8000 ms) cannot hold a live move"));
	assert_non_null(strstr(why, "raise the migrate_to timeout"));
	assert_int_equal(dom_state(), RUNNING);
}

static void
test_live_failure_leaves_one_copy(void **state)
{
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", LIVE_TO("nowhere", "60000"), why, sizeof(why)), OCF_SUCCESS);
	/* the test driver cannot migrate: the job fails at once */
	assert_int_equal(run("migrate_to", LIVE_TO("nowhere", "60000"), why, sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "live migration to nowhere failed"));
	assert_non_null(strstr(why, "keeps running on this node"));
	assert_int_equal(dom_state(), RUNNING);
	assert_int_equal(count_lines(moves, &rec), 1);
	assert_string_equal(rec.mode, "live");
	assert_string_equal(rec.result, "failed");
}

#define AUTO_TO(target)                                                                            \
	ENV(env_config, env_save_dir, "OCF_RESKEY_move=auto", "OCF_RESKEY_remote_uri=test:///%n",  \
	    "OCF_RESKEY_CRM_meta_migrate_target=" target,                                          \
	    "OCF_RESKEY_CRM_meta_migrate_source=here", "OCF_RESKEY_CRM_meta_on_node=here",         \
	    "OCF_RESKEY_CRM_meta_timeout=60000")

/* move=auto on the test driver: only the memory size and the save_dir can
 * be measured (no QEMU process, no dirty-rate calculation), the bandwidth
 * comes from the moves log. */
static void
test_auto_move(void **state)
{
	struct move_record rec;
	char why[OCF_REASON_MAX];
	char cache[PATH_MAX];
	struct stat st;

	(void)state;
	assert_int_equal(run("start", AUTO_TO("nowhere"), why, sizeof(why)), OCF_SUCCESS);
	/* an idle 128 MiB guest at the assumed bandwidth: live (which the
	 * test driver cannot do: the move fails, the VM stays) */
	assert_int_equal(run("migrate_to", AUTO_TO("nowhere"), why, sizeof(why)), OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "live migration to nowhere failed"));
	assert_int_equal(dom_state(), RUNNING);
	assert_int_equal(count_lines(moves, &rec), 1);
	assert_string_equal(rec.mode, "live");
	assert_string_equal(rec.predicted_move, "live");
	assert_non_null(strstr(rec.predicted_why, "live: converges"));
	assert_true(rec.predicted_gap_ms > 0);
	/* the save_dir probe was cached for the next move */
	assert_int_equal(saveprobe_cache_path(rsctmp, save_dir, cache, sizeof(cache)), 0);
	assert_int_equal(stat(cache, &st), 0);

	/* the last live move to "default" ran at 1 MiB/s: 128 MiB cannot
	 * go live within the deadline, so quick */
	testutil_write(moves, "{\"vm\":\"other\",\"to\":\"default\",\"mode\":\"live\","
	                      "\"result\":\"ok\",\"start_unix_ms\":1,\"net_bps\":1048576}\n");
	assert_int_equal(run("migrate_to", AUTO_TO("default"), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(dom_state(), RUNNING);
	assert_int_equal(count_prefix(NAME ".save.consumed."), 2);
	assert_int_equal(count_lines(moves, &rec), 2);
	assert_string_equal(rec.mode, "quick");
	assert_string_equal(rec.result, "ok");
	assert_string_equal(rec.predicted_move, "quick");
	assert_non_null(strstr(rec.predicted_why, "quick: live does not converge"));
	assert_true(rec.predicted_downtime_ms > 0);
	assert_true(rec.save_ms >= 0);
	assert_string_equal(fk.calls, "");
}

#define RESTART_TO(target)                                                                         \
	ENV(env_config, "OCF_RESKEY_move=restart", "OCF_RESKEY_CRM_meta_migrate_target=" target,   \
	    "OCF_RESKEY_CRM_meta_migrate_source=here", "OCF_RESKEY_shutdown_timeout=5")

static void
test_restart_move(void **state)
{
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", RESTART_TO("there"), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("migrate_to", RESTART_TO("there"), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(dom_state(), ABSENT);
	assert_int_equal(count_lines(moves, NULL), 0); /* recorded once the VM is up again */
	assert_int_equal(run("migrate_from", RESTART_TO("there"), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(dom_state(), RUNNING);
	assert_int_equal(count_lines(moves, &rec), 1);
	assert_string_equal(rec.mode, "restart");
	assert_string_equal(rec.from, "here");
	assert_string_equal(rec.result, "ok");
}

/* move=restart is not probed: the record stays without a gap. */
static void
test_probe_restart_move(void **state)
{
	const char *const *env = ENV(
	        env_config, "OCF_RESKEY_move=restart", "OCF_RESKEY_CRM_meta_migrate_target=there",
	        "OCF_RESKEY_CRM_meta_migrate_source=here", "OCF_RESKEY_shutdown_timeout=5",
	        "OCF_RESKEY_probe_address=127.0.0.1");
	struct move_record rec;
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", env, why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("migrate_to", env, why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("migrate_from", env, why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(count_lines(moves, &rec), 1);
	assert_string_equal(rec.mode, "restart");
	assert_int_equal(rec.guest_gap_ms, -1);
}

static void
test_migrate_needs_pacemaker(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("migrate_to", ENV(env_config), why, sizeof(why)), OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "OCF_RESKEY_CRM_meta_migrate_target is not set"));
	assert_int_equal(run("migrate_from", ENV(env_config), why, sizeof(why)), OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "OCF_RESKEY_CRM_meta_migrate_source is not set"));
	/* migrate_from when nothing arrived */
	assert_int_equal(run("migrate_from",
	                     ENV(env_config, "OCF_RESKEY_CRM_meta_migrate_source=x",
	                         "OCF_RESKEY_CRM_meta_timeout=4000"),
	                     why, sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "not running"));
	/* migrate_to of a VM that does not run here */
	assert_int_equal(run("migrate_to", LIVE_TO("x", "60000"), why, sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "does not run on this node"));
}

/* ---- ledger=on ----------------------------------------------------------- */

/* The essential part of an exit reason must be within Pacemaker's 128 characters. */
static void
assert_within_128(const char *why, const char *needle)
{
	const char *p = strstr(why, needle);

	if (p == NULL || (size_t)(p - why) + strlen(needle) > 128)
		fail_msg("'%s' not within the first 128 characters of '%s'", needle, why);
}

static void
test_ledger_start_stop(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", LENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(dom_state(), RUNNING);
	assert_string_equal(fk.calls, "acquire:start");
	/* monitor never asks ferryd, and works when it is down */
	fk.down = true;
	assert_int_equal(run("monitor", LENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	fk.down = false;
	assert_int_equal(run("start", LENV(env_config), why, sizeof(why)), OCF_SUCCESS); /* again */
	assert_int_equal(run("stop", LENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(dom_state(), ABSENT);
	assert_string_equal(fk.calls, "acquire:start acquire:start expect_stop release");
	/* a stop of a stopped VM still tells the ledger */
	assert_int_equal(run("stop", LENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_string_equal(fk.calls, "acquire:start acquire:start expect_stop release release");
}

static void
test_ledger_start_refused(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	fk.verdict[FERRY_IPC_ACQUIRE] = FERRY_VERDICT_OWNED;
	fk.owner = 2;
	fk.reason = "running on node 2";
	assert_int_equal(run("start", LENV(env_config), why, sizeof(why)), OCF_ERR_GENERIC);
	assert_int_equal(dom_state(), ABSENT);
	assert_string_equal(why, "start refused: owned by node 2 in ferryd's ledger; run ferryctl "
	                         "status to see where it runs (running on node 2)");
	assert_within_128(why, "run ferryctl status");

	assert_string_equal(fk.calls, "acquire:start"); /* owned: not asked again */

	/* transient refusals are asked again within the start's time (here
	 * 8 s: about 1.5 s of retries), then refused */
	fk.verdict[FERRY_IPC_ACQUIRE] = FERRY_VERDICT_ORPHANED;
	fk.reason = "running on node 2, which left and is not fenced";
	fk.calls[0] = '\0';
	assert_int_equal(run("start", LENV(env_config, "OCF_RESKEY_CRM_meta_timeout=8000"), why,
	                     sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_int_equal(dom_state(), ABSENT);
	assert_within_128(why, "start refused: orphaned until node 2 is fenced");
	assert_within_128(why, "ferryctl release --force " NAME);
	assert_non_null(strstr(fk.calls, "acquire:start acquire:start"));

	/* a move left open (migrate_to timed out, a stop could not release):
	 * the reason names the command that closes it (review finding 10) */
	fk.verdict[FERRY_IPC_ACQUIRE] = FERRY_VERDICT_OWNED;
	fk.reason = "migrating from node 1 to node 2";
	assert_int_equal(run("start", LENV(env_config), why, sizeof(why)), OCF_ERR_GENERIC);
	assert_within_128(why, "start refused: a move is still open in ferryd's ledger");
	assert_within_128(why, "ferryctl release --force " NAME);
	assert_non_null(strstr(why, "migrating from node 1 to node 2"));

	fk.verdict[FERRY_IPC_ACQUIRE] = FERRY_VERDICT_NO_QUORUM;
	fk.reason = "not quorate";
	assert_int_equal(run("start", LENV(env_config, "OCF_RESKEY_CRM_meta_timeout=6000"), why,
	                     sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_within_128(why, "start refused: this partition has no quorum");

	fk.verdict[FERRY_IPC_ACQUIRE] = FERRY_VERDICT_UNAVAILABLE;
	fk.reason = "no membership yet";
	assert_int_equal(run("start", LENV(env_config, "OCF_RESKEY_CRM_meta_timeout=6000"), why,
	                     sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_within_128(why, "start refused: ferryd is not ready (no membership yet)");
	assert_within_128(why, "or set ledger=off");
	assert_int_equal(dom_state(), ABSENT);
}

/* Pacemaker fenced the owner a moment ago; ferryd's next fencing-history
 * poll lets the start through. */
static void
test_ledger_orphan_granted_once_fenced(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	fk.verdict[FERRY_IPC_ACQUIRE] = FERRY_VERDICT_ORPHANED;
	fk.refusals = 2;
	assert_int_equal(run("start", LENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(dom_state(), RUNNING);
	assert_string_equal(fk.calls, "acquire:start acquire:start acquire:start");
}

static void
test_ledger_unreachable(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	fk.down = true;
	assert_int_equal(run("start", LENV(env_config), why, sizeof(why)), OCF_ERR_GENERIC);
	assert_string_equal(why, "ferryd is not running on this node; start it or set ledger=off");
	assert_int_equal(dom_state(), ABSENT);
	/* ledger=off does not ask */
	assert_int_equal(run("start", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(dom_state(), RUNNING);
	/* monitor and stop work without ferryd */
	assert_int_equal(run("monitor", LENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("stop", LENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(dom_state(), ABSENT);
	assert_int_equal(run("monitor", LENV(env_config), why, sizeof(why)), OCF_NOT_RUNNING);
	assert_string_equal(fk.calls, "");
}

static void
test_ledger_save_restore(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", LENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_SUCCESS);
	assert_int_equal(run("stop", LENV(env_config, env_save_dir, "OCF_RESKEY_on_stop=save"), why,
	                     sizeof(why)),
	                 OCF_SUCCESS);
	assert_int_equal(dom_state(), ABSENT);
	assert_true(exists(save_dir, NAME ".save"));
	assert_true(exists(save_dir, NAME ".save.meta"));
	/* saved: the ledger's save let go of it, no release */
	assert_string_equal(fk.calls, "acquire:start expect_stop save");
	assert_int_equal(fk.gen, 42);
	/* the image carries the ledger's generation: the restore asks for 42 */
	assert_int_equal(run("start", LENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_SUCCESS);
	assert_int_equal(dom_state(), RUNNING);
	assert_string_equal(fk.calls,
	                    "acquire:start expect_stop save acquire:restore:42 restore_commit");
	assert_false(fk.restoring);
	assert_false(exists(save_dir, NAME ".save"));
	assert_int_equal(count_prefix(NAME ".save.consumed."),
	                 3); /* a stop saved it: image, sidecar, whole-image CRC */
	assert_int_equal(fk.gen, 43);
}

static void
ledger_save_one(void)
{
	assert_int_equal(run("start", LENV(env_config, env_save_dir), NULL, 0), OCF_SUCCESS);
	assert_int_equal(
	        run("stop", LENV(env_config, env_save_dir, "OCF_RESKEY_on_stop=save"), NULL, 0),
	        OCF_SUCCESS);
	assert_true(exists(save_dir, NAME ".save"));
	fk.calls[0] = '\0';
}

static void
test_ledger_stale_image(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	ledger_save_one();
	/* the local files find it valid, but the ledger moved on (another node
	 * started and saved the VM meanwhile): it must not be restored */
	fk.gen = 50;
	assert_int_equal(run("start", LENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_SUCCESS);
	assert_string_equal(fk.calls, "acquire:restore:42 acquire:start");
	assert_int_equal(dom_state(), RUNNING); /* cold boot */
	assert_false(exists(save_dir, NAME ".save"));
	assert_true(count_prefix(NAME ".save.stale.") >= 1); /* moved aside, not deleted */
}

#define LQUICK_TO(target)                                                                          \
	LENV(env_config, env_save_dir, "OCF_RESKEY_move=quick",                                    \
	     "OCF_RESKEY_remote_uri=test:///%n", "OCF_RESKEY_CRM_meta_migrate_target=" target,     \
	     "OCF_RESKEY_CRM_meta_migrate_source=here", "OCF_RESKEY_CRM_meta_on_node=here")

/* Switching to ledger=on: an image written with ledger=off has no ledger
 * history and is never restored; a VM running since then is adopted. */
static void
test_ledger_unknown_vm(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	save_one(); /* ledger=off */
	fk.unknown = true;
	assert_int_equal(run("start", LENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_SUCCESS);
	assert_string_equal(fk.calls, "acquire:restore:1 acquire:start");
	assert_int_equal(dom_state(), RUNNING); /* cold boot */
	assert_true(count_prefix(NAME ".save.stale.") >= 1);

	/* running, unknown: on_stop=save acquires it, then saves */
	fk.unknown = true;
	fk.calls[0] = '\0';
	assert_int_equal(run("stop", LENV(env_config, env_save_dir, "OCF_RESKEY_on_stop=save"), why,
	                     sizeof(why)),
	                 OCF_SUCCESS);
	assert_string_equal(fk.calls, "expect_stop save acquire:start save");
	assert_true(exists(save_dir, NAME ".save"));

	/* running, unknown: a move acquires it, then begins */
	assert_int_equal(run("start", ENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_SUCCESS);
	fk.unknown = true;
	fk.calls[0] = '\0';
	assert_int_equal(run("migrate_to", LQUICK_TO("default"), why, sizeof(why)), OCF_SUCCESS);
	assert_string_equal(fk.calls, "migrate_begin:quick:default acquire:start "
	                              "migrate_begin:quick:default expect_stop commit record_move");
}

static void
test_ledger_restore_refused_keeps_image(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	ledger_save_one();
	fk.verdict[FERRY_IPC_ACQUIRE] = FERRY_VERDICT_OWNED;
	fk.owner = 3;
	fk.reason = "running on node 3";
	assert_int_equal(run("start", LENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_within_128(why, "restore refused: owned by node 3 in ferryd's ledger");
	assert_int_equal(dom_state(), ABSENT);
	assert_true(exists(save_dir, NAME ".save"));
	/* unreachable: the same, the image waits */
	fk.verdict[FERRY_IPC_ACQUIRE] = FERRY_VERDICT_GRANTED;
	fk.down = true;
	assert_int_equal(run("start", LENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_string_equal(why, "ferryd is not running on this node; start it or set ledger=off");
	assert_true(exists(save_dir, NAME ".save"));
	fk.down = false;
	assert_int_equal(run("start", LENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_SUCCESS);
	assert_int_equal(count_prefix(NAME ".save.consumed."), 3);
}

/* Review finding 5: libvirt's restore fails after the ledger granted it.
 * The grant only made the VM "restoring"; the abort gives the image back,
 * and the next start restores the same generation (before: the grant had
 * consumed it, the next start set the image aside as stale, RAM lost). */
static void
test_ledger_failed_restore_keeps_image(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	ledger_save_one();
	fake_restore_fail = true;
	assert_int_equal(run("start", LENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "the image is kept and still valid"));
	assert_string_equal(fk.calls, "acquire:restore:42 restore_abort");
	assert_true(fk.saved);
	assert_int_equal(fk.gen, 42);
	assert_true(exists(save_dir, NAME ".save"));
	assert_int_equal(dom_state(), ABSENT);
	/* the next start restores that very image */
	fake_restore_fail = false;
	fk.calls[0] = '\0';
	assert_int_equal(run("start", LENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_SUCCESS);
	assert_string_equal(fk.calls, "acquire:restore:42 restore_commit");
	assert_int_equal(dom_state(), RUNNING);
	assert_int_equal(fk.gen, 43);
	assert_int_equal(count_prefix(NAME ".save.stale."), 0);
}

/* The abort cannot reach ferryd: the exit reason says the ledger still
 * shows the VM restoring (the image itself is kept). */
static void
test_ledger_failed_restore_abort_lost(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	ledger_save_one();
	fake_restore_fail = true;
	fk.verdict[FERRY_IPC_RESTORE_ABORT] = FERRY_VERDICT_BAD_STATE;
	assert_int_equal(run("start", LENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "ferryctl status shows it restoring here"));
	assert_true(exists(save_dir, NAME ".save"));
	assert_true(fk.restoring);
}

/* The restore commit is refused (the ledger gave the VM away meanwhile):
 * the restored copy must not run.  It stays paused with its memory and the
 * start fails saying so (before: the refusal was ignored and it resumed). */
static void
test_ledger_restore_commit_refused_stays_paused(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	ledger_save_one();
	fk.verdict[FERRY_IPC_RESTORE_COMMIT] = FERRY_VERDICT_BAD_STATE;
	assert_int_equal(run("start", LENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "refused the restore commit"));
	assert_string_equal(fk.calls, "acquire:restore:42 restore_commit");
	assert_int_equal(dom_state(), PAUSED);
}

/* A quick move whose restore fails on both ends: nothing runs, the image
 * the move wrote is the VM; the ledger takes it back as saved, and the next
 * start restores it (before: the abort left it "running" on the source,
 * the stop released it and the next start cold booted). */
static void
test_ledger_quick_move_fails_both_ends(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", LQUICK_TO("default"), why, sizeof(why)), OCF_SUCCESS);
	fake_restore_fail = true;
	assert_int_equal(run("migrate_to", LQUICK_TO("default"), why, sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "restore on this node failed too"));
	assert_int_equal(dom_state(), ABSENT);
	assert_string_equal(fk.calls, "acquire:start migrate_begin:quick:default expect_stop "
	                              "restore_abort record_move");
	assert_true(fk.saved);
	assert_true(exists(save_dir, NAME ".save"));
	fake_restore_fail = false;
	fk.calls[0] = '\0';
	assert_int_equal(run("start", LENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_SUCCESS);
	assert_string_equal(fk.calls, "acquire:restore:41 restore_commit");
	assert_int_equal(dom_state(), RUNNING);
}

static void
test_ledger_save_without_ledger_shuts_down(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", LENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_SUCCESS);
	fk.down = true;
	assert_int_equal(run("stop",
	                     LENV(env_config, env_save_dir, "OCF_RESKEY_on_stop=save",
	                          "OCF_RESKEY_shutdown_timeout=2"),
	                     why, sizeof(why)),
	                 OCF_SUCCESS);
	assert_int_equal(dom_state(), ABSENT);
	assert_int_equal(count_prefix(NAME ".save"), 0); /* no image without a ledger generation */
	/* refused by the ledger: the same */
	fk.down = false;
	assert_int_equal(run("start", LENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_SUCCESS);
	fk.verdict[FERRY_IPC_SAVE] = FERRY_VERDICT_BAD_STATE;
	fk.calls[0] = '\0';
	assert_int_equal(run("stop",
	                     LENV(env_config, env_save_dir, "OCF_RESKEY_on_stop=save",
	                          "OCF_RESKEY_shutdown_timeout=2"),
	                     why, sizeof(why)),
	                 OCF_SUCCESS);
	assert_int_equal(count_prefix(NAME ".save"), 0);
	assert_string_equal(fk.calls, "expect_stop save release");
}

/* The stop after a failed migrate_to whose target lost power: the ledger
 * keeps the move open until the target is fenced; the save waits for it
 * instead of shutting the guest down (found by the fault catalogue's
 * power-target-mid-live: memory lost although on_stop=save). */
static void
test_ledger_save_waits_for_open_move(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", LENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_SUCCESS);
	fk.verdict[FERRY_IPC_SAVE] = FERRY_VERDICT_BAD_STATE;
	fk.reason = "migration in progress";
	fk.refusals = 3;
	fk.calls[0] = '\0';
	assert_int_equal(run("stop", LENV(env_config, env_save_dir, "OCF_RESKEY_on_stop=save"), why,
	                     sizeof(why)),
	                 OCF_SUCCESS);
	assert_string_equal(fk.calls, "expect_stop save save save save");
	assert_true(exists(save_dir, NAME ".save")); /* saved, not shut down */
	assert_true(fk.saved);
}

/* A source left paused after a post-copy switch (stale memory; the target
 * runs the guest): stop never resumes it for a shutdown nor saves it, it
 * destroys it and releases; start refuses to resume it (review finding 3,
 * the part outside live_settle). */
static void
test_stop_never_resumes_migration_paused(void **state)
{
	char why[OCF_REASON_MAX];
	virDomainPtr d;

	(void)state;
	assert_int_equal(run("start", LENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_SUCCESS);
	d = virDomainLookupByUUIDString(keep, UUID);
	assert_non_null(d);
	assert_int_equal(virDomainSuspend(d), 0);
	virDomainFree(d);
	fake_pause_reason = VIR_DOMAIN_PAUSED_POSTCOPY_FAILED;
	assert_int_equal(run("start", LENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "paused by a migration (failed post-copy)"));
	assert_int_equal(dom_state(), PAUSED);
	fk.calls[0] = '\0';
	assert_int_equal(run("stop", LENV(env_config, env_save_dir, "OCF_RESKEY_on_stop=save"), why,
	                     sizeof(why)),
	                 OCF_SUCCESS);
	assert_int_equal(dom_state(), ABSENT);
	assert_int_equal(count_prefix(NAME ".save"), 0); /* no image of stale memory */
	assert_string_equal(fk.calls, "expect_stop release");
}

static void
test_ledger_save_fails_takes_it_back(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", LENV(env_config, env_save_dir), why, sizeof(why)),
	                 OCF_SUCCESS);
	fake_enospc = true;
	assert_int_equal(run("stop", LENV(env_config, env_save_dir, "OCF_RESKEY_on_stop=save"), why,
	                     sizeof(why)),
	                 OCF_SUCCESS);
	assert_int_equal(dom_state(), ABSENT); /* shut down instead */
	/* the ledger held it as saved: the agent acquires it back, then lets it go */
	assert_string_equal(fk.calls, "acquire:start expect_stop save acquire:start release");
	assert_false(fk.saved);
}

static void
test_ledger_twin_not_resumed(void **state)
{
	char why[OCF_REASON_MAX];
	virDomainPtr d;

	(void)state;
	/* a copy started by hand, paused by ferryd because node 2 owns it */
	assert_int_equal(run("start", ENV(env_config), why, sizeof(why)), OCF_SUCCESS);
	d = virDomainLookupByUUIDString(keep, UUID);
	assert_non_null(d);
	assert_int_equal(virDomainSuspend(d), 0);
	virDomainFree(d);
	fk.verdict[FERRY_IPC_ACQUIRE] = FERRY_VERDICT_OWNED;
	fk.owner = 2;
	fk.reason = "running on node 2";
	assert_int_equal(run("start", LENV(env_config), why, sizeof(why)), OCF_ERR_GENERIC);
	assert_within_128(why, "owned by node 2");
	assert_int_equal(dom_state(), PAUSED);
}

static void
test_ledger_quick_move(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", LQUICK_TO("default"), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("migrate_to", LQUICK_TO("default"), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(dom_state(), RUNNING);
	/* begun, then restored without an acquire (the move holds it), committed */
	assert_string_equal(fk.calls, "acquire:start migrate_begin:quick:default expect_stop "
	                              "commit record_move");
	assert_int_equal(fk.gen, 42); /* the commit consumed the image's generation */
	assert_int_equal(count_prefix(NAME ".save.consumed."), 2);
	assert_int_equal(fk.moves, 1);
	assert_string_equal(fk.move.vm, NAME);
	assert_string_equal(fk.move.uuid, UUID);
	assert_string_equal(fk.move.from, "here");
	assert_string_equal(fk.move.to, "default");
	assert_string_equal(fk.move.mode, "quick");
	assert_string_equal(fk.move.result, "ok");
	assert_int_equal(count_lines(moves, NULL), 1); /* and in moves.jsonl */
	assert_int_equal(run("migrate_from", LQUICK_TO("default"), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(fk.moves, 1);
}

static void
test_ledger_quick_move_target_down(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", LQUICK_TO("nowhere"), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("migrate_to", LQUICK_TO("nowhere"), why, sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_non_null(strstr(why, "restored and runs on this node again"));
	assert_int_equal(dom_state(), RUNNING);
	assert_string_equal(fk.calls, "acquire:start migrate_begin:quick:nowhere expect_stop abort "
	                              "record_move");
	assert_string_equal(fk.move.result, "failed");
}

static void
test_ledger_move_refused(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", LQUICK_TO("default"), why, sizeof(why)), OCF_SUCCESS);
	fk.verdict[FERRY_IPC_MIGRATE_BEGIN] = FERRY_VERDICT_BAD_STATE;
	fk.reason = "target node 2 is not a member";
	assert_int_equal(run("migrate_to", LQUICK_TO("default"), why, sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_within_128(why, "move to default refused by ferryd's ledger (bad-state");
	assert_int_equal(dom_state(), RUNNING);
	assert_int_equal(count_prefix(NAME ".save"), 0); /* the VM was not touched */
	assert_string_equal(fk.calls, "acquire:start migrate_begin:quick:default record_move");
	assert_string_equal(fk.move.result, "failed");

	fk.verdict[FERRY_IPC_MIGRATE_BEGIN] = FERRY_VERDICT_GRANTED;
	fk.down = true;
	assert_int_equal(run("migrate_to", LQUICK_TO("default"), why, sizeof(why)),
	                 OCF_ERR_GENERIC);
	assert_string_equal(why, "ferryd is not running on this node (the VM stays here); start it "
	                         "or set ledger=off");
	assert_int_equal(dom_state(), RUNNING);
	assert_int_equal(count_prefix(NAME ".save"), 0);
}

#define LRESTART_TO(target)                                                                        \
	LENV(env_config, "OCF_RESKEY_move=restart", "OCF_RESKEY_CRM_meta_migrate_target=" target,  \
	     "OCF_RESKEY_CRM_meta_migrate_source=here", "OCF_RESKEY_shutdown_timeout=5")

static void
test_ledger_restart_move(void **state)
{
	char why[OCF_REASON_MAX];

	(void)state;
	assert_int_equal(run("start", LRESTART_TO("there"), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(run("migrate_to", LRESTART_TO("there"), why, sizeof(why)), OCF_SUCCESS);
	assert_string_equal(fk.calls, "acquire:start expect_stop release");
	assert_int_equal(run("migrate_from", LRESTART_TO("there"), why, sizeof(why)), OCF_SUCCESS);
	assert_int_equal(dom_state(), RUNNING);
	assert_string_equal(fk.calls,
	                    "acquire:start expect_stop release acquire:start record_move");
	assert_string_equal(fk.move.mode, "restart");
}

/* The one conversion of libvirt's state reasons that live_settle decides on. */
static void
test_state_why(void **state)
{
	struct virt *v = NULL;
	virDomainPtr d;
	enum virt_state s = VIRT_UNKNOWN;
	enum virt_why w = VIRT_WHY_POSTCOPY;

	(void)state;
	assert_int_equal(virt_why_of(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION),
	                 VIRT_WHY_MIGRATION);
	assert_int_equal(virt_why_of(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_STARTING_UP),
	                 VIRT_WHY_MIGRATION);
	assert_int_equal(virt_why_of(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY),
	                 VIRT_WHY_POSTCOPY);
	assert_int_equal(virt_why_of(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY_FAILED),
	                 VIRT_WHY_POSTCOPY_FAILED);
	assert_int_equal(virt_why_of(VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_POSTCOPY),
	                 VIRT_WHY_POSTCOPY);
	assert_int_equal(virt_why_of(VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_POSTCOPY_FAILED),
	                 VIRT_WHY_POSTCOPY_FAILED);
	assert_int_equal(virt_why_of(VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_MIGRATED),
	                 VIRT_WHY_OTHER);
	assert_int_equal(virt_why_of(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER), VIRT_WHY_OTHER);
	/* the same numbers mean other things in other states */
	assert_int_equal(virt_why_of(VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_PAUSED_MIGRATION),
	                 VIRT_WHY_OTHER);
	assert_string_equal(virt_why_name(VIRT_WHY_POSTCOPY_FAILED), "failed post-copy");
	assert_string_equal(virt_why_name(_VIRT_WHY_MAX), "invalid");

	/* through libvirt: a domain paused by hand, then gone */
	assert_int_equal(run("start", ENV(env_config), NULL, 0), OCF_SUCCESS);
	assert_int_equal(virt_open("test:///default", &v, NULL, 0), 0);
	d = virDomainLookupByUUIDString(keep, UUID);
	assert_non_null(d);
	assert_int_equal(virDomainSuspend(d), 0);
	virDomainFree(d);
	assert_int_equal(virt_query_why(v, UUID, NULL, &s, &w), 0);
	assert_int_equal(s, VIRT_PAUSED);
	assert_int_equal(w, VIRT_WHY_OTHER);
	assert_int_equal(run("stop", ENV(env_config, "OCF_RESKEY_on_stop=destroy"), NULL, 0),
	                 OCF_SUCCESS);
	w = VIRT_WHY_POSTCOPY;
	assert_int_equal(virt_query_why(v, UUID, NULL, &s, &w), 0);
	assert_int_equal(s, VIRT_ABSENT);
	assert_int_equal(w, VIRT_WHY_OTHER);
	virt_close(v);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, NULL)
	const struct CMUnitTest tests[] = {
	        T(test_start_monitor_stop),
	        T(test_paused_counts_as_running),
	        T(test_on_stop_destroy),
	        T(test_save_restore),
	        T(test_truncated_image_refused),
	        T(test_embedded_tag_checked),
	        T(test_restore_failure_keeps_image),
	        T(test_save_enospc_stop_shuts_down),
	        T(test_quick_move_enospc_keeps_running),
	        T(test_quick_move_target_without_image),
	        T(test_quick_move_target_without_save_dir),
	        T(test_config_gone),
	        T(test_config_changed_under_running_vm),
	        T(test_libvirt_hangs),
	        T(test_ledger_stop_through_proc_releases),
	        T(test_peer_connect_bounded),
	        T(test_name_collision),
	        T(test_quick_move),
	        T(test_probe_quick_move),
	        T(test_probe_never_fails_a_move),
	        T(test_quick_move_target_down),
	        T(test_quick_move_no_image_lost),
	        T(test_save_image_complete),
	        T(test_live_budget_too_short),
	        T(test_live_failure_leaves_one_copy),
	        T(test_auto_move),
	        T(test_restart_move),
	        T(test_probe_restart_move),
	        T(test_migrate_needs_pacemaker),
	        T(test_ledger_start_stop),
	        T(test_ledger_start_refused),
	        T(test_ledger_failed_restore_keeps_image),
	        T(test_ledger_save_waits_for_open_move),
	        T(test_stop_never_resumes_migration_paused),
	        T(test_ledger_restore_commit_refused_stays_paused),
	        T(test_ledger_failed_restore_abort_lost),
	        T(test_ledger_quick_move_fails_both_ends),
	        T(test_ledger_orphan_granted_once_fenced),
	        T(test_ledger_unreachable),
	        T(test_ledger_save_restore),
	        T(test_ledger_stale_image),
	        T(test_ledger_unknown_vm),
	        T(test_ledger_restore_refused_keeps_image),
	        T(test_ledger_save_without_ledger_shuts_down),
	        T(test_ledger_save_fails_takes_it_back),
	        T(test_ledger_twin_not_resumed),
	        T(test_ledger_quick_move),
	        T(test_ledger_quick_move_target_down),
	        T(test_ledger_move_refused),
	        T(test_ledger_restart_move),
	        T(test_state_why),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
