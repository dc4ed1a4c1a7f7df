/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ferrydconf.h - config.c: ferryd's configuration (/etc/ferry/ferryd.conf)
 * and the daemon-wide limits.  (Not config.h: that name is autoconf's.)
 *
 * The bottom of ferryd: every module may read a struct config; only ferryd.c
 * loads one.
 */
#ifndef FERRYDCONF_H
#define FERRYDCONF_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ferry/ipcproto.h>

#ifndef FERRY_STATE_DIR
#define FERRY_STATE_DIR "/var/lib/ferry"
#endif

/* The state directory's files (persist.c writes them; the glue names them
 * in its logs and in ferryctl's status). */
#define PERSIST_LEDGER_FILE "ledger.bin"
/* Present while this node's ledger state is lost (an unusable ledger.bin was
 * set aside): ferryd then joins as "no state", never as a new node. */
#define PERSIST_LOST_FILE    "ledger.lost"
#define PERSIST_HISTORY_FILE "history.bin"

#define FERRYD_CONF_PATH   "/etc/ferry/ferryd.conf"
#define FERRYD_MAX_MEMBERS FERRY_IPC_MAX_NODES

enum config_foreign_vm {
	CONFIG_FOREIGN_PAUSE = 0,
	CONFIG_FOREIGN_DESTROY,
	CONFIG_FOREIGN_WARN,
	_CONFIG_FOREIGN_MAX,
};

enum config_fail_report {
	CONFIG_FAIL_CONTROLD = 0, /* Pacemaker controller's fail request (lib call) */
	CONFIG_FAIL_CRM_RESOURCE, /* spawn crm_resource --fail */
	CONFIG_FAIL_OFF,
	_CONFIG_FAIL_MAX,
};

struct config {
	char cpg_group[128];
	char state_dir[PATH_MAX];
	char libvirt_uri[256];
	char ipc_group[64];          /* besides root, members of this group may connect */
	char log_file[PATH_MAX];     /* empty = no file */
	char decision_log[PATH_MAX]; /* ledger decision lines; empty = none */
	int log_priority;            /* syslog priority: LOG_ERR .. LOG_DEBUG */
	bool log_syslog;
	uint32_t blackbox_kib;
	enum config_foreign_vm foreign_vm;
	enum config_fail_report fail_report;
	uint32_t ipc_max_clients;
	uint32_t ipc_root_reserved;       /* CONFIG_AUTO: config_ipc_root_reserved() */
	uint32_t ipc_max_clients_per_uid; /* for any uid but root */
	uint32_t ipc_idle_timeout_ms;     /* a non-root client idle this long is cut off */
	uint32_t history_max;
	uint32_t fence_poll_ms;
	uint32_t startup_retries;
	uint32_t retry_interval_ms;
	uint32_t expect_stop_max_ms;
	char metrics_file[PATH_MAX];  /* Prometheus textfile (metrics.h); empty = none */
	uint32_t metrics_interval_ms; /* at most one write per interval */
};

#define CONFIG_METRICS_FILE "/var/lib/prometheus/node-exporter/ferry.prom"

/* A numeric key left at its default where that default depends on others. */
#define CONFIG_AUTO UINT32_MAX

/* Fills every field with its default. */
void config_defaults(struct config *c);

/* Parses path over the defaults in c.  A missing file is not an error when
 * missing_ok.  On a bad line writes "file:line: ..." into err and returns
 * -EINVAL; on an I/O error returns -errno with the reason in err. */
int config_load(struct config *c, const char *path, bool missing_ok, char *err, size_t err_len);

/* Of ipc_max_clients, how many only root may use (default: a quarter). */
uint32_t config_ipc_root_reserved(const struct config *c);

/* Checks the rules between keys (config_load does, after the last line):
 * 0, or -EINVAL with the reason in err. */
int config_check(const struct config *c, char *err, size_t err_len);

/* Applies one "key = value" (used by config_load and by tests). */
int config_set(struct config *c, const char *key, const char *value, char *err, size_t err_len);

const char *config_foreign_vm_name(enum config_foreign_vm v);
const char *config_fail_report_name(enum config_fail_report v);

#endif
