/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metrics.c - ferryd's Prometheus text-format metrics (metrics.h).  Pure.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

const int64_t metrics_bucket_ms[METRICS_BUCKETS] = {
        10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
};

void
metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
}

static void
histogram_observe(struct metrics_histogram *h, int64_t ms)
{
	size_t i;

	if (ms < 0)
		return;
	for (i = 0; i < METRICS_BUCKETS; i++) {
		if (ms <= metrics_bucket_ms[i]) {
			h->bucket[i]++;
			break;
		}
	}
	h->count++;
	h->sum_ms += ms;
}

int
metrics_move(struct metrics *m, const struct ferry_ipc_move *rec)
{
	enum ferry_move_kind k;
	enum ferry_move_result r;

	if (ferry_move_kind_from_name(rec->mode, &k) != 0 || k >= METRICS_KINDS ||
	    ferry_move_result_from_name(rec->result, &r) != 0)
		return -EINVAL;
	m->moves[k][r]++;
	histogram_observe(&m->gap[k], rec->guest_gap_ms);
	histogram_observe(&m->downtime[k], rec->downtime_ms);
	return 0;
}

int
metrics_fence(struct metrics *m, const char *node, int64_t when_unix_ms)
{
	size_t i;

	if (node == NULL || node[0] == '\0' || when_unix_ms <= 0 ||
	    strlen(node) >= sizeof(m->fences[0].node))
		return -EINVAL;
	for (i = 0; i < m->n_fences; i++) {
		if (strcmp(m->fences[i].node, node) == 0) {
			if (when_unix_ms > m->fences[i].when_unix_ms)
				m->fences[i].when_unix_ms = when_unix_ms;
			return 0;
		}
	}
	if (m->n_fences == FERRY_IPC_MAX_NODES)
		return -ENOSPC;
	snprintf(m->fences[m->n_fences].node, sizeof(m->fences[0].node), "%s", node);
	m->fences[m->n_fences].when_unix_ms = when_unix_ms;
	m->n_fences++;
	return 0;
}

/* The output under construction: a full buffer makes every later put a no-op. */
struct out {
	char *buf;
	size_t len;
	size_t used;
	bool full;
};

__attribute__((format(printf, 2, 3))) static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->used) {
		o->full = true;
		return;
	}
	o->used += (size_t)n;
}

/* A label value: backslash, double quote and newline escaped (the format's rule). */
static void
put_label(struct out *o, const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i] != '\0'; i++) {
		if (s[i] == '\\')
			put(o, "\\\\");
		else if (s[i] == '"')
			put(o, "\\\"");
		else if (s[i] == '\n')
			put(o, "\\n");
		else
			put(o, "%c", s[i]);
	}
}

