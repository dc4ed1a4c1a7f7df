/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctlimport.h - `ferryctl import RSC [--dry-run] [--yes]` and
 * `ferryctl import --all`: a running ocf:heartbeat:VirtualDomain resource
 * becomes ocf:ferry:vm without restarting its guest (see ferryctl(8)).
 */
#ifndef FERRY_TOOLS_CTLIMPORT_H
#define FERRY_TOOLS_CTLIMPORT_H

/* argv as main's, the whole command line.  Returns the exit code. */
int ctlimport_main(int argc, char **argv);

#endif
