/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vmctx.h - the context of one ocf:ferry:vm invocation: the VM's identity,
 * the parameters, the deadline, the reason for a failure, and the log prefix.
 * The bottom of the agent's layers: every other part of the agent uses it,
 * it uses none of them (agent.h has the order).
 */
#ifndef FERRY_AGENT_VMCTX_H
#define FERRY_AGENT_VMCTX_H

#include <stdbool.h>
#include <stdint.h>

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
#define vm_log(a, level, fmt, ...) qb_log(level, "vm %s: " fmt, vmctx_label(a), ##__VA_ARGS__)

/* The VM's name, else the resource's, else "?" (for log lines). */
const char *vmctx_label(const struct vm_agent *a);

/* Milliseconds left until the operation's deadline minus reserve_ms (>= 0). */
uint64_t vmctx_left_ms(const struct vm_agent *a, uint64_t reserve_ms);

#endif
