/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * actions.c - start, stop, monitor, migrate_to, migrate_from, validate-all,
 * reload-agent.
 *
 * The libvirt part of each action runs under bounded_run() (bounded.h) with
 * a deadline inside the operation timeout.  Monitor falls back to procscan
 * when libvirtd cannot answer, and never says "not running" when it does
 * not know.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "agent.h"
#include "bounded.h"
#include "cfgsave.h"
#include "ferry/imagestore.h"
#include "ferry/moverec.h"
#include "guestcheck.h"
#include "idcache.h"
#include "ledgerlink.h"
#include "live.h"
#include "probe.h"
#include "procscan.h"
#include "qmp.h"
#include "quick.h"
#include "startres.h"
#include "tlscheck.h"
#include "utilization.h"
#include "virt.h"

/* A bounded body's return value when libvirtd cannot be reached. */
#define ACTIONS_UNREACHABLE (-1)

/* Kept for the stop/monitor answer after libvirt is given up on. */
#define ACTIONS_RESERVE_MS             2000
#define ACTIONS_UTILIZATION_TIMEOUT_MS 5000 /* per crm_resource call */
/* probe_address: how long a move waits for the guest's first echo reply
 * (an answering guest takes well under 1 ms; a wrong address costs every
 * move this much), and how long after the move for the reply that ends the
 * move's silence; metadata.c and README.md quote both */
#define ACTIONS_PROBE_FIRST_WAIT_MS 500
/* QEMU's own monitor answers within this, and a killed QEMU is gone within it */
#define ACTIONS_QMP_MS         3000
#define ACTIONS_PROBE_GRACE_MS 10000
/* a config without <uuid>: how long identify asks libvirt for the domain's */
#define ACTIONS_UUID_LOOKUP_MS 5000
/* start_resources on the target: opening its libvirtd */
#define ACTIONS_TARGET_OPEN_MS 10000

static int actions_bounded(struct vm_agent *a, bounded_fn body, uint64_t timeout_ms);

static int64_t
actions_unix_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* The config was edited while the VM it described runs here: monitor and
 * stop must keep talking about the running one, or a renamed/re-UUIDed
 * config would make it look stopped and a second copy would be started. */
static void
actions_prefer_running(struct vm_agent *a)
{
	char name[DOMXML_NAME_MAX];
	char uuid[DOMXML_UUID_LEN + 1];

	if (a->id_source != AGENT_ID_CONFIG ||
	    idcache_read(a->p.rsctmp, a->p.resource, name, sizeof(name), uuid) != 0)
		return;
	if (strcmp(uuid, a->uuid) == 0 && strcmp(name, a->name) == 0)
		return;
	vm_log(a, LOG_WARNING,
	       "config %s now names %s (uuid %s) but this node started %s (uuid %s); "
	       "answering for the one started",
	       a->p.config, a->name, a->uuid, name, uuid);
	snprintf(a->name, sizeof(a->name), "%s", name);
	memcpy(a->uuid, uuid, sizeof(uuid));
	a->id_source = AGENT_ID_CACHE;
}

static int
actions_uuid_body(void *arg)
{
	struct vm_agent *a = arg;
	struct virt *v = NULL;
	char err[VIRT_ERR_MAX] = "";
	char uuid[DOMXML_UUID_LEN + 1];
	int r = virt_open(a->p.hypervisor, &v, err, sizeof(err));

	if (r != 0) {
		ocf_fail(&a->bg_why, OCF_ERR_GENERIC, "%s", err);
		return r;
	}
	r = virt_uuid_of_name(v, a->name, uuid);
	if (r == 0)
		memcpy(a->bg_uuid, uuid, sizeof(uuid));
	else if (r != -ENOENT)
		ocf_fail(&a->bg_why, OCF_ERR_GENERIC, "%s", v->err);
	virt_close(v);
	return r;
}

/*
 * The config has no <uuid>: take the UUID of the domain of that name that
 * this node started (id cache) or that libvirt has, defined or running,
 * and put it into the XML the agent would create.  Without one, a->uuid
 * stays empty: monitor and stop go by name, the others refuse with
 * a->uuid_why.
 */
static void
actions_find_uuid(struct vm_agent *a)
{
	char name[DOMXML_NAME_MAX];
	char uuid[DOMXML_UUID_LEN + 1];
	const char *from = NULL;
	char *patched = NULL;
	struct ocf_reason saved = a->why;
	int r;

	if (idcache_read(a->p.rsctmp, a->p.resource, name, sizeof(name), uuid) == 0 &&
	    strcmp(name, a->name) == 0) {
		from = "started here";
	} else {
		memset(a->bg_uuid, 0, sizeof(a->bg_uuid));
		r = actions_bounded(a, actions_uuid_body, ACTIONS_UUID_LOOKUP_MS);
		a->why = saved; /* identify reports nothing itself */
		if (r == 0 && a->bg_uuid[0] != '\0') {
			memcpy(uuid, a->bg_uuid, sizeof(uuid));
			from = "known to libvirt";
		}
	}
	if (from == NULL) {
		ocf_fail(&a->uuid_why, OCF_ERR_CONFIGURED,
		         "config %s has no <uuid> and %s%s%s to take it from; add a line "
		         "<uuid>UUID</uuid> after <name> (a new one from uuidgen, or the VM's old "
		         "one) and copy the file to every node",
		         a->p.config,
		         a->bg_why.text[0] != '\0' ? "libvirt cannot tell the UUID of the domain ("
		                                   : "no domain of that name is defined or running "
		                                     "on this node",
		         a->bg_why.text[0] != '\0' ? a->bg_why.text : "",
		         a->bg_why.text[0] != '\0' ? ")" : "");
		vm_log(a, LOG_INFO, "%s", a->uuid_why.text);
		return;
	}
	memcpy(a->uuid, uuid, sizeof(uuid));
	if (domxml_add_uuid(a->xml, uuid, &patched) == 0) {
		free(a->xml);
		a->xml = patched;
	}
	vm_log(a, LOG_INFO, "config %s has no <uuid>: using %s, the domain's %s", a->p.config, uuid,
	       from);
}

/* start, the migrations and validate-all need the UUID. */
static int
actions_need_uuid(struct vm_agent *a)
{
	if (a->uuid[0] != '\0' || a->id_source != AGENT_ID_CONFIG)
		return OCF_SUCCESS;
	return ocf_fail(&a->why, OCF_ERR_CONFIGURED, "%s",
	                a->uuid_why.text[0] != '\0' ? a->uuid_why.text
	                                            : "the config has no <uuid>; add one");
}

