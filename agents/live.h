/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * live.h - live migration driven by the convergence policy (lib/policy).
 *
 * The migration runs in a worker thread on its own connection; this thread
 * samples the job every LIVE_SAMPLE_MS and applies what policy_step() says.
 * The deadline comes from budget_compute() so that an abort (and a quick
 * fallback) still fits in the migrate_to timeout.  After an abort or a
 * failure live_settle() leaves one copy where that is certain, and touches
 * nothing where it is not (the reason says what to check); after a reported
 * success the guest must be seen running on the target.
 */
#ifndef FERRY_AGENT_LIVE_H
#define FERRY_AGENT_LIVE_H

#include "vmctx.h"
#include "ferry/moverec.h"
#include "ferry/predict.h"
#include "ferry/vmsample.h"
#include "virt.h"

#define LIVE_SAMPLE_MS 200

/* OCF code; fills rec (mode becomes "live->quick" after a fallback). */
int live_move(struct vm_agent *a, struct virt *v, virDomainPtr d, struct move_record *rec,
              struct ocf_reason *why);

/*
 * move=auto, before anything is touched: samples the VM (vmsample.h: the
 * dirty rate over VMSAMPLE_DIRTY_SECONDS, the save_dir probe cached in
 * HA_RSCTMP), predicts both moves with ferry's limits and this move's live
 * deadline (predict.h) and returns PARAMS_MOVE_LIVE or PARAMS_MOVE_QUICK.
 * Logs the reason and fills rec's predicted_* fields.  When the VM cannot
 * be sampled or predicted: PARAMS_MOVE_LIVE (what move=live does), logged.
 */
enum params_move live_choose(struct vm_agent *a, virDomainPtr d, struct move_record *rec);

/* The engine's input for this agent: s (sampled) with the resource's
 * downtime limit, steps and live deadline.  Exposed for tests. */
void live_predict_input(const struct vm_agent *a, const struct vmsample *s,
                        struct predict_input *ret);

/* Where the guest is after a failed or aborted migration (live_settle). */
enum live_where {
	LIVE_WHERE_SOURCE,          /* runs on this node only */
	LIVE_WHERE_TARGET,          /* runs on the target only: the migration completed */
	LIVE_WHERE_MAYBE_TARGET,    /* paused here by the migration, the target cannot be
	                             * reached: the handover may have completed */
	LIVE_WHERE_POSTCOPY_TARGET, /* paused here after a post-copy switch, the target cannot
	                             * be reached: the only current memory may be there */
	LIVE_WHERE_SPLIT,           /* post-copy broke off: memory on both nodes, both kept */
	LIVE_WHERE_LOST,            /* post-copy, and the target has no copy: the paused
	                             * copy here is stale */
	LIVE_WHERE_UNKNOWN,
};

/*
 * After a failed or aborted migration: asks the target first, then acts.
 * A paused source is resumed only when the target answered and certainly never
 * ran the guest (no copy, or an incoming copy that never started, destroyed
 * first); never after a post-copy switch (libvirt's pause reason, or
 * postcopy_started by this agent).  A target that runs the guest keeps it and
 * a stale paused source copy is destroyed.  A target copy is destroyed while
 * the source runs.  msg: "source STATE, target STATE" for logs and records.
 */
enum live_where live_settle(struct vm_agent *a, struct virt *v, const char *target_uri,
                            bool postcopy_started, char *msg, size_t msg_len);

#endif
