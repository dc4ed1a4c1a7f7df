/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * drainplan.c - the maintenance drain's plan (pure; see drainplan.h).
 *
 * The VMs that can move are sorted by the drain's order (every order ends
 * with the resource id, so the plan never depends on the caller's array
 * order), then cut into waves of at most `parallel` moves.  A wave starts
 * when the one before it has ended: its moves start together and the wave
 * lasts as long as its longest move.  The VMs that cannot move are listed
 * apart, sorted by resource id.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/drainplan.h"

const char *
drain_move_name(enum drain_move m)
{
	return ferry_move_asked_name((unsigned)m);
}

int
drain_move_from_name(const char *s, enum drain_move *ret)
{
	enum ferry_move_kind k;

	if (ferry_move_asked_from_name(s, &k) != 0)
		return -ENOENT;
	*ret = (enum drain_move)k;
	return 0;
}

FERRY_ENUM_IMPL(drain_order, enum drain_order, _DRAIN_ORDER_MAX, "default", "priority",
                "smallest-gap-first", "largest-first");

static bool
drainplan_is_blocked(const struct drain_vm *v)
{
	return v->blocked[0] != '\0' || v->target[0] == '\0';
}

static int
drainplan_cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

/* Highest priority first. */
static int
drainplan_cmp_prio(const struct drain_vm *a, const struct drain_vm *b)
{
	return a->priority > b->priority ? -1 : a->priority < b->priority ? 1 : 0;
}

/* < 0 when a moves before b under order o. */
static int
drainplan_cmp(const struct drain_vm *a, const struct drain_vm *b, enum drain_order o)
{
	int c = 0;

	switch (o) {
	case DRAIN_ORDER_DEFAULT:
		c = drainplan_cmp_prio(a, b);
		if (c == 0)
			c = drainplan_cmp_u64(a->predicted_duration_ms, b->predicted_duration_ms);
		break;
	case DRAIN_ORDER_PRIORITY:
		c = drainplan_cmp_prio(a, b);
		break;
	case DRAIN_ORDER_SMALLEST_GAP:
		c = drainplan_cmp_u64(a->predicted_gap_ms, b->predicted_gap_ms);
		if (c == 0)
			c = drainplan_cmp_u64(a->predicted_duration_ms, b->predicted_duration_ms);
		break;
	case DRAIN_ORDER_LARGEST:
		c = drainplan_cmp_u64(b->memory_bytes, a->memory_bytes);
		break;
	case _DRAIN_ORDER_MAX:
		break;
	}
	if (c == 0)
		c = strcmp(a->resource, b->resource);
	if (c == 0)
		c = strcmp(a->vm, b->vm);
	return c;
}

/* Insertion sort of the indexes idx[0..n) (n <= DRAIN_MAX_VMS): stable. */
static void
drainplan_sort(const struct drain_vm *vms, uint32_t *idx, size_t n, enum drain_order o)
{
	for (size_t i = 1; i < n; i++) {
		uint32_t x = idx[i];
		size_t j = i;

		while (j > 0 && drainplan_cmp(&vms[x], &vms[idx[j - 1]], o) < 0) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = x;
	}
}

int
drainplan_build(const struct drain_vm *vms, size_t n, const struct drain_opts *opts,
                struct drain_plan *ret)
{
	uint32_t movable[DRAIN_MAX_VMS];
	struct drain_plan p;
	size_t n_movable = 0;
	uint64_t wave_start = 0, wave_end = 0;

	if (opts == NULL || ret == NULL || (vms == NULL && n > 0))
		return -EINVAL;
	if (opts->parallel == 0 || n > DRAIN_MAX_VMS || (unsigned)opts->order >= _DRAIN_ORDER_MAX)
		return -EINVAL;
	if (opts->overhead_from != NULL && strlen(opts->overhead_from) >= sizeof(p.overhead_from))
		return -EINVAL;
	memset(&p, 0, sizeof(p));
	p.parallel = opts->parallel;
	p.order = opts->order;
	p.overhead_ms = opts->overhead_ms;
	if (opts->overhead_from != NULL)
		memcpy(p.overhead_from, opts->overhead_from, strlen(opts->overhead_from) + 1);
	for (size_t i = 0; i < n; i++) {
		if (drainplan_is_blocked(&vms[i]))
			p.blocked[p.n_blocked++] = (uint32_t)i;
		else
			movable[n_movable++] = (uint32_t)i;
	}
	drainplan_sort(vms, movable, n_movable, opts->order);
	drainplan_sort(vms, p.blocked, p.n_blocked, DRAIN_ORDER_PRIORITY);

