/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_policy - libFuzzer target (./configure --enable-fuzz CC=clang).
 * The first line goes to policy_parse_steps; the rest of the input drives a
 * config and a sample sequence through policy_step, and the engine's
 * promises are checked (see test_properties_random in test_policy.c).
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t
take(const uint8_t **p, size_t *left, size_t bytes)
{
	uint64_t v = 0;

	for (size_t i = 0; i<bytes && * left> 0; i++) {
		v = v << 8 | **p;
		(*p)++;
		(*left)--;
	}
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_config cfg;
	struct policy p;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t first = nl != NULL ? (size_t)(nl - data) : size;
	const uint8_t *cur;
	size_t left;
	char *text = malloc(first + 1);
	uint64_t deadline;
	uint32_t last_set = 0;
	bool ended = false, in_postcopy = false;

	if (text == NULL)
		return 0;
	memcpy(text, data, first);
	text[first] = '\0';
	policy_config_default(&cfg);
	if (policy_parse_steps(text, &cfg) == 0) {
		if (cfg.n_downtime_steps > POLICY_MAX_STEPS)
			abort();
		for (size_t i = 1; i < cfg.n_downtime_steps; i++)
			if (cfg.downtime_steps_ms[i] <= cfg.downtime_steps_ms[i - 1])
				abort();
	} else if (cfg.n_downtime_steps != 0) {
		abort(); /* changed on failure */
	}
	free(text);

	cur = data + first;
	left = size - first;
	cfg.max_downtime_ms = (uint32_t)take(&cur, &left, 2);
	cfg.postcopy = (enum policy_postcopy)(take(&cur, &left, 1) % _POLICY_POSTCOPY_MAX);
	cfg.fallback = (enum policy_fallback)(take(&cur, &left, 1) % _POLICY_FALLBACK_MAX);
	cfg.stall_samples = (uint32_t)take(&cur, &left, 1) % 16;
	deadline = take(&cur, &left, 3);
	policy_init(&p, &cfg, deadline);

	while (left > 0) {
		struct policy_sample s = {0};
		struct policy_action a;

		s.elapsed_ms = take(&cur, &left, 3);
		s.data_remaining_bytes = take(&cur, &left, 5);
		s.mem_iteration = take(&cur, &left, 1);
		s.mem_bps = take(&cur, &left, 4);
		a = policy_step(&p, &s);
		if (ended && a.type != POLICY_ACT_NONE)
			abort();
		switch (a.type) {
		case POLICY_ACT_NONE:
			break;
		case POLICY_ACT_SET_DOWNTIME:
			if (in_postcopy || a.downtime_ms <= last_set ||
			    a.downtime_ms <= cfg.max_downtime_ms)
				abort();
			last_set = a.downtime_ms;
			break;
		case POLICY_ACT_START_POSTCOPY:
			if (in_postcopy || cfg.postcopy != POLICY_POSTCOPY_AFTER_STALL)
				abort();
			in_postcopy = true;
			break;
		case POLICY_ACT_ABORT:
		case POLICY_ACT_FALLBACK_QUICK:
			if (in_postcopy || s.elapsed_ms < deadline)
				abort();
			ended = true;
			break;
		default:
			abort();
		}
	}
	return 0;
}
