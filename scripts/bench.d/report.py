#!/usr/bin/env python3
"""report.py - turn a bench-moves run directory into its table, JSON, CSV and chart.

  report.py OUTDIR

Reads OUTDIR/meta.json (machine, options, lower bounds, per-cell inputs and
predictions, monitor CPU) and OUTDIR/runs.jsonl (one line per move, or per
cell that could not run, with the reason), writes OUTDIR/results.json,
OUTDIR/results.csv, OUTDIR/table.txt (also printed), OUTDIR/chart.dat and,
when gnuplot is there, OUTDIR/chart.png.  Only the standard library.
"""
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys

# Moves in display order: (key, label, which prediction applies)
MOVES = [
    ("live", "ferry live", "live"),
    ("live-defaults", "live, QEMU defaults", "live_defaults"),
    ("quick", "ferry quick", "quick"),
    ("restart", "ferry restart", "restart"),
    ("ha", "HA restart (power cut)", "ha"),
    ("vd-live", "VirtualDomain live", "live_defaults"),
    ("vd-quick", "VirtualDomain snapshot", "quick"),
]
MOVE_LABEL = {k: l for k, l, _ in MOVES}
MOVE_PRED = {k: p for k, _, p in MOVES}
METRICS = ["guest_gap_ms", "ping_gap_ms", "tcp_gap_ms", "libvirt_downtime_ms", "total_ms",
           "agent_total_ms", "bytes", "save_ms", "restore_ms", "probe_gap_ms"]


def load(outdir):
    with open(os.path.join(outdir, "meta.json")) as f:
        meta = json.load(f)
    runs = []
    path = os.path.join(outdir, "runs.jsonl")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        runs.append(json.loads(line))
                    except ValueError:
                        pass
    for r in runs:  # a move during which the guest never beat did not move a running guest
        if r.get("type") == "move" and r.get("ok") and (
                r.get("hb_lines") == 0 or (r.get("guest_gap_ms") == 0 and r.get("ping_gap_ms") is None)):
            r["ok"] = False
            r["reason"] = "no heartbeat during the move: the guest was not running (crashed or hung)"
    for r in runs:  # from the agent's record: save/restore times (quick moves), its probe's gap
        rec = r.get("record") if isinstance(r.get("record"), dict) else {}
        for k, src in (("save_ms", "save_ms"), ("restore_ms", "restore_ms"),
                       ("probe_gap_ms", "guest_gap_ms")):
            v = rec.get(src)
            r[k] = v if isinstance(v, (int, float)) and v >= 0 else None
    return meta, runs


def num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def med_worst(values):
    vals = [v for v in (num(x) for x in values) if v is not None]
    if not vals:
        return None, None
    return round(statistics.median(vals), 1), round(max(vals), 1)


def pred_for(meta, cell_key, move, which_pred="prediction"):
    cell = meta.get("cells", {}).get(cell_key, {})
    p = cell.get(which_pred)
    if not p:
        return None
    which = MOVE_PRED.get(move)
    if which == "ha":
        h = p["ha"]
        return {"downtime_ms": h["recovery_ms"] - h["boot_ms"], "guest_gap_ms": h["recovery_ms"],
                "total_ms": h["recovery_ms"], "converges": True}
    d = dict(p.get(which, {}))
    if which in ("live", "live_defaults"):
        if not d.get("converges"):
            d["downtime_ms"] = None
            d["guest_gap_ms"] = None
    else:
        d["converges"] = True
    return d


# where a quick move's time goes, from the agent's move record (moves.jsonl)
PHASES = [("connect_ms", "connect"), ("image_ms", "pause->image"), ("qemu_start_ms", "QEMU start"),
          ("restore_read_ms", "restore read"), ("resume_ms", "resume")]


