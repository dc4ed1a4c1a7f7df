/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * predictset.c - predict_set(): one input or constant of the prediction by
 * name, as a scenario file or a command line gives it, and the table of
 * those names (predictset.h; predictout.c prints the constants by it).
 * Pure: no I/O, no logging.
 */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ferry/macros.h"
#include "ferry/policy.h"
#include "ferry/predict.h"
#include "predictset.h"

#define IN(n, k, f, u)                                                                             \
	{                                                                                          \
		n, k, offsetof(struct predict_input, f), u                                         \
	}
#define PA(k, f)                                                                                   \
	{                                                                                          \
#f, k, offsetof(struct predict_params, f), false                                   \
	}

const struct predictset_field predictset_fields[] = {
        IN("mem", F_SIZE, mem_bytes, false),
        IN("touched", F_SIZE, touched_bytes, true),
        IN("wss", F_SIZE, wss_bytes, true),
        IN("dirty", F_RATE, dirty_bytes_s, true),
        IN("net", F_RATE, net_bps, true),
        IN("save_write", F_RATE, save_write_bps, true),
        IN("save_read", F_RATE, save_read_bps, true),
        IN("max_downtime_ms", F_IN_MS32, max_downtime_ms, false),
        IN("downtime_steps_ms", F_STEPS, downtime_steps_ms, false),
        IN("live_deadline_ms", F_IN_MS64, live_deadline_ms, false),
        PA(F_P_RATE, default_net_bps),
        PA(F_P_RATE, default_save_write_bps),
        PA(F_P_RATE, default_save_read_bps),
        PA(F_P_U32, qemu_downtime_ms),
        PA(F_P_U32, iterate_ms),
        PA(F_P_U32, first_check_ms),
        PA(F_P_RATE, zero_scan_bps),
        PA(F_P_U32, stop_speedup_pct),
        PA(F_P_U32, switchover_ms),
        PA(F_P_U32, live_setup_ms),
        PA(F_P_U32, live_finish_ms),
        PA(F_P_U32, live_gap_extra_ms),
        PA(F_P_U32, sample_ms),
        PA(F_P_U32, stall_samples),
        PA(F_P_U64, op_timeout_ms),
        PA(F_P_RATE, save_stream_bps),
        PA(F_P_RATE, restore_stream_bps),
        PA(F_P_U32, save_setup_ms),
        PA(F_P_U32, restore_setup_ms),
        PA(F_P_U32, quick_gap_extra_ms),
        PA(F_P_U32, vm_stop_ms),
        PA(F_P_U32, vm_start_ms),
        PA(F_P_U32, guest_boot_ms),
        PA(F_P_U32, token_ms),
        PA(F_P_U32, consensus_ms),
        PA(F_P_U32, pcmk_react_ms),
        PA(F_P_U32, fence_ms),
};
const size_t predictset_n_fields = ELEMENTSOF(predictset_fields);

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Decimal, optional fraction (for _mib values like 0.5), no sign. Result x
 * mult, rounded down; -EINVAL on junk or overflow. */
static int
parse_scaled(const char *s, uint64_t mult, uint64_t *ret)
{
	unsigned __int128 whole = 0, frac = 0, div = 1;
	size_t digits = 0;

	while (is_blank(*s))
		s++;
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		whole = whole * 10 + (unsigned)(*s - '0');
		if (whole > UINT64_MAX)
			return -EINVAL;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
			if (div < 1000000000000ull) {
				frac = frac * 10 + (unsigned)(*s - '0');
				div *= 10;
			}
		}
	}
	while (is_blank(*s))
		s++;
	if (digits == 0 || *s != '\0')
		return -EINVAL;
	whole = whole * mult + frac * mult / div;
	if (whole >= UINT64_MAX) /* UINT64_MAX is PREDICT_UNKNOWN */
		return -EINVAL;
	*ret = (uint64_t)whole;
	return 0;
}

