/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * agent.h - the action table of ocf:ferry:vm, the top of the agent's layers.
 *
 * main() (vm.c) fills one struct vm_agent (vmctx.h), looks the action up in
 * the table and calls its handler; the handler returns an OCF exit code and,
 * on failure, has put the reason into agent->why.  Layers, each using only
 * those below it: agent (this table) -> actions -> the moves (live, quick,
 * startres, guestcheck) -> ledgerlink -> vmctx, the VM context.
 */
#ifndef FERRY_AGENT_AGENT_H
#define FERRY_AGENT_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <qb/qblog.h>

#include "vmctx.h"

typedef int (*agent_handler)(struct vm_agent *a);

enum agent_needs {
	AGENT_NEEDS_NOTHING = 0, /* meta-data, methods, usage */
	AGENT_NEEDS_PARAMS,      /* parse; a parse error fails the action */
	AGENT_NEEDS_PARAMS_LAX,  /* parse; errors are logged and ignored (stop, monitor) */
};

struct agent_action {
	const char *name;
	agent_handler handler;
	enum agent_needs needs;
	uint32_t timeout_s;  /* advertised in meta-data; also the default op timeout */
	uint32_t interval_s; /* monitor only */
};

/* agent.c */
void agent_print_usage(FILE *out);
/* Frees what agent_run allocated (not a itself); keeps a zeroed for reuse.
 * Does nothing if a worker was abandoned (it may still use a). */
void agent_clear(struct vm_agent *a);
const struct agent_action *agent_actions(size_t *ret_n);
const struct agent_action *agent_action_find(const char *name);
/* Runs one action as main() would, with env instead of environ (tests).
 * Returns the OCF exit code; the reason is in a->why. */
int agent_run(struct vm_agent *a, const char *action, const char *const *env);

/* metadata.c */
void metadata_print(FILE *out, const struct agent_action *actions, size_t n);

/* actions.c */
int actions_start(struct vm_agent *a);
int actions_stop(struct vm_agent *a);
int actions_monitor(struct vm_agent *a);
int actions_migrate_to(struct vm_agent *a);
int actions_migrate_from(struct vm_agent *a);
int actions_validate(struct vm_agent *a);
int actions_reload(struct vm_agent *a);
/* Reads the config (or falls back to the id cache); sets the identity. */
int actions_identify(struct vm_agent *a);

#endif