def phases(ok_runs):
    """Medians of the quick phases over the cell's good runs, the image format and the stacks."""
    recs = [r.get("record") for r in ok_runs if isinstance(r.get("record"), dict)]
    out = {}
    for k, _ in PHASES:
        md, _w = med_worst(rec.get(k) if isinstance(rec.get(k), (int, float)) and rec.get(k) >= 0
                           else None for rec in recs)
        out[k] = md
    fmts = sorted({rec.get("image_format") for rec in recs if rec.get("image_format")})
    out["image_format"] = "/".join(fmts) if fmts else None
    chans = sorted({rec.get("save_channels") for rec in recs
                    if isinstance(rec.get("save_channels"), int) and rec.get("save_channels") >= 0})
    out["save_channels"] = "/".join(str(c) for c in chans) if chans else None
    stacks = sorted({rec.get("stack_to") for rec in recs if rec.get("stack_to")})
    out["stack"] = "; ".join(s.split(";")[0] for s in stacks) if stacks else None
    return out


def aggregate(meta, runs):
    cells = {}
    order = []
    for r in runs:
        key = (r["size_mib"], r["workload"], r["move"])
        if key not in cells:
            cells[key] = {"runs": [], "skip": None}
            order.append(key)
        if r.get("type") == "cell_skip":
            cells[key]["skip"] = r.get("reason")
        else:
            cells[key]["runs"].append(r)
    lb = meta.get("lower_bounds", {})
    out = []
    for key in order:
        size, wl, move = key
        c = cells[key]
        ok = [r for r in c["runs"] if r.get("ok")]
        row = {"size_mib": size, "workload": wl, "move": move, "label": MOVE_LABEL.get(move, move),
               "attempts": len(c["runs"]), "ok": len(ok), "reason": c["skip"]}
        if c["skip"] is None and not ok:
            reasons = sorted({r.get("reason") or "failed" for r in c["runs"]})
            row["reason"] = "; ".join(reasons) if reasons else "no runs"
        failed = [r.get("reason") for r in c["runs"] if not r.get("ok")]
        if failed and ok:
            row["failures"] = failed
        for m in METRICS:
            md, wst = med_worst(r.get(m) for r in ok)
            row[m] = {"median": md, "worst": wst}
        surv = [r.get("tcp_survived") for r in ok if isinstance(r.get("tcp_survived"), bool)]
        row["tcp_survived"] = {"yes": sum(1 for s in surv if s), "of": len(surv)}
        resets = sum(1 for r in ok if r.get("boot_reset"))
        row["guest_rebooted"] = resets
        cell_key = "%s/%s" % (size, wl)
        # the calibrated prediction (bandwidth and touched memory from this VM's first live
        # move) when there is one, else the a priori one; both are kept
        apriori = pred_for(meta, cell_key, move)
        cal = pred_for(meta, cell_key, move, "prediction_calibrated")
        pred = cal or apriori
        row["predicted"] = pred
        row["predicted_from"] = "calibrated" if cal else ("a priori" if apriori else None)
        row["predicted_a_priori"] = apriori
        gap0 = row["guest_gap_ms"]["median"]
        if apriori and apriori.get("guest_gap_ms") and gap0:
            row["predicted_a_priori_gap_error"] = round(apriori["guest_gap_ms"] / gap0 - 1, 3)
        gap = row["guest_gap_ms"]["median"]
        if pred and pred.get("guest_gap_ms") and gap:
            row["predicted_gap_error"] = round(pred["guest_gap_ms"] / gap - 1, 3)
        dt = row["libvirt_downtime_ms"]["median"]
        if pred and pred.get("downtime_ms") and dt and move in ("live", "live-defaults", "vd-live"):
            row["predicted_downtime_error"] = round(pred["downtime_ms"] / dt - 1, 3)
        if move == "quick":
            row["phases"] = phases(ok)
        if move in ("quick", "vd-quick"):
            # the disk alone, for the image this move wrote (its bytes), else the touched estimate
            c = meta.get("cells", {}).get(cell_key, {})
            touched = row["bytes"]["median"] or c.get("touched_bytes_measured") or c.get("touched_bytes")
            w, rd = lb.get("save_write_bps"), lb.get("save_read_bps")
            if touched and w and rd:
                bound = 1000.0 * touched / w + 1000.0 * touched / rd
                row["lower_bound_ms"] = round(bound, 1)
                if gap:
                    row["gap_over_lower_bound"] = round(gap / max(bound, 1e-9), 2)
        out.append(row)
    wls = []
    for r in out:
        if r["workload"] not in wls:
            wls.append(r["workload"])
    morder = [k for k, _, _ in MOVES]
    out.sort(key=lambda r: (r["size_mib"], wls.index(r["workload"]),
                            morder.index(r["move"]) if r["move"] in morder else 99))
    return out