int
actions_identify(struct vm_agent *a)
{
	char msg[256] = "";
	char *xml = NULL;
	int r;

	free(a->xml);
	a->xml = NULL;
	a->config_rc = OCF_SUCCESS;
	memset(&a->config_why, 0, sizeof(a->config_why));
	memset(&a->uuid_why, 0, sizeof(a->uuid_why));
	if (a->p.config[0] == '\0') {
		a->config_rc = ocf_fail(&a->config_why, OCF_ERR_CONFIGURED,
		                        "parameter config is required; set it to the path of the "
		                        "libvirt domain XML");
	} else {
		r = domxml_read_file(a->p.config, &xml);
		if (r != 0) {
			a->config_rc = ocf_fail(&a->config_why, OCF_ERR_INSTALLED,
			                        "cannot read config %s: %s; make the domain XML "
			                        "readable on this node",
			                        a->p.config, strerror(-r));
		} else {
			r = domxml_parse(xml, &a->info, msg, sizeof(msg));
			if (r != 0) {
				a->config_rc = ocf_fail(
				        &a->config_why, OCF_ERR_CONFIGURED,
				        "config %s is not a usable domain XML: %s; fix the file",
				        a->p.config, msg);
				free(xml);
				xml = NULL;
			}
		}
	}
	if (a->config_rc == OCF_SUCCESS) {
		a->xml = xml;
		a->id_source = AGENT_ID_CONFIG;
		snprintf(a->name, sizeof(a->name), "%s", a->info.name);
		snprintf(a->uuid, sizeof(a->uuid), "%s", a->info.uuid);
		if (a->uuid[0] == '\0')
			actions_find_uuid(a);
		return OCF_SUCCESS;
	}
	if (idcache_read(a->p.rsctmp, a->p.resource, a->name, sizeof(a->name), a->uuid) == 0) {
		a->id_source = AGENT_ID_CACHE;
		vm_log(a, LOG_WARNING, "%s; using the identity recorded at start (uuid %s)",
		       a->config_why.text, a->uuid);
	} else if (a->p.resource[0] != '\0') {
		a->id_source = AGENT_ID_RESOURCE;
		snprintf(a->name, sizeof(a->name), "%s", a->p.resource);
		vm_log(a, LOG_WARNING, "%s; assuming the domain is named after the resource",
		       a->config_why.text);
	} else {
		a->id_source = AGENT_ID_NONE;
	}
	return a->config_rc;
}

/* Runs body(a) under the deadline; on time-out returns ACTIONS_UNREACHABLE
 * with why set.  The worker writes only a->bg_*. */
static int
actions_bounded(struct vm_agent *a, bounded_fn body, uint64_t timeout_ms)
{
	int result = OCF_ERR_GENERIC;
	int r;

	memset(&a->bg_why, 0, sizeof(a->bg_why));
	r = bounded_run(body, a, timeout_ms, &result);
	if (r == -ETIMEDOUT) {
		vm_log(a, LOG_ERR, "libvirt (%s) did not answer within %" PRIu64 " ms",
		       a->p.hypervisor, timeout_ms);
		a->abandoned = true;
		return ACTIONS_UNREACHABLE; /* a->bg_* still belong to the worker */
	}
	if (r != 0) {
		ocf_fail(&a->why, OCF_ERR_GENERIC, "cannot start a thread: %s", strerror(-r));
		return OCF_ERR_GENERIC;
	}
	if (result != ACTIONS_UNREACHABLE && a->bg_why.text[0] != '\0')
		ocf_fail(&a->why, result, "%s", a->bg_why.text);
	return result;
}

static int
actions_connect(struct vm_agent *a, struct virt **ret)
{
	char err[VIRT_ERR_MAX] = "";
	int r = virt_open(a->p.hypervisor, ret, err, sizeof(err));

	if (r != 0) {
		vm_log(a, LOG_ERR, "%s", err);
		ocf_fail(&a->bg_why, OCF_ERR_GENERIC, "%s; check that libvirtd runs on this node",
		         err);
		return ACTIONS_UNREACHABLE;
	}
	return 0;
}

/* ---- monitor ---------------------------------------------------------- */

static int
actions_monitor_body(void *arg)
{
	struct vm_agent *a = arg;
	struct virt *v = NULL;
	enum virt_state s = VIRT_UNKNOWN;
	int r;

	r = actions_connect(a, &v);
	if (r != 0)
		return r;
	r = virt_query(v, a->uuid, a->name, &s);
	if (r != 0) {
		vm_log(a, LOG_ERR, "%s", v->err);
		ocf_fail(&a->bg_why, OCF_ERR_GENERIC, "%s", v->err);
		virt_close(v);
		return ACTIONS_UNREACHABLE;
	}
	a->bg_state = (int)s;
	virt_close(v);
	return OCF_SUCCESS;
}

/* guest_agent_check and monitor_scripts, on the running domain. */
static int
actions_guest_body(void *arg)
{
	struct vm_agent *a = arg;
	struct virt *v = NULL;
	virDomainPtr d = NULL;
	uint64_t left = vmctx_left_ms(a, ACTIONS_RESERVE_MS + 500);
	int rc;

	rc = actions_connect(a, &v);
	if (rc != 0)
		return OCF_ERR_GENERIC;
	if (virt_lookup(v, a->uuid, a->name, &d) != 0) {
		rc = ocf_fail(&a->bg_why, OCF_ERR_GENERIC,
		              "the VM vanished during its guest checks: %s", v->err);
	} else {
		rc = guestcheck_run(a, v, d, left, &a->bg_why);
		virDomainFree(d);
	}
	virt_close(v);
	return rc;
}

static int
actions_monitor_guest(struct vm_agent *a)
{
	int r = actions_bounded(a, actions_guest_body, vmctx_left_ms(a, ACTIONS_RESERVE_MS));

	if (r == ACTIONS_UNREACHABLE)
		return ocf_fail(
		        &a->why, OCF_ERR_GENERIC,
		        "the guest checks (guest_agent_check, monitor_scripts) did not "
		        "finish within the monitor's timeout; raise it or make them faster");
	if (r != OCF_SUCCESS)
		vm_log(a, LOG_ERR, "%s", a->why.text);
	return r;
}

/* libvirt could not tell: ask /proc. */
static int
actions_monitor_procscan(struct vm_agent *a)
{
	pid_t pid = 0;
	int r;

	if (a->uuid[0] == '\0')
		return ocf_fail(
		        &a->why, OCF_ERR_GENERIC,
		        "libvirtd (%s) does not answer and the VM's UUID is unknown (config "
		        "unreadable); state unknown, restart libvirtd or fix the config",
		        a->p.hypervisor);
	r = procscan_find(PROCSCAN_RUN_DIR, PROCSCAN_PROC_ROOT, a->name, a->uuid, &pid);
	if (r == 1) {
		vm_log(a, LOG_WARNING,
		       "libvirtd does not answer, but QEMU process %d runs this VM: running",
		       (int)pid);
		return OCF_SUCCESS;
	}
	return ocf_fail(&a->why, OCF_ERR_GENERIC,
	                "libvirtd (%s) does not answer and no QEMU process for uuid %s was "
	                "found%s; state unknown, restart libvirtd",
	                a->p.hypervisor, a->uuid, r < 0 ? " (cannot read /proc)" : "");
}

