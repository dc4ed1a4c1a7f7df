/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctlcib.h - the move policy a VM's ocf:ferry:vm resource sets, read from
 * the CIB (Pacemaker's libcib), so that `ferryctl predict` predicts with the
 * values the agent's move=auto uses.
 */
#ifndef FERRY_TOOLS_CTLCIB_H
#define FERRY_TOOLS_CTLCIB_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ferry/policy.h"

#define CTLCIB_ID_MAX 256

/* What the resource sets; a parameter it leaves unset (or sets to a value
 * the agent refuses) is not "has_": ferry's default applies to it. */
struct ctlcib_policy {
	char resource[CTLCIB_ID_MAX]; /* the primitive's id */
	bool has_max_downtime;
	uint32_t max_downtime_ms;
	bool has_steps; /* true with n_downtime_steps 0 for "none" */
	uint32_t downtime_steps_ms[POLICY_MAX_STEPS];
	size_t n_downtime_steps;
	char save_dir[PATH_MAX]; /* "" when the resource has none */
};

/*
 * Finds VM's ocf:ferry:vm primitive in the CIB (CIB_file and CIB_shadow are
 * honoured, as by every Pacemaker tool): the one whose id is vm, else the one
 * whose config file's <domain><name> is vm.  Reads its max_downtime_ms,
 * downtime_steps and save_dir from its instance_attributes as the agent
 * accepts them; a value the agent would refuse is left out with a warning
 * line on warn (which may be NULL) naming the resource and the parameter.
 *
 * 0 and *ret; -ENOENT no such resource; another -errno when the CIB cannot
 * be read.  On failure err (may be NULL) receives a sentence saying why, e.g.
 * "no ocf:ferry:vm resource for web1 in the CIB" or "cannot read the CIB:
 * ...", and *ret is left alone.
 */
int ctlcib_policy_read(const char *vm, struct ctlcib_policy *ret, FILE *warn, char *err,
                       size_t err_len);

/*
 * The libvirt domain XML at path (a resource's config): its <name> into buf
 * and, when ret_mem_bytes is not NULL, its configured memory in bytes
 * (<currentMemory>, else <memory>; 0 when neither can be read).  0,
 * -errno (cannot open), -EBADMSG (not a domain XML), -ENODATA (no name),
 * -ENAMETOOLONG.  ctlcib_domain_err() says which in words.
 */
int ctlcib_domain_read(const char *path, char *buf, size_t len, uint64_t *ret_mem_bytes);
const char *ctlcib_domain_err(int r);

#endif