static void
put_header(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* ms as seconds with three decimals, exactly */
static void
put_seconds(struct out *o, int64_t ms)
{
	const char *sign = ms < 0 ? "-" : "";
	uint64_t a = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;

	put(o, "%s%" PRIu64 ".%03" PRIu64, sign, a / 1000, a % 1000);
}

/* A bucket's bound in seconds as Prometheus writes it (0.01, 1, 2.5): the
 * same le="..." as other exporters, so the series line up. */
static void
put_bound(struct out *o, int64_t ms)
{
	int64_t frac = ms % 1000;
	int digits = 3;

	put(o, "%" PRId64, ms / 1000);
	if (frac == 0)
		return;
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	put(o, ".%0*" PRId64, digits, frac);
}

static void
put_histogram(struct out *o, const char *name, const char *help,
              const struct metrics_histogram h[METRICS_KINDS])
{
	size_t k, i;
	uint64_t cum;

	put_header(o, name, "histogram", help);
	for (k = 0; k < METRICS_KINDS; k++) {
		const char *kind = ferry_move_kind_name((enum ferry_move_kind)k);

		cum = 0;
		for (i = 0; i < METRICS_BUCKETS; i++) {
			cum += h[k].bucket[i];
			put(o, "%s_bucket{kind=\"%s\",le=\"", name, kind);
			put_bound(o, metrics_bucket_ms[i]);
			put(o, "\"} %" PRIu64 "\n", cum);
		}
		put(o, "%s_bucket{kind=\"%s\",le=\"+Inf\"} %" PRIu64 "\n", name, kind, h[k].count);
		put(o, "%s_sum{kind=\"%s\"} ", name, kind);
		put_seconds(o, h[k].sum_ms);
		put(o, "\n%s_count{kind=\"%s\"} %" PRIu64 "\n", name, kind, h[k].count);
	}
}

static void
put_ledger(struct out *o, const struct ferry_ipc_status_rsp *st,
           const struct ferry_ipc_vm_info *vms)
{
	uint32_t n_nodes = st->n_nodes < FERRY_IPC_MAX_NODES ? st->n_nodes : FERRY_IPC_MAX_NODES;
	uint32_t i, j, owned, unowned = 0;

	put_header(o, "ferry_ledger_synced", "gauge",
	           "1 once this node's ledger has the group's state.");
	put(o, "ferry_ledger_synced %u\n", st->synced != 0 ? 1u : 0u);
	put_header(o, "ferry_cluster_quorate", "gauge",
	           "1 while this node's partition is quorate.");
	put(o, "ferry_cluster_quorate %u\n", st->quorate != 0 ? 1u : 0u);
	put_header(o, "ferry_ledger_config_id", "gauge",
	           "The ledger's configuration id (ring sequence << 20 | change number).");
	put(o, "ferry_ledger_config_id %" PRIu64 "\n", st->config_id);

	put_header(
	        o, "ferry_cluster_member", "gauge",
	        "1 for each node in the current CPG membership, 0 for a known node that is not.");
	for (i = 0; i < n_nodes; i++) {
		put(o, "ferry_cluster_member{node=\"");
		put_label(o, st->nodes[i].name, sizeof(st->nodes[i].name));
		put(o, "\"} %u\n", st->nodes[i].member != 0 ? 1u : 0u);
	}

	put_header(o, "ferry_ledger_vms_owned", "gauge", "VMs the ledger says each node owns.");
	for (i = 0; i < n_nodes; i++) {
		owned = 0;
		for (j = 0; j < st->n_vms; j++)
			owned += vms[j].owner_nodeid == st->nodes[i].nodeid ? 1u : 0u;
		put(o, "ferry_ledger_vms_owned{node=\"");
		put_label(o, st->nodes[i].name, sizeof(st->nodes[i].name));
		put(o, "\"} %u\n", owned);
	}
	for (j = 0; j < st->n_vms; j++) {
		bool known = false;

		for (i = 0; i < n_nodes && !known; i++)
			known = vms[j].owner_nodeid == st->nodes[i].nodeid;
		unowned += known ? 0u : 1u;
	}
	put_header(o, "ferry_ledger_vms_unowned", "gauge",
	           "VMs in the ledger that no known node owns (stopped).");
	put(o, "ferry_ledger_vms_unowned %u\n", unowned);

	put_header(o, "ferry_ledger_vm_generation", "gauge",
	           "Each VM's save-image generation in the ledger.");
	for (j = 0; j < st->n_vms; j++) {
		put(o, "ferry_ledger_vm_generation{vm=\"");
		put_label(o, vms[j].vm, sizeof(vms[j].vm));
		put(o, "\"} %" PRIu64 "\n", vms[j].generation);
	}
}

ssize_t
metrics_format(const struct metrics *m, const struct ferry_ipc_status_rsp *st,
               const struct ferry_ipc_vm_info *vms, char *buf, size_t len)
{
	struct out o = {.buf = buf, .len = len};
	size_t k, r, i;

	if (len == 0)
		return -ENOBUFS;
	buf[0] = '\0';
	put_header(&o, "ferry_moves_total", "counter",
	           "VM moves recorded in the cluster since ferryd started, by kind and result.");
	for (k = 0; k < METRICS_KINDS; k++)
		for (r = 0; r < _FERRY_MOVE_RESULT_MAX; r++)
			put(&o, "ferry_moves_total{kind=\"%s\",result=\"%s\"} %" PRIu64 "\n",
			    ferry_move_kind_name((enum ferry_move_kind)k),
			    ferry_move_result_name((enum ferry_move_result)r), m->moves[k][r]);
	put_histogram(&o, "ferry_move_guest_gap_seconds",
	              "Guest-visible gap of the moves that measured one, by kind.", m->gap);
	put_histogram(&o, "ferry_move_downtime_seconds",
	              "libvirt's downtime (source CPUs stopped to target running), by kind.",
	              m->downtime);
	put_header(&o, "ferry_last_fence_timestamp_seconds", "gauge",
	           "When each node was last seen fenced (Pacemaker's fencing history).");
	for (i = 0; i < m->n_fences; i++) {
		put(&o, "ferry_last_fence_timestamp_seconds{node=\"");
		put_label(&o, m->fences[i].node, sizeof(m->fences[i].node));
		put(&o, "\"} ");
		put_seconds(&o, m->fences[i].when_unix_ms);
		put(&o, "\n");
	}
	if (st != NULL)
		put_ledger(&o, st, st->n_vms > 0 ? vms : NULL);
	if (o.full)
		return -ENOBUFS;
	return (ssize_t)o.used;
}
