/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * agent.h - the context of one ocf:ferry:vm invocation and its action table.
 *
 * main() (vm.c) fills one struct vm_agent, looks the action up in the table
 * and calls its handler; the handler returns an OCF exit code and, on
 * failure, has put the reason into agent->why.
 */
#ifndef FERRY_AGENT_AGENT_H
#define FERRY_AGENT_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <qb/qblog.h>

#include "domxml.h"
#include "ferry/ocf.h"
#include "params.h"

enum agent_id_source {
	AGENT_ID_NONE = 0, /* nothing known: only OCF_RESOURCE_INSTANCE as a name guess */
	AGENT_ID_CONFIG,   /* read from the config XML */
	AGENT_ID_CACHE,    /* config unreadable; from the id cache written at start */
	AGENT_ID_RESOURCE, /* config unreadable, no cache: name = resource instance */
};

struct vm_agent {
	const char *action;
	struct vm_params p;
	int params_rc; /* result of params_parse */
	struct ocf_reason why;

	/* identity of the VM */
	enum agent_id_source id_source;
	char name[DOMXML_NAME_MAX];
	char uuid[DOMXML_UUID_LEN + 1]; /* empty when only the name is known */
	char *xml;                      /* config text, NULL if unreadable */
	struct domxml_info info;
	int config_rc;                /* OCF code of reading the config */
	struct ocf_reason config_why; /* why it could not be read */
	/* the config has no <uuid> and none was found (actions_identify) */
	struct ocf_reason uuid_why;

	char node[256];         /* this node's name */
	uint64_t t0_ms;         /* ferry_clock_ms() at start of the action */
	uint64_t op_timeout_ms; /* in force for this action */

	/* written only by a bounded worker thread (see bounded.h); main reads
	 * them only after the worker finished in time */
	struct ocf_reason bg_why;
	int bg_state;                      /* enum virt_state seen by monitor/stop */
	char bg_uuid[DOMXML_UUID_LEN + 1]; /* the UUID libvirt has for the name */
	bool abandoned;                    /* a worker was given up on: never free this struct */

	/* ferryd's ledger (ledgerlink.h), ledger=on only; worker threads only */
	struct ferryclient *ledger_client; /* NULL until first used */
	bool ledger_down;                  /* unreachable: not asked again */
	bool ledger_gen_set;               /* ledger_gen holds for this action */
	uint64_t ledger_gen;               /* generation images carry / are judged by */
	bool ledger_restoring;             /* a restore was granted: commit or abort it */
	bool ledger_move_ended;            /* the move's ledger entry was already closed */
};

/* Every log line about the VM starts with "vm NAME:". */
#define vm_log(a, level, fmt, ...) qb_log(level, "vm %s: " fmt, agent_vm_label(a), ##__VA_ARGS__)

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
/* The VM's name, else the resource's, else "?" (for log lines). */
const char *agent_vm_label(const struct vm_agent *a);
void agent_print_usage(FILE *out);
/* Frees what agent_run allocated (not a itself); keeps a zeroed for reuse.
 * Does nothing if a worker was abandoned (it may still use a). */
void agent_clear(struct vm_agent *a);
const struct agent_action *agent_actions(size_t *ret_n);
const struct agent_action *agent_action_find(const char *name);
/* Runs one action as main() would, with env instead of environ (tests).
 * Returns the OCF exit code; the reason is in a->why. */
int agent_run(struct vm_agent *a, const char *action, const char *const *env);

/* Milliseconds left until the operation's deadline minus reserve_ms (>= 0). */
uint64_t agent_left_ms(const struct vm_agent *a, uint64_t reserve_ms);

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