	for (size_t i = 0; i < n_movable; i++) {
		const struct drain_vm *v = &vms[movable[i]];
		struct drain_step *s = &p.steps[i];

		if (i % opts->parallel == 0) {
			wave_start = wave_end;
			p.n_waves++;
		}
		s->vm = movable[i];
		s->wave = p.n_waves - 1;
		s->predicted_start_ms = wave_start;
		s->predicted_end_ms = wave_start + v->predicted_duration_ms + opts->overhead_ms;
		if (s->predicted_end_ms > wave_end)
			wave_end = s->predicted_end_ms;
		p.predicted_gap_sum_ms += v->predicted_gap_ms;
		if (v->predicted_gap_ms > p.predicted_gap_max_ms)
			p.predicted_gap_max_ms = v->predicted_gap_ms;
	}
	p.n_steps = n_movable;
	p.predicted_ms = wave_end;
	*ret = p;
	return 0;
}

static int
drainplan_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

int
drainplan_overhead(const int64_t *excess, size_t n, uint32_t *ret)
{
	int64_t sorted[DRAIN_MAX_VMS * 4], m;
	size_t k = n;

	if (ret == NULL || (excess == NULL && n > 0))
		return -EINVAL;
	if (n < DRAIN_OVERHEAD_MIN_SAMPLES)
		return -ENODATA;
	/* the latest samples count: the caller passes them oldest first */
	if (k > sizeof(sorted) / sizeof(sorted[0]))
		k = sizeof(sorted) / sizeof(sorted[0]);
	memcpy(sorted, excess + (n - k), k * sizeof(sorted[0]));
	qsort(sorted, k, sizeof(sorted[0]), drainplan_cmp_i64);
	m = k % 2 == 1 ? sorted[k / 2] : (sorted[k / 2 - 1] + sorted[k / 2]) / 2;
	*ret = m <= 0 ? 0 : m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
	return 0;
}

/* ---- output ----------------------------------------------------------------- */

