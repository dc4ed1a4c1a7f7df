/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vmctx.c - the context of one ocf:ferry:vm invocation (see vmctx.h). */
#include "config.h"

#include "ferry/clock.h"
#include "vmctx.h"

const char *
vmctx_label(const struct vm_agent *a)
{
	if (a->name[0] != '\0')
		return a->name;
	if (a->p.resource[0] != '\0')
		return a->p.resource;
	return "?";
}

uint64_t
vmctx_left_ms(const struct vm_agent *a, uint64_t reserve_ms)
{
	uint64_t used = ferry_clock_ms() - a->t0_ms;

	if (used + reserve_ms >= a->op_timeout_ms)
		return 0;
	return a->op_timeout_ms - used - reserve_ms;
}
