/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctldrun.c - a maintenance drain as the user drives it:
 *
 *   ferryctl [--json] drain NODE [--yes] [--force] [--parallel N] [--order O]
 *            [--move M] [--at "YYYY-MM-DD HH:MM" [--window 2h]]
 *   ferryctl [--json] drain --list | --cancel ID | --report [ID]
 *   ferryctl [--json] undrain NODE [--parallel N]
 *
 * ferryctl plans (ctldrain_gather + drainplan_build: Pacemaker's own
 * targets), shows the plan, asks, and hands it to the local ferryd; from
 * then on the drain is ferryd's (a replicated record in its ledger, carried
 * out by one ferryd through Pacemaker), so ferryctl only follows it: one
 * line per VM as it starts and ends, until the report.  Ctrl-C or a lost
 * terminal stops the following, not the drain.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ferry/client.h"
#include "ctlconn.h"
#include "ctldrain.h"
#include "ctldrun.h"
#include "ferry/drainplan.h"
#include "ferry/movekind.h"
#include "ferry/textout.h"
#include "ferryctl.h"

struct ctldrun {
	bool json;
	bool yes;
	bool force;
	bool plan;
	bool list;
	bool report;
	bool cancel;
	uint32_t id;
	uint32_t parallel; /* 0 = default */
	const char *order;
	const char *move;
	const char *at;
	const char *window;
	const char *node;
	bool undrain;
};

static volatile sig_atomic_t ctldrun_stop;

static void
ctldrun_on_signal(int sig)
{
	(void)sig;
	ctldrun_stop = 1;
}

/* ---- small helpers --------------------------------------------------------- */

