/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctldrun.h - `ferryctl drain` carried out by ferryd, and `ferryctl undrain`:
 * plan (ctldrain.c), confirm, submit to the local ferryd, follow the drain's
 * progress, and its report; --list, --cancel, --report; --at / --window.
 */
#ifndef FERRY_TOOLS_CTLDRUN_H
#define FERRY_TOOLS_CTLDRUN_H

#include <stdbool.h>
#include <stdint.h>

/* `ferryctl [--json] drain ...` and `ferryctl [--json] undrain NODE`: argv as
 * main's.  --plan goes to ctldrain_main().  Returns ferryctl's exit code. */
int ctldrun_main(int argc, char **argv);

/* Pure, for the tests: "YYYY-MM-DD HH:MM" (local time) into unix ms, and a
 * duration "2h", "90m", "45s", "1h30m" into ms.  0 or -EINVAL. */
int ctldrun_parse_at(const char *s, int64_t *ret_unix_ms);
int ctldrun_parse_window(const char *s, int64_t *ret_ms);

#endif
