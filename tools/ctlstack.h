/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctlstack.h - the virtualization stack of this node, for `ferryctl status`
 * and `ferryctl predict`: which libvirt and QEMU answer on the local libvirt
 * URI and which of the newer save paths ferry uses there (virtstack.h).
 */
#ifndef FERRY_TOOLS_CTLSTACK_H
#define FERRY_TOOLS_CTLSTACK_H

#include <stddef.h>

#include <libvirt/libvirt.h>

#define CTLSTACK_DEFAULT_URI "qemu:///system"
#define CTLSTACK_ENV_URI     "FERRY_LIBVIRT_URI" /* overrides the default */

/* One line for conn (or, with conn NULL, a connection opened to the default
 * URI and closed again), e.g. "debian12: libvirt 9.0.0, QEMU 7.2.0; uses
 * save_params", or "unknown (cannot connect to qemu:///system: ...)".
 * Never fails: the text says what went wrong. */
void ctlstack_line(virConnectPtr conn, char *buf, size_t len);

#endif