def cell(rows, size, wl, move):
    for r in rows:
        if r["size_mib"] == size and r["workload"] == wl and r["move"] == move:
            return r
    return None


def targets(meta, rows):
    """The issue's targets, as ratios measured in this run (None = not measured)."""
    t = []

    def gap(r):
        return r and r["ok"] and r["guest_gap_ms"]["median"]

    # live, 512 MiB with 400 MiB touched: ferry gap <= 0.25 x VirtualDomain's
    f, v = cell(rows, 512, "touch400", "live"), cell(rows, 512, "touch400", "vd-live")
    ratio = gap(f) / gap(v) if gap(f) and gap(v) else None
    t.append({"target": "live 512 MiB/400 touched: ferry gap <= 0.25 x VirtualDomain's",
              "value": round(ratio, 3) if ratio else None, "met": ratio <= 0.25 if ratio else None})
    # live with a 64 MiB hot set: ferry converges, gap <= 300 ms
    for size in sorted({r["size_mib"] for r in rows}):
        f = cell(rows, size, "hot64", "live")
        if f is None:
            continue
        g = gap(f)
        if f["attempts"] == 0:  # the cell could not run here
            t.append({"target": "live %d MiB/hot64: ferry gap <= 300 ms (worst)" % size,
                      "value": f.get("reason"), "met": None})
            continue
        allok = f["ok"] == f["attempts"]
        t.append({"target": "live %d MiB/hot64: ferry converges, gap <= 300 ms (worst of %d/%d that ran)"
                  % (size, f["ok"], f["attempts"]),
                  "value": f["guest_gap_ms"]["worst"] if g else (f.get("reason") or "failed"),
                  "met": (allok and f["guest_gap_ms"]["worst"] <= 300) if g else False})
        if not allok and f.get("failures"):
            t[-1]["failures"] = f["failures"]
        v = cell(rows, size, "hot64", "vd-live")
        if v is not None:
            t.append({"target": "live %d MiB/hot64: VirtualDomain with defaults" % size,
                      "value": v["guest_gap_ms"]["median"] if gap(v) else (v.get("reason") or "failed"),
                      "met": None})
    # quick: <= 1.25 x lower bound, >= 1.5x shorter than VirtualDomain's snapshot
    for r in rows:
        if r["move"] == "quick" and r.get("gap_over_lower_bound"):
            t.append({"target": "quick %d MiB/%s: gap <= 1.25 x disk lower bound" % (r["size_mib"], r["workload"]),
                      "value": r["gap_over_lower_bound"], "met": r["gap_over_lower_bound"] <= 1.25})
        if r["move"] == "quick":
            v = cell(rows, r["size_mib"], r["workload"], "vd-quick")
            if gap(r) and gap(v):
                x = gap(v) / gap(r)
                t.append({"target": "quick %d MiB/%s: VirtualDomain snapshot gap / ferry quick gap >= 1.5"
                          % (r["size_mib"], r["workload"]), "value": round(x, 2), "met": x >= 1.5})
    mon = meta.get("monitor_cpu") or {}
    if mon.get("ferry_ms_per_call") and mon.get("virtualdomain_ms_per_call"):
        x = mon["virtualdomain_ms_per_call"] / max(mon["ferry_ms_per_call"], 1e-6)
        t.append({"target": "monitor: VirtualDomain CPU / ferry CPU per call >= 20",
                  "value": round(x, 1), "met": x >= 20})
    else:
        t.append({"target": "monitor: VirtualDomain CPU / ferry CPU per call >= 20",
                  "value": mon.get("reason"), "met": None})
    errs = []
    for r in rows:
        e = r.get("predicted_gap_error")
        if e is not None and r["move"] in ("quick", "live", "live-defaults"):
            errs.append((r, e))
    if errs:
        inside = sum(1 for _, e in errs if abs(e) <= 0.30)
        t.append({"target": "predictions within +-30% of the measured guest gap (ferry quick, converging live)",
                  "value": "%d of %d cells" % (inside, len(errs)), "met": inside == len(errs)})
    return t


