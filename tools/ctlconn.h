/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctlconn.h - ferryctl's connection to the local ferryd, once for every command: open it or
 * say why not (not running, not allowed, no slot), and the exit code an error maps to.
 */
#ifndef FERRY_TOOLS_CTLCONN_H
#define FERRY_TOOLS_CTLCONN_H

#include "ferry/client.h"

/* Connects; on failure prints the reason and what to do to stderr and returns -errno. */
int ctlconn_open(struct ferryclient **ret);

/* The exit code (enum ferryctl_exit) for a -errno from the client: unreachable, denied,
 * or a plain error. */
int ctlconn_exit(int r);

#endif
