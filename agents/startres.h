/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * startres.h - start_resources: the storage pools and networks a domain
 * uses, started before it starts (or before it moves, on the target).
 *
 * As VirtualDomain: every pool='...' and network='...' attribute in the
 * domain XML names one; a pool that runs is refreshed, one that does not is
 * started; a network that does not run is started.  The first failure
 * fails the action, naming the pool or network.
 */
#ifndef FERRY_AGENT_STARTRES_H
#define FERRY_AGENT_STARTRES_H

#include "ferry/ocf.h"

struct vm_agent;
struct virt;

#define STARTRES_MAX 32 /* pools or networks per domain */

/* OCF_SUCCESS or OCF_ERR_GENERIC with why; where names the node for the
 * reason ("this node", "target node2"). */
int startres_run(struct vm_agent *a, struct virt *v, const char *where, struct ocf_reason *why);

#endif