int
actions_monitor(struct vm_agent *a)
{
	uint64_t budget_ms;
	int r;

	(void)actions_identify(a);
	actions_prefer_running(a);
	if (a->id_source == AGENT_ID_NONE)
		return ocf_fail(&a->why, a->config_rc, "%s", a->config_why.text);

	budget_ms = a->op_timeout_ms / 2;
	if (budget_ms > 20000)
		budget_ms = 20000;
	if (budget_ms < 500)
		budget_ms = 500;
	r = actions_bounded(a, actions_monitor_body, budget_ms);
	if (r == ACTIONS_UNREACHABLE)
		return actions_monitor_procscan(a);
	if (r != OCF_SUCCESS)
		return r;

	switch ((enum virt_state)a->bg_state) {
	case VIRT_RUNNING:
		if (a->id_source != AGENT_ID_CONFIG)
			vm_log(a, LOG_WARNING, "running, but %s", a->config_why.text);
		if (guestcheck_wanted(a))
			return actions_monitor_guest(a);
		return OCF_SUCCESS;
	case VIRT_PAUSED:
		vm_log(a, LOG_WARNING, "paused (counted as running)");
		return OCF_SUCCESS;
	case VIRT_ABSENT:
	case VIRT_SHUTOFF:
		if (a->id_source == AGENT_ID_CONFIG || a->id_source == AGENT_ID_CACHE)
			return OCF_NOT_RUNNING;
		/* only the resource name was a guess; nothing of that name runs
		 * and this node never started the VM since boot (no id cache) */
		vm_log(a, LOG_INFO,
		       "no domain named %s and none started here since boot: not running", a->name);
		return OCF_NOT_RUNNING;
	case VIRT_CRASHED:
		return ocf_fail(
		        &a->why, OCF_ERR_GENERIC,
		        "the VM crashed; Pacemaker will recover it (check the guest's log)");
	default:
		return ocf_fail(&a->why, OCF_ERR_GENERIC,
		                "libvirt reports an unknown state for the VM; check libvirtd");
	}
}

/* ---- save_config_on_stop ---------------------------------------------- */

/* Writes the running domain's XML back to config; never fails the action
 * (as VirtualDomain, which warns). */
static void
actions_save_config(struct vm_agent *a, struct virt *v, virDomainPtr d)
{
	struct domxml_info info;
	char err[256] = "";
	char *xml = NULL;
	int r;

	if (!a->p.save_config_on_stop || a->p.config[0] == '\0')
		return;
	if (virt_inactive_xml(v, d, &xml) != 0) {
		vm_log(a, LOG_WARNING, "save_config_on_stop: %s, config not updated", v->err);
		return;
	}
	if (domxml_parse(xml, &info, err, sizeof(err)) != 0 || strcmp(info.name, a->name) != 0 ||
	    (a->uuid[0] != '\0' && strcmp(info.uuid, a->uuid) != 0)) {
		vm_log(a, LOG_WARNING,
		       "save_config_on_stop: libvirt's XML does not describe this VM (%s), config "
		       "not updated",
		       err[0] != '\0' ? err : "another name or UUID");
		free(xml);
		return;
	}
	r = cfgsave_write(a->p.config, xml, err, sizeof(err));
	if (r < 0)
		vm_log(a, LOG_WARNING, "save_config_on_stop: %s, config not updated", err);
	else if (r == 1)
		vm_log(a, LOG_INFO, "save_config_on_stop: wrote the domain's XML to %s",
		       a->p.config);
	free(xml);
}

/* ---- stop ------------------------------------------------------------- */

static int
actions_stop_save(struct vm_agent *a, struct virt *v, virDomainPtr d)
{
	struct imagestore *s = NULL;
	int rc = quick_open_store(a, &a->bg_why, &s);

	if (rc != OCF_SUCCESS)
		return OCF_ERR_GENERIC; /* a failed stop must not say "configured" */
	/* an image that waits for the next start is checked whole when restored */
	imagestore_whole_crc(s, true);
	if (quick_save(a, v, d, s, &a->bg_why, NULL, NULL, NULL) != 0)
		rc = OCF_ERR_GENERIC;
	imagestore_free(s);
	return rc;
}

static int
actions_stop_shutdown(struct vm_agent *a, struct virt *v, virDomainPtr d, enum virt_state s)
{
	uint64_t wait_ms = (uint64_t)a->p.shutdown_timeout_s * 1000u;
	uint64_t left = vmctx_left_ms(a, 5000 + ACTIONS_RESERVE_MS);

	if (wait_ms > left)
		wait_ms = left;
	if (s == VIRT_PAUSED && virt_resume(v, d) != 0)
		vm_log(a, LOG_WARNING, "paused and cannot resume for a shutdown (%s), destroying",
		       v->err);
	else if (virt_shutdown(v, d, a->p.shutdown_modes) != 0)
		vm_log(a, LOG_WARNING, "shutdown request refused (%s), destroying", v->err);
	else if (virt_wait(v, a->uuid, a->name, VIRT_ABSENT, wait_ms) == 0)
		return OCF_SUCCESS;
	else
		vm_log(a, LOG_WARNING, "did not shut down within %" PRIu64 " ms, destroying",
		       wait_ms);
	if (virt_destroy(v, d) != 0) {
		enum virt_state now;

		if (virt_query(v, a->uuid, a->name, &now) == 0 &&
		    (now == VIRT_ABSENT || now == VIRT_SHUTOFF))
			return OCF_SUCCESS; /* it went down by itself meanwhile */
		vm_log(a, LOG_ERR, "%s", v->err);
		return ocf_fail(&a->bg_why, OCF_ERR_GENERIC, "cannot stop the VM: %s", v->err);
	}
	return OCF_SUCCESS;
}

