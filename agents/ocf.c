/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ocf.c - OCF exit code names and the exit reason. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "ferry/ocf.h"
#include "ferry/macros.h"

static const struct {
	enum ocf_exit code;
	const char *name;
} ocf_exit_names[] = {
        {OCF_SUCCESS, "OCF_SUCCESS"},
        {OCF_ERR_GENERIC, "OCF_ERR_GENERIC"},
        {OCF_ERR_ARGS, "OCF_ERR_ARGS"},
        {OCF_ERR_UNIMPLEMENTED, "OCF_ERR_UNIMPLEMENTED"},
        {OCF_ERR_PERM, "OCF_ERR_PERM"},
        {OCF_ERR_INSTALLED, "OCF_ERR_INSTALLED"},
        {OCF_ERR_CONFIGURED, "OCF_ERR_CONFIGURED"},
        {OCF_NOT_RUNNING, "OCF_NOT_RUNNING"},
        {OCF_RUNNING_PROMOTED, "OCF_RUNNING_PROMOTED"},
        {OCF_FAILED_PROMOTED, "OCF_FAILED_PROMOTED"},
        {OCF_DEGRADED, "OCF_DEGRADED"},
        {OCF_DEGRADED_PROMOTED, "OCF_DEGRADED_PROMOTED"},
};
_Static_assert(ELEMENTSOF(ocf_exit_names) == OCF_EXIT_CODES_N,
               "ocf_exit_names must name every enum ocf_exit value");

const char *
ocf_exit_name(int code)
{
	for (size_t i = 0; i < ELEMENTSOF(ocf_exit_names); i++) {
		if ((int)ocf_exit_names[i].code == code)
			return ocf_exit_names[i].name;
	}
	return "OCF_UNKNOWN";
}

int
ocf_fail(struct ocf_reason *why, int code, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || why->text[0] != '\0')
		return code;
	va_start(ap, fmt);
	vsnprintf(why->text, sizeof(why->text), fmt, ap);
	va_end(ap);
	return code;
}

void
ocf_reason_print(const struct ocf_reason *why, FILE *out)
{
	if (why->text[0] == '\0')
		return;
	fprintf(out, "ocf-exit-reason:%s\n", why->text);
	fflush(out);
}
