/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* startres.c - start_resources (startres.h). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "vmctx.h"
#include "startres.h"
#include "virt.h"

int
startres_run(struct vm_agent *a, struct virt *v, const char *where, struct ocf_reason *why)
{
	static const char *const kinds[] = {"pool", "network"};
	char names[STARTRES_MAX][DOMXML_NAME_MAX];

	if (a->xml == NULL)
		return ocf_fail(why, OCF_ERR_GENERIC,
		                "start_resources: config %s cannot be read, so the pools and "
		                "networks it uses are unknown; make it readable on this node",
		                a->p.config);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t n = 0;

		if (domxml_attr_values(a->xml, kinds[k], names, STARTRES_MAX, &n) != 0)
			return ocf_fail(why, OCF_ERR_GENERIC,
			                "start_resources: config %s names more than %d %ss; start "
			                "them yourself and set start_resources=false",
			                a->p.config, STARTRES_MAX, kinds[k]);
		for (size_t i = 0; i < n; i++) {
			bool started = false;
			int r = k == 0 ? virt_start_pool(v, names[i], &started)
			               : virt_start_network(v, names[i], &started);

			if (r != 0) {
				vm_log(a, LOG_ERR, "%s", v->err);
				return ocf_fail(
				        why, OCF_ERR_GENERIC,
				        "start_resources: cannot start the %s %s on %s (%s); "
				        "check it with virsh %s-info %s",
				        k == 0 ? "storage pool" : "network", names[i], where,
				        v->err, k == 0 ? "pool" : "net", names[i]);
			}
			if (started)
				vm_log(a, LOG_NOTICE, "start_resources: started the %s %s on %s",
				       k == 0 ? "storage pool" : "network", names[i], where);
		}
	}
	return OCF_SUCCESS;
}
