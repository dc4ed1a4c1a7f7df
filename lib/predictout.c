/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * predictout.c - a prediction for people (predict_format: the inputs as used,
 * the constants, the moves side by side) and for programs
 * (predict_format_json).  Pure: it writes into the caller's buffer only.
 */
#include <config.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ferry/macros.h"
#include "ferry/predict.h"
#include "ferry/textout.h"
#include "predictset.h"

/* "512.0 MiB" with one decimal, integer arithmetic. */
static void
out_mib(struct textout *o, uint64_t bytes)
{
	/* below 2^48 for any bytes: no overflow */
	uint64_t tenths = (uint64_t)((unsigned __int128)bytes * 10 / PREDICT_MIB);

	textout_printf(o, "%" PRIu64 ".%" PRIu64 " MiB", tenths / 10, tenths % 10);
}

static void
out_steps(struct textout *o, const struct predict_input *in)
{
	if (in->n_downtime_steps == 0)
		textout_printf(o, "none");
	for (size_t i = 0; i < in->n_downtime_steps; i++)
		textout_printf(o, "%s%" PRIu32, i > 0 ? "," : "", in->downtime_steps_ms[i]);
}

static const char *
assumed_note(const struct predict_result *r, uint32_t bit)
{
	return (r->assumed & bit) != 0 ? " (assumed)" : "";
}

static uint64_t
param_value(const struct predict_params *p, const struct predictset_field *f)
{
	const char *base = (const char *)p + f->offset;

	if (f->kind == F_P_U32) {
		uint32_t v;

		memcpy(&v, base, sizeof(v));
		return v;
	} else {
		uint64_t v;

		memcpy(&v, base, sizeof(v));
		return v;
	}
}

static void
out_live_row(struct textout *o, const char *label, const struct predict_live *l)
{
	if (l->converges)
		textout_printf(o,
		               "  %-16s %-4s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %12" PRIu64
		               "  passes %" PRIu64 ", limit %" PRIu32 " ms, steps taken %" PRIu32
		               "\n",
		               label, "yes", l->downtime_ms, l->guest_gap_ms, l->total_ms,
		               l->bytes / PREDICT_MIB, l->passes, l->limit_ms, l->steps_used);
	else
		textout_printf(o,
		               "  %-16s %-4s %10s %10s %10" PRIu64 " %12" PRIu64
		               "  %s: passes %" PRIu64 ", limit %" PRIu32
		               " ms, lowest pending %" PRIu64 " MiB\n",
		               label, "no", "-", "-", l->total_ms, l->bytes / PREDICT_MIB,
		               predict_live_why_name(l->why), l->passes, l->limit_ms,
		               l->floor_pending_bytes / PREDICT_MIB);
}

