/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * drain-scenario - run the drain planner (lib/drainplan.c) on a scenario
 * file and print the plan (text, or --json).  Used by the golden tests.
 *
 *   drain-scenario [--json] FILE|-
 *
 * A scenario file holds lines ('#' starts a comment):
 *   parallel N                 moves at once (default 1; 0 is refused by the planner)
 *   order NAME                 default, priority, smallest-gap-first, largest-first
 *   overhead MS FROM...        the cluster's overhead around each move, and its source
 *   vm RESOURCE [KEY=VALUE...] one VM of the node; keys: vm (its domain name,
 *                              default the resource), priority, mem_mib, move
 *                              (live, quick, restart), target (Pacemaker's
 *                              choice; none = it would stop the VM), gap_ms,
 *                              duration_ms
 *   blocked RESOURCE REASON... why that VM cannot move
 *   note RESOURCE TEXT...      a remark on its prediction
 * Exit 0 with the plan; 2 with "error: ..." on stdout when the input or
 * the planner refuses (golden files record that too).
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/drainplan.h"
#include "ferry/numparse.h"

/* one more than the planner takes, so that "too many" reaches it */
#define SCENARIO_MAX_VMS (DRAIN_MAX_VMS + 1)

struct scenario {
	struct drain_vm vms[SCENARIO_MAX_VMS];
	size_t n;
	struct drain_opts opts;
	char overhead_from[DRAIN_NOTE_MAX];
};

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int
copy(char *dst, size_t len, const char *src)
{
	if (strlen(src) >= len)
		return -ENAMETOOLONG;
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static struct drain_vm *
find(struct scenario *sc, const char *rsc)
{
	for (size_t i = 0; i < sc->n; i++)
		if (strcmp(sc->vms[i].resource, rsc) == 0)
			return &sc->vms[i];
	return NULL;
}

static int
vm_key(struct drain_vm *v, const char *key, const char *val)
{
	uint32_t u;
	uint64_t mib;
	long prio;
	char *end;

	if (strcmp(key, "vm") == 0)
		return copy(v->vm, sizeof(v->vm), val);
	if (strcmp(key, "target") == 0)
		return copy(v->target, sizeof(v->target), strcmp(val, "none") == 0 ? "" : val);
	if (strcmp(key, "move") == 0)
		return drain_move_from_name(val, &v->move) == 0 ? 0 : -EINVAL;
	if (strcmp(key, "priority") == 0) {
		errno = 0;
		prio = strtol(val, &end, 10);
		if (errno != 0 || end == val || *end != '\0' || prio < INT32_MIN ||
		    prio > INT32_MAX)
			return -EINVAL;
		v->priority = (int32_t)prio;
		return 0;
	}
	if (strcmp(key, "mem_mib") == 0) {
		if (ferry_parse_u64(val, &mib) != 0 || mib > UINT64_MAX / (1024 * 1024))
			return -EINVAL;
		v->memory_bytes = mib * 1024 * 1024;
		return 0;
	}
	if (strcmp(key, "gap_ms") == 0 || strcmp(key, "duration_ms") == 0) {
		if (ferry_parse_u32_range(val, 0, UINT32_MAX, &u) != 0)
			return -EINVAL;
		if (key[0] == 'g')
			v->predicted_gap_ms = u;
		else
			v->predicted_duration_ms = u;
		return 0;
	}
	return -ENOENT;
}

static int
line_vm(struct scenario *sc, char *rest, const char *where, unsigned line)
{
	char *save = NULL;
	char *tok = strtok_r(rest, " \t", &save);
	struct drain_vm *v;

	if (tok == NULL) {
		printf("error: %s:%u: vm needs a resource id\n", where, line);
		return -EINVAL;
	}
	if (sc->n == SCENARIO_MAX_VMS) {
		printf("error: %s:%u: more than %d VMs\n", where, line, SCENARIO_MAX_VMS);
		return -EINVAL;
	}
	v = &sc->vms[sc->n++];
	if (copy(v->resource, sizeof(v->resource), tok) != 0 ||
	    copy(v->vm, sizeof(v->vm), tok) != 0) {
		printf("error: %s:%u: resource id too long\n", where, line);
		return -EINVAL;
	}
	v->move = DRAIN_MOVE_LIVE;
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		char *eq = strchr(tok, '=');
		int rc;

		if (eq == NULL) {
			printf("error: %s:%u: %s: expected KEY=VALUE\n", where, line, tok);
			return -EINVAL;
		}
		*eq = '\0';
		rc = vm_key(v, tok, eq + 1);
		if (rc != 0) {
			printf("error: %s:%u: %s=%s: %s\n", where, line, tok, eq + 1,
			       rc == -ENOENT ? "unknown key" : "bad value");
			return -EINVAL;
		}
	}
	return 0;
}