def fmt(v, unit=""):
    if v is None:
        return "-"
    if isinstance(v, float):
        v = round(v) if abs(v) >= 10 else round(v, 1)
    return "%s%s" % (v, unit)


def mw(d):
    return "%s/%s" % (fmt(d["median"]), fmt(d["worst"]))


def table(meta, rows, tg):
    lines = []
    m = meta.get("machine", {})
    lines.append("ferry bench-moves: %s, %s cores, %s, %s; %s repeats per cell" % (
        m.get("host", "?"), m.get("cores", "?"), m.get("virt", "?"), m.get("kernel", "?"),
        meta.get("options", {}).get("repeat", "?")))
    if meta.get("load_started") or meta.get("load_finished"):
        lines.append("load average (1/5/15 min) at start %s, at end %s (other work on the machine skews times)" % (
            meta.get("load_started", "?"), meta.get("load_finished", "?")))
    lb = meta.get("lower_bounds", {})

    def mibs(x):
        return "%d MiB/s" % (x / 1048576) if x else "-"
    lines.append("lower bounds measured in this run: save dir write %s, read %s (%s); node->node TCP %s" % (
        mibs(lb.get("save_write_bps")), mibs(lb.get("save_read_bps")), lb.get("save_method", "?"),
        mibs(lb.get("net_bps"))))
    lines.append("times in ms as median/worst; gap = guest-visible (serial heartbeat); ping = 10 ms ping "
                 "from the client; tcp = connections that survived, median longest stall; libvirt = "
                 "libvirt's own downtime; probe = the agent's probe_address gap")
    hdr = ("%-5s %-8s %-23s %5s %11s %11s %13s %11s %11s %7s %11s  %s" % (
        "MiB", "workload", "move", "ok", "gap", "ping", "tcp", "libvirt", "total", "MiB", "predicted", "notes"))
    lines.append(hdr)
    lines.append("-" * len(hdr))
    for r in rows:
        if r["ok"] == 0:
            lines.append("%-5s %-8s %-23s %5s  cannot run / failed: %s" % (
                r["size_mib"], r["workload"], r["label"], "%d/%d" % (r["ok"], r["attempts"]),
                r.get("reason") or "?"))
            continue
        p = r.get("predicted") or {}
        pg = p.get("guest_gap_ms")
        pred = "-" if not p else ("%s" % fmt(pg) if pg else "no conv.")
        notes = []
        if r.get("predicted_gap_error") is not None:
            notes.append("pred %+d%%%s" % (round(100 * r["predicted_gap_error"]),
                                           " cal." if r.get("predicted_from") == "calibrated" else ""))
        if r["probe_gap_ms"]["median"] is not None:
            notes.append("probe %s" % mw(r["probe_gap_ms"]))
        if r["save_ms"]["median"] is not None:
            notes.append("save %s + restore %s" % (fmt(r["save_ms"]["median"]), fmt(r["restore_ms"]["median"])))
        if r.get("gap_over_lower_bound") is not None:
            notes.append("%.2fx lower bound" % r["gap_over_lower_bound"])
        if r.get("guest_rebooted"):
            notes.append("rebooted %d/%d" % (r["guest_rebooted"], r["ok"]))
        if r.get("failures"):
            notes.append("%d failed" % len(r["failures"]))
        b = r["bytes"]["median"]
        tcp = "%d/%d" % (r["tcp_survived"]["yes"], r["tcp_survived"]["of"])
        if r["tcp_gap_ms"]["median"] is not None and r["tcp_survived"]["yes"]:
            tcp += " %s" % fmt(r["tcp_gap_ms"]["median"])
        lines.append("%-5s %-8s %-23s %5s %11s %11s %13s %11s %11s %7s %11s  %s" % (
            r["size_mib"], r["workload"], r["label"], "%d/%d" % (r["ok"], r["attempts"]),
            mw(r["guest_gap_ms"]), mw(r["ping_gap_ms"]), tcp,
            mw(r["libvirt_downtime_ms"]), mw(r["total_ms"]),
            fmt(b / 1048576.0 if b else None), pred, ", ".join(notes)))
    qrows = [r for r in rows if r.get("phases")]
    if qrows:
        lines.append("ferry quick moves, where the time goes (median ms, from moves.jsonl; QEMU start and "
                     "restore read are split from /proc, '-' where not measured):")
        ph = "%-5s %-8s %-10s %8s " % ("MiB", "workload", "image", "channels") + " ".join(
            "%13s" % label for _, label in PHASES) + "  stack (target)"
        lines.append(ph)
        for r in qrows:
            p = r["phases"]
            lines.append("%-5s %-8s %-10s %8s " % (r["size_mib"], r["workload"], p.get("image_format") or "-",
                                                   p.get("save_channels") or "-") +
                         " ".join("%13s" % fmt(p.get(k)) for k, _ in PHASES) + "  " + (p.get("stack") or "-"))
    mon = meta.get("monitor_cpu") or {}
    if mon.get("ferry_ms_per_call") is not None:
        lines.append("monitor CPU per call (%s calls, agent + children): ferry %.2f ms, VirtualDomain %s ms" % (
            mon.get("calls"), mon["ferry_ms_per_call"], fmt(mon.get("virtualdomain_ms_per_call"))))
        if mon.get("ferry_front_ms_per_call") is not None:
            lines.append("  ferry at a 10 s interval = (5 x front %s ms + 1 x full agent %s ms) / 6" % (
                fmt(mon.get("ferry_front_ms_per_call")), fmt(mon.get("ferry_full_ms_per_call"))))
    elif mon.get("reason"):
        lines.append("monitor CPU: not measured (%s)" % mon["reason"])
    lines.append("targets (ratios from this run):")
    for x in tg:
        mark = {True: "met", False: "MISSED", None: "n/a"}[x["met"]]
        lines.append("  %-6s %s: %s" % (mark, x["target"], fmt(x["value"])))
    return "\n".join(lines) + "\n"


