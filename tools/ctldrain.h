/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctldrain.h - the facts a maintenance drain of one node is planned from
 * (`ferryctl drain NODE --plan`, and the execute path before it hands the
 * plan to ferryd), and the plan command itself.
 *
 * Pacemaker is asked everything: the CIB (cibadmin -Q; CIB_file and
 * CIB_shadow are honoured, as by every Pacemaker tool), its view of nodes
 * and resources (crm_mon --output-as=xml on that copy), and where each
 * resource would go with the node in standby: a copy of the CIB with the
 * node's standby attribute set (crm_attribute on the copy) is run through
 * Pacemaker's own scheduler (crm_simulate -S), and crm_mon reads where each
 * resource ended.  ferry places nothing itself.  Nothing in the cluster is
 * changed: every write goes to files in a private temporary directory.
 *
 * Each VM's move is predicted as `ferryctl predict` and the agent's
 * move=auto predict it (vmsample.h, predict.h, calibrate.h): sampled where
 * the domain runs in the local libvirt, otherwise from its configured memory
 * (its note says "estimated from configured memory").
 */
#ifndef FERRY_TOOLS_CTLDRAIN_H
#define FERRY_TOOLS_CTLDRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ferry/drainplan.h"
#include "ferry/enumtab.h"

#define CTLDRAIN_MAX_OTHERS 64 /* non-ferry resources of one node that are listed */
#define CTLDRAIN_MAX_NODES  32 /* nodes named in errors and the info */

/* The drain's --move: the resources' own move parameter, or one for all. */
enum ctldrain_move {
	CTLDRAIN_MOVE_RESOURCE = 0, /* each resource's move (auto decided by prediction) */
	CTLDRAIN_MOVE_LIVE,
	CTLDRAIN_MOVE_QUICK,
	CTLDRAIN_MOVE_AUTO,
	_CTLDRAIN_MOVE_MAX,
};
/* "resource", "live", "quick", "auto" */
FERRY_ENUM_DECL(ctldrain_move, enum ctldrain_move);

struct ctldrain_opts {
	uint32_t parallel; /* 0 = Pacemaker's migration-limit if set (> 0), else 1 */
	enum drain_order order;
	enum ctldrain_move move; /* CTLDRAIN_MOVE_RESOURCE = no override */
	const char *uri;         /* local libvirt for sampling; NULL = qemu:///system */
	int32_t dirty_seconds;   /* dirty-rate measurement per sampled VM; < 0 = the agent's */
};

/* A resource on the node that is not an ocf:ferry:vm: Pacemaker moves it
 * as it decides; the plan lists where to. */
struct ctldrain_other {
	char resource[DRAIN_ID_MAX];
	char agent[DRAIN_ID_MAX];    /* e.g. "ocf:heartbeat:IPaddr2" */
	char target[DRAIN_NODE_MAX]; /* "" = Pacemaker would stop it */
};

/* What else was found (ctldrain_gather_info()). */
struct ctldrain_info {
	uint32_t parallel;      /* the parallel to plan with (opts, else as above) */
	char parallel_from[96]; /* "--parallel", "migration-limit=2 (crm_config)", "default" */
	char node_names[CTLDRAIN_MAX_NODES][DRAIN_NODE_MAX]; /* the CIB's nodes */
	size_t n_nodes;
	size_t n_sampled;   /* VMs sampled in the local libvirt */
	size_t n_estimated; /* VMs predicted from their configured memory */
	/* the cluster's overhead around each move (drain_opts.overhead_ms): learned
	 * from the local ferryd's earlier drains, else a-priori; and which */
	uint32_t overhead_ms;
	char overhead_from[DRAIN_NOTE_MAX];
};

/* A-priori cluster overhead around a drain move, until ferryd has at least
 * DRAIN_OVERHEAD_MIN_SAMPLES finished drain moves to learn from: the lab's
 * (3 nodes on one 2-core machine, TCG guests) was 1.2 s per live move of a
 * 128 MiB guest (e2e 13, 2026-12-06: steps of 2.1-2.2 s for moves
 * predicted at 0.92-0.96 s), rounded up. */
#define CTLDRAIN_OVERHEAD_APRIORI_MS 1500u

/*
 * Gathers the facts for a drain of node: its ocf:ferry:vm resources that
 * are active there, each with Pacemaker's target (with node in standby),
 * priority meta attribute, kind of move (o->move, else its move parameter;
 * auto decided by predict_auto()), predicted gap and duration, and why it
 * cannot move if it cannot ("no node can take it (...)").
 *
 * On input *n_vms and *n_others are the capacities of vms and others; on
 * success they are the counts.  VMs come in the CIB's order (the planner
 * sorts).  0, or on failure a sentence in err and:
 *   -ENODEV     node is not in the CIB (err names the nodes that are)
 *   -EALREADY   node is already in standby
 *   -ENOSPC     no other node is online and out of standby (the last node)
 *   -E2BIG      more VMs or resources on the node than the capacities
 *   -EINVAL     bad arguments
 *   other -errno: a Pacemaker tool failed or the CIB could not be read.
 */
int ctldrain_gather(const char *node, const struct ctldrain_opts *o, struct drain_vm *vms,
                    size_t *n_vms, struct ctldrain_other *others, size_t *n_others, char *err,
                    size_t err_len);

/* The same, and info (may be NULL) filled on success. */
int ctldrain_gather_info(const char *node, const struct ctldrain_opts *o, struct drain_vm *vms,
                         size_t *n_vms, struct ctldrain_other *others, size_t *n_others,
                         struct ctldrain_info *info, char *err, size_t err_len);

/* `ferryctl [--json] drain NODE --plan [options]`: argv as main's.  Returns
 * ferryctl's exit code.  Without --plan it says that executing a drain is
 * ferryd's and not built in this ferryctl (exit 2). */
int ctldrain_main(int argc, char **argv);

#endif
