/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sharecheck.h - is a directory (a quick move's save_dir) usable here and
 * the same storage as on another node?  An adapter with no state: the
 * asking node marks the directory with a file .ferry-share.TOKEN holding
 * TOKEN; every node then checks that the directory is a writable directory
 * holding that file with that token.  A local directory of the same name
 * (the share not mounted) has no such file.  Called only by main, through
 * the share probe's operations; it knows no other module of ferryd.
 */
#ifndef SHARECHECK_H
#define SHARECHECK_H

#include <stddef.h>
#include <stdint.h>

#define SHARECHECK_PREFIX    ".ferry-share."
#define SHARECHECK_TOKEN_MAX 48 /* "<nodeid>.<32 hex digits>", with NUL */

/* Marks dir for a check: writes dir/.ferry-share.<nodeid>.<random> holding
 * its token and returns the token in ret_token.  0, or -errno with why in
 * text ("not a directory", "read-only file system", ...). */
int sharecheck_mark(const char *dir, uint32_t nodeid, char *ret_token, size_t token_len, char *text,
                    size_t text_len);
/* Removes the mark (errors ignored: it is only a hint left behind). */
void sharecheck_unmark(const char *dir, const char *token);
/* Checks dir here: a directory, writable, holding from's mark with token.
 * 0 (text ""), or -errno with a short text; -EXDEV when the mark is missing
 * or holds another token: not the same storage as `from` (a node name, or
 * NULL for "the asking node"). */
int sharecheck_dir(const char *dir, const char *token, const char *from, char *text, size_t len);

#endif