def write_csv(path, rows):
    cols = ["size_mib", "workload", "move", "attempts", "ok"]
    for m in METRICS:
        cols += [m + "_median", m + "_worst"]
    cols += ["tcp_survived", "tcp_of", "predicted_downtime_ms", "predicted_guest_gap_ms",
             "predicted_total_ms", "predicted_gap_error", "lower_bound_ms", "gap_over_lower_bound", "reason"]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            p = r.get("predicted") or {}
            line = [r["size_mib"], r["workload"], r["move"], r["attempts"], r["ok"]]
            for m in METRICS:
                line += [r[m]["median"], r[m]["worst"]]
            line += [r["tcp_survived"]["yes"], r["tcp_survived"]["of"], p.get("downtime_ms"),
                     p.get("guest_gap_ms"), p.get("total_ms"), r.get("predicted_gap_error"),
                     r.get("lower_bound_ms"), r.get("gap_over_lower_bound"), r.get("reason")]
            w.writerow(["" if v is None else v for v in line])


def chart(outdir, meta, rows):
    """chart.dat: one line per cell (size/workload), one column per move: median gap."""
    moves = [k for k, _, _ in MOVES if any(r["move"] == k for r in rows)]
    cells = []
    for r in rows:
        c = "%s MiB %s" % (r["size_mib"], r["workload"])
        if c not in cells and r["ok"] > 0:
            cells.append(c)
    dat = os.path.join(outdir, "chart.dat")
    with open(dat, "w") as f:
        f.write("cell " + " ".join('"%s"' % MOVE_LABEL[m] for m in moves) + "\n")
        for c in cells:
            vals = []
            for m in moves:
                v = None
                for r in rows:
                    if "%s MiB %s" % (r["size_mib"], r["workload"]) == c and r["move"] == m:
                        v = r["guest_gap_ms"]["median"] if r["ok"] else None
                vals.append("?" if not v else "%.1f" % max(v, 1))
            f.write('"%s" %s\n' % (c, " ".join(vals)))
    gp = shutil.which("gnuplot")
    if os.environ.get("BENCH_NO_CHART") == "1":
        gp = None
    if not gp or not moves or not cells:
        return None
    m = meta.get("machine", {})
    title = "guest-visible downtime per move (median of %s), %s, %s cores, %s" % (
        meta.get("options", {}).get("repeat", "?"), m.get("host", "?"), m.get("cores", "?"), m.get("virt", "?"))
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chart.gp")
    png = os.path.join(outdir, "chart.png")
    res = subprocess.run([gp, "-e", "datafile='%s'; outfile='%s'; ncols=%d; charttitle='%s'" % (
        dat, png, len(moves) + 1, title.replace("'", "")), script], capture_output=True, text=True)
    if res.returncode != 0:
        sys.stderr.write("report: gnuplot failed: %s\n" % res.stderr.strip())
        return None
    return png


