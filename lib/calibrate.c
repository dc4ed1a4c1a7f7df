/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * calibrate.c - the prediction's constants from past moves (the rules are
 * in calibrate.h).  Pure: no I/O, no clock, no floating point, no logging.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ferry/macros.h"
#include "ferry/calibrate.h"
#include "ferry/textout.h"

enum calibrate_end { END_FROM, END_TO };

/* One record's sample of a quantity: true and *ret, or false (not usable). */
typedef bool (*calibrate_sample_fn)(const struct move_record *r, uint64_t *ret);

struct calibrate_def {
	const char *param;
	const char *label;
	enum ferry_move_kind kind; /* the record's mode */
	enum calibrate_end end;    /* the node whose moves stand in for the pair's */
	calibrate_sample_fn sample;
};

static bool
raw_image(const struct move_record *r)
{
	return strcmp(r->image_format, "sparse") != 0;
}

/* bytes per second from bytes in ms, at least 1. */
static uint64_t
rate_bps(int64_t bytes, int64_t ms)
{
	unsigned __int128 v = (unsigned __int128)(uint64_t)bytes * 1000u / (uint64_t)ms;

	if (v >= UINT64_MAX)
		return UINT64_MAX - 1; /* UINT64_MAX is PREDICT_UNKNOWN */
	return v > 0 ? (uint64_t)v : 1;
}

static bool
sample_save_rate(const struct move_record *r, uint64_t *ret)
{
	if (r->bytes <= 0 || r->image_ms <= 0 || !raw_image(r))
		return false;
	*ret = rate_bps(r->bytes, r->image_ms);
	return true;
}

static bool
sample_save_fixed(const struct move_record *r, uint64_t *ret)
{
	int64_t v;

	if (r->downtime_ms < 0 || r->image_ms < 0 || r->restore_ms < 0)
		return false;
	if (r->image_ms > INT64_MAX - r->restore_ms)
		return false;
	v = r->downtime_ms - r->image_ms - r->restore_ms;
	*ret = v > 0 ? (uint64_t)v : 0; /* the phases are read off the same clock */
	return true;
}

static bool
sample_restore_rate(const struct move_record *r, uint64_t *ret)
{
	if (r->bytes <= 0 || r->restore_read_ms <= 0 || !raw_image(r))
		return false;
	*ret = rate_bps(r->bytes, r->restore_read_ms);
	return true;
}

static bool
sample_qemu_start(const struct move_record *r, uint64_t *ret)
{
	if (r->restore_ms < 0 || r->restore_read_ms < 0 || r->restore_ms < r->restore_read_ms)
		return false;
	*ret = (uint64_t)(r->restore_ms - r->restore_read_ms);
	return true;
}

static bool
sample_gap_extra(const struct move_record *r, uint64_t *ret)
{
	if (r->guest_gap_ms < 0 || r->downtime_ms < 0)
		return false;
	*ret = r->guest_gap_ms > r->downtime_ms ? (uint64_t)(r->guest_gap_ms - r->downtime_ms) : 0;
	return true;
}

static const struct calibrate_def defs[] = {
        [CALIBRATE_SAVE_RATE] = {"save_stream_bps", "save rate", FERRY_MOVE_QUICK, END_FROM,
                                 sample_save_rate},
        [CALIBRATE_SAVE_FIXED] = {"save_setup_ms", "save fixed", FERRY_MOVE_QUICK, END_FROM,
                                  sample_save_fixed},
        [CALIBRATE_RESTORE_RATE] = {"restore_stream_bps", "restore rate", FERRY_MOVE_QUICK, END_TO,
                                    sample_restore_rate},
        [CALIBRATE_QEMU_START] = {"restore_setup_ms", "QEMU start", FERRY_MOVE_QUICK, END_TO,
                                  sample_qemu_start},
        [CALIBRATE_QUICK_GAP] = {"quick_gap_extra_ms", "quick gap extra", FERRY_MOVE_QUICK, END_TO,
                                 sample_gap_extra},
        [CALIBRATE_LIVE_GAP] = {"live_gap_extra_ms", "live gap extra", FERRY_MOVE_LIVE, END_TO,
                                sample_gap_extra},
};
_Static_assert(ELEMENTSOF(defs) == _CALIBRATE_QTY_MAX, "one definition per quantity");

