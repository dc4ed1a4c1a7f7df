/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * movekind.c - the names of a move's kind and result (movekind.h).  These
 * spellings are on the IPC wire and in moves.jsonl: never change one.
 */
#include <config.h>

#include "ferry/movekind.h"

FERRY_ENUM_IMPL(ferry_move_kind, enum ferry_move_kind, _FERRY_MOVE_KIND_MAX, "live", "quick",
                "restart", "live->quick")
FERRY_ENUM_IMPL(ferry_move_result, enum ferry_move_result, _FERRY_MOVE_RESULT_MAX, "ok", "aborted",
                "failed")

const char *
ferry_move_asked_name(unsigned v)
{
	if (v >= FERRY_MOVE_ASKED_MAX)
		return "unknown";
	return ferry_move_kind_name((enum ferry_move_kind)v);
}

int
ferry_move_asked_from_name(const char *s, enum ferry_move_kind *ret)
{
	enum ferry_move_kind k;

	if (ferry_move_kind_from_name(s, &k) != 0 || (unsigned)k >= FERRY_MOVE_ASKED_MAX)
		return -ENOENT;
	*ret = k;
	return 0;
}