static int
actions_stop_body(void *arg)
{
	struct vm_agent *a = arg;
	struct virt *v = NULL;
	virDomainPtr d = NULL;
	enum virt_state s = VIRT_UNKNOWN;
	enum params_on_stop how = a->p.on_stop;
	enum virt_why why = VIRT_WHY_OTHER;
	int rc;
	int r;

	r = actions_connect(a, &v);
	if (r != 0)
		return r;
	r = virt_lookup(v, a->uuid, a->name, &d);
	if (r == -ENOENT) {
		vm_log(a, LOG_INFO, "not running, nothing to stop");
		rc = OCF_SUCCESS;
		goto release;
	}
	if (r == 0)
		r = virt_state_why(v, d, &s, &why);
	if (r != 0) {
		vm_log(a, LOG_ERR, "%s", v->err);
		ocf_fail(&a->bg_why, OCF_ERR_GENERIC, "%s", v->err);
		rc = ACTIONS_UNREACHABLE;
		goto cleanup;
	}
	a->bg_state = (int)s;
	if (s == VIRT_PAUSED && why != VIRT_WHY_OTHER) {
		/* paused by a migration that did not finish here: stale memory after
		 * a post-copy switch, or a copy whose handover is unknown, or an
		 * incoming copy that never ran.  Resumed (for a shutdown) or saved,
		 * it could run or be restored stale: destroyed instead */
		vm_log(a, LOG_WARNING,
		       "paused by a migration (%s): never resumed or saved here, destroying",
		       virt_why_name(why));
		how = PARAMS_ON_STOP_DESTROY;
	}
	if (s == VIRT_ABSENT || s == VIRT_SHUTOFF) {
		vm_log(a, LOG_INFO, "not running, nothing to stop");
		rc = OCF_SUCCESS;
		goto release;
	}
	if (how == PARAMS_ON_STOP_SAVE && (a->p.save_dir[0] == '\0' || a->uuid[0] == '\0')) {
		vm_log(a, LOG_WARNING,
		       "on_stop=save without save_dir or UUID, shutting down instead");
		how = PARAMS_ON_STOP_SHUTDOWN;
	}
	if (s == VIRT_CRASHED)
		how = PARAMS_ON_STOP_DESTROY;
	if (a->p.ledger) {
		ledgerlink_expect_stop(a, vmctx_left_ms(a, 0));
		/* an image must carry the ledger's generation, or it could be
		 * restored against the ledger's will: no grant, no save */
		if (how == PARAMS_ON_STOP_SAVE && ledgerlink_save(a, &a->ledger_gen) != 0) {
			vm_log(a, LOG_WARNING,
			       "on_stop=save but ferryd's ledger gave no image generation, "
			       "shutting "
			       "down instead");
			how = PARAMS_ON_STOP_SHUTDOWN;
		} else if (how == PARAMS_ON_STOP_SAVE) {
			a->ledger_gen_set = true;
		}
	}
	actions_save_config(a, v, d);
	vm_log(a, LOG_NOTICE, "%s -> stopping (%s)", virt_state_name(s), params_on_stop_name(how));
	switch (how) {
	case PARAMS_ON_STOP_SAVE:
		rc = actions_stop_save(a, v, d);
		break;
	case PARAMS_ON_STOP_DESTROY:
		rc = OCF_SUCCESS;
		if (virt_destroy(v, d) != 0) {
			vm_log(a, LOG_ERR, "%s", v->err);
			rc = ocf_fail(&a->bg_why, OCF_ERR_GENERIC, "cannot stop the VM: %s",
			              v->err);
		}
		break;
	case PARAMS_ON_STOP_SHUTDOWN:
	default:
		rc = actions_stop_shutdown(a, v, d, s);
		break;
	}
	if (rc == OCF_SUCCESS && virt_wait(v, a->uuid, a->name, VIRT_ABSENT, 5000) != 0)
		rc = ocf_fail(&a->bg_why, OCF_ERR_GENERIC,
		              "the VM is still present after stop; check libvirtd");
	if (rc == OCF_SUCCESS)
		vm_log(a, LOG_NOTICE, "%s -> stopped", virt_state_name(s));
	if (how == PARAMS_ON_STOP_SAVE && rc != OCF_SUCCESS &&
	    virt_query(v, a->uuid, a->name, &s) == 0 && (s == VIRT_RUNNING || s == VIRT_PAUSED)) {
		/* the save failed (save_dir full or gone) and the VM runs on.  A
		 * failed stop gets this node fenced, and every VM on it with it:
		 * shut this one down instead, its memory is lost. */
		vm_log(a, LOG_WARNING,
		       "save failed (%s), the VM runs on: shutting down instead, "
		       "its memory is lost",
		       a->bg_why.text);
		if (a->p.ledger) {
			/* the ledger already holds it as saved: take it back (a
			 * fresh start for the ledger), then release it below */
			struct ocf_reason ignored = {{0}};

			(void)ledgerlink_acquire(a, false, 0, &ignored);
		}
		memset(&a->bg_why, 0, sizeof(a->bg_why));
		how = PARAMS_ON_STOP_SHUTDOWN;
		rc = actions_stop_shutdown(a, v, d, s);
		if (rc == OCF_SUCCESS && virt_wait(v, a->uuid, a->name, VIRT_ABSENT, 5000) != 0)
			rc = ocf_fail(&a->bg_why, OCF_ERR_GENERIC,
			              "the VM is still present after stop; check libvirtd");
		if (rc == OCF_SUCCESS)
			vm_log(a, LOG_NOTICE, "%s -> stopped (shut down, not saved)",
			       virt_state_name(s));
	}
	if (how == PARAMS_ON_STOP_SAVE || rc != OCF_SUCCESS)
		goto cleanup; /* saved: the ledger's SAVE already let go of it */
release:
	if (a->p.ledger)
		ledgerlink_release(a);
cleanup:
	if (d != NULL)
		virDomainFree(d);
	virt_close(v);
	return rc;
}

/*
 * libvirtd is gone and QEMU process pid still runs the VM: ask QEMU itself.
 * An incoming migration that never completed ("inmigrate": libvirt 11 asks
 * QEMU to wait after a failed one, and only libvirtd would kill it) never
 * ran the guest, so it is killed and the stop succeeds.  0 once it is gone;
 * otherwise status says what QEMU answered (empty if it did not).
 */
static int
actions_stop_incoming(struct vm_agent *a, pid_t pid, char *status, size_t len)
{
	char path[PATH_MAX];
	pid_t again = 0;
	int r;

	status[0] = '\0';
	r = qmp_find_monitor(PROCSCAN_PROC_ROOT, pid, path, sizeof(path));
	if (r == 0)
		r = qmp_query_status(path, ACTIONS_QMP_MS, status, len);
	if (r != 0) {
		vm_log(a, LOG_WARNING, "QEMU process %d: no answer on its monitor (%s)", (int)pid,
		       strerror(-r));
		status[0] = '\0';
		return r;
	}
	if (strcmp(status, "inmigrate") != 0) {
		vm_log(a, LOG_WARNING, "QEMU process %d says %s: a guest may run there", (int)pid,
		       status);
		return -EBUSY;
	}
	vm_log(a, LOG_WARNING,
	       "QEMU process %d holds an incoming migration that never completed (status "
	       "inmigrate): no guest ran in it, killing it",
	       (int)pid);
	if (kill(pid, SIGKILL) != 0 && errno != ESRCH)
		return -errno;
	for (int i = 0; i < ACTIONS_QMP_MS / 100; i++) {
		r = procscan_find(PROCSCAN_RUN_DIR, PROCSCAN_PROC_ROOT, a->name, a->uuid, &again);
		if (r == 0)
			return 0;
		usleep(100 * 1000);
	}
	return -ETIMEDOUT;
}

