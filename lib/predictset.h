/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * predictset.h - the names of predict's inputs and constants (private to lib/).
 *
 * One table, predictset_fields[], defined in predictset.c: predict_set()
 * parses a value by it, predictout.c lists the constants in its order (the
 * entries of kind F_P_U32 and above are the constants, struct
 * predict_params's fields).
 */
#ifndef FERRY_PREDICTSET_H
#define FERRY_PREDICTSET_H

#include <stdbool.h>
#include <stddef.h>

enum predictset_kind {
	F_SIZE, /* input bytes: NAME_bytes, NAME_mib; "unknown" allowed */
	F_RATE, /* input bytes/s: NAME_bps, NAME_mib_s; "unknown" allowed */
	F_IN_MS32,
	F_IN_MS64,
	F_STEPS,
	F_P_U32, /* parameters: the field name as is */
	F_P_U64,
	F_P_RATE, /* parameter bytes/s: NAME (bps) or NAME with _bps -> _mib_s */
};

struct predictset_field {
	const char *name;
	enum predictset_kind kind;
	size_t offset;
	bool unknown_ok;
};

extern const struct predictset_field predictset_fields[];
extern const size_t predictset_n_fields;

#endif
