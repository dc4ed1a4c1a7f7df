/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vm.c - ocf:ferry:vm, an OCF 1.1 resource agent for libvirt VMs.
 *
 * Usage: vm ACTION, parameters in OCF_RESKEY_*.  main() sets up logging
 * (libqb: stderr + syslog), runs the action through agent_run() (agent.c)
 * and prints the exit reason.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent.h"

extern char **environ;

static void
vm_log_init(void)
{
	qb_log_init("ocf:ferry:vm", LOG_DAEMON, LOG_INFO);
	qb_log_format_set(QB_LOG_STDERR, "%p: %b");
	qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
	qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*",
	                  getenv("FERRY_DEBUG") != NULL ? LOG_DEBUG : LOG_INFO);
	qb_log_filter_ctl(QB_LOG_SYSLOG, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_INFO);
	qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED,
	           getenv("FERRY_NO_SYSLOG") != NULL ? QB_FALSE : QB_TRUE);
}

int
main(int argc, char **argv)
{
	struct vm_agent *a;
	int rc;

	if (argc != 2) {
		agent_print_usage(stderr);
		return OCF_ERR_ARGS;
	}
	vm_log_init();
	/* a libvirtd that dies mid-call closes the socket libvirt writes to: that
	 * must be an error the action handles (it then asks /proc or QEMU), never
	 * a death by SIGPIPE without an exit reason */
	signal(SIGPIPE, SIG_IGN);
	/* on the heap: a bounded worker given up on may still use it at exit */
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		fputs("ocf-exit-reason:out of memory\n", stderr);
		return OCF_ERR_GENERIC;
	}
	rc = agent_run(a, argv[1], (const char *const *)environ);
	if (rc != OCF_SUCCESS && !(rc == OCF_NOT_RUNNING && a->why.text[0] == '\0')) {
		if (a->why.text[0] != '\0')
			vm_log(a, LOG_ERR, "%s failed (%s): %s", argv[1], ocf_exit_name(rc),
			       a->why.text);
		ocf_reason_print(&a->why, stderr);
	}
	qb_log_fini();
	if (!a->abandoned) {
		agent_clear(a);
		free(a);
	}
	return rc;
}