/* The agent's own rule (policy_parse_steps: ascending, POLICY_STEP_MIN_MS to
 * POLICY_STEP_MAX_MS, POLICY_MAX_STEPS at most), so that ferryctl predict
 * accepts exactly the lists the resource can have; plus the parameter's
 * "none". */
_Static_assert(PREDICT_MAX_STEPS == POLICY_MAX_STEPS, "predict holds every policy step list");

static int
parse_steps(const char *s, uint32_t *steps, size_t *ret_n)
{
	struct policy_config cfg;
	const char *t = s;
	int r;

	while (is_blank(*t))
		t++;
	if (strcmp(t, "none") == 0) {
		*ret_n = 0;
		return 0;
	}
	r = policy_parse_steps(s, &cfg);
	if (r < 0)
		return r;
	memcpy(steps, cfg.downtime_steps_ms, cfg.n_downtime_steps * sizeof(steps[0]));
	*ret_n = cfg.n_downtime_steps;
	return 0;
}

static bool
has_suffix(const char *name, size_t base_len, const char *base, const char *suffix)
{
	return strncmp(name, base, base_len) == 0 && strcmp(name + base_len, suffix) == 0;
}

int
predict_set(struct predict_input *in, struct predict_params *p, const char *name, const char *value)
{
	if (in == NULL || p == NULL || name == NULL || value == NULL)
		return -EINVAL;

	for (size_t i = 0; i < predictset_n_fields; i++) {
		const struct predictset_field *f = &predictset_fields[i];
		size_t bl = strlen(f->name);
		char *ibase = (char *)in + f->offset;
		char *pbase = (char *)p + f->offset;
		uint64_t mult = 0, v;
		int rc;

		switch (f->kind) {
		case F_SIZE:
			if (has_suffix(name, bl, f->name, "_bytes"))
				mult = 1;
			else if (has_suffix(name, bl, f->name, "_mib"))
				mult = PREDICT_MIB;
			break;
		case F_RATE:
			if (has_suffix(name, bl, f->name, "_bps"))
				mult = 1;
			else if (has_suffix(name, bl, f->name, "_mib_s"))
				mult = PREDICT_MIB;
			break;
		case F_P_RATE:
			/* "zero_scan_bps" or "zero_scan_mib_s" */
			if (strcmp(name, f->name) == 0)
				mult = 1;
			else if (bl > 4 && has_suffix(name, bl - 4, f->name, "_mib_s"))
				mult = PREDICT_MIB;
			break;
		default:
			if (strcmp(name, f->name) == 0)
				mult = 1;
			break;
		}
		if (mult == 0)
			continue;

		if (strcmp(value, "unknown") == 0) {
			if (!f->unknown_ok)
				return -EINVAL;
			memcpy(ibase, &(uint64_t){PREDICT_UNKNOWN}, sizeof(uint64_t));
			return 0;
		}
		switch (f->kind) {
		case F_STEPS:
			return parse_steps(value, in->downtime_steps_ms, &in->n_downtime_steps);
		case F_SIZE:
		case F_RATE:
		case F_IN_MS64:
			rc = parse_scaled(value, mult, &v);
			if (rc < 0)
				return rc;
			memcpy(ibase, &v, sizeof(v));
			return 0;
		case F_IN_MS32:
			rc = parse_scaled(value, 1, &v);
			if (rc < 0 || v > UINT32_MAX)
				return -EINVAL;
			memcpy(ibase, &(uint32_t){(uint32_t)v}, sizeof(uint32_t));
			return 0;
		case F_P_U32:
			rc = parse_scaled(value, 1, &v);
			if (rc < 0 || v > UINT32_MAX)
				return -EINVAL;
			memcpy(pbase, &(uint32_t){(uint32_t)v}, sizeof(uint32_t));
			return 0;
		case F_P_U64:
		case F_P_RATE:
			rc = parse_scaled(value, mult, &v);
			if (rc < 0)
				return rc;
			memcpy(pbase, &v, sizeof(v));
			return 0;
		}
	}
	return -ENOENT;
}