int
actions_stop(struct vm_agent *a)
{
	char status[QMP_STATUS_MAX] = "";
	pid_t pid = 0;
	int r;

	(void)actions_identify(a);
	actions_prefer_running(a);
	if (a->id_source == AGENT_ID_NONE) {
		vm_log(a, LOG_WARNING,
		       "%s; nothing identifies a VM to stop, so none runs for this resource",
		       a->config_why.text);
		return OCF_SUCCESS;
	}
	r = actions_bounded(a, actions_stop_body, vmctx_left_ms(a, ACTIONS_RESERVE_MS));
	if (r == ACTIONS_UNREACHABLE) {
		if (a->uuid[0] == '\0')
			return ocf_fail(&a->why, OCF_ERR_GENERIC,
			                "libvirtd (%s) does not answer and the VM's UUID is "
			                "unknown; restart libvirtd",
			                a->p.hypervisor);
		r = procscan_find(PROCSCAN_RUN_DIR, PROCSCAN_PROC_ROOT, a->name, a->uuid, &pid);
		if (r == 1 && actions_stop_incoming(a, pid, status, sizeof(status)) == 0)
			r = 0;
		if (r == 0) {
			vm_log(a, LOG_WARNING,
			       "libvirtd does not answer, but no QEMU process runs this VM: "
			       "stopped");
			(void)idcache_remove(a->p.rsctmp, a->p.resource);
			/* the worker may still hold its own connection to ferryd */
			if (a->p.ledger)
				ledgerlink_release_apart(a);
			return OCF_SUCCESS;
		}
		return ocf_fail(&a->why, OCF_ERR_GENERIC,
		                "libvirtd (%s) does not answer and %s%s%s; restart libvirtd or let "
		                "the cluster fence this node",
		                a->p.hypervisor,
		                r == 1 ? "the VM's QEMU process still runs"
		                       : "/proc cannot be read",
		                status[0] != '\0' ? ", QEMU says " : "", status);
	}
	if (r == OCF_SUCCESS)
		(void)idcache_remove(a->p.rsctmp, a->p.resource);
	return r;
}

/* ---- start ------------------------------------------------------------ */

static int
actions_cold_boot(struct vm_agent *a, struct virt *v, struct imagestore *s)
{
	virDomainPtr d = NULL;
	uint64_t gen = 0;
	int r;

	if (a->p.ledger && ledgerlink_acquire(a, false, 0, &a->bg_why) != 0)
		return OCF_ERR_GENERIC;
	if (s != NULL) {
		r = imagestore_cold_boot(s, &gen);
		if (r != 0) {
			vm_log(a, LOG_ERR, "cannot bump the image generation: %s", strerror(-r));
			return ocf_fail(&a->bg_why, OCF_ERR_GENERIC,
			                "cannot record a cold boot in %s (%s); check save_dir",
			                a->p.save_dir, strerror(-r));
		}
		vm_log(a, LOG_INFO, "cold boot, image generation now %" PRIu64, gen);
	}
	r = virt_create(v, a->xml, &d);
	if (r != 0) {
		vm_log(a, LOG_ERR, "%s", v->err);
		return ocf_fail(&a->bg_why, r == -EBADMSG ? OCF_ERR_CONFIGURED : OCF_ERR_GENERIC,
		                "cannot start the VM: %s", v->err);
	}
	virDomainFree(d);
	vm_log(a, LOG_NOTICE, "stopped -> running (cold boot)");
	return OCF_SUCCESS;
}

/* Start on connection v (local or, for restart moves, unchanged): restore
 * a valid image, else cold boot. */
static int
actions_start_on(struct vm_agent *a, struct virt *v)
{
	struct imagestore *s = NULL;
	virDomainPtr d = NULL;
	enum virt_state st = VIRT_ABSENT;
	enum virt_why why = VIRT_WHY_OTHER;
	char other[DOMXML_UUID_LEN + 1];
	int rc = OCF_SUCCESS;
	int r;

	r = virt_query_why(v, a->uuid, NULL, &st, &why);
	if (r != 0) {
		vm_log(a, LOG_ERR, "%s", v->err);
		return ocf_fail(&a->bg_why, OCF_ERR_GENERIC, "%s", v->err);
	}
	if (st == VIRT_PAUSED && why != VIRT_WHY_OTHER)
		return ocf_fail(
		        &a->bg_why, OCF_ERR_GENERIC,
		        "a copy paused by a migration (%s) is on this node; its memory may "
		        "be stale: see ferryctl status for where the VM runs, and stop this "
		        "copy (pcs resource cleanup) before starting it",
		        virt_why_name(why));
	if ((st == VIRT_RUNNING || st == VIRT_PAUSED) && a->p.ledger &&
	    ledgerlink_acquire(a, false, 0, &a->bg_why) != 0)
		return OCF_ERR_GENERIC; /* e.g. a twin ferryd paused: never resume it */
	if (st == VIRT_RUNNING) {
		vm_log(a, LOG_INFO, "already running");
		return OCF_SUCCESS;
	}
	if (st == VIRT_PAUSED) {
		vm_log(a, LOG_NOTICE, "paused -> running (resume)");
		if (virt_lookup(v, a->uuid, NULL, &d) == 0) {
			r = virt_resume(v, d);
			virDomainFree(d);
			if (r == 0)
				return OCF_SUCCESS;
		}
		return ocf_fail(&a->bg_why, OCF_ERR_GENERIC,
		                "the VM is paused and cannot be resumed: %s", v->err);
	}
	if (virt_uuid_of_name(v, a->name, other) == 0 && strcmp(other, a->uuid) != 0)
		return ocf_fail(&a->bg_why, OCF_ERR_CONFIGURED,
		                "a domain named %s with UUID %s already exists on this node, the "
		                "config says UUID %s; rename one of them",
		                a->name, other, a->uuid);

	if (a->p.save_dir[0] != '\0') {
		rc = quick_open_store(a, &a->bg_why, &s);
		if (rc != OCF_SUCCESS)
			return rc;
		if (imagestore_has_image(s)) {
			r = quick_restore(a, v, s, &a->bg_why, NULL, NULL);
			if (r == 1) {
				vm_log(a, LOG_NOTICE, "stopped -> running (restored)");
				goto cleanup;
			}
			if (r < 0) {
				rc = OCF_ERR_GENERIC;
				goto cleanup;
			}
		}
	}
	rc = actions_cold_boot(a, v, s);
cleanup:
	imagestore_free(s);
	return rc;
}

/* After start or arrival: wait for the guest checks (guestcheck.h), inside
 * the worker's deadline. */
static int
actions_wait_guest(struct vm_agent *a, struct virt *v)
{
	virDomainPtr d = NULL;
	int rc;

	if (!guestcheck_wanted(a))
		return OCF_SUCCESS;
	if (virt_lookup(v, a->uuid, a->name, &d) != 0)
		return ocf_fail(&a->bg_why, OCF_ERR_GENERIC,
		                "the VM vanished while waiting for its guest checks: %s", v->err);
	rc = guestcheck_wait(a, v, d, vmctx_left_ms(a, ACTIONS_RESERVE_MS + 1500), &a->bg_why);
	virDomainFree(d);
	if (rc != OCF_SUCCESS)
		vm_log(a, LOG_ERR, "%s", a->bg_why.text);
	return rc;
}

