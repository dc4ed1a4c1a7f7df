/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ocf.h - OCF 1.1 resource agent exit codes and the exit reason.
 *
 * Every agent action ends in exactly one of these codes.  A failing action
 * also leaves one line for the user, printed once by main() as
 * "ocf-exit-reason:<text>" on stderr: what is wrong and what to do about it.
 * The first reason set wins, so the root cause is reported rather than a
 * consequence of it.
 */
#ifndef FERRY_OCF_H
#define FERRY_OCF_H

#include <stdio.h>

enum ocf_exit {
	OCF_SUCCESS = 0,
	OCF_ERR_GENERIC = 1,
	OCF_ERR_ARGS = 2,
	OCF_ERR_UNIMPLEMENTED = 3,
	OCF_ERR_PERM = 4,
	OCF_ERR_INSTALLED = 5,
	OCF_ERR_CONFIGURED = 6,
	OCF_NOT_RUNNING = 7,
	OCF_RUNNING_PROMOTED = 8,
	OCF_FAILED_PROMOTED = 9,
	OCF_DEGRADED = 190,
	OCF_DEGRADED_PROMOTED = 191,
};

/* Number of codes above (checked against the name table in agents/ocf.c). */
#define OCF_EXIT_CODES_N 12

#define OCF_REASON_MAX 512

struct ocf_reason {
	char text[OCF_REASON_MAX];
};

/* "OCF_SUCCESS", ...; "OCF_UNKNOWN" for a code that is not in the table. */
const char *ocf_exit_name(int code);

/* Records the reason (if none is recorded yet) and returns code, so that a
 * failure reads: return ocf_fail(why, OCF_ERR_CONFIGURED, "...", ...); */
int ocf_fail(struct ocf_reason *why, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Prints "ocf-exit-reason:<text>\n" to out if a reason was recorded. */
void ocf_reason_print(const struct ocf_reason *why, FILE *out);

#endif