/* blocked/note RESOURCE TEXT... */
static int
line_text(struct scenario *sc, const char *what, char *rest, const char *where, unsigned line)
{
	char *sp = strpbrk(rest, " \t");
	struct drain_vm *v;

	if (sp == NULL) {
		printf("error: %s:%u: %s needs a resource and a text\n", where, line, what);
		return -EINVAL;
	}
	*sp = '\0';
	v = find(sc, rest);
	if (v == NULL) {
		printf("error: %s:%u: %s: no vm %s before it\n", where, line, what, rest);
		return -EINVAL;
	}
	if (strcmp(what, "blocked") == 0 ? copy(v->blocked, sizeof(v->blocked), trim(sp + 1))
	                                 : copy(v->note, sizeof(v->note), trim(sp + 1))) {
		printf("error: %s:%u: %s text too long\n", where, line, what);
		return -EINVAL;
	}
	return 0;
}

static int
read_scenario(FILE *f, const char *where, struct scenario *sc)
{
	char buf[1024];
	unsigned line = 0;

	while (fgets(buf, sizeof(buf), f) != NULL) {
		char *s, *hash, *sp, *rest;

		line++;
		hash = strchr(buf, '#');
		if (hash != NULL)
			*hash = '\0';
		s = trim(buf);
		if (*s == '\0')
			continue;
		sp = strpbrk(s, " \t");
		if (sp == NULL) {
			printf("error: %s:%u: expected NAME VALUE\n", where, line);
			return -EINVAL;
		}
		*sp = '\0';
		rest = trim(sp + 1);
		if (strcmp(s, "parallel") == 0) {
			if (ferry_parse_u32_range(rest, 0, UINT32_MAX, &sc->opts.parallel) != 0) {
				printf("error: %s:%u: parallel %s: bad value\n", where, line, rest);
				return -EINVAL;
			}
		} else if (strcmp(s, "order") == 0) {
			if (drain_order_from_name(rest, &sc->opts.order) != 0) {
				printf("error: %s:%u: order %s: unknown\n", where, line, rest);
				return -EINVAL;
			}
		} else if (strcmp(s, "overhead") == 0) {
			char *from = strpbrk(rest, " \t");

			if (from != NULL)
				*from++ = '\0';
			if (ferry_parse_u32_range(rest, 0, UINT32_MAX, &sc->opts.overhead_ms) !=
			            0 ||
			    from == NULL ||
			    copy(sc->overhead_from, sizeof(sc->overhead_from), trim(from)) != 0) {
				printf("error: %s:%u: overhead %s: give MS FROM...\n", where, line,
				       rest);
				return -EINVAL;
			}
			sc->opts.overhead_from = sc->overhead_from;
		} else if (strcmp(s, "vm") == 0) {
			if (line_vm(sc, rest, where, line) != 0)
				return -EINVAL;
		} else if (strcmp(s, "blocked") == 0 || strcmp(s, "note") == 0) {
			if (line_text(sc, s, rest, where, line) != 0)
				return -EINVAL;
		} else {
			printf("error: %s:%u: %s: unknown line\n", where, line, s);
			return -EINVAL;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct scenario sc;
	struct drain_plan plan;
	bool json = false;
	const char *path;
	FILE *f;
	int i = 1, rc;

	if (i < argc && strcmp(argv[i], "--json") == 0) {
		json = true;
		i++;
	}
	if (argc - i != 1) {
		fprintf(stderr, "usage: drain-scenario [--json] FILE|-\n");
		return 2;
	}
	path = argv[i];
	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	if (f == NULL) {
		printf("error: %s: %s\n", path, strerror(errno));
		return 2;
	}
	sc.opts.parallel = 1;
	sc.opts.order = DRAIN_ORDER_DEFAULT;
	rc = read_scenario(f, strcmp(path, "-") == 0 ? "stdin" : "scenario", &sc);
	if (f != stdin)
		fclose(f);
	if (rc != 0)
		return 2;
	rc = drainplan_build(sc.vms, sc.n, &sc.opts, &plan);
	if (rc != 0) {
		printf("error: drainplan_build: %s (parallel %" PRIu32 ", %zu VMs)\n",
		       strerror(-rc), sc.opts.parallel, sc.n);
		return 2;
	}
	drainplan_print(sc.vms, sc.n, &plan, stdout, json);
	return 0;
}
