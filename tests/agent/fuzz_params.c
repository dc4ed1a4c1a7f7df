/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_params.c - libFuzzer target for the agent's parameter parser
 * (params_parse and params_expand_node in agents/params.c): the resource's
 * parameters come from the CIB, i.e. from whoever may edit it.
 *
 * The input is the environment: one "KEY=VALUE" per line (at most 256).
 * No crash, and the result is usable whatever the verdict: every string
 * terminated, enums in range, and the %n expansion of the URIs (with
 * VirtualDomain's migration_network_suffix) either fits or says it does not.
 *
 * Built with --enable-fuzz (clang); test_replay_params runs the same
 * function over fuzz/params in every "make check".
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENV 256

static void
check_str(const char *s, size_t len)
{
	if (strnlen(s, len) >= len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *env[MAX_ENV + 1];
	struct ocf_reason why;
	struct vm_params p;
	char uri[PARAMS_URI_MAX];
	size_t n = 0;
	char *text, *line, *nl;
	int r;

	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = text; n < MAX_ENV && line != NULL; line = nl) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		env[n++] = line;
	}
	env[n] = NULL;

	memset(&why, 0, sizeof(why));
	(void)params_parse(env, &p, &why);
	check_str(why.text, sizeof(why.text));
	check_str(p.config, sizeof(p.config));
	check_str(p.hypervisor, sizeof(p.hypervisor));
	check_str(p.remote_uri, sizeof(p.remote_uri));
	check_str(p.migration_uri, sizeof(p.migration_uri));
	check_str(p.save_dir, sizeof(p.save_dir));
	check_str(p.probe_address, sizeof(p.probe_address));
	check_str(p.network_suffix, sizeof(p.network_suffix));
	check_str(p.unknown, sizeof(p.unknown));
	check_str(p.migrate_target, sizeof(p.migrate_target));
	check_str(p.migrate_source, sizeof(p.migrate_source));
	check_str(p.on_node, sizeof(p.on_node));
	check_str(p.resource, sizeof(p.resource));
	check_str(p.rsctmp, sizeof(p.rsctmp));
	if ((unsigned)p.move >= _PARAMS_MOVE_MAX || (unsigned)p.on_stop >= _PARAMS_ON_STOP_MAX)
		abort();
	if (params_move_name(p.move) == NULL || params_on_stop_name(p.on_stop) == NULL)
		abort();

	r = params_expand_node(p.remote_uri, p.migrate_target, uri, sizeof(uri));
	if (r == 0)
		check_str(uri, sizeof(uri));
	else if (r != -ENAMETOOLONG)
		abort();
	/* the URIs as moves build them, with migration_network_suffix */
	for (int k = PARAMS_URI_REMOTE; k <= PARAMS_URI_MIGRATION; k++) {
		r = params_target_uri(&p, (enum params_uri)k, p.migrate_target, uri, sizeof(uri));
		if (r == 0)
			check_str(uri, sizeof(uri));
		else if (r != -ENAMETOOLONG)
			abort();
	}
	free(text);
	return 0;
}