static void
jstr(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
fmt_dur(int64_t ms, char *buf, size_t len)
{
	if (ms < 0)
		snprintf(buf, len, "-");
	else if (ms < 1000)
		snprintf(buf, len, "%" PRId64 " ms", ms);
	else if (ms < 120000)
		snprintf(buf, len, "%.1f s", (double)ms / 1000.0);
	else
		snprintf(buf, len, "%" PRId64 "m%02" PRId64 "s", ms / 60000, (ms / 1000) % 60);
}

/* A drain step's planned kind (drain_move's values, on the wire as a number) */
static const char *
kind_name(uint32_t k)
{
	return k < _DRAIN_MOVE_MAX ? drain_move_name((enum drain_move)k) : "?";
}

/* A recorded move's kind, by movekind.h's table: "?" for a name this ferryctl
 * does not know. */
static bool
mode_of(const struct ferry_ipc_move *mv, enum ferry_move_kind *ret)
{
	char s[sizeof(mv->mode)];

	snprintf(s, sizeof(s), "%.*s", (int)sizeof(s) - 1, mv->mode);
	return ferry_move_kind_from_name(s, ret) == 0;
}

int
ctldrun_parse_at(const char *s, int64_t *ret_unix_ms)
{
	struct tm tm;
	const char *end;
	time_t t;

	if (s == NULL)
		return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d %H:%M", &tm);
	if (end == NULL || *end != '\0')
		return -EINVAL;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*ret_unix_ms = (int64_t)t * 1000;
	return 0;
}

int
ctldrun_parse_window(const char *s, int64_t *ret_ms)
{
	int64_t total = 0;
	bool any = false;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	while (*s != '\0') {
		int64_t v = 0;
		bool digits = false;

		while (*s >= '0' && *s <= '9') {
			if (v > 1000000)
				return -EINVAL;
			v = v * 10 + (*s++ - '0');
			digits = true;
		}
		if (!digits)
			return -EINVAL;
		switch (*s++) {
		case 'h':
			total += v * 3600000;
			break;
		case 'm':
			total += v * 60000;
			break;
		case 's':
			total += v * 1000;
			break;
		default:
			return -EINVAL;
		}
		any = true;
	}
	if (!any || total <= 0)
		return -EINVAL;
	*ret_ms = total;
	return 0;
}

static void
requested_by(char *buf, size_t len)
{
	struct passwd *pw = getpwuid(getuid());
	char host[64] = "?";

	gethostname(host, sizeof(host) - 1);
	snprintf(buf, len, "%s@%s", pw != NULL ? pw->pw_name : "?", host);
}

static int
complain_call(const char *what, int r)
{
	if (r == -EPERM || r == -EACCES) {
		fprintf(stderr, "ferryctl: ferryd refused to %s: only root may; run it as root\n",
		        what);
		return FERRYCTL_DENIED;
	}
	fprintf(stderr, "ferryctl: cannot %s: %s\n", what, strerror(-r));
	return FERRYCTL_ERROR;
}

/* ---- the plan ---------------------------------------------------------------- */

static void
print_plan(const struct ctldrun *o, const char *node, const struct drain_vm *vms, size_t n_vms,
           const struct ctldrain_other *others, size_t n_others, const struct drain_plan *p,
           uint32_t parallel)
{
	char a[32], b[32];

	(void)n_vms;
	if (o->json) {
		printf("{\"event\":\"plan\",\"node\":");
		jstr(node);
		printf(",\"parallel\":%" PRIu32 ",\"waves\":%" PRIu32 ",\"predicted_ms\":%" PRIu64
		       ",\"predicted_gap_sum_ms\":%" PRIu64 ",\"predicted_gap_max_ms\":%" PRIu32
		       ",\"steps\":[",
		       parallel, p->n_waves, p->predicted_ms, p->predicted_gap_sum_ms,
		       p->predicted_gap_max_ms);
		for (size_t i = 0; i < p->n_steps; i++) {
			const struct drain_vm *v = &vms[p->steps[i].vm];

			printf("%s{\"vm\":", i > 0 ? "," : "");
			jstr(v->vm);
			printf(",\"resource\":");
			jstr(v->resource);
			printf(",\"wave\":%" PRIu32 ",\"move\":\"%s\",\"target\":",
			       p->steps[i].wave + 1, drain_move_name(v->move));
			jstr(v->target);
			printf(",\"predicted_gap_ms\":%" PRIu32
			       ",\"predicted_duration_ms\":%" PRIu32 "}",
			       v->predicted_gap_ms, v->predicted_duration_ms);
		}
		printf("],\"blocked\":[");
		for (size_t i = 0; i < p->n_blocked; i++) {
			const struct drain_vm *v = &vms[p->blocked[i]];

			printf("%s{\"vm\":", i > 0 ? "," : "");
			jstr(v->vm);
			printf(",\"reason\":");
			jstr(v->blocked);
			printf("}");
		}
		printf("],\"overhead_ms\":%" PRIu32 ",\"overhead_from\":", p->overhead_ms);
		jstr(p->overhead_from);
		printf(",\"others\":[");
		for (size_t i = 0; i < n_others; i++) {
			printf("%s{\"resource\":", i > 0 ? "," : "");
			jstr(others[i].resource);
			printf(",\"agent\":");
			jstr(others[i].agent);
			printf(",\"target\":");
			jstr(others[i].target);
			printf("}");
		}
		printf("]}\n");
		fflush(stdout);
		return;
	}
	fmt_dur((int64_t)p->predicted_ms, a, sizeof(a));
	printf("Drain of %s: %zu VMs in %" PRIu32 " waves, %" PRIu32
	       " at a time; predicted drain time %s\n",
	       node, p->n_steps, p->n_waves, parallel, a);
	if (p->n_steps > 0)
		printf("  %-4s %-20s %-20s %-7s %-12s %10s %10s\n", "wave", "vm", "resource",
		       "move", "target", "gap", "duration");
	for (size_t i = 0; i < p->n_steps; i++) {
		const struct drain_vm *v = &vms[p->steps[i].vm];

		fmt_dur(v->predicted_gap_ms, a, sizeof(a));
		fmt_dur(v->predicted_duration_ms, b, sizeof(b));
		printf("  %-4" PRIu32 " %-20s %-20s %-7s %-12s %10s %10s\n", p->steps[i].wave + 1,
		       v->vm, v->resource, drain_move_name(v->move),
		       v->target[0] != '\0' ? v->target : "-", a, b);
	}
	for (size_t i = 0; i < p->n_blocked; i++)
		printf("  cannot move: %s (%s): %s\n", vms[p->blocked[i]].vm,
		       vms[p->blocked[i]].resource, vms[p->blocked[i]].blocked);
	for (size_t i = 0; i < n_others; i++)
		printf("  other resource %s (%s): Pacemaker moves it to %s\n", others[i].resource,
		       others[i].agent,
		       others[i].target[0] != '\0' ? others[i].target : "nowhere (stops)");
	fmt_dur((int64_t)p->predicted_gap_sum_ms, a, sizeof(a));
	fmt_dur(p->predicted_gap_max_ms, b, sizeof(b));
	printf("  predicted guest-visible gaps: sum %s, worst %s\n", a, b);
	if (p->overhead_from[0] != '\0') {
		fmt_dur(p->overhead_ms, a, sizeof(a));
		printf("  each move counted with %s of cluster overhead (Pacemaker's transition "
		       "around it): %s\n",
		       a, p->overhead_from);
	}
}

static bool
confirm(const char *what, bool json)
{
	FILE *out = json ? stderr : stdout; /* with --json, stdout stays JSON */
	char line[16];

	fprintf(out, "%s [y/N] ", what);
	fflush(out);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

/* ---- the report ---------------------------------------------------------------- */

struct measured {
	int64_t gap_ms;
	const char *gap_src; /* "guest-visible", "libvirt", "-" */
	const char *mode;    /* the kind's name: as recorded, else as planned */
	bool restart;        /* the guest rebooted: a restart move */
	int64_t bytes;
	bool found;
};

static void
measure(const struct ferry_ipc_history_rsp *h, const struct ferry_ipc_drain_step *st,
        struct measured *m)
{
	const struct ferry_ipc_move *moves = (const struct ferry_ipc_move *)(h + 1);

	memset(m, 0, sizeof(*m));
	m->gap_ms = -1;
	m->gap_src = "-";
	m->bytes = -1;
	m->mode = kind_name(st->kind);
	m->restart = st->kind == DRAIN_MOVE_RESTART;
	if (h == NULL || st->start_unix_ms < 0)
		return;
	for (uint32_t i = 0; i < h->n; i++) {
		const struct ferry_ipc_move *mv = &moves[i];
		int64_t end = st->end_unix_ms >= 0 ? st->end_unix_ms : INT64_MAX - 10000;
		enum ferry_move_kind k;

		if (strcmp(mv->vm, st->vm) != 0 || mv->start_unix_ms < st->start_unix_ms - 2000 ||
		    mv->start_unix_ms > end + 2000)
			continue;
		m->found = true;
		if (mode_of(mv, &k)) {
			m->mode = ferry_move_kind_name(k);
			m->restart = k == FERRY_MOVE_RESTART;
		} else {
			m->mode = "?";
			m->restart = false;
		}
		m->bytes = mv->bytes;
		if (mv->guest_gap_ms >= 0) {
			m->gap_ms = mv->guest_gap_ms;
			m->gap_src = "guest-visible";
		} else if (mv->downtime_ms >= 0) {
			m->gap_ms = mv->downtime_ms;
			m->gap_src = "libvirt";
		}
	}
}

static void
print_report(const struct ctldrun *o, const struct ferry_ipc_drain_report_rsp *r,
             const struct ferry_ipc_history_rsp *h)
{
	const struct ferry_ipc_drain_info *in = &r->info;
	const struct ferry_ipc_drain_step *st = (const struct ferry_ipc_drain_step *)(r + 1);
	int64_t gap_sum = 0, gap_max = -1, makespan = -1;
	uint32_t reboots = 0, failures = 0, done = 0, skipped = 0;
	char a[32], b[32], c[32], t0[32];

	if (in->start_unix_ms > 0 && in->end_unix_ms > 0)
		makespan = in->end_unix_ms - in->start_unix_ms;
	if (o->json)
		printf("{\"event\":\"report\",\"id\":%" PRIu32 ",\"kind\":\"%s\",\"node\":", in->id,
		       in->kind == FERRY_DRAIN_UNDRAIN ? "undrain" : "drain");
	if (o->json) {
		jstr(in->node);
		printf(",\"state\":");
		jstr(in->state);
		printf(",\"runner\":");
		jstr(in->runner);
		printf(",\"requested_by\":");
		jstr(in->requested_by);
		printf(",\"note\":");
		jstr(in->note);
		printf(",\"at_unix_ms\":%" PRId64 ",\"window_end_unix_ms\":%" PRId64
		       ",\"start_unix_ms\":%" PRId64 ",\"end_unix_ms\":%" PRId64 ",\"vms\":[",
		       in->at_unix_ms, in->window_end_unix_ms, in->start_unix_ms, in->end_unix_ms);
	} else {
		textout_clock(in->start_unix_ms, t0, sizeof(t0));
		printf("%s %" PRIu32 " of %s: %s (runner %s, requested by %s, started %s)\n",
		       in->kind == FERRY_DRAIN_UNDRAIN ? "Undrain" : "Drain", in->id, in->node,
		       in->state, in->runner[0] != '\0' ? in->runner : "none", in->requested_by,
		       t0);
		if (in->note[0] != '\0')
			printf("  note: %s\n", in->note);
		printf("  %-20s %-12s %-12s %-7s %10s %10s %-13s %10s  %s\n", "vm", "from", "to",
		       "move", "pred gap", "gap", "(measured)", "duration", "result");
	}
	for (uint32_t i = 0; i < in->n_steps; i++) {
		struct measured m;
		int64_t dur = st[i].start_unix_ms >= 0 && st[i].end_unix_ms >= 0
		                      ? st[i].end_unix_ms - st[i].start_unix_ms
		                      : -1;

		measure(h, &st[i], &m);
		if (strcmp(st[i].state, "done") == 0)
			done++;
		else if (strcmp(st[i].state, "failed") == 0)
			failures++;
		else if (strcmp(st[i].state, "skipped") == 0)
			skipped++;
		if (strcmp(st[i].result, FERRY_IPC_DRAIN_HA_RESTART) == 0) {
			/* Pacemaker's HA restart, not the planned move */
			m.mode = ferry_move_kind_name(FERRY_MOVE_RESTART);
			m.restart = true;
		}
		if (strcmp(st[i].state, "done") == 0 && m.restart)
			reboots++;
		if (m.gap_ms >= 0) {
			gap_sum += m.gap_ms;
			if (m.gap_ms > gap_max)
				gap_max = m.gap_ms;
		}
		if (o->json) {
			printf("%s{\"vm\":", i > 0 ? "," : "");
			jstr(st[i].vm);
			printf(",\"resource\":");
			jstr(st[i].resource);
			printf(",\"from\":");
			jstr(st[i].from);
			printf(",\"to\":");
			jstr(st[i].to);
			printf(",\"move\":");
			jstr(m.mode);
			printf(",\"wave\":%" PRIu32 ",\"state\":", st[i].wave + 1);
			jstr(st[i].state);
			printf(",\"predicted_gap_ms\":%" PRIu32
			       ",\"predicted_duration_ms\":%" PRIu32 ",\"gap_ms\":%" PRId64
			       ",\"gap_source\":\"%s\",\"duration_ms\":%" PRId64
			       ",\"bytes\":%" PRId64 ",\"result\":",
			       st[i].pred_gap_ms, st[i].pred_duration_ms, m.gap_ms, m.gap_src, dur,
			       m.bytes);
			jstr(st[i].result);
			printf("}");
		} else {
			fmt_dur(st[i].pred_gap_ms, a, sizeof(a));
			fmt_dur(m.gap_ms, b, sizeof(b));
			fmt_dur(dur, c, sizeof(c));
			printf("  %-20s %-12s %-12s %-7s %10s %10s %-13s %10s  %s%s%s\n", st[i].vm,
			       st[i].from[0] != '\0' ? st[i].from : "-",
			       st[i].to[0] != '\0' ? st[i].to : "-", m.mode, a, b, m.gap_src, c,
			       st[i].state, st[i].result[0] != '\0' ? ": " : "", st[i].result);
		}
	}
	if (o->json) {
		printf("],\"makespan_ms\":%" PRId64 ",\"gap_sum_ms\":%" PRId64
		       ",\"gap_max_ms\":%" PRId64 ",\"moved\":%" PRIu32 ",\"failures\":%" PRIu32
		       ",\"skipped\":%" PRIu32 ",\"reboots\":%" PRIu32 "}\n",
		       makespan, gap_sum, gap_max, done, failures, skipped, reboots);
	} else {
		fmt_dur(makespan, a, sizeof(a));
		fmt_dur(gap_sum, b, sizeof(b));
		fmt_dur(gap_max, c, sizeof(c));
		printf("  total: %" PRIu32 " moved, %" PRIu32 " failed, %" PRIu32
		       " skipped; drain time %s; gaps sum %s, worst %s; reboots %" PRIu32 "\n",
		       done, failures, skipped, a, b, c, reboots);
	}
	fflush(stdout);
}

static int
report_once(const struct ctldrun *o, struct ferryclient *c, uint32_t id)
{
	struct ferry_ipc_drain_report_rsp *r = NULL;
	struct ferry_ipc_history_rsp *h = NULL;
	size_t len = 0, hlen = 0;
	int e;

	e = ferryclient_drain_report(c, id, &r, &len);
	if (e < 0)
		return complain_call("read the drain's report", e);
	if (r->found == 0) {
		if (id != 0)
			fprintf(stderr,
			        "ferryctl: no drain %" PRIu32 " (see ferryctl drain --list)\n", id);
		else
			fprintf(stderr, "ferryctl: no drain yet\n");
		free(r);
		return FERRYCTL_ERROR;
	}
	if (ferryclient_history(c, NULL, 0, &h, &hlen) < 0)
		h = NULL; /* the report goes without measured gaps */
	print_report(o, r, h);
	free(h);
	free(r);
	return FERRYCTL_OK;
}

/* ---- following a drain ---------------------------------------------------------- */

/* The cluster's overhead around each move, as the plan this ferryctl submitted counted it (0
 * when it follows a drain it did not plan: ferryd's record does not carry it). */
static uint32_t follow_overhead_ms;

static int64_t
time_left_ms(const struct ferry_ipc_drain_step *st, uint32_t n, int64_t now)
{
	int64_t left = 0;
	uint32_t max_wave = 0;

	for (uint32_t i = 0; i < n; i++)
		if (st[i].wave > max_wave)
			max_wave = st[i].wave;
	for (uint32_t w = 0; w <= max_wave; w++) {
		int64_t wave_left = 0;

		for (uint32_t i = 0; i < n; i++) {
			int64_t l = 0;

			if (st[i].wave != w)
				continue;
			if (strcmp(st[i].state, "pending") == 0)
				l = (int64_t)st[i].pred_duration_ms + follow_overhead_ms;
			else if (strcmp(st[i].state, "running") == 0)
				l = (int64_t)st[i].pred_duration_ms + follow_overhead_ms -
				    (now - st[i].start_unix_ms);
			if (l > wave_left)
				wave_left = l;
		}
		left += wave_left;
	}
	return left;
}

/* A running live move's memory left, from its source node (through ferryd): a line when a
 * new figure came, at most one per VM every 2 s.  An older ferryd has no such request: none. */
static void
follow_progress(const struct ctldrun *o, struct ferryclient *c, uint32_t id,
                const struct ferry_ipc_drain_step *st, uint32_t n, int64_t *last_at)
{
	struct ferry_ipc_drain_progress_rsp *r = NULL;
	const struct ferry_ipc_drain_progress *p;
	size_t len = 0;

	if (ferryclient_drain_progress(c, id, &r, &len) < 0)
		return;
	p = (const struct ferry_ipc_drain_progress *)(r + 1);
	for (uint32_t i = 0; i < r->n; i++) {
		uint32_t k = p[i].step;
		char t[32];

		if (k >= n || k >= FERRY_IPC_DRAIN_MAX_STEPS || p[i].at_unix_ms <= last_at[k] ||
		    (last_at[k] > 0 && p[i].at_unix_ms - last_at[k] < 2000) ||
		    strcmp(st[k].state, "running") != 0)
			continue;
		last_at[k] = p[i].at_unix_ms;
		if (o->json) {
			printf("{\"event\":\"progress\",\"id\":%" PRIu32 ",\"vm\":", id);
			jstr(st[k].vm);
			printf(",\"mem_left_bytes\":%" PRIu64 ",\"mem_total_bytes\":%" PRIu64
			       ",\"unix_ms\":%" PRId64 "}\n",
			       p[i].mem_left_bytes, p[i].mem_total_bytes, p[i].at_unix_ms);
		} else {
			textout_clock(p[i].at_unix_ms, t, sizeof(t));
			printf("[%s] vm %s: %.1f MiB of %.1f MiB left to copy\n", t + 11, st[k].vm,
			       (double)p[i].mem_left_bytes / (1024.0 * 1024.0),
			       (double)p[i].mem_total_bytes / (1024.0 * 1024.0));
		}
	}
	free(r);
}

static int
follow(const struct ctldrun *o, struct ferryclient *c, uint32_t id)
{
	int64_t progress_at[FERRY_IPC_DRAIN_MAX_STEPS] = {0};
	char seen[FERRY_IPC_DRAIN_MAX_STEPS][16];
	char last_state[24] = "";
	bool first = true;

	memset(seen, 0, sizeof(seen));
	signal(SIGINT, ctldrun_on_signal);
	signal(SIGTERM, ctldrun_on_signal);
	signal(SIGHUP, ctldrun_on_signal);
	signal(SIGPIPE, SIG_IGN);
	while (!ctldrun_stop) {
		struct ferry_ipc_drain_report_rsp *r = NULL;
		const struct ferry_ipc_drain_step *st;
		uint32_t n_done = 0, n;
		size_t len = 0;
		int e;

		e = ferryclient_drain_report(c, id, &r, &len);
		if (e < 0) {
			fprintf(stderr,
			        "ferryctl: lost ferryd while following drain %" PRIu32
			        " (%s); it goes on: ferryctl drain --report %" PRIu32 "\n",
			        id, strerror(-e), id);
			return FERRYCTL_ERROR;
		}
		if (r->found == 0) {
			free(r);
			fprintf(stderr, "ferryctl: drain %" PRIu32 " is gone\n", id);
			return FERRYCTL_ERROR;
		}
		st = (const struct ferry_ipc_drain_step *)(r + 1);
		n = r->info.n_steps;
		if (strcmp(last_state, r->info.state) != 0) {
			char t[32];

			textout_clock(r->now_unix_ms, t, sizeof(t));
			if (o->json) {
				printf("{\"event\":\"state\",\"id\":%" PRIu32 ",\"state\":", id);
				jstr(r->info.state);
				printf(",\"runner\":");
				jstr(r->info.runner);
				printf(",\"unix_ms\":%" PRId64 "}\n", r->now_unix_ms);
			} else if (!first || strcmp(r->info.state, "scheduled") != 0) {
				printf("[%s] drain %" PRIu32 " of %s: %s (runner %s)\n", t + 11, id,
				       r->info.node, r->info.state,
				       r->info.runner[0] != '\0' ? r->info.runner : "none yet");
			}
			snprintf(last_state, sizeof(last_state), "%s", r->info.state);
		}
		for (uint32_t i = 0; i < n; i++)
			if (strcmp(st[i].state, "pending") != 0 &&
			    strcmp(st[i].state, "running") != 0)
				n_done++;
		for (uint32_t i = 0; i < n && i < FERRY_IPC_DRAIN_MAX_STEPS; i++) {
			char t[32], a[32], b[32];

			if (strcmp(seen[i], st[i].state) == 0)
				continue;
			snprintf(seen[i], sizeof(seen[i]), "%s", st[i].state);
			if (strcmp(st[i].state, "pending") == 0)
				continue;
			textout_clock(r->now_unix_ms, t, sizeof(t));
			fmt_dur(time_left_ms(st, n, r->now_unix_ms), a, sizeof(a));
			if (o->json) {
				printf("{\"event\":\"vm\",\"id\":%" PRIu32 ",\"vm\":", id);
				jstr(st[i].vm);
				printf(",\"state\":");
				jstr(st[i].state);
				printf(",\"from\":");
				jstr(st[i].from);
				printf(",\"to\":");
				jstr(st[i].to);
				printf(",\"result\":");
				jstr(st[i].result);
				printf(",\"done\":%" PRIu32 ",\"total\":%" PRIu32
				       ",\"left_ms\":%" PRId64 "}\n",
				       n_done, n, time_left_ms(st, n, r->now_unix_ms));
			} else if (strcmp(st[i].state, "running") == 0) {
				printf("[%s] vm %s: moving (%s) from %s, wave %" PRIu32 "; %" PRIu32
				       "/%" PRIu32 " done, about %s left\n",
				       t + 11, st[i].vm, kind_name(st[i].kind),
				       st[i].from[0] != '\0' ? st[i].from : "?", st[i].wave + 1,
				       n_done, n, a);
			} else {
				fmt_dur(st[i].start_unix_ms >= 0 && st[i].end_unix_ms >= 0
				                ? st[i].end_unix_ms - st[i].start_unix_ms
				                : -1,
				        b, sizeof(b));
				printf("[%s] vm %s: %s, %s -> %s in %s%s%s; %" PRIu32 "/%" PRIu32
				       " done, about %s left\n",
				       t + 11, st[i].vm, st[i].state,
				       st[i].from[0] != '\0' ? st[i].from : "?",
				       st[i].to[0] != '\0' ? st[i].to : "?", b,
				       st[i].result[0] != '\0' ? ": " : "", st[i].result, n_done, n,
				       a);
			}
		}
		follow_progress(o, c, id, st, n, progress_at);
		fflush(stdout);
		first = false;
		if (strcmp(r->info.state, "scheduled") != 0 &&
		    strcmp(r->info.state, "running") != 0) {
			free(r);
			return report_once(o, c, id);
		}
		free(r);
		for (int i = 0; i < 10 && !ctldrun_stop; i++)
			usleep(100000);
	}
	fprintf(stderr,
	        "ferryctl: stopped following; drain %" PRIu32
	        " goes on (ferryd carries it out): ferryctl drain --report %" PRIu32 "\n",
	        id, id);
	return FERRYCTL_OK;
}

/* ---- list, cancel ---------------------------------------------------------------- */

static int
cmd_list(const struct ctldrun *o, struct ferryclient *c)
{
	struct ferry_ipc_drain_list_rsp *r = NULL;
	const struct ferry_ipc_drain_info *in;
	size_t len = 0;
	int e;

	e = ferryclient_drain_list(c, &r, &len);
	if (e < 0)
		return complain_call("list drains", e);
	in = (const struct ferry_ipc_drain_info *)(r + 1);
	if (o->json)
		printf("{\"drains\":[");
	else if (r->n == 0)
		printf("No drains.\n");
	else
		printf("%-4s %-8s %-12s %-18s %-19s %-19s %-10s %s\n", "id", "kind", "node",
		       "state", "at", "window end", "runner", "requested by");
	for (uint32_t i = 0; i < r->n; i++) {
		char at[32], we[32];

		if (o->json) {
			printf("%s{\"id\":%" PRIu32 ",\"kind\":\"%s\",\"node\":", i > 0 ? "," : "",
			       in[i].id, in[i].kind == FERRY_DRAIN_UNDRAIN ? "undrain" : "drain");
			jstr(in[i].node);
			printf(",\"state\":");
			jstr(in[i].state);
			printf(",\"at_unix_ms\":%" PRId64 ",\"window_end_unix_ms\":%" PRId64
			       ",\"runner\":",
			       in[i].at_unix_ms, in[i].window_end_unix_ms);
			jstr(in[i].runner);
			printf(",\"requested_by\":");
			jstr(in[i].requested_by);
			printf(",\"vms\":%" PRIu32 "}", in[i].n_steps);
			continue;
		}
		if (in[i].at_unix_ms > 0)
			textout_clock(in[i].at_unix_ms, at, sizeof(at));
		else
			snprintf(at, sizeof(at), "now");
		textout_clock(in[i].window_end_unix_ms, we, sizeof(we));
		printf("%-4" PRIu32 " %-8s %-12s %-18s %-19s %-19s %-10s %s\n", in[i].id,
		       in[i].kind == FERRY_DRAIN_UNDRAIN ? "undrain" : "drain", in[i].node,
		       in[i].state, at, we, in[i].runner[0] != '\0' ? in[i].runner : "-",
		       in[i].requested_by);
	}
	if (o->json)
		printf("]}\n");
	free(r);
	return FERRYCTL_OK;
}

/* After a cancel: what the drain moved keeps its ban from the drained node (so Pacemaker does
 * not move it straight back); say so, and how it ends, rather than leave constraints the admin
 * finds later in `pcs constraint`. */
static void
print_cancel_leftovers(struct ferryclient *c, uint32_t id)
{
	struct ferry_ipc_drain_report_rsp *r = NULL;
	const struct ferry_ipc_drain_step *st;
	size_t len = 0, n = 0;

	if (ferryclient_drain_report(c, id, &r, &len) < 0 || r->found == 0) {
		free(r);
		return;
	}
	st = (const struct ferry_ipc_drain_step *)(r + 1);
	for (uint32_t i = 0; i < r->info.n_steps; i++) {
		if (strcmp(st[i].state, "done") != 0 && strcmp(st[i].state, "running") != 0)
			continue;
		printf("%s %s%s%s%s",
		       n++ > 0                             ? ","
		       : r->info.kind == FERRY_DRAIN_DRAIN ? "  moved so far:"
		                                           : "  moved back so far:",
		       st[i].vm,
		       strcmp(st[i].state, "running") == 0 ? " (moving"
		       : st[i].to[0] != '\0'               ? " (on "
		                                           : "",
		       strcmp(st[i].state, "running") == 0 ? "" : st[i].to,
		       strcmp(st[i].state, "running") == 0 || st[i].to[0] != '\0' ? ")" : "");
	}
	if (n > 0 && r->info.kind == FERRY_DRAIN_DRAIN)
		printf("\n  they stay banned from %s for up to %d h; 'ferryctl undrain %s' brings "
		       "them back and lifts the bans\n",
		       r->info.node, FERRY_DRAIN_BAN_HOURS, r->info.node);
	else if (r->info.kind != FERRY_DRAIN_DRAIN)
		printf("%sthe others stay where the drain put them; 'ferryctl undrain %s' again "
		       "brings them too\n",
		       n > 0 ? "\n  " : "  ", r->info.node);
	free(r);
}

static int
cmd_cancel(const struct ctldrun *o, struct ferryclient *c, uint32_t id)
{
	struct ferry_ipc_drain_rsp rsp;
	char by[64];
	int e;

	requested_by(by, sizeof(by));
	e = ferryclient_drain_cancel(c, id, by, &rsp);
	if (e < 0)
		return complain_call("cancel the drain", e);
	if (o->json) {
		printf("{\"id\":%" PRIu32 ",\"verdict\":\"%s\",\"reason\":", id,
		       ferryclient_verdict_name(rsp.verdict));
		jstr(rsp.reason);
		printf("}\n");
	} else if (rsp.verdict == FERRY_VERDICT_GRANTED) {
		printf("drain %" PRIu32 " cancelled: no new moves start; a move under way ends as "
		       "Pacemaker carries it out, and what moved stays where it is\n",
		       id);
		print_cancel_leftovers(c, id);
	} else {
		fprintf(stderr, "ferryctl: drain %" PRIu32 " not cancelled: %s\n", id, rsp.reason);
	}
	return rsp.verdict == FERRY_VERDICT_GRANTED ? FERRYCTL_OK : FERRYCTL_REFUSED;
}

/* ---- drain NODE / undrain NODE ------------------------------------------------------ */

static int
submit_on(const struct ctldrun *o, struct ferryclient *c, struct ferry_ipc_drain_submit_req *req)
{
	struct ferry_ipc_drain_rsp rsp;
	char t[32];
	int e;

	e = ferryclient_drain_submit(c, req, &rsp);
	if (e < 0)
		return complain_call(o->undrain ? "submit the undrain" : "submit the drain", e);
	if (rsp.verdict != FERRY_VERDICT_GRANTED) {
		if (o->json) {
			printf("{\"event\":\"refused\",\"reason\":");
			jstr(rsp.reason);
			printf("}\n");
		}
		fprintf(stderr, "ferryctl: ferryd did not take the %s: %s (%s)\n",
		        o->undrain ? "undrain" : "drain", rsp.reason,
		        ferryclient_verdict_name(rsp.verdict));
		return FERRYCTL_REFUSED;
	}
	if (o->json)
		printf("{\"event\":\"submitted\",\"id\":%" PRIu32 "}\n", rsp.id);
	if (req->at_unix_ms > now_ms()) {
		textout_clock(req->at_unix_ms, t, sizeof(t));
		if (!o->json)
			printf("%s %" PRIu32
			       " of %s scheduled for %s: kept by every ferryd, carried "
			       "out by one of them (ferryctl drain --list, --cancel %" PRIu32 ")\n",
			       o->undrain ? "undrain" : "drain", rsp.id, req->node, t, rsp.id);
		return FERRYCTL_OK;
	}
	if (!o->json)
		printf("%s %" PRIu32 " submitted; it is ferryd's now (Ctrl-C stops only this "
		       "display)\n",
		       o->undrain ? "undrain" : "drain", rsp.id);
	return follow(o, c, rsp.id);
}

/* req to ferryd, then its progress until it is over (drain and undrain alike). */
static int
submit_and_follow(const struct ctldrun *o, struct ferry_ipc_drain_submit_req *req)
{
	struct ferryclient *c = NULL;
	int e, ret;

	e = ctlconn_open(&c);
	if (e < 0)
		return ctlconn_exit(e);
	ret = submit_on(o, c, req);
	ferryclient_free(c);
	return ret;
}

static int
cmd_drain(const struct ctldrun *o)
{
	static struct drain_vm vms[DRAIN_MAX_VMS];
	static struct ctldrain_other others[CTLDRAIN_MAX_OTHERS];
	static struct drain_plan plan;
	static struct ferry_ipc_drain_submit_req req;
	struct ctldrain_opts copts;
	struct ctldrain_info info;
	size_t n_vms = DRAIN_MAX_VMS, n_others = CTLDRAIN_MAX_OTHERS;
	struct drain_opts popts;
	int64_t at = 0, window = 0;
	char err[512];
	int e;

	memset(&copts, 0, sizeof(copts));
	copts.parallel = o->parallel;
	copts.dirty_seconds = -1;
	if (o->order != NULL && drain_order_from_name(o->order, &copts.order) < 0) {
		fprintf(stderr,
		        "ferryctl: unknown --order '%s': use default, priority, "
		        "smallest-gap-first or largest-first\n",
		        o->order);
		return FERRYCTL_USAGE;
	}
	if (o->move != NULL && ctldrain_move_from_name(o->move, &copts.move) < 0) {
		fprintf(stderr, "ferryctl: unknown --move '%s': use live, quick or auto\n",
		        o->move);
		return FERRYCTL_USAGE;
	}
	if (o->at != NULL) {
		if (ctldrun_parse_at(o->at, &at) < 0) {
			fprintf(stderr,
			        "ferryctl: --at '%s' is not a time: give \"YYYY-MM-DD HH:MM\" "
			        "(local time)\n",
			        o->at);
			return FERRYCTL_USAGE;
		}
		if (at <= now_ms()) {
			fprintf(stderr, "ferryctl: --at '%s' is in the past: give a time to come\n",
			        o->at);
			return FERRYCTL_USAGE;
		}
	}
	if (o->window != NULL) {
		if (o->at == NULL) {
			fprintf(stderr, "ferryctl: --window needs --at (the window starts then)\n");
			return FERRYCTL_USAGE;
		}
		if (ctldrun_parse_window(o->window, &window) < 0) {
			fprintf(stderr,
			        "ferryctl: --window '%s' is not a duration: give e.g. 2h, "
			        "90m or 1h30m\n",
			        o->window);
			return FERRYCTL_USAGE;
		}
	}
	e = ctldrain_gather_info(o->node, &copts, vms, &n_vms, others, &n_others, &info, err,
	                         sizeof(err));
	if (e < 0) {
		fprintf(stderr, "ferryctl: drain %s: %s\n", o->node,
		        err[0] != '\0' ? err : strerror(-e));
		return e == -ENODEV || e == -EALREADY || e == -ENOSPC || e == -EINVAL || e == -E2BIG
		               ? FERRYCTL_USAGE
		               : FERRYCTL_ERROR;
	}
	popts.parallel = info.parallel > 0 ? info.parallel : 1;
	popts.order = copts.order;
	popts.overhead_ms = info.overhead_ms;
	popts.overhead_from = info.overhead_from;
	e = drainplan_build(vms, n_vms, &popts, &plan);
	if (e < 0) {
		fprintf(stderr, "ferryctl: cannot plan the drain of %s: %s\n", o->node,
		        strerror(-e));
		return FERRYCTL_ERROR;
	}
	print_plan(o, o->node, vms, n_vms, others, n_others, &plan, popts.parallel);
	if (plan.n_blocked > 0 && !o->force) {
		fprintf(stderr,
		        "ferryctl: %zu VMs cannot move (above); nothing done.  Add --force "
		        "to drain the others (Pacemaker then stops the ones that cannot move "
		        "when the node goes into standby)\n",
		        plan.n_blocked);
		return FERRYCTL_REFUSED;
	}
	if (window > 0 && (int64_t)plan.predicted_ms > window && !o->force) {
		char a[32];

		fmt_dur((int64_t)plan.predicted_ms, a, sizeof(a));
		fprintf(stderr,
		        "ferryctl: the drain is predicted to take %s, longer than --window "
		        "%s; nothing done.  Give a longer window, more --parallel, or --force\n",
		        a, o->window);
		return FERRYCTL_REFUSED;
	}
	if (!o->yes) {
		if (isatty(STDIN_FILENO) == 0) {
			fprintf(stderr,
			        "ferryctl: not a terminal, cannot ask for confirmation: add "
			        "--yes\n");
			return FERRYCTL_USAGE;
		}
		if (!confirm(at > 0 ? "Schedule this drain?" : "Drain now?", o->json))
			return FERRYCTL_CANCELLED;
	}
	memset(&req, 0, sizeof(req));
	req.kind = FERRY_DRAIN_DRAIN;
	req.parallel = popts.parallel;
	req.flags = o->force ? FERRY_DRAINF_FORCE : 0;
	req.at_unix_ms = at;
	req.window_end_unix_ms = window > 0 ? at + window : 0;
	snprintf(req.node, sizeof(req.node), "%s", o->node);
	requested_by(req.requested_by, sizeof(req.requested_by));
	for (size_t i = 0; i < plan.n_steps && i < FERRY_IPC_DRAIN_MAX_STEPS; i++) {
		const struct drain_vm *v = &vms[plan.steps[i].vm];
		struct ferry_ipc_drain_plan_step *s = &req.steps[req.n_steps++];

		snprintf(s->resource, sizeof(s->resource), "%s", v->resource);
		snprintf(s->vm, sizeof(s->vm), "%s", v->vm);
		snprintf(s->target, sizeof(s->target), "%s", v->target);
		s->kind = (uint32_t)v->move;
		s->wave = plan.steps[i].wave;
		s->pred_gap_ms = v->predicted_gap_ms;
		s->pred_duration_ms = v->predicted_duration_ms;
	}
	follow_overhead_ms = plan.overhead_ms;
	return submit_and_follow(o, &req);
}

static int
cmd_undrain(const struct ctldrun *o)
{
	static struct ferry_ipc_drain_submit_req req;

	memset(&req, 0, sizeof(req));
	req.kind = FERRY_DRAIN_UNDRAIN;
	req.parallel = o->parallel > 0 ? o->parallel : 1;
	snprintf(req.node, sizeof(req.node), "%s", o->node);
	requested_by(req.requested_by, sizeof(req.requested_by));
	return submit_and_follow(o, &req);
}

static void
usage(FILE *f)
{
	fprintf(f,
	        "Usage: ferryctl [--json] drain NODE --plan [--parallel N] [--order O] [--move M]\n"
	        "       ferryctl [--json] drain NODE [--yes] [--force] [--parallel N] [--order O]\n"
	        "                [--move live|quick|auto] [--at \"YYYY-MM-DD HH:MM\" [--window "
	        "2h]]\n"
	        "       ferryctl [--json] drain --list | --cancel ID | --report [ID]\n"
	        "       ferryctl [--json] undrain NODE [--parallel N]\n");
}

static int
parse_u32(const char *s, uint32_t *ret)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

int
ctldrun_main(int argc, char **argv)
{
	enum {
		O_PARALLEL = 256,
		O_ORDER,
		O_MOVE,
		O_AT,
		O_WINDOW,
		O_LIST,
		O_CANCEL,
		O_REPORT,
		O_PLAN,
		O_URI,
		O_DIRTY
	};
	static const struct option opts[] = {
	        {"json", no_argument, NULL, 'j'},
	        {"yes", no_argument, NULL, 'y'},
	        {"force", no_argument, NULL, 'F'},
	        {"help", no_argument, NULL, 'h'},
	        {"parallel", required_argument, NULL, O_PARALLEL},
	        {"order", required_argument, NULL, O_ORDER},
	        {"move", required_argument, NULL, O_MOVE},
	        {"at", required_argument, NULL, O_AT},
	        {"window", required_argument, NULL, O_WINDOW},
	        {"list", no_argument, NULL, O_LIST},
	        {"cancel", required_argument, NULL, O_CANCEL},
	        {"report", no_argument, NULL, O_REPORT},
	        {"plan", no_argument, NULL, O_PLAN},
	        {"connect", required_argument, NULL, O_URI},
	        {"dirty-seconds", required_argument, NULL, O_DIRTY},
	        {NULL, 0, NULL, 0},
	};
	struct ctldrun o;
	struct ferryclient *c = NULL;
	const char *cmd = NULL;
	int opt, e, ret;

	memset(&o, 0, sizeof(o));
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--plan") == 0)
			return ctldrain_main(argc, argv);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "jyFh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			o.json = true;
			break;
		case 'y':
			o.yes = true;
			break;
		case 'F':
			o.force = true;
			break;
		case 'h':
			usage(stdout);
			return FERRYCTL_OK;
		case O_PARALLEL:
			if (parse_u32(optarg, &o.parallel) < 0 || o.parallel == 0 ||
			    o.parallel > DRAIN_MAX_VMS) {
				fprintf(stderr,
				        "ferryctl: --parallel '%s': give a number of moves at "
				        "once, 1 to %d\n",
				        optarg, DRAIN_MAX_VMS);
				return FERRYCTL_USAGE;
			}
			break;
		case O_ORDER:
			o.order = optarg;
			break;
		case O_MOVE:
			o.move = optarg;
			break;
		case O_AT:
			o.at = optarg;
			break;
		case O_WINDOW:
			o.window = optarg;
			break;
		case O_LIST:
			o.list = true;
			break;
		case O_CANCEL:
			o.cancel = true;
			if (parse_u32(optarg, &o.id) < 0 || o.id == 0) {
				fprintf(stderr,
				        "ferryctl: --cancel '%s': give a drain's id (ferryctl "
				        "drain --list)\n",
				        optarg);
				return FERRYCTL_USAGE;
			}
			break;
		case O_REPORT:
			o.report = true;
			break;
		case O_URI:
		case O_DIRTY:
			break; /* the planner's (--plan) */
		default:
			usage(stderr);
			return FERRYCTL_USAGE;
		}
	}
	for (; optind < argc; optind++) {
		if (cmd == NULL) {
			cmd = argv[optind];
		} else if (o.report && o.id == 0 && parse_u32(argv[optind], &o.id) == 0) {
			continue;
		} else if (o.node == NULL) {
			o.node = argv[optind];
		} else {
			usage(stderr);
			return FERRYCTL_USAGE;
		}
	}
	o.undrain = cmd != NULL && strcmp(cmd, "undrain") == 0;
	if (cmd == NULL || (!o.undrain && strcmp(cmd, "drain") != 0)) {
		usage(stderr);
		return FERRYCTL_USAGE;
	}
	if (o.list || o.cancel || o.report) {
		if (o.node != NULL || o.undrain || (o.list + o.cancel + o.report) != 1) {
			usage(stderr);
			return FERRYCTL_USAGE;
		}
		e = ctlconn_open(&c);
		if (e < 0)
			return ctlconn_exit(e);
		if (o.list)
			ret = cmd_list(&o, c);
		else if (o.cancel)
			ret = cmd_cancel(&o, c, o.id);
		else
			ret = report_once(&o, c, o.id);
		ferryclient_free(c);
		return ret;
	}
	if (o.node == NULL) {
		fprintf(stderr, "ferryctl: %s: which node?\n", cmd);
		usage(stderr);
		return FERRYCTL_USAGE;
	}
	return o.undrain ? cmd_undrain(&o) : cmd_drain(&o);
}
