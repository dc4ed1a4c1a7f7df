/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ferryd.h - main's context: the one struct that owns the daemon.  Only
 * ferryd.c includes it; it alone knows every module, creates each with the
 * loop, the configuration and a callback table, and wires one module's
 * events to another's functions (doc/architecture.md, scripts/check-layers).
 *
 *   config.c      /etc/ferry/ferryd.conf (ferrydconf.h)            base
 *   membership.c  what corosync says, as a value                    value
 *   cluster.c     corosync CPG (agreed order) + quorum              adapter
 *   ipcsrv.c      libqb IPC server for the agent and ferryctl       adapter
 *   persist.c     atomic files under the state directory            adapter
 *   fencehist.c   Pacemaker fencing history                         adapter
 *   virtwatch.c   libvirt lifecycle events, fail reports, foreign VMs adapter
 *   sharecheck.c  is a directory here the same storage as there   adapter
 *   ledgerglue.c  the seam between the adapters and the pure ledger glue
 *   gluedrain.c   the glue's drains (ledgerglue-int.h)            glue
 *   shareprobe.c  ferryctl's shared directory check over CPG      glue
 *   ledger*.c     the pure ledger, its codecs and vocabulary        core
 *   metrics.c     Prometheus text for node_exporter (pure)          value
 *
 * Every callback gets struct ferryd from its table's ctx, never from a
 * global.
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

#include "cluster.h"
#include "drainrun.h"
#include "ferrydconf.h"
#include "fencehist.h"
#include "ipcsrv.h"
#include "ledgerglue.h"
#include "membership.h"
#include "metrics.h"
#include "persist.h"
#include "sharecheck.h"
#include "shareprobe.h"
#include "virtwatch.h"

struct ferryd {
	qb_loop_t *loop;
	struct config cfg;
	const char *conf_path;
	bool foreground;
	int exit_code; /* set before qb_loop_stop() on a fatal error */
	bool ready;    /* READY sent (first membership known) */
	struct cluster cluster;
	struct membership members; /* what cluster said last (cluster_membership) */
	struct ipcsrv *ipc;
	struct virtwatch *virt;
	struct fencehist *fence;
	struct ledgerglue *glue;
	struct shareprobe *share; /* PATH_CHECK: probes and answers, not ledger state */
	struct drainrun *drain;   /* a drain's runner: Pacemaker commands */
	struct persist_history history;
	char local_name[FERRY_IPC_NODE_LEN];
	/* cfg.metrics_file, rewritten at most once per cfg.metrics_interval_ms */
	struct metrics metrics;
	qb_loop_timer_handle metrics_timer;
	bool metrics_pending;     /* a write is scheduled */
	uint64_t metrics_last_ns; /* monotonic time of the last write, 0 never */
	int metrics_last_error;   /* logged once until a write succeeds again */
};

#endif
