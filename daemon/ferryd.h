/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ferryd.h - the daemon's one context struct and the interfaces of its
 * adapters (one .c per concern, file name = symbol prefix):
 *
 *   config.c     /etc/ferry/ferryd.conf
 *   cluster.c    corosync CPG (agreed order) + quorum
 *   ipcsrv.c     libqb IPC server for the agent and ferryctl
 *   persist.c    atomic files under the state directory
 *   fencehist.c  Pacemaker fencing history
 *   virtwatch.c  libvirt lifecycle events, fail reports, foreign VMs
 *   ledgerglue.c the seam between these adapters and the pure ledger
 *
 * Only ferryd.c (main) creates and frees struct ferryd; every callback gets
 * it from its handle's context, never from a global.
 */
#ifndef FERRYD_H
#define FERRYD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <qb/qbloop.h>

#include <ferry/ipcproto.h>

#ifndef FERRY_STATE_DIR
#define FERRY_STATE_DIR "/var/lib/ferry"
#endif

#define FERRYD_CONF_PATH "/etc/ferry/ferryd.conf"
#define FERRYD_MAX_MEMBERS FERRY_IPC_MAX_NODES

/* ---- config.c ---------------------------------------------------------- */

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
	char ipc_group[64];  /* besides root, members of this group may connect */
	char log_file[PATH_MAX]; /* empty = no file */
	char decision_log[PATH_MAX]; /* ledger decision lines; empty = none */
	int log_priority;        /* syslog priority: LOG_ERR .. LOG_DEBUG */
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
};

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

/* ---- cluster.c --------------------------------------------------------- */

struct cluster_member {
	uint32_t nodeid;
	uint32_t pid;
};

#define CLUSTER_MAX_PENDING 256u

struct cluster_pending {
	size_t len;
	unsigned char data[];
};

struct cluster {
	uint64_t cpg_handle;    /* cpg_handle_t */
	uint64_t quorum_handle; /* quorum_handle_t */
	int32_t cpg_fd;
	int32_t quorum_fd;
	bool cpg_joined;
	uint32_t local_nodeid;
	struct cluster_member members[FERRYD_MAX_MEMBERS];
	size_t n_members;
	uint32_t joined[FERRYD_MAX_MEMBERS]; /* node ids that joined in the last confchg */
	size_t n_joined;
	uint64_t ring_seq;
	uint32_t ring_nodeid;
	bool totem_seen; /* the initial totem confchg (at join) was delivered */
	bool quorate;
	uint64_t quorum_ring; /* ring seq of the quorum notification `quorate` came with */
	uint32_t view[FERRYD_MAX_MEMBERS]; /* votequorum's view with that notification */
	size_t n_view;
	bool two_node;     /* corosync quorum.two_node (pcs sets it for 2-node clusters) */
	bool wait_for_all; /* quorum.wait_for_all (on by default with two_node) */
	bool membership_known; /* first confchg including us was delivered */
	uint32_t join_attempts;
	qb_loop_timer_handle retry_timer;
	qb_loop_timer_handle flush_timer;
	struct cluster_pending *pending[CLUSTER_MAX_PENDING]; /* TRY_AGAIN queue */
	size_t n_pending;
	/* node names from corosync's nodelist (cmap) */
	struct {
		uint32_t nodeid;
		char name[FERRY_IPC_NODE_LEN];
	} names[FERRYD_MAX_MEMBERS];
	size_t n_names;
};

struct ferryd;

/* Connects to CPG and quorum; CS_ERR_TRY_AGAIN is retried from a timer, at
 * most cfg.startup_retries times, then the daemon stops with an error. */
int cluster_start(struct ferryd *d);
void cluster_stop(struct ferryd *d);
/* Sends msg to the group in agreed order (delivered back to us as well). */
int cluster_send(struct ferryd *d, const void *msg, size_t len);
bool cluster_is_member(const struct ferryd *d, uint32_t nodeid);
const char *cluster_node_name(const struct ferryd *d, uint32_t nodeid);
int cluster_nodeid_by_name(const struct ferryd *d, const char *name, uint32_t *ret_nodeid);
/* two_node: the other node of the nodelist, else 0. */
uint32_t cluster_two_node_peer(const struct ferryd *d);
/* Is nodeid in votequorum's view of the last quorum notification? */
bool cluster_in_view(const struct ferryd *d, uint32_t nodeid);
/* Converts a cs_error_t into a negative errno (the only place that does). */
int cluster_cs_to_errno(int cs_err);

/* ---- persist.c --------------------------------------------------------- */

/* Writes dir/name atomically: name.tmp, write, fsync, rename, fsync(dir). */
int persist_write(const char *dir, const char *name, const void *buf, size_t len);
/* Reads dir/name (at most max_len bytes, else -EFBIG) into a new buffer. */
int persist_read(const char *dir, const char *name, size_t max_len, void **ret_buf,
		 size_t *ret_len);

/* Move history: a bounded ring of struct ferry_ipc_move, kept in memory and
 * persisted in one file with a magic, a version and a checksum. */
struct persist_history {
	struct ferry_ipc_move *moves; /* oldest first */
	size_t n;
	size_t max;
};
int persist_history_init(struct persist_history *h, size_t max);
void persist_history_done(struct persist_history *h);
void persist_history_add(struct persist_history *h, const struct ferry_ipc_move *m);
int persist_history_save(const struct persist_history *h, const char *dir);
int persist_history_load(struct persist_history *h, const char *dir);
/* The ledger blob, framed with a magic, version, length and checksum. */
int persist_ledger_save(const char *dir, const void *blob, size_t len);
int persist_ledger_load(const char *dir, size_t max_len, void **ret_blob, size_t *ret_len);
/* Renames an unusable ledger.bin to ledger.bin.bad-UNIXMS (kept for a look);
 * the new name in ret_name. */
