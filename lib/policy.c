/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy.c - live-migration convergence policy.  Pure: the rules are listed
 * in policy.h; this file must stay free of I/O, clocks and logging.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "ferry/macros.h"
#include "ferry/policy.h"

static const char *const action_names[] = {
        [POLICY_ACT_NONE] = "none",
        [POLICY_ACT_SET_DOWNTIME] = "set_downtime",
        [POLICY_ACT_START_POSTCOPY] = "start_postcopy",
        [POLICY_ACT_ABORT] = "abort",
        [POLICY_ACT_FALLBACK_QUICK] = "fallback_quick",
};
_Static_assert(ELEMENTSOF(action_names) == _POLICY_ACT_MAX, "action_names size");

static const char *const postcopy_names[] = {
        [POLICY_POSTCOPY_OFF] = "off",
        [POLICY_POSTCOPY_AFTER_STALL] = "after-stall",
};
_Static_assert(ELEMENTSOF(postcopy_names) == _POLICY_POSTCOPY_MAX, "postcopy_names size");

static const char *const fallback_names[] = {
        [POLICY_FALLBACK_NONE] = "none",
        [POLICY_FALLBACK_QUICK] = "quick",
};
_Static_assert(ELEMENTSOF(fallback_names) == _POLICY_FALLBACK_MAX, "fallback_names size");

const char *
policy_action_name(enum policy_action_type t)
{
	if ((unsigned)t >= ELEMENTSOF(action_names))
		return NULL;
	return action_names[t];
}

const char *
policy_postcopy_name(enum policy_postcopy v)
{
	if ((unsigned)v >= ELEMENTSOF(postcopy_names))
		return NULL;
	return postcopy_names[v];
}

const char *
policy_fallback_name(enum policy_fallback v)
{
	if ((unsigned)v >= ELEMENTSOF(fallback_names))
		return NULL;
	return fallback_names[v];
}

static int
lookup_name(const char *const *table, size_t n, const char *name)
{
	if (name == NULL)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i], name) == 0)
			return (int)i;
	return -EINVAL;
}

int
policy_postcopy_from_name(const char *name, enum policy_postcopy *ret)
{
	int i = lookup_name(postcopy_names, ELEMENTSOF(postcopy_names), name);

	if (i < 0)
		return i;
	*ret = (enum policy_postcopy)i;
	return 0;
}

int
policy_fallback_from_name(const char *name, enum policy_fallback *ret)
{
	int i = lookup_name(fallback_names, ELEMENTSOF(fallback_names), name);

	if (i < 0)
		return i;
	*ret = (enum policy_fallback)i;
	return 0;
}

void
policy_config_default(struct policy_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_downtime_ms = POLICY_DEFAULT_MAX_DOWNTIME_MS;
	cfg->n_downtime_steps = 0;
	cfg->postcopy = POLICY_POSTCOPY_OFF;
	cfg->fallback = POLICY_FALLBACK_NONE;
	cfg->stall_samples = 0;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int
policy_parse_steps(const char *text, struct policy_config *cfg)
{
	uint32_t steps[POLICY_MAX_STEPS];
	size_t n = 0;
	const char *p = text;

	if (text == NULL || cfg == NULL)
		return -EINVAL;

	while (is_blank(*p))
		p++;
	if (*p == '\0') {
		cfg->n_downtime_steps = 0;
		return 0;
	}

	for (;;) {
		uint32_t v = 0;
		size_t digits = 0;

		while (is_blank(*p))
			p++;
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (uint32_t)(*p - '0');
			if (v > POLICY_STEP_MAX_MS)
				return -EINVAL; /* also stops overflow */
			p++;
			digits++;
		}
		if (digits == 0 || v < POLICY_STEP_MIN_MS)
			return -EINVAL;
		if (n == POLICY_MAX_STEPS)
			return -EINVAL;
		if (n > 0 && v <= steps[n - 1])
			return -EINVAL;
		steps[n++] = v;

		while (is_blank(*p))
			p++;
		if (*p == '\0')
			break;
		if (*p != ',')
			return -EINVAL;
		p++;
	}

	memcpy(cfg->downtime_steps_ms, steps, n * sizeof(steps[0]));
	cfg->n_downtime_steps = n;
	return 0;
}

void
policy_init(struct policy *p, const struct policy_config *cfg, uint64_t deadline_ms)
{
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	if (p->cfg.n_downtime_steps > POLICY_MAX_STEPS)
		p->cfg.n_downtime_steps = POLICY_MAX_STEPS;
	if (p->cfg.stall_samples == 0)
		p->cfg.stall_samples = POLICY_DEFAULT_STALL_SAMPLES;
	p->deadline_ms = deadline_ms;
	p->best_remaining_bytes = UINT64_MAX;
	p->samples_without_progress = 0;
	p->next_step = 0;
	p->downtime_ms = p->cfg.max_downtime_ms;
	p->postcopy_started = false;
	p->finished = false;
	p->progress_iteration = 0;
	p->stalls = 0;
}

