/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctlstack.c - this node's virtualization stack for ferryctl (ctlstack.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <libvirt/virterror.h>

#include "ctlstack.h"
#include "ferry/virtstack.h"

static void
ctlstack_quiet(void *data, virErrorPtr e)
{
	(void)data;
	(void)e;
}

void
ctlstack_line(virConnectPtr conn, char *buf, size_t len)
{
	const char *uri = getenv(CTLSTACK_ENV_URI);
	virConnectPtr own = NULL;
	struct virtstack st;

	if (uri == NULL || uri[0] == '\0')
		uri = CTLSTACK_DEFAULT_URI;
	if (conn == NULL) {
		virSetErrorFunc(NULL, ctlstack_quiet);
		own = virConnectOpen(uri);
		if (own == NULL) {
			const char *m = virGetLastErrorMessage();

			snprintf(buf, len, "unknown (cannot connect to %s: %s)", uri,
			         m != NULL ? m : "unknown libvirt error");
			return;
		}
		conn = own;
	}
	if (virtstack_probe(conn, &st) != 0 || virtstack_describe(&st, buf, len) < 0)
		snprintf(buf, len, "unknown (libvirt did not say its version)");
	if (own != NULL)
		virConnectClose(own);
}
