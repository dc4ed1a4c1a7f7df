/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * utilization.h - autoset_utilization: publish the VM's vCPUs and memory as
 * the resource's Pacemaker utilization (cpu, hv_memory) for placement
 * strategies, through crm_resource.
 */
#ifndef FERRY_AGENT_UTILIZATION_H
#define FERRY_AGENT_UTILIZATION_H

#include <stdbool.h>
#include <stdint.h>

#define UTILIZATION_TOOL     "/usr/sbin/crm_resource"
#define UTILIZATION_TOOL_ENV "FERRY_CRM_RESOURCE" /* tests point it at a fake */

/* Sets utilization cpu=vcpus and hv_memory=memory_mib (a zero is skipped) on
 * resource rsc, writing only values that differ from the CIB's; each
 * crm_resource call is killed after timeout_ms.  0 on success (*ret_changed
 * says whether anything was written), -EINVAL without a resource name,
 * -ETIME, -EIO (crm_resource failed) or -errno (could not run it). */
int utilization_update(const char *rsc, uint32_t vcpus, uint64_t memory_mib, int timeout_ms,
                       bool *ret_changed);

#endif