int persist_ledger_set_aside(const char *dir, int64_t now_ms, char *ret_name, size_t len);
/* The lost-state mark (PERSIST_LOST_FILE): set, test, clear. */
int persist_lost_mark(const char *dir, const char *why);
bool persist_lost_marked(const char *dir);
int persist_lost_clear(const char *dir);
uint32_t persist_crc32(const void *buf, size_t len);

#define PERSIST_LEDGER_FILE "ledger.bin"
/* Present while this node's ledger state is lost (an unusable ledger.bin was
 * set aside): ferryd then joins as "no state", never as a new node. */
#define PERSIST_LOST_FILE "ledger.lost"
#define PERSIST_HISTORY_FILE "history.bin"

/* ---- fencehist.c ------------------------------------------------------- */

/* 1 if Pacemaker's fencing history shows `node` fenced (completed, success)
 * at or after since_unix_ms (*ret_when_unix_ms: the latest such fence, with
 * the history's sub-second part), 0 if not, negative errno if the fencer
 * can't be asked. */
int fencehist_fenced_after(struct ferryd *d, const char *node, int64_t since_unix_ms,
			   int64_t *ret_when_unix_ms);
void fencehist_stop(struct ferryd *d);

/* ---- virtwatch.c ------------------------------------------------------- */

int virtwatch_start(struct ferryd *d);
void virtwatch_stop(struct ferryd *d);
/* Tells virtwatch that the local agent will stop this VM within timeout_ms:
 * its stop is not an unexpected failure.  uuid: a NUL-terminated canonical
 * UUID (ipcsrv checks the client's with ledger_valid_uuid). */
void virtwatch_expect_stop(struct ferryd *d, const char *uuid, uint32_t timeout_ms);
/* Remembers the Pacemaker resource id of a VM (from ACQUIRE). */
void virtwatch_set_rsc(struct ferryd *d, const char *uuid, const char *rsc);
/* Looks for running VMs this node does not own (after a ledger change). */
void virtwatch_scan(struct ferryd *d);

/* ---- ipcsrv.c ---------------------------------------------------------- */

int ipcsrv_start(struct ferryd *d);
void ipcsrv_stop(struct ferryd *d);
/* Pure checks, exposed for the tests. */
int ipcsrv_check_peer(uid_t uid, gid_t gid, const char *proc_status, gid_t allowed_gid);
int ipcsrv_check_request(const void *buf, size_t len);
int ipcsrv_check_slots(const struct config *cfg, uid_t uid, uint32_t n_all, uint32_t n_nonroot,
		       uint32_t n_uid);
/* Completes a deferred reply (an ownership request answered when our own
 * CPG message came back). */
int ipcsrv_reply(struct ferryd *d, uint64_t token, const void *rsp, size_t len);

/* ---- ledgerglue.c ------------------------------------------------------ */

int ledgerglue_start(struct ferryd *d);
void ledgerglue_stop(struct ferryd *d);
void ledgerglue_deliver(struct ferryd *d, uint32_t nodeid, uint32_t pid, const void *msg,
			size_t len);
void ledgerglue_confchg(struct ferryd *d);
/* initial: the totem configuration corosync delivers once at join. */
void ledgerglue_totem_confchg(struct ferryd *d, bool initial);
void ledgerglue_quorum(struct ferryd *d);
/* An ownership request from the local agent; the answer comes later through
 * ipcsrv_reply(token) (or at once, for local refusals). */
void ledgerglue_request(struct ferryd *d, uint64_t token, const struct ferry_ipc_vm_req *req);
void ledgerglue_record_move(struct ferryd *d, uint64_t token, const struct ferry_ipc_move *m);
/* Read-only views for ferryctl: fill buf, return bytes used or -errno. */
ssize_t ledgerglue_status(struct ferryd *d, void *buf, size_t len);
ssize_t ledgerglue_dump(struct ferryd *d, void *buf, size_t len);
ssize_t ledgerglue_history(struct ferryd *d, const struct ferry_ipc_history_req *req, void *buf,
			   size_t len);
/* For virtwatch: who owns this VM (0 none), and may it run here now? */
int ledgerglue_vm_lookup(struct ferryd *d, const char *uuid, uint32_t *ret_owner,
			 uint32_t *ret_state, uint32_t *ret_peer);

/* ---- the context ------------------------------------------------------- */

struct ledgerglue;
struct virtwatch;
struct ipcsrv;
struct fencehist;

struct ferryd {
	qb_loop_t *loop;
	struct config cfg;
	const char *conf_path;
	bool foreground;
	int exit_code; /* set before qb_loop_stop() on a fatal error */
	bool ready;    /* READY sent (first membership known) */
	struct cluster cluster;
	struct ipcsrv *ipc;
	struct virtwatch *virt;
	struct fencehist *fence;
	struct ledgerglue *glue;
	struct persist_history history;
	char local_name[FERRY_IPC_NODE_LEN];
};

/* ferryd.c: stops the loop with an exit code after a fatal run-time error. */
void ferryd_fatal(struct ferryd *d, int exit_code);
/* ferryd.c: called by cluster.c when the first membership is known. */
void ferryd_membership_known(struct ferryd *d);

#endif
