/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * params.h - the agent's parameters, parsed once from OCF_RESKEY_* (and the
 * CRM_meta_* Pacemaker adds) into one struct.
 *
 * params_parse() checks syntax and ranges only (OCF_ERR_CONFIGURED); it
 * takes the environment as a NULL-terminated "KEY=VALUE" array so tests can
 * pass a fake one.  params_check_host() checks what depends on this node:
 * the config file and save_dir (OCF_ERR_INSTALLED / OCF_ERR_CONFIGURED).
 */
#ifndef FERRY_AGENT_PARAMS_H
#define FERRY_AGENT_PARAMS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "ferry/ocf.h"
#include "ferry/policy.h"

#define PARAMS_URI_MAX  512
#define PARAMS_NODE_MAX 256
/* a host name (253) or an IPv6 address with its %interface */
#define PARAMS_PROBE_ADDRESS_MAX 256

enum params_move {
	PARAMS_MOVE_LIVE = 0,
	PARAMS_MOVE_QUICK,
	PARAMS_MOVE_RESTART,
	PARAMS_MOVE_AUTO, /* live or quick, as predicted at migrate_to (live.h) */
	_PARAMS_MOVE_MAX,
};

enum params_on_stop {
	PARAMS_ON_STOP_SHUTDOWN = 0,
	PARAMS_ON_STOP_SAVE,
	PARAMS_ON_STOP_DESTROY,
	_PARAMS_ON_STOP_MAX,
};

struct vm_params {
	/* resource parameters */
	char config[PATH_MAX];
	char hypervisor[PARAMS_URI_MAX];
	char remote_uri[PARAMS_URI_MAX];
	char migration_uri[PARAMS_URI_MAX];
	enum params_move move;
	char save_dir[PATH_MAX];
	enum params_on_stop on_stop;
	uint32_t shutdown_timeout_s;
	struct policy_config policy; /* max_downtime_ms, downtime_steps, postcopy, fallback */
	uint32_t bandwidth_mib_s;    /* 0 = unlimited */
	bool auto_converge;
	uint32_t parallel_connections; /* 0 or 1 = one connection */
	uint32_t save_channels;        /* quick moves: 0 raw image, 1 sparse, N channels */
	uint32_t completion_timeout_s_per_gib;
	bool autoset_utilization;
	bool ledger; /* ask ferryd's ownership ledger (ledgerlink.h) */
	/* an address of the guest pinged during migrate_to (probe.h); empty = off */
	char probe_address[PARAMS_PROBE_ADDRESS_MAX];

	/* from Pacemaker (CRM_meta_*) and the OCF environment */
	uint64_t op_timeout_ms;  /* 0 = not given */
	uint64_t op_interval_ms; /* monitor interval; 0 = probe */
	char migrate_target[PARAMS_NODE_MAX];
	char migrate_source[PARAMS_NODE_MAX];
	char on_node[PARAMS_NODE_MAX];  /* this node, if Pacemaker said */
	char resource[PARAMS_NODE_MAX]; /* OCF_RESOURCE_INSTANCE */
	char rsctmp[PATH_MAX];          /* HA_RSCTMP */
};

/* Defaults (also the values printed in meta-data). */
#define PARAMS_DEFAULT_HYPERVISOR         "qemu:///system"
#define PARAMS_DEFAULT_REMOTE_URI         "qemu+ssh://%n/system"
#define PARAMS_DEFAULT_SHUTDOWN_TIMEOUT_S 60
#define PARAMS_DEFAULT_MAX_DOWNTIME_MS    100
#define PARAMS_DEFAULT_DOWNTIME_STEPS     "200,400,800"
#define PARAMS_DEFAULT_RSCTMP             "/run/resource-agents"
/* measured on the 2-core lab, libvirt 11.3 / QEMU 10.0 (doc/bench.md): one
 * channel of a sparse image beat the raw image and 2 or 4 channels */
#define PARAMS_DEFAULT_SAVE_CHANNELS      1
#define PARAMS_MAX_SAVE_CHANNELS          16
/* ledger=on|off when the resource does not say: the one place that decides
 * whether ferryd's ledger is used by default.  On: start, restore and moves
 * ask ferryd first, and a node without ferryd refuses to start VMs. */
#define PARAMS_DEFAULT_LEDGER             "on"

const char *params_move_name(enum params_move m);
const char *params_on_stop_name(enum params_on_stop s);

/* Fills p with defaults, then applies env.  Returns OCF_SUCCESS or
 * OCF_ERR_CONFIGURED with the first problem in why; p is fully usable either
 * way (bad values keep their default), so stop and monitor can go on. */
int params_parse(const char *const *env, struct vm_params *p, struct ocf_reason *why);

/* Node-dependent checks: save_dir exists and is writable (else
 * OCF_ERR_INSTALLED).  The config file is checked when it is read. */
int params_check_host(const struct vm_params *p, struct ocf_reason *why);

/* Replaces every %n in pattern by node.  -ENAMETOOLONG if it does not fit. */
int params_expand_node(const char *pattern, const char *node, char *buf, size_t len);

#endif
