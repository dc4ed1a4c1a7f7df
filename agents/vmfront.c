/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vmfront.c - the installed ocf:ferry:vm: a front without libvirt.
 *
 * Usage as the agent's (vm ACTION, parameters in OCF_RESKEY_*).  A recurring
 * monitor of a VM that libvirt's status file and /proc both show running is
 * answered here (front.h says exactly when); every other call is handed,
 * with the same argv and environment, to the full agent FERRY_VM_FULL
 * ($(pkglibexecdir)/vm-full, vm.c), which links libvirt.
 *
 * No libqb here either: it pulls libsystemd and libgcrypt, ~1.4 ms of CPU
 * per exec, as much as the whole fast monitor.  The front says nothing when
 * it answers (as the full monitor of a running VM); its one failure (the
 * full agent cannot be run) goes to syslog and the exit reason.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "domxml.h"
#include "front.h"
#include "idcache.h"
#include "params.h"
#include "procscan.h"

#ifndef FERRY_VM_FULL
#error "FERRY_VM_FULL (path of the full agent) must be defined by the build"
#endif

extern char **environ;

/* FERRY_DEBUG=1: say on stderr why the front answered or deferred. */
static void __attribute__((format(printf, 2, 3)))
vmfront_debug(const char *resource, const char *fmt, ...)
{
	va_list ap;

	if (getenv("FERRY_DEBUG") == NULL)
		return;
	fprintf(stderr, "debug: vm %s: ", resource[0] != '\0' ? resource : "?");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* RSCTMP/ferry-vm-RESOURCE.monitor: its mtime is when a monitor last asked
 * libvirt (was handed to the full agent). */
static int
vmfront_stamp_path(const struct vm_params *p, char *buf, size_t len)
{
	if (p->resource[0] == '\0' || strchr(p->resource, '/') != NULL)
		return -EINVAL;
	if (snprintf(buf, len, "%s/ferry-vm-%s.monitor", p->rsctmp, p->resource) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/* Milliseconds since the stamp; -1 if none (or in the future: clock set back). */
static int64_t
vmfront_since_full_ms(const struct vm_params *p)
{
	char path[PATH_MAX];
	struct stat st;
	struct timespec now;
	int64_t ms;

	if (vmfront_stamp_path(p, path, sizeof(path)) != 0 || stat(path, &st) != 0 ||
	    clock_gettime(CLOCK_REALTIME, &now) != 0)
		return -1;
	ms = ((int64_t)now.tv_sec - (int64_t)st.st_mtim.tv_sec) * 1000 +
	     ((int64_t)now.tv_nsec - (int64_t)st.st_mtim.tv_nsec) / 1000000;
	return ms < 0 ? -1 : ms;
}

/* Best effort: without the stamp every recurring monitor asks libvirt. */
static void
vmfront_stamp(const struct vm_params *p)
{
	char path[PATH_MAX];
	int fd;

	if (vmfront_stamp_path(p, path, sizeof(path)) != 0)
		return;
	(void)mkdir(p->rsctmp, 0755);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0644);
	if (fd < 0)
		return;
	(void)futimens(fd, NULL);
	close(fd);
}

/* libvirt's status file of domain NAME (qemu:///system). */
static int
vmfront_status(const char *name, struct front_status *ret)
{
	char path[PATH_MAX];
	char *xml = NULL;
	int r;

	if (name[0] == '\0' || strchr(name, '/') != NULL)
		return -EINVAL;
	if (snprintf(path, sizeof(path), "%s/%s.xml", PROCSCAN_RUN_DIR, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	r = domxml_read_file(path, &xml);
	if (r != 0)
		return r;
	r = front_status_parse(xml, ret);
	free(xml);
	return r;
}

static void
vmfront_gather(const struct vm_params *p, struct front_evidence *e)
{
	char *xml = NULL;

	memset(e, 0, sizeof(*e));
	e->config_rc = domxml_read_file(p->config, &xml);
	if (e->config_rc == 0) {
		e->config_rc = domxml_parse(xml, &e->config, NULL, 0);
		free(xml);
	}
	e->cache_rc = idcache_read(p->rsctmp, p->resource, e->cache_name, sizeof(e->cache_name),
	                           e->cache_uuid);
	e->status_rc = -ENODATA;
	e->scan_rc = -ENODATA;
	if (e->config_rc != 0)
		return;
	e->status_rc = vmfront_status(e->config.name, &e->status);
	/* only then /proc: without a pid file procscan reads every cmdline */
	if (e->status_rc == 0 && strcmp(e->status.state, "running") == 0)
		e->scan_rc = procscan_find(PROCSCAN_RUN_DIR, PROCSCAN_PROC_ROOT, e->config.name,
		                           e->config.uuid, &e->scan_pid);
}

/* true: the monitor was answered here, running. */
static bool
vmfront_answers(const char *action)
{
	struct vm_params p;
	struct ocf_reason why = {{0}};
	struct front_request r;
	struct front_evidence e;
	const char *reason = NULL;

	if (action == NULL || strcmp(action, "monitor") != 0)
		return false;
	memset(&r, 0, sizeof(r));
	r.params_rc = params_parse((const char *const *)environ, &p, &why);
	r.action = action;
	r.interval_ms = p.op_interval_ms;
	r.check_level = getenv("OCF_CHECK_LEVEL");
	r.hypervisor = p.hypervisor;
	r.resource = p.resource;
	r.since_full_ms = vmfront_since_full_ms(&p);
	r.guest_checks = p.monitor_scripts[0] != '\0' || p.guest_agent_check;
	if (!front_may_answer(&r, &reason)) {
		vmfront_debug(p.resource, "monitor deferred to the full agent: %s", reason);
		vmfront_stamp(&p);
		return false;
	}
	vmfront_gather(&p, &e);
	if (front_judge(&e, &reason) != FRONT_RUNNING) {
		vmfront_debug(p.resource, "monitor deferred to the full agent: %s", reason);
		vmfront_stamp(&p);
		return false;
	}
	vmfront_debug(p.resource, "running: %s (pid %d, full monitor %" PRId64 " ms ago)", reason,
	              (int)e.scan_pid, r.since_full_ms);
	return true;
}

int
main(int argc, char **argv)
{
	const char *resource = getenv("OCF_RESOURCE_INSTANCE");
	int e;

	if (argc == 2 && vmfront_answers(argv[1]))
		return OCF_SUCCESS;
	execv(FERRY_VM_FULL, argv);
	e = errno;
	if (getenv("FERRY_NO_SYSLOG") == NULL) {
		openlog("ocf:ferry:vm", LOG_PID, LOG_DAEMON);
		syslog(LOG_ERR, "vm %s: cannot run the full agent %s: %s",
		       resource != NULL ? resource : "?", FERRY_VM_FULL, strerror(e));
		closelog();
	}
	fprintf(stderr, "ocf-exit-reason:cannot run the full agent %s: %s; reinstall ferry\n",
	        FERRY_VM_FULL, strerror(e));
	return OCF_ERR_INSTALLED;
}
