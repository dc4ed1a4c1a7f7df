/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * live.h - live migration driven by the convergence policy (lib/policy).
 *
 * The migration runs in a worker thread on its own connection; this thread
 * samples the job every LIVE_SAMPLE_MS and applies what policy_step() says.
 * The deadline comes from budget_compute() so that an abort (and a quick
 * fallback) still fits in the migrate_to timeout.  After an abort exactly
 * one copy runs: the source (resumed if paused), the target's is gone.
 */
#ifndef FERRY_AGENT_LIVE_H
#define FERRY_AGENT_LIVE_H

#include "agent.h"
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

/* After a failed or aborted migration: 0 the VM runs on the source only,
 * 1 it runs on the target only (the migration completed), -errno unknown.
 * Destroys a target copy while the source runs; resumes a paused source. */
int live_settle(struct vm_agent *a, struct virt *v, const char *target_uri, char *msg,
                size_t msg_len);

#endif
