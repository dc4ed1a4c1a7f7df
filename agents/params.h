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
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ferry/enumtab.h"
#include "ferry/movekind.h"
#include "ferry/ocf.h"
#include "ferry/policy.h"

#define PARAMS_URI_MAX  512
#define PARAMS_NODE_MAX 256
/* a host name (253) or an IPv6 address with its %interface */
#define PARAMS_PROBE_ADDRESS_MAX 256

/* move=: a kind of move (movekind.h: the same values and names), or auto, a
 * choice.  Not a ferry_move_kind itself (auto is none): params_move_kind(). */
enum params_move {
	PARAMS_MOVE_LIVE = FERRY_MOVE_LIVE,
	PARAMS_MOVE_QUICK = FERRY_MOVE_QUICK,
	PARAMS_MOVE_RESTART = FERRY_MOVE_RESTART,
	PARAMS_MOVE_AUTO, /* live or quick, as predicted at migrate_to (live.h) */
	_PARAMS_MOVE_MAX,
};
_Static_assert(PARAMS_MOVE_AUTO == FERRY_MOVE_ASKED_MAX,
               "move=: the kinds one asks for, then auto");

enum params_on_stop {
	PARAMS_ON_STOP_SHUTDOWN = 0,
	PARAMS_ON_STOP_SAVE,
	PARAMS_ON_STOP_DESTROY,
	_PARAMS_ON_STOP_MAX,
};

/*
 * Every parameter the agent knows: its own, then VirtualDomain's 27 that
 * ferry does not take under the same meaning (config and hypervisor are
 * both).  One line each gives the enum and the name; the rest of what is
 * known about a parameter (type, default, descriptions, what ferry does
 * with a VirtualDomain name, how it is applied) is its row in params.c's
 * table, which drives parsing, the meta-data (metadata.c) and the table in
 * doc/virtualdomain.md (params_print_vd_table; test_params checks the file).
 */
#define PARAMS_LIST(X)                                                                             \
	X(CONFIG, config)                                                                          \
	X(HYPERVISOR, hypervisor)                                                                  \
	X(REMOTE_URI, remote_uri)                                                                  \
	X(MIGRATION_URI, migration_uri)                                                            \
	X(MOVE, move)                                                                              \
	X(SAVE_DIR, save_dir)                                                                      \
	X(ON_STOP, on_stop)                                                                        \
	X(SHUTDOWN_TIMEOUT, shutdown_timeout)                                                      \
	X(MAX_DOWNTIME_MS, max_downtime_ms)                                                        \
	X(DOWNTIME_STEPS, downtime_steps)                                                          \
	X(BANDWIDTH_MIB_S, bandwidth_mib_s)                                                        \
	X(AUTO_CONVERGE, auto_converge)                                                            \
	X(POSTCOPY, postcopy)                                                                      \
	X(PARALLEL_CONNECTIONS, parallel_connections)                                              \
	X(SAVE_CHANNELS, save_channels)                                                            \
	X(COMPLETION_TIMEOUT_S_PER_GIB, completion_timeout_s_per_gib)                              \
	X(FALLBACK, fallback)                                                                      \
	X(AUTOSET_UTILIZATION, autoset_utilization)                                                \
	X(LEDGER, ledger)                                                                          \
	X(PROBE_ADDRESS, probe_address)                                                            \
	X(GUEST_AGENT_CHECK, guest_agent_check)                                                    \
	/* VirtualDomain's names, in the order of its meta-data */                                 \
	X(VD_FORCE_STOP, force_stop)                                                               \
	X(VD_MIGRATION_TRANSPORT, migration_transport)                                             \
	X(VD_MIGRATION_USER, migration_user)                                                       \
	X(VD_MIGRATION_DOWNTIME, migration_downtime)                                               \
	X(VD_MIGRATION_SPEED, migration_speed)                                                     \
	X(VD_MIGRATION_NETWORK_SUFFIX, migration_network_suffix)                                   \
	X(VD_MIGRATEURI, migrateuri)                                                               \
	X(VD_MIGRATE_OPTIONS, migrate_options)                                                     \
	X(VD_MONITOR_SCRIPTS, monitor_scripts)                                                     \
	X(VD_AUTOSET_UTILIZATION_CPU, autoset_utilization_cpu)                                     \
	X(VD_AUTOSET_UTILIZATION_HOST_MEMORY, autoset_utilization_host_memory)                     \
	X(VD_AUTOSET_UTILIZATION_HV_MEMORY, autoset_utilization_hv_memory)                         \
	X(VD_UNSET_UTILIZATION_CPU, unset_utilization_cpu)                                         \
	X(VD_UNSET_UTILIZATION_HOST_MEMORY, unset_utilization_host_memory)                         \
	X(VD_UNSET_UTILIZATION_HV_MEMORY, unset_utilization_hv_memory)                             \
	X(VD_MIGRATEPORT, migrateport)                                                             \
	X(VD_REMOTEURI, remoteuri)                                                                 \
	X(VD_SAVE_CONFIG_ON_STOP, save_config_on_stop)                                             \
	X(VD_SYNC_CONFIG_ON_STOP, sync_config_on_stop)                                             \
	X(VD_SNAPSHOT, snapshot)                                                                   \
	X(VD_BACKINGFILE, backingfile)                                                             \
	X(VD_STATELESS, stateless)                                                                 \
	X(VD_COPYINDIRS, copyindirs)                                                               \
	X(VD_SHUTDOWN_MODE, shutdown_mode)                                                         \
	X(VD_START_RESOURCES, start_resources)