void
drainplan_json_str(const char *s, FILE *f)
{
	const unsigned char *c = (const unsigned char *)s;

	fputc('"', f);
	for (; *c != '\0'; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

static const char *
drainplan_reason(const struct drain_vm *v)
{
	return v->blocked[0] != '\0' ? v->blocked : "Pacemaker gives it no target";
}

static void
drainplan_print_text(const struct drain_vm *vms, const struct drain_plan *p, FILE *f)
{
	fprintf(f, "plan: %zu move%s in %" PRIu32 " wave%s (parallel %" PRIu32 ", order %s)",
	        p->n_steps, p->n_steps == 1 ? "" : "s", p->n_waves, p->n_waves == 1 ? "" : "s",
	        p->parallel, drain_order_name(p->order));
	if (p->n_blocked > 0)
		fprintf(f, ", %zu blocked", p->n_blocked);
	fputc('\n', f);
	if (p->n_steps > 0) {
		fprintf(f, "  %3s %4s  %-16s %-16s %-12s %-7s %8s %9s %9s %9s  %s\n", "#", "wave",
		        "resource", "vm", "target", "move", "prio", "gap_ms", "dur_ms", "start_ms",
		        "end_ms");
		for (size_t i = 0; i < p->n_steps; i++) {
			const struct drain_step *s = &p->steps[i];
			const struct drain_vm *v = &vms[s->vm];

			fprintf(f,
			        "  %3zu %4" PRIu32 "  %-16s %-16s %-12s %-7s %8" PRId32 " %9" PRIu32
			        " %9" PRIu32 " %9" PRIu64 " %9" PRIu64 "\n",
			        i + 1, s->wave + 1, v->resource, v->vm, v->target,
			        drain_move_name(v->move), v->priority, v->predicted_gap_ms,
			        v->predicted_duration_ms, s->predicted_start_ms,
			        s->predicted_end_ms);
			if (v->note[0] != '\0')
				fprintf(f, "        %s: %s\n", v->resource, v->note);
		}
	}
	if (p->n_blocked > 0) {
		fprintf(f, "blocked (cannot move):\n");
		for (size_t i = 0; i < p->n_blocked; i++) {
			const struct drain_vm *v = &vms[p->blocked[i]];

			fprintf(f, "  %-16s %-16s %s\n", v->resource, v->vm, drainplan_reason(v));
		}
	}
	fprintf(f,
	        "predicted drain time %" PRIu64 " ms, gap sum %" PRIu64 " ms, worst gap %" PRIu32
	        " ms\n",
	        p->predicted_ms, p->predicted_gap_sum_ms, p->predicted_gap_max_ms);
	if (p->overhead_from[0] != '\0')
		fprintf(f,
		        "  (each move counted with %" PRIu32
		        " ms of cluster overhead, Pacemaker's transition around it: %s)\n",
		        p->overhead_ms, p->overhead_from);
}

void
drainplan_print_json(const struct drain_vm *vms, size_t n, const struct drain_plan *p, FILE *f)
{
	(void)n;
	fprintf(f, "{\"parallel\":%" PRIu32 ",\"order\":", p->parallel);
	drainplan_json_str(drain_order_name(p->order), f);
	fprintf(f, ",\"waves\":%" PRIu32 ",\"moves\":[", p->n_waves);
	for (size_t i = 0; i < p->n_steps; i++) {
		const struct drain_step *s = &p->steps[i];
		const struct drain_vm *v = &vms[s->vm];

		fprintf(f, "%s{\"order\":%zu,\"wave\":%" PRIu32 ",\"resource\":", i > 0 ? "," : "",
		        i + 1, s->wave + 1);
		drainplan_json_str(v->resource, f);
		fputs(",\"vm\":", f);
		drainplan_json_str(v->vm, f);
		fputs(",\"target\":", f);
		drainplan_json_str(v->target, f);
		fprintf(f, ",\"move\":\"%s\",\"priority\":%" PRId32 ",\"memory_bytes\":%" PRIu64,
		        drain_move_name(v->move), v->priority, v->memory_bytes);
		fprintf(f,
		        ",\"predicted_gap_ms\":%" PRIu32 ",\"predicted_duration_ms\":%" PRIu32
		        ",\"predicted_start_ms\":%" PRIu64 ",\"predicted_end_ms\":%" PRIu64
		        ",\"note\":",
		        v->predicted_gap_ms, v->predicted_duration_ms, s->predicted_start_ms,
		        s->predicted_end_ms);
		if (v->note[0] != '\0')
			drainplan_json_str(v->note, f);
		else
			fputs("null", f);
		fputc('}', f);
	}
	fputs("],\"blocked\":[", f);
	for (size_t i = 0; i < p->n_blocked; i++) {
		const struct drain_vm *v = &vms[p->blocked[i]];

		fprintf(f, "%s{\"resource\":", i > 0 ? "," : "");
		drainplan_json_str(v->resource, f);
		fputs(",\"vm\":", f);
		drainplan_json_str(v->vm, f);
		fputs(",\"reason\":", f);
		drainplan_json_str(drainplan_reason(v), f);
		fputc('}', f);
	}
	fprintf(f,
	        "],\"predicted_ms\":%" PRIu64 ",\"predicted_gap_sum_ms\":%" PRIu64
	        ",\"predicted_gap_max_ms\":%" PRIu32 ",\"overhead_ms\":%" PRIu32
	        ",\"overhead_from\":",
	        p->predicted_ms, p->predicted_gap_sum_ms, p->predicted_gap_max_ms, p->overhead_ms);
	if (p->overhead_from[0] != '\0')
		drainplan_json_str(p->overhead_from, f);
	else
		fputs("null", f);
	fputc('}', f);
}

void
drainplan_print(const struct drain_vm *vms, size_t n, const struct drain_plan *p, FILE *f,
                bool json)
{
	if (json) {
		drainplan_print_json(vms, n, p, f);
		fputc('\n', f);
	} else {
		drainplan_print_text(vms, p, f);
	}
}