static const char *const scope_names[] = {
        [CALIBRATE_PAIR] = "pair",
        [CALIBRATE_NODE] = "node",
        [CALIBRATE_CLUSTER] = "cluster",
        [CALIBRATE_CONSTANT] = "constant",
};
_Static_assert(ELEMENTSOF(scope_names) == _CALIBRATE_SCOPE_MAX, "scope_names size");

const char *
calibrate_param_name(enum calibrate_qty q)
{
	if ((unsigned)q >= ELEMENTSOF(defs))
		return NULL;
	return defs[q].param;
}

const char *
calibrate_qty_label(enum calibrate_qty q)
{
	if ((unsigned)q >= ELEMENTSOF(defs))
		return NULL;
	return defs[q].label;
}

const char *
calibrate_scope_name(enum calibrate_scope s)
{
	if ((unsigned)s >= ELEMENTSOF(scope_names))
		return NULL;
	return scope_names[s];
}

static bool
given(const char *s)
{
	return s != NULL && s[0] != '\0';
}

static bool
in_scope(const struct move_record *r, enum calibrate_scope s, enum calibrate_end end,
         const char *from, const char *to)
{
	switch (s) {
	case CALIBRATE_PAIR:
		return strcmp(r->from, from) == 0 && strcmp(r->to, to) == 0;
	case CALIBRATE_NODE:
		return end == END_FROM ? strcmp(r->from, from) == 0 : strcmp(r->to, to) == 0;
	case CALIBRATE_CLUSTER:
		return true;
	default:
		return false;
	}
}

static uint64_t
median(uint64_t *v, size_t n)
{
	uint64_t a, b;

	for (size_t i = 1; i < n; i++) /* insertion sort: n <= CALIBRATE_MAX_SAMPLES */
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	if (n % 2 == 1)
		return v[n / 2];
	a = v[n / 2 - 1];
	b = v[n / 2];
	return a / 2 + b / 2 + (a % 2 + b % 2) / 2;
}

static uint64_t
param_get(const struct predict_params *p, enum calibrate_qty q)
{
	switch (q) {
	case CALIBRATE_SAVE_RATE:
		return p->save_stream_bps;
	case CALIBRATE_SAVE_FIXED:
		return p->save_setup_ms;
	case CALIBRATE_RESTORE_RATE:
		return p->restore_stream_bps;
	case CALIBRATE_QEMU_START:
		return p->restore_setup_ms;
	case CALIBRATE_QUICK_GAP:
		return p->quick_gap_extra_ms;
	case CALIBRATE_LIVE_GAP:
		return p->live_gap_extra_ms;
	default:
		return 0;
	}
}

static uint32_t
ms32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

void
calibrate_apply(const struct calibration *c, struct predict_params *p)
{
	if (c == NULL || p == NULL)
		return;
	for (size_t i = 0; i < _CALIBRATE_QTY_MAX; i++) {
		uint64_t v = c->q[i].value;

		if (c->q[i].scope == CALIBRATE_CONSTANT || c->q[i].samples == 0)
			continue;
		switch ((enum calibrate_qty)i) {
		case CALIBRATE_SAVE_RATE:
			p->save_stream_bps = v;
			break;
		case CALIBRATE_SAVE_FIXED:
			p->save_setup_ms = ms32(v);
			break;
		case CALIBRATE_RESTORE_RATE:
			p->restore_stream_bps = v;
			break;
		case CALIBRATE_QEMU_START:
			p->restore_setup_ms = ms32(v);
			break;
		case CALIBRATE_QUICK_GAP:
			p->quick_gap_extra_ms = ms32(v);
			break;
		case CALIBRATE_LIVE_GAP:
			p->live_gap_extra_ms = ms32(v);
			break;
		default:
			break;
		}
	}
}

static void how_printf(struct calibrate_value *v, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void
how_printf(struct calibrate_value *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->how, sizeof(v->how), fmt, ap);
	va_end(ap);
}

static void
calibrate_one(const struct move_record *recs, size_t n, const char *from, const char *to,
              const struct predict_params *apriori, enum calibrate_qty q,
              struct calibrate_value *out)
{
	const struct calibrate_def *d = &defs[q];
	const char *kind = ferry_move_kind_name(d->kind);
	const char *node = d->end == END_FROM ? from : to;
	uint32_t most = 0; /* the widest scope's count of usable records */