def summary(meta, rows):
    """summary.md: the medians of the guest-visible gap as a Markdown table, one row per cell
    (size/workload), one column per move; what the README shows."""
    moves = [k for k, _, _ in MOVES if any(r["move"] == k for r in rows)]
    cells = []
    for r in rows:
        c = (r["size_mib"], r["workload"])
        if c not in cells:
            cells.append(c)
    by = {(r["size_mib"], r["workload"], r["move"]): r for r in rows}

    def val(r):
        if r is None:
            return "—"
        if r["ok"] == 0:
            if r["attempts"] == 0:
                return "—"
            return "failed %d/%d" % (r["attempts"], r["attempts"])
        g = r["guest_gap_ms"]["median"]
        txt = ("%.1f s" % (g / 1000.0)) if g >= 10000 else ("%d ms" % round(g))
        if r["ok"] < r["attempts"]:
            txt += " (%d of %d; %d failed)" % (r["ok"], r["attempts"], r["attempts"] - r["ok"])
        return txt
    m = meta.get("machine", {})
    out = ["Median guest-visible gap (serial heartbeat) per move, %s repeats per cell; %s, %s cores, %s, "
           "kernel %s; \"—\": not run (the table in table.txt says why)." % (
               meta.get("options", {}).get("repeat", "?"), m.get("host", "?"), m.get("cores", "?"),
               m.get("virt", "?"), m.get("kernel", "?")), ""]
    out.append("| guest | " + " | ".join(MOVE_LABEL[k] for k in moves) + " |")
    out.append("|---" * (len(moves) + 1) + "|")
    for size, wl in cells:
        if all((by.get((size, wl, k)) or {}).get("attempts", 0) == 0 for k in moves):
            continue
        out.append("| %s MiB %s | " % (size, wl) + " | ".join(val(by.get((size, wl, k))) for k in moves) + " |")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        sys.exit(1)
    outdir = sys.argv[1]
    meta, runs = load(outdir)
    rows = aggregate(meta, runs)
    tg = targets(meta, rows)
    png = chart(outdir, meta, rows)
    res = {"meta": meta, "cells": rows, "targets": tg, "chart": os.path.basename(png) if png else None}
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(res, f, indent=1, sort_keys=False)
        f.write("\n")
    write_csv(os.path.join(outdir, "results.csv"), rows)
    with open(os.path.join(outdir, "summary.md"), "w") as f:
        f.write(summary(meta, rows))
    text = table(meta, rows, tg)
    with open(os.path.join(outdir, "table.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)
    print("results: %s/results.json, results.csv, table.txt, summary.md%s" % (
        outdir, (", chart: %s" % png) if png else " (no chart: gnuplot missing or failed)"))


if __name__ == "__main__":
    main()
