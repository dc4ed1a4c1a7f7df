/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * agent.c - the action table of ocf:ferry:vm and how one action is run:
 * look it up, parse the parameters it needs, set the deadline, call it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "ferry/clock.h"
#include "agent.h"
#include "ledgerlink.h"
#include "virt.h"
#include "ferry/macros.h"

static int agent_meta_data(struct vm_agent *a);
static int agent_methods(struct vm_agent *a);
static int agent_usage(struct vm_agent *a);

static const struct agent_action agent_table[] = {
        {"start", actions_start, AGENT_NEEDS_PARAMS, 90, 0},
        {"stop", actions_stop, AGENT_NEEDS_PARAMS_LAX, 90, 0},
        {"monitor", actions_monitor, AGENT_NEEDS_PARAMS_LAX, 30, 10},
        {"status", actions_monitor, AGENT_NEEDS_PARAMS_LAX, 30, 0},
        {"migrate_to", actions_migrate_to, AGENT_NEEDS_PARAMS, 120, 0},
        {"migrate_from", actions_migrate_from, AGENT_NEEDS_PARAMS, 120, 0},
        {"reload-agent", actions_reload, AGENT_NEEDS_PARAMS, 20, 0},
        {"meta-data", agent_meta_data, AGENT_NEEDS_NOTHING, 5, 0},
        {"validate-all", actions_validate, AGENT_NEEDS_PARAMS, 20, 0},
        {"methods", agent_methods, AGENT_NEEDS_NOTHING, 5, 0},
        {"usage", agent_usage, AGENT_NEEDS_NOTHING, 0, 0},
};

const struct agent_action *
agent_actions(size_t *ret_n)
{
	*ret_n = ELEMENTSOF(agent_table);
	return agent_table;
}

const struct agent_action *
agent_action_find(const char *name)
{
	for (size_t i = 0; name != NULL && i < ELEMENTSOF(agent_table); i++) {
		if (strcmp(agent_table[i].name, name) == 0)
			return &agent_table[i];
	}
	return NULL;
}

static int
agent_meta_data(struct vm_agent *a)
{
	(void)a;
	metadata_print(stdout, agent_table, ELEMENTSOF(agent_table));
	fflush(stdout);
	return OCF_SUCCESS;
}

static int
agent_methods(struct vm_agent *a)
{
	(void)a;
	for (size_t i = 0; i < ELEMENTSOF(agent_table); i++)
		printf("%s\n", agent_table[i].name);
	fflush(stdout);
	return OCF_SUCCESS;
}

void
agent_print_usage(FILE *out)
{
	fputs("usage: vm {", out);
	for (size_t i = 0; i < ELEMENTSOF(agent_table); i++)
		fprintf(out, "%s%s", i == 0 ? "" : "|", agent_table[i].name);
	fputs("}\n", out);
}

static int
agent_usage(struct vm_agent *a)
{
	(void)a;
	agent_print_usage(stdout);
	return OCF_SUCCESS;
}

void
agent_clear(struct vm_agent *a)
{
	if (a->abandoned)
		return;
	ledgerlink_close(a);
	free(a->xml);
	memset(a, 0, sizeof(*a));
}

int
agent_run(struct vm_agent *a, const char *action, const char *const *env)
{
	const struct agent_action *act = agent_action_find(action);
	struct utsname u;

	a->t0_ms = ferry_clock_ms();
	a->action = action;
	if (act == NULL) {
		agent_print_usage(stderr);
		return ocf_fail(&a->why, OCF_ERR_UNIMPLEMENTED,
		                "action '%s' is not implemented; see the usage line", action);
	}
	if (act->needs == AGENT_NEEDS_NOTHING)
		return act->handler(a);

	a->params_rc = params_parse(env, &a->p, &a->why);
	if (a->params_rc != OCF_SUCCESS) {
		if (act->needs == AGENT_NEEDS_PARAMS)
			return a->params_rc;
		vm_log(a, LOG_WARNING, "%s, ignoring for %s", a->why.text, action);
		memset(&a->why, 0, sizeof(a->why));
	}
	/* no parameter is ignored silently (doc/virtualdomain.md) */
	if (a->p.n_unknown > 0)
		vm_log(a, LOG_WARNING,
		       "%u parameter%s unknown to ocf:ferry:vm, ignoring: %s (see "
		       "doc/virtualdomain.md)",
		       a->p.n_unknown, a->p.n_unknown == 1 ? "" : "s", a->p.unknown);
	a->op_timeout_ms =
	        a->p.op_timeout_ms != 0 ? a->p.op_timeout_ms : (uint64_t)act->timeout_s * 1000u;
	if (a->p.on_node[0] != '\0')
		snprintf(a->node, sizeof(a->node), "%s", a->p.on_node);
	else if (uname(&u) == 0)
		snprintf(a->node, sizeof(a->node), "%s", u.nodename);
	virt_init();
	return act->handler(a);
}
