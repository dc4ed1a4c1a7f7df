/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * front.h - when the agent's small front binary may answer a monitor itself.
 *
 * The installed ocf:ferry:vm is a front (vmfront.c) that does not load
 * libvirt: loading libvirt's library tree costs ~16 ms of CPU per exec, the
 * whole rest of a monitor ~1 ms.  The front answers exactly one thing, "a
 * recurring monitor: running (0)", and only from this evidence:
 *
 *   - the request: action monitor, CRM_meta_interval > 0, no OCF_CHECK_LEVEL,
 *     parameters that parse cleanly, hypervisor qemu:///system (the daemon
 *     whose state lives in /run/libvirt/qemu), a resource name, and a full
 *     monitor (one that asked libvirt) less than FRONT_FULL_EVERY_MS ago;
 *   - the identity: the config XML parses and, if this node recorded what it
 *     started (idcache.h), names the same VM;
 *   - libvirt's own status file for the domain (/run/libvirt/qemu/NAME.xml,
 *     rewritten by libvirtd on every state change and removed when the
 *     domain stops) says state 'running' for that UUID and QEMU pid;
 *   - that pid is a live QEMU process with the UUID on its command line, in
 *     this network namespace (procscan.h).
 *
 * Everything else is deferred to the full agent: probes, "not running",
 * paused, crashed, every error, an edited or unreadable config (the full
 * monitor warns about those), bad parameters (it warns), other hypervisors,
 * guest checks (monitor_scripts, guest_agent_check: every monitor runs
 * them) and a config without a <uuid> (the full agent finds the VM's).
 * The pure part is here (data in, verdict out); the I/O is in vmfront.c.
 */
#ifndef FERRY_AGENT_FRONT_H
#define FERRY_AGENT_FRONT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "domxml.h"

/* How often the recurring monitor still asks libvirt (the full agent): it
 * is then also a health check of libvirtd, and the full monitor's warnings
 * (libvirtd hung, ...) keep appearing in the log, once a minute at least. */
#define FRONT_FULL_EVERY_MS 60000

/* libvirt's domain states as its status file spells them; only "running"
 * lets the front answer. */
#define FRONT_STATE_MAX 16

enum front_verdict {
	FRONT_DEFER = 0, /* exec the full agent */
	FRONT_RUNNING,   /* answer OCF_SUCCESS */
};

/* What the request itself says; no file read yet. */
struct front_request {
	const char *action;
	int params_rc;           /* params_parse(): OCF_SUCCESS or the first problem */
	uint64_t interval_ms;    /* CRM_meta_interval; 0 = probe */
	const char *check_level; /* OCF_CHECK_LEVEL, NULL if absent */
	const char *hypervisor;  /* parsed (default applied) */
	const char *resource;    /* OCF_RESOURCE_INSTANCE, "" if absent */
	int64_t since_full_ms;   /* since the last full monitor; < 0 none or unknown */
	bool guest_checks; /* monitor_scripts or guest_agent_check: the full agent runs them */
};

/* The first element of libvirt's status file: <domstatus state= pid=>, and
 * the <uuid> of the <domain> inside it. */
struct front_status {
	char state[FRONT_STATE_MAX];
	pid_t pid;
	char uuid[DOMXML_UUID_LEN + 1];
};

/* What the files say, gathered by vmfront.c. */
struct front_evidence {
	int config_rc; /* 0: config read and parsed into config */
	struct domxml_info config;
	int cache_rc; /* idcache_read(): 0, -ENOENT none, other: unreadable */
	char cache_name[DOMXML_NAME_MAX];
	char cache_uuid[DOMXML_UUID_LEN + 1];
	int status_rc; /* 0: status file read and parsed into status */
	struct front_status status;
	int scan_rc; /* procscan_find(): 1 found (scan_pid), 0 none, -errno */
	pid_t scan_pid;
};

/* May the front try to answer this request at all?  true, or false and a
 * reason (a static string, for the debug log). */
bool front_may_answer(const struct front_request *r, const char **ret_why);

/* The verdict on the evidence, with the reason (static string). */
enum front_verdict front_judge(const struct front_evidence *e, const char **ret_why);

/* Parses the head of a libvirt status file.  0, or -EBADMSG when the
 * domstatus element, its state or pid, or the domain's uuid is missing or
 * malformed. */
int front_status_parse(const char *xml, struct front_status *ret);

#endif
