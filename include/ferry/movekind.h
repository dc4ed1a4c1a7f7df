/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * movekind.h - the kind of a finished move and its result: one enum each and
 * one name table each (enumtab.h), for every place that writes or reads them
 * as text: the agent's move record, moves.jsonl (moverec.h), the IPC
 * RECORD_MOVE and HISTORY bodies (struct ferry_ipc_move, ipcproto.h),
 * ferryctl history, ferryd's metrics labels and the calibration from past
 * moves.
 *
 * The names are on the wire and on disk: never change a spelling, only add a
 * name at the end (an older reader refuses it as unknown).  Choices that are
 * not kinds (the move parameter's "auto", a drain's "resource") are their
 * own enums, whose other values are these (agents/params.h, drainplan.h).
 */
#ifndef FERRY_MOVEKIND_H
#define FERRY_MOVEKIND_H

#include "ferry/enumtab.h"

enum ferry_move_kind {
	FERRY_MOVE_LIVE = 0,   /* "live": pre-copy (and post-copy, if switched) migration */
	FERRY_MOVE_QUICK,      /* "quick": save on the source, restore on the target */
	FERRY_MOVE_RESTART,    /* "restart": stop on the source, start on the target */
	FERRY_MOVE_LIVE_QUICK, /* "live->quick": a live move that failed, then moved quick */
	_FERRY_MOVE_KIND_MAX,
};
FERRY_ENUM_DECL(ferry_move_kind, enum ferry_move_kind);

/* The kinds a move can be asked for (the move parameter, a drain's plan):
 * live, quick, restart, the first values; live->quick is only how one ends. */
#define FERRY_MOVE_ASKED_MAX (FERRY_MOVE_RESTART + 1)
/* ferry_move_kind_name() and _from_name() of those, for the enums that
 * ask for one (their values are these): "unknown" for any other value,
 * -ENOENT for any other name. */
const char *ferry_move_asked_name(unsigned v);
int ferry_move_asked_from_name(const char *s, enum ferry_move_kind *ret);

enum ferry_move_result {
	FERRY_MOVE_OK = 0,  /* "ok": the guest runs on the target */
	FERRY_MOVE_ABORTED, /* "aborted": stopped on purpose, the guest stays on the source */
	FERRY_MOVE_FAILED,  /* "failed" */
	_FERRY_MOVE_RESULT_MAX,
};
FERRY_ENUM_DECL(ferry_move_result, enum ferry_move_result);

#endif
