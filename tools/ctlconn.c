/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctlconn.c - ferryctl's connection to the local ferryd (see ctlconn.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctlconn.h"
#include "ferryctl.h"

int
ctlconn_exit(int r)
{
	switch (r) {
	case 0:
		return FERRYCTL_OK;
	case -ECONNREFUSED:
	case -ENOENT:
	case -ENOTCONN:
	case -ECONNRESET:
		return FERRYCTL_UNREACHABLE;
	case -EACCES:
	case -EPERM:
		return FERRYCTL_DENIED;
	default:
		return FERRYCTL_ERROR;
	}
}

int
ctlconn_open(struct ferryclient **ret)
{
	int r = ferryclient_connect(ret);

	if (r >= 0)
		return r;
	if (ctlconn_exit(r) == FERRYCTL_DENIED)
		fprintf(stderr,
		        "ferryctl: ferryd refused the connection (%s): run as root or a member of "
		        "haclient\n",
		        strerror(-r));
	else if (r == -EMFILE || r == -EUSERS)
		fprintf(stderr,
		        "ferryctl: ferryd has no connection slot for you (%s): %s; try again "
		        "later\n",
		        strerror(-r),
		        r == -EUSERS ? "your user holds ipc_max_clients_per_uid connections"
		                     : "every slot not kept for root is taken");
	else
		fprintf(stderr, "ferryctl: cannot reach ferryd (%s): is it running on this node?\n",
		        strerror(-r));
	return r;
}