static uint64_t
mul_div_sat(uint64_t a, uint64_t b, uint64_t d)
{
	unsigned __int128 r = (unsigned __int128)a * b / d;

	return r > UINT64_MAX ? UINT64_MAX : (uint64_t)r;
}

/* Remaining memory that QEMU can send in one pause at the limit in force. */
static bool
fits_in_pause(const struct policy *p, const struct policy_sample *s)
{
	if (s->data_remaining_bytes == 0)
		return true;
	return s->data_remaining_bytes <= mul_div_sat(s->mem_bps, p->downtime_ms, 1000);
}

static bool
is_progress(const struct policy *p, const struct policy_sample *s)
{
	uint64_t best = p->best_remaining_bytes;
	uint64_t margin;

	if (best == UINT64_MAX)
		return true; /* first sample */
	margin = best / POLICY_PROGRESS_DIV;
	if (margin < POLICY_PROGRESS_MIN_BYTES)
		margin = POLICY_PROGRESS_MIN_BYTES;
	if (margin > POLICY_PROGRESS_MAX_BYTES)
		margin = POLICY_PROGRESS_MAX_BYTES;
	return best >= margin && s->data_remaining_bytes <= best - margin;
}

static bool
is_stall(const struct policy *p, const struct policy_sample *s)
{
	if (p->samples_without_progress < p->cfg.stall_samples)
		return false;
	if (s->mem_iteration == 0)
		return true; /* passes unknown: samples alone decide */
	return s->mem_iteration >= p->progress_iteration + POLICY_STALL_PASSES;
}

static struct policy_action
act(enum policy_action_type t, uint32_t downtime_ms)
{
	struct policy_action a = {.type = t, .downtime_ms = downtime_ms};

	return a;
}

static void
restart_count(struct policy *p, const struct policy_sample *s)
{
	p->samples_without_progress = 0;
	p->progress_iteration = s->mem_iteration;
}

struct policy_action
policy_step(struct policy *p, const struct policy_sample *s)
{
	if (p->finished)
		return act(POLICY_ACT_NONE, 0);

	if (s->elapsed_ms >= p->deadline_ms) {
		if (p->postcopy_started)
			return act(POLICY_ACT_NONE, 0);
		p->finished = true;
		if (p->cfg.fallback == POLICY_FALLBACK_QUICK)
			return act(POLICY_ACT_FALLBACK_QUICK, 0);
		return act(POLICY_ACT_ABORT, 0);
	}

	if (p->postcopy_started)
		return act(POLICY_ACT_NONE, 0);

	/* first: a dip under the floor must not become the best to beat */
	if (fits_in_pause(p, s))
		return act(POLICY_ACT_NONE, 0); /* neither progress nor a stalled sample */
	if (is_progress(p, s)) {
		p->best_remaining_bytes = s->data_remaining_bytes;
		restart_count(p, s);
		return act(POLICY_ACT_NONE, 0);
	}

	if (p->samples_without_progress < UINT32_MAX)
		p->samples_without_progress++;
	if (!is_stall(p, s))
		return act(POLICY_ACT_NONE, 0);

	p->stalls++;
	restart_count(p, s);

	while (p->next_step < p->cfg.n_downtime_steps) {
		uint32_t step = p->cfg.downtime_steps_ms[p->next_step++];

		if (step > p->downtime_ms) {
			p->downtime_ms = step;
			return act(POLICY_ACT_SET_DOWNTIME, step);
		}
	}
	if (p->cfg.postcopy == POLICY_POSTCOPY_AFTER_STALL) {
		p->postcopy_started = true;
		return act(POLICY_ACT_START_POSTCOPY, 0);
	}
	return act(POLICY_ACT_NONE, 0);
}

uint64_t
policy_predict_downtime_ms(uint64_t dirty_bytes_s, uint64_t bps, uint64_t mem_bytes)
{
	unsigned __int128 ms;
	uint64_t dirty_after_pass;

	if (bps == 0)
		return UINT64_MAX;
	/* bytes dirtied while one pass sends mem_bytes, capped by the working set */
	dirty_after_pass = mul_div_sat(dirty_bytes_s, mem_bytes, bps);
	if (dirty_after_pass > mem_bytes)
		dirty_after_pass = mem_bytes;
	/* rounded up: a pause is never shorter than predicted because of rounding */
	ms = ((unsigned __int128)dirty_after_pass * 1000 + bps - 1) / bps;
	return ms > UINT64_MAX ? UINT64_MAX : (uint64_t)ms;
}
