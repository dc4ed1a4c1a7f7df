/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ferryctl.h - what ferryctl's command files share: the exit codes (stable,
 * for scripts; see ferryctl(8)) and the commands that live in their own file.
 */
#ifndef FERRY_TOOLS_FERRYCTL_H
#define FERRY_TOOLS_FERRYCTL_H

#include <stddef.h>
#include <stdint.h>

enum ferryctl_exit {
	FERRYCTL_OK = 0,
	FERRYCTL_ERROR = 1,       /* I/O or protocol error, or any other failure */
	FERRYCTL_USAGE = 2,       /* bad command line */
	FERRYCTL_UNREACHABLE = 3, /* ferryd not running */
	FERRYCTL_DENIED = 4,      /* not allowed (not root / not in haclient) */
	FERRYCTL_REFUSED = 5,     /* the ledger refused the request */
	FERRYCTL_CANCELLED = 6,   /* the confirmation was not given */
	FERRYCTL_NOT_HERE = 7,    /* predict: the VM does not run on this node */
};

/* ctlpredict.c: `ferryctl predict VM [options]`; argv as main's (the whole
 * command line: options may come anywhere).  Returns the exit code. */
int ctlpredict_main(int argc, char **argv);

#endif