enum params_id {
#define PARAMS_ID_(id, name) PARAMS_##id,
	PARAMS_LIST(PARAMS_ID_)
#undef PARAMS_ID_
	        _PARAMS_ID_MAX,
};

/* What ferry does with a parameter of ocf:heartbeat:VirtualDomain. */
enum params_vd {
	PARAMS_VD_NONE = 0,   /* ferry's own; VirtualDomain has no such parameter */
	PARAMS_VD_HONOURED,   /* same name, same meaning */
	PARAMS_VD_TRANSLATED, /* accepted and turned into ferry's parameters */
	PARAMS_VD_REFUSED,    /* validate-all fails, saying what to use instead */
	_PARAMS_VD_MAX,
};

#define PARAMS_VD_COUNT 27 /* VirtualDomain's parameters (resource-agents 4.x) */

/* flags of a table row */
#define PARAMS_F_REQUIRED   0x1u
#define PARAMS_F_UNIQUE     0x2u
#define PARAMS_F_RELOADABLE 0x4u
#define PARAMS_F_META       0x8u /* listed in the meta-data */

struct params_ctx;
/* Applies one given value (never NULL or empty) to ctx's vm_params. */
typedef int (*params_apply_fn)(struct params_ctx *c, enum params_id id, const char *value);

struct params_def {
	const char *type; /* meta-data content type: string, integer, boolean */
	const char *def;  /* default shown in meta-data; NULL: none */
	unsigned flags;   /* PARAMS_F_* */
	enum params_vd vd;
	/* VirtualDomain names: ferry's parameter(s) it becomes ("on_stop=destroy"),
	 * for the meta-data's "deprecated" mark; NULL when refused */
	const char *instead;
	const char *shortdesc;
	const char *longdesc;
	/* VirtualDomain names: what ferry does with it, one sentence or two
	 * (doc/virtualdomain.md; when refused also the exit reason) */
	const char *answer;
	params_apply_fn apply;
	size_t off, size;  /* the vm_params member a plain row fills */
	uint32_t min, max; /* integers: the accepted range */
};

/* shutdown_mode: the modes virsh shutdown --mode knows, as bits (virt.c maps
 * them to libvirt's VIR_DOMAIN_SHUTDOWN_* flags); 0 = libvirt's default */
#define PARAMS_SHUTDOWN_MODES(X)                                                                   \
	X(ACPI, acpi)                                                                              \
	X(AGENT, agent)                                                                            \
	X(INITCTL, initctl)                                                                        \
	X(SIGNAL, signal)                                                                          \
	X(PARAVIRT, paravirt)

enum params_shutdown_mode {
#define PARAMS_SM_(id, name) PARAMS_SHUTDOWN_##id,
	PARAMS_SHUTDOWN_MODES(PARAMS_SM_)
#undef PARAMS_SM_
	        _PARAMS_SHUTDOWN_MAX,
};

/* How the migration data travels (migration_transport, see params.c). */
enum params_data {
	PARAMS_DATA_PLAIN = 0, /* QEMU's own connection, unencrypted (libvirt's default) */
	PARAMS_DATA_TLS,       /* QEMU's own connection with TLS (VIR_MIGRATE_TLS) */
	PARAMS_DATA_TUNNELLED, /* through the libvirtd connection (VIR_MIGRATE_TUNNELLED) */
	_PARAMS_DATA_MAX,
};