static int
actions_start_body(void *arg)
{
	struct vm_agent *a = arg;
	struct virt *v = NULL;
	enum virt_state st = VIRT_UNKNOWN;
	int rc;

	rc = actions_connect(a, &v);
	if (rc != 0)
		return OCF_ERR_GENERIC;
	/* as VirtualDomain: only for a VM that is not running yet */
	if (a->p.start_resources && virt_query(v, a->uuid, NULL, &st) == 0 && st != VIRT_RUNNING &&
	    st != VIRT_PAUSED)
		rc = startres_run(a, v, "this node", &a->bg_why);
	if (rc == OCF_SUCCESS)
		rc = actions_start_on(a, v);
	if (rc == OCF_SUCCESS)
		rc = actions_wait_guest(a, v);
	virt_close(v);
	return rc;
}

/* Placement hints only: a failure is logged and never fails the action. */
static void
actions_autoset_utilization(struct vm_agent *a)
{
	bool changed = false;
	int r = utilization_update(a->p.resource, a->info.vcpus, a->info.memory_kib >> 10,
	                           ACTIONS_UTILIZATION_TIMEOUT_MS, &changed);

	if (r != 0)
		vm_log(a, LOG_WARNING,
		       "cannot set utilization cpu=%u hv_memory=%" PRIu64 " MiB (%s), ignoring",
		       a->info.vcpus, a->info.memory_kib >> 10, strerror(-r));
	else if (changed)
		vm_log(a, LOG_INFO, "utilization set: cpu=%u hv_memory=%" PRIu64 " MiB",
		       a->info.vcpus, a->info.memory_kib >> 10);
}

static void
actions_remember(struct vm_agent *a)
{
	int r = idcache_write(a->p.rsctmp, a->p.resource, a->name, a->uuid);

	if (r != 0 && a->p.resource[0] != '\0')
		vm_log(a, LOG_WARNING, "cannot record the identity in %s (%s), ignoring",
		       a->p.rsctmp, strerror(-r));
	if (a->p.autoset_utilization)
		actions_autoset_utilization(a);
}

int
actions_start(struct vm_agent *a)
{
	int rc;

	rc = actions_identify(a);
	if (rc != OCF_SUCCESS)
		return ocf_fail(&a->why, rc, "%s", a->config_why.text);
	rc = actions_need_uuid(a);
	if (rc != OCF_SUCCESS)
		return rc;
	rc = params_check_host(&a->p, &a->why);
	if (rc != OCF_SUCCESS)
		return rc;
	rc = actions_bounded(a, actions_start_body, vmctx_left_ms(a, ACTIONS_RESERVE_MS));
	if (rc == ACTIONS_UNREACHABLE)
		return ocf_fail(&a->why, OCF_ERR_GENERIC,
		                "libvirtd (%s) did not answer in time; the start may still "
		                "complete, check libvirtd",
		                a->p.hypervisor);
	if (rc == OCF_SUCCESS)
		actions_remember(a);
	else if (guestcheck_wanted(a))
		/* the VM may run though its checks failed: stop must find it */
		(void)idcache_write(a->p.rsctmp, a->p.resource, a->name, a->uuid);
	return rc;
}

/* ---- migrate_to / migrate_from ----------------------------------------- */

/* start_resources on the target, before the move. */
static int
actions_target_resources(struct vm_agent *a)
{
	char uri[PARAMS_URI_MAX + PARAMS_NODE_MAX];
	char err[VIRT_ERR_MAX] = "";
	char where[PARAMS_NODE_MAX + 16];
	struct virt *t = NULL;
	int rc;

	if (params_target_uri(&a->p, PARAMS_URI_REMOTE, a->p.migrate_target, uri, sizeof(uri)) != 0)
		return ocf_fail(&a->bg_why, OCF_ERR_CONFIGURED,
		                "remote_uri is too long once %%n is expanded");
	if (virt_open_within(uri, ACTIONS_TARGET_OPEN_MS, &t, err, sizeof(err)) != 0)
		return ocf_fail(&a->bg_why, OCF_ERR_GENERIC,
		                "start_resources: cannot reach the target's libvirtd (%s); check "
		                "remote_uri",
		                err);
	snprintf(where, sizeof(where), "target %s", a->p.migrate_target);
	rc = startres_run(a, t, where, &a->bg_why);
	virt_close(t);
	return rc;
}

static void
actions_record(struct vm_agent *a, struct move_record *rec, const char *from, const char *to,
               int rc)
{
	int r;

	/* the record's fields are shorter than names may be: truncate */
	snprintf(rec->vm, sizeof(rec->vm), "%.*s", (int)sizeof(rec->vm) - 1, a->name);
	snprintf(rec->uuid, sizeof(rec->uuid), "%s", a->uuid);
	snprintf(rec->from, sizeof(rec->from), "%.*s", (int)sizeof(rec->from) - 1, from);
	snprintf(rec->to, sizeof(rec->to), "%.*s", (int)sizeof(rec->to) - 1, to);
	/* not set yet: a move that failed before it began (move=auto: before its choice) */
	if (rec->mode[0] == '\0')
		moverec_set_kind(rec, params_move_kind(a->p.move));
	if (rec->result[0] == '\0')
		moverec_set_result(rec, rc == OCF_SUCCESS ? FERRY_MOVE_OK : FERRY_MOVE_FAILED);
	if (rc != OCF_SUCCESS && rec->error[0] == '\0')
		snprintf(rec->error, sizeof(rec->error), "%.*s", (int)sizeof(rec->error) - 1,
		         a->bg_why.text);
	r = moverec_append(NULL, rec);
	if (r != 0)
		vm_log(a, LOG_WARNING, "cannot append the move record: %s, ignoring", strerror(-r));
	if (a->p.ledger)
		ledgerlink_record_move(a, rec);
}

/* Starts pinging probe_address before a move.  NULL when off, not useful
 * or failed: the probe never fails a move. */
