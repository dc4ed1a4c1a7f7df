/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctlpredict.h - the parts of `ferryctl predict` that `ferryctl drain` uses
 * too: a VM's move policy as the agent takes it, and the engine's input
 * from a sample and that policy.
 */
#ifndef FERRY_TOOLS_CTLPREDICT_H
#define FERRY_TOOLS_CTLPREDICT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "ctlcib.h"
#include "ferry/predict.h"
#include "ferry/vmsample.h"

/* The move policy predicted with, and where it came from. */
struct ctlpredict_policy {
	uint32_t max_downtime_ms;
	uint32_t downtime_steps_ms[PREDICT_MAX_STEPS]; /* all above max_downtime_ms */
	size_t n_downtime_steps;
	char save_dir[PATH_MAX];      /* "" for none */
	char resource[CTLCIB_ID_MAX]; /* "" when no resource was read */
	char from[768];               /* e.g. "resource web1 in the CIB" */
};

/* VM name's policy: its ocf:ferry:vm resource in the CIB (ctlcib.h), else
 * ferry's defaults (from says why); warnings about bad values go to stderr. */
void ctlpredict_policy_of(const char *name, struct ctlpredict_policy *ret);

/* The engine's input and constants: the sample, its calibration and the
 * policy, as the agent's move=auto builds them. */
void ctlpredict_input(const struct ctlpredict_policy *pol, const struct vmsample *s,
                      struct predict_input *in, struct predict_params *pp);

#endif