#define PARAMS_SCRIPTS_MAX 1024 /* monitor_scripts: the whole list */

#define PARAMS_UNKNOWN_MAX 256 /* names of unknown OCF_RESKEY_* kept for the warning */

struct vm_params {
	/* resource parameters */
	char config[PATH_MAX];
	char hypervisor[PARAMS_URI_MAX];
	char remote_uri[PARAMS_URI_MAX];
	char migration_uri[PARAMS_URI_MAX];
	/* migration_network_suffix: added to the node name that %n stands for
	 * in remote_uri / migration_uri where the *_suffixed flag says so
	 * (params_target_uri) */
	char network_suffix[PARAMS_NODE_MAX];
	bool remote_uri_suffixed;
	bool migration_uri_suffixed;
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
	/* VirtualDomain's, honoured: commands run after the domain check,
	 * separated by blanks (guestcheck.h); "" = none */
	char monitor_scripts[PARAMS_SCRIPTS_MAX];
	bool guest_agent_check;   /* ping the QEMU guest agent in monitors */
	unsigned shutdown_modes;  /* 1u << enum params_shutdown_mode; 0 = default */
	bool start_resources;     /* start the pools and networks the XML uses */
	bool save_config_on_stop; /* write the running XML back to config */
	enum params_data migration_data;

	/* OCF_RESKEY_* names no row of the table knows: "a, b" (cut at the
	 * size, ending in "..."), and how many; the agent logs a warning */
	char unknown[PARAMS_UNKNOWN_MAX];
	unsigned n_unknown;

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
#define PARAMS_DEFAULT_SAVE_CHANNELS 1
#define PARAMS_MAX_SAVE_CHANNELS     16
/* ledger=on|off when the resource does not say: the one place that decides
 * whether ferryd's ledger is used by default.  On: start, restore and moves
 * ask ferryd first, and a node without ferryd refuses to start VMs. */
#define PARAMS_DEFAULT_LEDGER "on"

/* "live", "quick", "restart" (ferry_move_kind_name()) and "auto" */
FERRY_ENUM_DECL(params_move, enum params_move);
/* The kind of move m makes; auto before its choice is live (what it does
 * without a prediction, live.h). */
enum ferry_move_kind params_move_kind(enum params_move m);
FERRY_ENUM_DECL(params_on_stop, enum params_on_stop);
FERRY_ENUM_DECL(params_id, enum params_id);
FERRY_ENUM_DECL(params_vd, enum params_vd);
FERRY_ENUM_DECL(params_shutdown_mode, enum params_shutdown_mode);
FERRY_ENUM_DECL(params_data, enum params_data);

/* The table row of a parameter (id < _PARAMS_ID_MAX). */
const struct params_def *params_def(enum params_id id);

/* Fills p with defaults, then applies env.  Returns OCF_SUCCESS or
 * OCF_ERR_CONFIGURED with the first problem in why; p is fully usable either
 * way (bad values keep their default), so stop and monitor can go on. */
int params_parse(const char *const *env, struct vm_params *p, struct ocf_reason *why);

/* Node-dependent checks: save_dir exists and is writable, every monitor
 * script is an executable file (else OCF_ERR_INSTALLED).  The config file
 * is checked when it is read, TLS certificates by tlscheck.h. */
int params_check_host(const struct vm_params *p, struct ocf_reason *why);

/* Replaces every %n in pattern by node.  -ENAMETOOLONG if it does not fit. */
int params_expand_node(const char *pattern, const char *node, char *buf, size_t len);

/* VirtualDomain's rule for migration_network_suffix: node with suffix
 * inserted before its first '.' (an FQDN), else appended.
 * -ENAMETOOLONG if it does not fit. */
int params_suffix_node(const char *node, const char *suffix, char *buf, size_t len);

enum params_uri {
	PARAMS_URI_REMOTE = 0, /* remote_uri: the target's libvirtd */
	PARAMS_URI_MIGRATION,  /* migration_uri: the data stream; "" = libvirt's choice */
};

/* The URI of kind for target node: the pattern with %n expanded to node,
 * or to node with network_suffix where the pattern was built that way.
 * -ENAMETOOLONG if it does not fit. */
int params_target_uri(const struct vm_params *p, enum params_uri kind, const char *node, char *buf,
                      size_t len);

/* The markdown table of doc/virtualdomain.md: each of VirtualDomain's
 * parameters and what ferry does with it. */
void params_print_vd_table(FILE *out);

#endif