static struct probe *
actions_probe_start(struct vm_agent *a, enum params_move how, enum virt_state s)
{
	struct probe *p = NULL;
	char err[PROBE_ERR_MAX] = "";
	uint64_t wait_ms = vmctx_left_ms(a, ACTIONS_RESERVE_MS);

	if (a->p.probe_address[0] == '\0')
		return NULL;
	if (how == PARAMS_MOVE_RESTART) {
		/* the silence starts on this node and ends on the target, in
		 * migrate_from's process: neither agent sees both ends */
		vm_log(a, LOG_INFO,
		       "move=restart: not probed (probe_address %s), guest_gap_ms stays unknown",
		       a->p.probe_address);
		return NULL;
	}
	if (s == VIRT_PAUSED) {
		vm_log(a, LOG_INFO,
		       "paused: not probed (probe_address %s), guest_gap_ms stays unknown",
		       a->p.probe_address);
		return NULL;
	}
	if (wait_ms > ACTIONS_PROBE_FIRST_WAIT_MS)
		wait_ms = ACTIONS_PROBE_FIRST_WAIT_MS;
	if (probe_start(a->p.probe_address, wait_ms, &p, err, sizeof(err)) != 0) {
		vm_log(a, LOG_WARNING, "%s; the guest gap of this move is not measured, ignoring",
		       err);
		return NULL;
	}
	return p;
}

static void
actions_downtime_text(const struct move_record *rec, char *buf, size_t len)
{
	enum ferry_move_kind k;

	if (rec->downtime_ms < 0)
		snprintf(buf, len, "downtime unknown");
	else if (moverec_kind(rec, &k) == 0 && k == FERRY_MOVE_LIVE)
		snprintf(buf, len, "libvirt downtime %" PRId64 " ms", rec->downtime_ms);
	else
		snprintf(buf, len, "downtime %" PRId64 " ms from save to restore",
		         rec->downtime_ms);
}

/* The move is over: the gap goes into rec->guest_gap_ms, or a warning
 * says why not. */
static void
actions_probe_stop(struct vm_agent *a, struct probe *p, struct move_record *rec)
{
	struct probe_result res;
	char err[PROBE_ERR_MAX] = "";
	char downtime[96];
	char address[PARAMS_PROBE_ADDRESS_MAX + 80];
	uint64_t grace_ms = vmctx_left_ms(a, ACTIONS_RESERVE_MS);

	if (grace_ms > ACTIONS_PROBE_GRACE_MS)
		grace_ms = ACTIONS_PROBE_GRACE_MS;
	if (probe_stop(p, grace_ms, &res, err, sizeof(err)) != 0) {
		vm_log(a, LOG_WARNING, "%s; guest_gap_ms not recorded, ignoring", err);
		return;
	}
	rec->guest_gap_ms = res.gap_ms;
	actions_downtime_text(rec, downtime, sizeof(downtime));
	if (strcmp(res.address, a->p.probe_address) == 0)
		snprintf(address, sizeof(address), "probe_address %s", a->p.probe_address);
	else
		snprintf(address, sizeof(address), "probe_address %s = %s", a->p.probe_address,
		         res.address);
	if (res.lower_bound)
		vm_log(a, LOG_WARNING,
		       "guest gap at least %" PRId64 " ms (%s, ping every %d ms; no reply for "
		       "the last %" PRIu64 " ms when the %" PRIu64
		       " ms grace after the move ran out; %s); recorded as a lower bound",
		       res.gap_ms, address, PROBE_INTERVAL_MS, res.silent_ms, grace_ms, downtime);
	else
		vm_log(a, LOG_NOTICE, "guest gap %" PRId64 " ms (%s, ping every %d ms; %s)",
		       res.gap_ms, address, PROBE_INTERVAL_MS, downtime);
}

static int
actions_migrate_to_body(void *arg)
{
	struct vm_agent *a = arg;
	struct move_record rec;
	struct virt *v = NULL;
	virDomainPtr d = NULL;
	enum virt_state s = VIRT_UNKNOWN;
	enum params_move how = a->p.move;
	struct probe *probe = NULL;
	bool begun = false;
	int rc;

	moverec_init(&rec);
	rec.start_unix_ms = actions_unix_ms();
	rc = actions_connect(a, &v);
	if (rc != 0) {
		rc = OCF_ERR_GENERIC;
		goto record;
	}
	if (virt_lookup(v, a->uuid, NULL, &d) != 0 || virt_state(v, d, &s) != 0 ||
	    (s != VIRT_RUNNING && s != VIRT_PAUSED)) {
		rc = ocf_fail(&a->bg_why, OCF_ERR_GENERIC,
		              "the VM does not run on this node (%s); nothing to migrate",
		              s == VIRT_UNKNOWN ? v->err : virt_state_name(s));
		goto record;
	}
	if (a->p.start_resources && actions_target_resources(a) != OCF_SUCCESS) {
		rc = OCF_ERR_GENERIC;
		goto record;
	}
	actions_save_config(a, v, d);
	/* move=auto decides before the ledger hears of the move (its mode) */
	if (how == PARAMS_MOVE_AUTO)
		how = live_choose(a, d, &rec);
	moverec_set_kind(&rec, params_move_kind(how));
	if (a->p.ledger && how != PARAMS_MOVE_RESTART) {
		/* refused: the VM is not touched */
		if (ledgerlink_migrate_begin(a, how == PARAMS_MOVE_QUICK, &a->bg_why,
		                             &a->ledger_gen) != 0) {
			rc = OCF_ERR_GENERIC;
			goto record;
		}
		a->ledger_gen_set = true; /* a quick image carries it */
		begun = true;
	}
	if (a->p.ledger)
		ledgerlink_expect_stop(a, vmctx_left_ms(a, 0));
	probe = actions_probe_start(a, how, s);
	vm_log(a, LOG_NOTICE, "running -> migrating (%s to %s)", params_move_name(how),
	       a->p.migrate_target);
	switch (how) {
	case PARAMS_MOVE_QUICK:
		rc = quick_move(a, v, d, &rec, &a->bg_why);
		break;
	case PARAMS_MOVE_RESTART:
		rc = actions_stop_shutdown(a, v, d, s);
		if (rc == OCF_SUCCESS && virt_wait(v, a->uuid, NULL, VIRT_ABSENT, 5000) != 0)
			rc = ocf_fail(&a->bg_why, OCF_ERR_GENERIC,
			              "the VM is still present after shutdown; check libvirtd");
		break;
	case PARAMS_MOVE_LIVE:
	default:
		rc = live_move(a, v, d, &rec, &a->bg_why);
		break;
	}
	vm_log(a, rc == OCF_SUCCESS ? LOG_NOTICE : LOG_ERR, "migrating -> %s",
	       rc == OCF_SUCCESS ? "moved" : "move failed");
	if (begun && !a->ledger_move_ended)
		ledgerlink_migrate_end(a, rc == OCF_SUCCESS);
	else if (a->p.ledger && how == PARAMS_MOVE_RESTART && rc == OCF_SUCCESS)
		ledgerlink_release(a); /* migrate_from acquires it on the target */
record:
	if (rec.total_ms < 0)
		rec.total_ms = actions_unix_ms() - rec.start_unix_ms;
	if (probe != NULL) /* also after a failed move: the guest saw that too */
		actions_probe_stop(a, probe, &rec);
	/* a restart move is recorded by migrate_from, once the VM has booted */
	if (how != PARAMS_MOVE_RESTART || rc != OCF_SUCCESS)
		actions_record(a, &rec, a->p.on_node[0] != '\0' ? a->p.on_node : a->node,
		               a->p.migrate_target, rc);
	if (d != NULL)
		virDomainFree(d);
	virt_close(v);
	return rc;
}