size_t
predict_format(const struct predict_result *r, const struct predict_params *p, char *buf,
               size_t len)
{
	struct textout o;

	textout_init(&o, buf, len);
	const struct predict_input *in = &r->in;
	char why[256];

	if (buf != NULL && len > 0)
		buf[0] = '\0';

	textout_printf(&o, "inputs\n  memory           ");
	out_mib(&o, in->mem_bytes);
	textout_printf(&o, "\n  touched          ");
	out_mib(&o, in->touched_bytes);
	textout_printf(&o, "%s\n  working set      ",
	               (r->assumed & PREDICT_ASSUMED_TOUCHED) != 0 ? " (assumed: all memory)" : "");
	out_mib(&o, in->wss_bytes);
	textout_printf(&o, "%s\n  dirty rate       ",
	               (r->assumed & PREDICT_ASSUMED_WSS) != 0 ? " (assumed: all memory)" : "");
	out_mib(&o, in->dirty_bytes_s);
	textout_printf(&o, "/s%s\n  migration bw     ",
	               (r->assumed & PREDICT_ASSUMED_DIRTY) != 0 ? " (assumed: idle)" : "");
	out_mib(&o, in->net_bps);
	textout_printf(&o, "/s%s\n  save write bw    ", assumed_note(r, PREDICT_ASSUMED_NET));
	out_mib(&o, in->save_write_bps);
	textout_printf(&o, "/s%s\n  save read bw     ",
	               assumed_note(r, PREDICT_ASSUMED_SAVE_WRITE));
	out_mib(&o, in->save_read_bps);
	textout_printf(&o, "/s%s\n  downtime target  %" PRIu32 " ms, steps ",
	               assumed_note(r, PREDICT_ASSUMED_SAVE_READ), in->max_downtime_ms);
	out_steps(&o, in);
	textout_printf(&o, "\n  live deadline    %" PRIu64 " ms\n", in->live_deadline_ms);

	textout_printf(&o, "constants\n");
	for (size_t i = 0; i < predictset_n_fields; i++)
		if (predictset_fields[i].kind >= F_P_U32)
			textout_printf(&o, "  %-24s %" PRIu64 "\n", predictset_fields[i].name,
			               param_value(p, &predictset_fields[i]));

	textout_printf(&o, "predictions (ms; bytes in MiB)\n");
	textout_printf(&o, "  %-16s %-4s %10s %10s %10s %12s  %s\n", "move", "ok", "downtime",
	               "guest_gap", "total", "MiB", "notes");
	out_live_row(&o, "live (ferry)", &r->live);
	out_live_row(&o, "live (defaults)", &r->live_defaults);
	textout_printf(&o,
	               "  %-16s %-4s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %12" PRIu64
	               "  save %" PRIu64 " + restore %" PRIu64 ", disk lower bound %" PRIu64 "\n",
	               "quick", "yes", r->quick.downtime_ms, r->quick.guest_gap_ms,
	               r->quick.total_ms, r->quick.bytes / PREDICT_MIB, r->quick.save_ms,
	               r->quick.restore_ms, r->quick.lower_bound_ms);
	textout_printf(&o,
	               "  %-16s %-4s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %12s"
	               "  stop + start, then the guest boots\n",
	               "restart", "yes", r->restart.downtime_ms, r->restart.guest_gap_ms,
	               r->restart.total_ms, "-");
	textout_printf(&o,
	               "  %-16s %-4s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %12s"
	               "  detect %" PRIu64 " + fence %" PRIu64 " + start %" PRIu64
	               " + boot %" PRIu64 "\n",
	               "ha restart", "yes", r->ha.recovery_ms - r->ha.boot_ms, r->ha.recovery_ms,
	               r->ha.recovery_ms, "-", r->ha.detect_ms, r->ha.fence_ms, r->ha.start_ms,
	               r->ha.boot_ms);
	if (!r->live.converges)
		textout_printf(&o,
		               "  live with fallback=quick: gives up after %" PRIu64
		               " ms, then a quick move (guest gap %" PRIu64 " ms)\n",
		               r->live.total_ms, r->quick.guest_gap_ms);
	(void)predict_auto(r, why, sizeof(why));
	textout_printf(&o, "auto: %s\n", why);
	return o.need;
}

static void
json_live(struct textout *o, const char *key, const struct predict_live *l)
{
	textout_printf(o,
	               "\"%s\":{\"converges\":%s,\"why\":\"%s\",\"limit_ms\":%" PRIu32
	               ",\"steps_used\":%" PRIu32 ",\"passes\":%" PRIu64 ",\"copy_ms\":%" PRIu64
	               ",\"downtime_ms\":%" PRIu64 ",\"guest_gap_ms\":%" PRIu64
	               ",\"total_ms\":%" PRIu64 ",\"bytes\":%" PRIu64
	               ",\"floor_pending_bytes\":%" PRIu64 "}",
	               key, l->converges ? "true" : "false", predict_live_why_name(l->why),
	               l->limit_ms, l->steps_used, l->passes, l->copy_ms, l->downtime_ms,
	               l->guest_gap_ms, l->total_ms, l->bytes, l->floor_pending_bytes);
}