	memset(out, 0, sizeof(*out));
	for (enum calibrate_scope s = CALIBRATE_PAIR; s >= CALIBRATE_CLUSTER; s--) {
		uint64_t v[CALIBRATE_MAX_SAMPLES];
		uint32_t k = 0, usable = 0;

		if (s == CALIBRATE_PAIR && (!given(from) || !given(to)))
			continue;
		if (s == CALIBRATE_NODE && !given(node))
			continue;
		for (size_t i = 0; i < n; i++) {
			const struct move_record *r = &recs[i];
			uint64_t x;

			if (!moverec_ok_of(r, d->kind) || !in_scope(r, s, d->end, from, to) ||
			    !d->sample(r, &x))
				continue;
			usable++;
			if (k < CALIBRATE_MAX_SAMPLES)
				v[k++] = x;
		}
		if (usable > most)
			most = usable;
		if (k < CALIBRATE_MIN_SAMPLES)
			continue;
		out->value = median(v, k);
		out->scope = s;
		out->samples = k;
		if (s == CALIBRATE_PAIR)
			how_printf(out, "history: %" PRIu32 " %s moves %s->%s", k, kind, from, to);
		else if (s == CALIBRATE_NODE)
			how_printf(out, "history: %" PRIu32 " %s moves %s %s", k, kind,
			           d->end == END_FROM ? "from" : "to", node);
		else
			how_printf(out, "history: %" PRIu32 " %s moves, any nodes", k, kind);
		return;
	}
	out->value = param_get(apriori, q);
	out->scope = CALIBRATE_CONSTANT;
	if (most == 0)
		how_printf(out, "constant: no successful %s move records it", kind);
	else
		how_printf(out, "constant: %" PRIu32 " %s move%s record%s it, %d needed", most,
		           kind, most == 1 ? "" : "s", most == 1 ? "s" : "", CALIBRATE_MIN_SAMPLES);
}

int
calibrate_compute(const struct move_record *recs, size_t n, const char *from, const char *to,
                  const struct predict_params *apriori, struct calibration *ret)
{
	struct calibration c;

	if (apriori == NULL || ret == NULL || (recs == NULL && n > 0))
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	c.records = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	for (size_t q = 0; q < _CALIBRATE_QTY_MAX; q++)
		calibrate_one(recs, n, from, to, apriori, (enum calibrate_qty)q, &c.q[q]);
	*ret = c;
	return 0;
}

/* ---- printing ------------------------------------------------------------ */

size_t
calibrate_format(const struct calibration *c, char *buf, size_t len)
{
	struct textout o;

	textout_init(&o, buf, len);

	if (buf != NULL && len > 0)
		buf[0] = '\0';
	textout_printf(&o,
	               "calibration (%" PRIu32 " record%s; median of the newest %d, %d needed)\n",
	               c->records, c->records == 1 ? "" : "s", CALIBRATE_MAX_SAMPLES,
	               CALIBRATE_MIN_SAMPLES);
	for (size_t q = 0; q < _CALIBRATE_QTY_MAX; q++)
		textout_printf(&o, "  %-16s %-20s %12" PRIu64 "  %s\n", defs[q].label,
		               defs[q].param, c->q[q].value, c->q[q].how);
	return o.need;
}

size_t
calibrate_format_json(const struct calibration *c, char *buf, size_t len)
{
	struct textout o;

	textout_init(&o, buf, len);

	if (buf != NULL && len > 0)
		buf[0] = '\0';
	textout_printf(&o, "{\"records\":%" PRIu32 ",\"min_samples\":%d,\"max_samples\":%d",
	               c->records, CALIBRATE_MIN_SAMPLES, CALIBRATE_MAX_SAMPLES);
	for (size_t q = 0; q < _CALIBRATE_QTY_MAX; q++) {
		textout_printf(&o,
		               ",\"%s\":{\"value\":%" PRIu64 ",\"source\":\"%s\",\"scope\":\"%s\""
		               ",\"samples\":%" PRIu32 ",\"how\":",
		               defs[q].param, c->q[q].value,
		               c->q[q].scope == CALIBRATE_CONSTANT ? "constant" : "history",
		               calibrate_scope_name(c->q[q].scope), c->q[q].samples);
		textout_json_str(&o, c->q[q].how);
		textout_printf(&o, "}");
	}
	textout_printf(&o, "}");
	return o.need;
}