/* migration_transport=tls: this node's certificates (tlscheck.h). */
static int
actions_check_tls(struct vm_agent *a)
{
	char what[PATH_MAX + 64];

	if (a->p.migration_data != PARAMS_DATA_TLS || tlscheck_missing("", what, sizeof(what)) == 0)
		return OCF_SUCCESS;
	return ocf_fail(&a->why, OCF_ERR_INSTALLED,
	                "migration_transport=tls needs libvirt's and QEMU's TLS certificates on "
	                "every node, and %s; create them from your CA (doc/install.md, "
	                "\"Migration transport\"), or use migration_transport=tunnelled or ssh",
	                what);
}

static int
actions_migrate_common(struct vm_agent *a, const char *peer_var, const char *peer)
{
	int rc = actions_identify(a);

	if (rc != OCF_SUCCESS && a->id_source != AGENT_ID_CACHE)
		return ocf_fail(&a->why, rc, "%s", a->config_why.text);
	rc = actions_need_uuid(a);
	if (rc != OCF_SUCCESS)
		return rc;
	if (peer[0] == '\0')
		return ocf_fail(&a->why, OCF_ERR_GENERIC,
		                "%s is not set; migrations must come from Pacemaker with "
		                "allow-migrate=true",
		                peer_var);
	return OCF_SUCCESS;
}

int
actions_migrate_to(struct vm_agent *a)
{
	int rc = actions_migrate_common(a, "OCF_RESKEY_CRM_meta_migrate_target",
	                                a->p.migrate_target);

	if (rc != OCF_SUCCESS)
		return rc;
	if (a->p.move == PARAMS_MOVE_QUICK || a->p.move == PARAMS_MOVE_AUTO ||
	    a->p.policy.fallback == POLICY_FALLBACK_QUICK) {
		rc = params_check_host(&a->p, &a->why);
		if (rc != OCF_SUCCESS)
			return rc;
	}
	rc = actions_check_tls(a);
	if (rc != OCF_SUCCESS)
		return rc;
	rc = actions_bounded(a, actions_migrate_to_body, vmctx_left_ms(a, 500));
	if (rc == ACTIONS_UNREACHABLE)
		return ocf_fail(&a->why, OCF_ERR_GENERIC,
		                "libvirtd (%s) did not answer within the migrate_to timeout; check "
		                "where the VM runs",
		                a->p.hypervisor);
	if (rc == OCF_SUCCESS)
		(void)idcache_remove(a->p.rsctmp, a->p.resource);
	return rc;
}

static int
actions_migrate_from_body(void *arg)
{
	struct vm_agent *a = arg;
	struct virt *v = NULL;
	struct move_record rec;
	uint64_t wait_ms = vmctx_left_ms(a, 3000);
	int rc;

	rc = actions_connect(a, &v);
	if (rc != 0)
		return OCF_ERR_GENERIC;
	if (a->p.move == PARAMS_MOVE_RESTART) {
		moverec_init(&rec);
		rec.start_unix_ms = actions_unix_ms();
		if (a->xml == NULL)
			rc = ocf_fail(&a->bg_why, a->config_rc, "%s", a->config_why.text);
		else if (a->p.start_resources)
			rc = startres_run(a, v, "this node", &a->bg_why);
		if (rc == OCF_SUCCESS && a->xml != NULL)
			rc = actions_start_on(a, v);
		if (rc == OCF_SUCCESS)
			rc = actions_wait_guest(a, v);
		rec.total_ms = actions_unix_ms() - rec.start_unix_ms;
		rec.downtime_ms = -1;
		actions_record(a, &rec, a->p.migrate_source,
		               a->p.on_node[0] != '\0' ? a->p.on_node : a->node, rc);
		virt_close(v);
		return rc;
	}
	if (wait_ms > 10000)
		wait_ms = 10000;
	if (virt_wait(v, a->uuid, NULL, VIRT_RUNNING, wait_ms) != 0) {
		enum virt_state s = VIRT_UNKNOWN;

		(void)virt_query(v, a->uuid, NULL, &s);
		rc = ocf_fail(&a->bg_why, OCF_ERR_GENERIC,
		              "after the move from %s the VM is %s on this node, not running; "
		              "check where it runs",
		              a->p.migrate_source, virt_state_name(s));
	} else {
		vm_log(a, LOG_NOTICE, "migrating -> running (arrived from %s)",
		       a->p.migrate_source);
		rc = actions_wait_guest(a, v);
		if (a->p.save_config_on_stop) {
			virDomainPtr d = NULL;

			if (virt_lookup(v, a->uuid, NULL, &d) == 0) {
				actions_save_config(a, v, d);
				virDomainFree(d);
			}
		}
	}
	virt_close(v);
	return rc;
}

int
actions_migrate_from(struct vm_agent *a)
{
	int rc = actions_migrate_common(a, "OCF_RESKEY_CRM_meta_migrate_source",
	                                a->p.migrate_source);

	if (rc != OCF_SUCCESS)
		return rc;
	rc = actions_bounded(a, actions_migrate_from_body, vmctx_left_ms(a, 500));
	if (rc == ACTIONS_UNREACHABLE)
		return ocf_fail(
		        &a->why, OCF_ERR_GENERIC,
		        "libvirtd (%s) did not answer in time; cannot confirm the VM arrived",
		        a->p.hypervisor);
	if (rc == OCF_SUCCESS)
		actions_remember(a);
	return rc;
}

/* ---- validate-all / reload-agent --------------------------------------- */

int
actions_validate(struct vm_agent *a)
{
	int rc;

	if (a->params_rc != OCF_SUCCESS)
		return a->params_rc;
	rc = actions_identify(a);
	if (rc != OCF_SUCCESS)
		return ocf_fail(&a->why, rc, "%s", a->config_why.text);
	rc = actions_need_uuid(a);
	if (rc == OCF_SUCCESS)
		rc = params_check_host(&a->p, &a->why);
	if (rc == OCF_SUCCESS)
		rc = actions_check_tls(a);
	return rc;
}

int
actions_reload(struct vm_agent *a)
{
	int rc = actions_validate(a);

	if (rc == OCF_SUCCESS)
		vm_log(a, LOG_NOTICE,
		       "parameters reloaded: move=%s, max_downtime_ms=%u, fallback=%s, ledger=%s, "
		       "probe_address=%s (apply at the next action)",
		       params_move_name(a->p.move), a->p.policy.max_downtime_ms,
		       policy_fallback_name(a->p.policy.fallback), a->p.ledger ? "on" : "off",
		       a->p.probe_address[0] != '\0' ? a->p.probe_address : "off");
	return rc;
}