size_t
predict_format_json(const struct predict_result *r, const struct predict_params *p, char *buf,
                    size_t len)
{
	struct textout o;

	textout_init(&o, buf, len);
	const struct predict_input *in = &r->in;
	static const char *const assumed_names[] = {
	        "touched", "wss", "dirty", "net", "save_write", "save_read",
	};
	bool first = true;
	char why[256];

	if (buf != NULL && len > 0)
		buf[0] = '\0';
	textout_printf(&o,
	               "{\"input\":{\"mem_bytes\":%" PRIu64 ",\"touched_bytes\":%" PRIu64
	               ",\"wss_bytes\":%" PRIu64 ",\"dirty_bytes_s\":%" PRIu64
	               ",\"net_bps\":%" PRIu64 ",\"save_write_bps\":%" PRIu64
	               ",\"save_read_bps\":%" PRIu64 ",\"max_downtime_ms\":%" PRIu32
	               ",\"downtime_steps_ms\":[",
	               in->mem_bytes, in->touched_bytes, in->wss_bytes, in->dirty_bytes_s,
	               in->net_bps, in->save_write_bps, in->save_read_bps, in->max_downtime_ms);
	for (size_t i = 0; i < in->n_downtime_steps; i++)
		textout_printf(&o, "%s%" PRIu32, i > 0 ? "," : "", in->downtime_steps_ms[i]);
	textout_printf(&o, "],\"live_deadline_ms\":%" PRIu64 "},\"assumed\":[",
	               in->live_deadline_ms);
	for (size_t i = 0; i < ELEMENTSOF(assumed_names); i++)
		if ((r->assumed & (1u << i)) != 0) {
			textout_printf(&o, "%s\"%s\"", first ? "" : ",", assumed_names[i]);
			first = false;
		}
	textout_printf(&o, "],\"params\":{");
	first = true;
	for (size_t i = 0; i < predictset_n_fields; i++)
		if (predictset_fields[i].kind >= F_P_U32) {
			textout_printf(&o, "%s\"%s\":%" PRIu64, first ? "" : ",",
			               predictset_fields[i].name,
			               param_value(p, &predictset_fields[i]));
			first = false;
		}
	textout_printf(&o, "},");
	json_live(&o, "live", &r->live);
	textout_printf(&o, ",");
	json_live(&o, "live_defaults", &r->live_defaults);
	textout_printf(
	        &o,
	        ",\"quick\":{\"save_ms\":%" PRIu64 ",\"restore_ms\":%" PRIu64
	        ",\"downtime_ms\":%" PRIu64 ",\"guest_gap_ms\":%" PRIu64 ",\"total_ms\":%" PRIu64
	        ",\"bytes\":%" PRIu64 ",\"lower_bound_ms\":%" PRIu64 "}",
	        r->quick.save_ms, r->quick.restore_ms, r->quick.downtime_ms, r->quick.guest_gap_ms,
	        r->quick.total_ms, r->quick.bytes, r->quick.lower_bound_ms);
	textout_printf(&o,
	               ",\"restart\":{\"downtime_ms\":%" PRIu64 ",\"guest_gap_ms\":%" PRIu64
	               ",\"total_ms\":%" PRIu64 "}",
	               r->restart.downtime_ms, r->restart.guest_gap_ms, r->restart.total_ms);
	textout_printf(
	        &o,
	        ",\"ha\":{\"detect_ms\":%" PRIu64 ",\"fence_ms\":%" PRIu64 ",\"start_ms\":%" PRIu64
	        ",\"boot_ms\":%" PRIu64 ",\"recovery_ms\":%" PRIu64 "}",
	        r->ha.detect_ms, r->ha.fence_ms, r->ha.start_ms, r->ha.boot_ms, r->ha.recovery_ms);
	(void)predict_auto(r, why, sizeof(why));
	textout_printf(&o, ",\"auto\":\"%s\",\"auto_why\":", ferry_move_kind_name(r->auto_move));
	textout_json_str(&o, why);
	textout_printf(&o, "}\n");
	return o.need;
}
