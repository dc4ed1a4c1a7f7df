/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * enumtab.h - an enum's name table, both directions and a size check, from
 * one line (after libvirt's VIR_ENUM_IMPL and systemd's
 * DEFINE_STRING_TABLE_LOOKUP).
 *
 *   header:  FERRY_ENUM_DECL(params_move, enum params_move);
 *   source:  FERRY_ENUM_IMPL(params_move, enum params_move, _PARAMS_MOVE_MAX,
 *                            "live", "quick", "restart", "auto");
 *
 * gives const char *params_move_name(enum params_move) ("unknown" when out
 * of range: the one out-of-range rule) and
 * int params_move_from_name(const char *, enum params_move *ret) (0, or
 * -ENOENT and *ret untouched).  The names must be listed in enum order and
 * all of them: the build fails when the count differs from MAX.
 */
#ifndef FERRY_ENUMTAB_H
#define FERRY_ENUMTAB_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

#define FERRY_ENUM_DECL(prefix, type)                                                              \
	const char *prefix##_name(type v);                                                         \
	int prefix##_from_name(const char *s, type *ret)

#define FERRY_ENUM_IMPL(prefix, type, max, ...)                                                    \
	static const char *const prefix##_names_[] = {__VA_ARGS__};                                \
	_Static_assert(sizeof(prefix##_names_) / sizeof(prefix##_names_[0]) == (size_t)(max),      \
	               #prefix ": one name per value");                                            \
	const char *prefix##_name(type v)                                                          \
	{                                                                                          \
		if ((size_t)v >= (size_t)(max))                                                    \
			return "unknown";                                                          \
		return prefix##_names_[v];                                                         \
	}                                                                                          \
	int prefix##_from_name(const char *s, type *ret)                                           \
	{                                                                                          \
		for (size_t i_ = 0; s != NULL && i_ < (size_t)(max); i_++) {                       \
			if (strcmp(s, prefix##_names_[i_]) == 0) {                                 \
				*ret = (type)i_;                                                   \
				return 0;                                                          \
			}                                                                          \
		}                                                                                  \
		return -ENOENT;                                                                    \
	}

#endif
