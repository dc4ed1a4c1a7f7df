#!/usr/bin/env python3
"""tests/faults/oracles.py - the fault catalogue's oracles (tests/faults/run).

  watch TRACE LAB_SCRIPT   sample the lab until SIGTERM, appending JSON lines to TRACE:
                           the census (the lab's, without a fork per process: see
                           fast_census) started every 0.25 s, and every live node's ferryd
                           view (ferryctl --json status + ledger) every second
  census [LAB_SCRIPT]      one census now, as JSON (the lab's census --json, fast)
  note TRACE KIND [K=V...] append one record (a fault, a heal, an expectation); V is JSON
                           when it parses as JSON, else a string
  collect TRACE LAB_SCRIPT after a case: Pacemaker's fence history, every node's decision
                           log and every live node's ledger, appended to TRACE
  judge TRACE              the verdict of every oracle over the whole trace, as one JSON
                           object {"oracles": {NAME: {"ok": bool|null, "why": str}}, ...};
                           exit 0 when no oracle failed

The oracles, each judged over every sample, not only the last:
  census       no VM ever has vCPUs running on two nodes
  fence-first  a VM that ran on a node that was lost runs again elsewhere only after a
               fence of that node completed (Pacemaker's history, by time)
  one-restore  every save image generation is restored (restore-commit) at most once and
               never older than the VM's latest saved generation (ferryd's decision logs)
  ledger       every two synced ferryds in the same configuration, stable for 3 s, that
               report the same sequence number report the same ledger; at the end every
               live node's ledger is the same
  nothing-lost at the end every VM of the case runs exactly once (or is stopped where the
               case says so), and one promised to keep its memory did (no new boot, the
               heartbeat counter never reset)
Unit tests: tests/faults/test_oracles.py (recorded traces with violations).
"""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

STABLE_MS = 3000


def now_ms():
    return int(time.time() * 1000)


# ---- recording -------------------------------------------------------------------------

class Writer:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)
        self.lock = threading.Lock()

    def put(self, rec):
        line = json.dumps(rec, separators=(",", ":"))
        with self.lock:
            self.f.write(line + "\n")


def boot_epoch_ms():
    """The wall-clock time of boot, to the millisecond: what /proc/PID/stat's start times count
    from.  Not /proc/stat's btime: that is whole seconds, cut down, so every process start came
    out up to a second early, and a run judged a QEMU started 28 ms after its node's fence to have
    run 80 ms before it."""
    return round((time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)) * 1000)


BTIME = None
HZ = os.sysconf("SC_CLK_TCK")


def proc_start_ms(pid):
    """When process pid started (epoch ms), or None."""
    global BTIME
    if BTIME is None:
        BTIME = boot_epoch_ms()
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rfind(")") + 2:].split()
    return BTIME + int(fields[19]) * 1000 // HZ


def lab_dir():
    return os.environ.get("FERRY_LAB_DIR", "/var/tmp/ferry-lab")


def live_nodes():
    st = os.path.join(lab_dir(), "state")
    try:
        names = open(os.path.join(st, "nodes.list")).read().split()
    except OSError:
        return []
    out = []
    for n in names:
        d = os.path.join(st, "nodes", n)
        if os.path.exists(os.path.join(d, "off")):
            continue
        try:
            h = int(open(os.path.join(d, "holder.pid")).read())
            os.kill(h, 0)
        except (OSError, ValueError):
            continue
        out.append(n)
    return out


def netns_nodes():
    """netns inode -> lab node name"""
    st = os.path.join(lab_dir(), "state", "nodes")
    out = {}
    for n in os.listdir(st) if os.path.isdir(st) else []:
        try:
            out[open(os.path.join(st, n, "netns.ino")).read().strip()] = n
        except OSError:
            pass
    return out


def status_state(node, name, pid):
    """The vCPU state libvirt recorded for NAME on NODE (its status file, the one the agent's
    front reads), if it is about this QEMU pid; else "unknown"."""
    f = os.path.join(lab_dir(), "state", "nodes", node, "root", "run-libvirt", "qemu", name + ".xml")
    try:
        head = open(f).read(4096)
    except OSError:
        return "unknown"
    m = re.search(r"<domstatus state='([a-z]+)'[^>]*pid='(\d+)'", head)
    if not m or int(m.group(2)) != pid:
        return "unknown"
    return m.group(1)


def virsh_state(lab, node, uuid):
    try:
        p = subprocess.run([lab, "virsh", node, "domstate", uuid], capture_output=True, text=True, timeout=5)
    except (subprocess.TimeoutExpired, OSError):
        return "unknown"
    s = p.stdout.strip().split("\n")[0].split(" (")[0] if p.returncode == 0 else ""
    return s.replace(" ", "-") or "unknown"


def fast_census(lab):
    """The lab's census (scripts/lab census --json) without a fork per process: each lab QEMU
    from /proc, its node from its network namespace, its vCPU state from libvirt's status file;
    a VM that looks running on two nodes is asked of libvirt (virsh domstate) in reverse order,
    as the lab's census does, so a live migration's switchover is not taken for two copies."""
    nodes = netns_nodes()
    rows = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            cmd = open("/proc/%s/cmdline" % d, "rb").read().split(b"\0")
            ino = str(os.stat("/proc/%s/ns/net" % d).st_ino)
        except OSError:
            continue
        if b"-uuid" not in cmd or ino not in nodes:
            continue
        i = cmd.index(b"-uuid")
        uuid = cmd[i + 1].decode(errors="replace") if i + 1 < len(cmd) else "?"
        name = "?"
        if b"-name" in cmd:
            j = cmd.index(b"-name")
            name = cmd[j + 1].decode(errors="replace").replace("guest=", "").split(",")[0]
        pid = int(d)
        rows.append({"uuid": uuid, "name": name, "node": nodes[ino], "pid": pid,
                     "vcpus": status_state(nodes[ino], name, pid), "start_ms": proc_start_ms(pid)})
    vms = {}
    for r in rows:
        vms.setdefault(r["uuid"], {"uuid": r["uuid"], "name": r["name"], "qemu": []})["qemu"].append(
            {k: r[k] for k in ("node", "pid", "vcpus", "start_ms")})
    for vm in vms.values():
        run = [q for q in vm["qemu"] if q["vcpus"] == "running"]
        if len(run) >= 2:
            for q in reversed(run):
                q["vcpus"] = virsh_state(lab, q["node"], vm["uuid"])
            vm["asked_libvirt"] = True
        vm["running_on"] = [q["node"] for q in vm["qemu"] if q["vcpus"] == "running"]
    return list(vms.values())


def census_once(lab, w):
    t = now_ms()
    try:
        vms = fast_census(lab)
    except Exception as e:  # noqa: BLE001 - a bad sample is recorded, the watch goes on
        w.put({"t": t, "kind": "census-error", "why": str(e)[:200]})
        return
    w.put({"t": t, "t_end": now_ms(), "kind": "census", "vms": vms})


def ferryd_once(lab, w, rnd):
    for n in live_nodes():
        t = now_ms()
        rec = {"t": t, "kind": "ferryd", "round": rnd, "node": n}
        for what in ("status", "ledger"):
            try:
                p = subprocess.run([lab, "exec", n, "ferryctl", "--json", what],
                                   capture_output=True, text=True, timeout=5)
                rec[what] = json.loads(p.stdout) if p.returncode == 0 else None
            except (subprocess.TimeoutExpired, ValueError, OSError):
                rec[what] = None
        w.put(rec)


def watch(trace, lab):
    w = Writer(trace)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    sem = threading.Semaphore(4)  # at most 4 censuses at once on a slow moment

    def one_census():
        try:
            census_once(lab, w)
        finally:
            sem.release()

    def ferryd_loop():
        rnd = 0
        while not stop.is_set():
            t0 = time.time()
            ferryd_once(lab, w, rnd)
            rnd += 1
            stop.wait(max(0.0, 1.0 - (time.time() - t0)))

    threading.Thread(target=ferryd_loop, daemon=True).start()
    w.put({"t": now_ms(), "kind": "watch-start"})
    nxt = time.time()
    while not stop.is_set():
        if sem.acquire(timeout=0.25):
            threading.Thread(target=one_census, daemon=True).start()
        nxt += 0.25
        stop.wait(max(0.0, nxt - time.time()))
        if time.time() - nxt > 1.0:
            nxt = time.time()
    w.put({"t": now_ms(), "kind": "watch-stop"})
    for _ in range(40):  # let the censuses in flight finish
        if sem._value >= 4:
            break
        time.sleep(0.25)


def note(trace, kind, kvs):
    rec = {"t": now_ms(), "kind": kind}
    for kv in kvs:
        k, _, v = kv.partition("=")
        try:
            rec[k] = json.loads(v)
        except ValueError:
            rec[k] = v
    Writer(trace).put(rec)


# ---- judging ---------------------------------------------------------------------------

def load(path):
    recs = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    recs.append(json.loads(line))
                except ValueError:
                    pass
    recs.sort(key=lambda r: r.get("t", 0))
    return recs


def o_census(recs):
    cs = [r for r in recs if r["kind"] == "census"]
    if not cs:
        return None, "no census sample"
    bad = []
    for r in cs:
        for vm in r["vms"]:
            if len(vm.get("running_on", [])) >= 2:
                bad.append("%s on %s at %d" % (vm["name"], "+".join(vm["running_on"]), r["t"]))
    ts = [r["t"] for r in cs]
    gaps = sorted(b - a for a, b in zip(ts, ts[1:]))
    fig = "%d samples, interval median %d max %d ms" % (
        len(cs), gaps[len(gaps) // 2] if gaps else 0, gaps[-1] if gaps else 0)
    if bad:
        return False, "vCPUs on two nodes: %s (%s)" % ("; ".join(bad[:3]), fig)
    return True, fig


def fence_times(recs, node):
    return sorted(r["completed_ms"] for r in recs
                  if r["kind"] == "fence" and r.get("target") == node and r.get("status") == "success"
                  and r.get("completed_ms") is not None)


def o_fence_first(recs):
    lost = [(r["t"], n) for r in recs if r["kind"] == "fault" for n in r.get("lost", [])]
    if not lost:
        return None, "no node lost in this case"
    cs = [r for r in recs if r["kind"] == "census"]
    why = []
    bad = []
    for tl, node in lost:
        before = [r for r in cs if r["t"] <= tl]
        if not before:
            bad.append("%s: no census sample before its loss, cannot judge" % node)
            continue
        held = {vm["uuid"]: vm["name"] for vm in before[-1]["vms"] if node in vm.get("running_on", [])}
        seen = set()  # (node, pid) known before the loss
        for r in before:
            for vm in r["vms"]:
                for q in vm.get("qemu", []):
                    seen.add((q["node"], q["pid"]))
        fences = fence_times(recs, node)
        first = {}
        for r in cs:
            if r["t"] <= tl:
                continue
            for vm in r["vms"]:
                if vm["uuid"] not in held:
                    continue
                for q in vm.get("qemu", []):
                    if q["node"] == node or q.get("vcpus") != "running":
                        continue
                    key = (vm["uuid"], q["node"], q["pid"])
                    if key in first:
                        continue
                    st = q.get("start_ms")
                    # a new QEMU cannot have run before it started; one that existed (an
                    # incoming migration, paused) is judged by when it was seen running
                    at = st if (q["node"], q["pid"]) not in seen and st and st > tl else r["t"]
                    first[key] = at
        for (u, n2, pid), at in sorted(first.items(), key=lambda kv: kv[1]):
            ok = [f for f in fences if f <= at]
            if not ok:
                bad.append("%s ran on %s (pid %d) at +%d ms after %s was lost, %s" % (
                    held[u], n2, pid, at - tl, node,
                    "before its fence completed (+%d ms)" % (fences[0] - tl) if fences
                    else "and no completed fence of it"))
            else:
                why.append("%s on %s +%d ms after the fence of %s" % (held[u], n2, at - ok[-1], node))
        if not held:
            why.append("no VM was running on %s when it was lost, nothing to recover" % node)
        elif not first:
            why.append("nothing of %s ran elsewhere after its loss%s" % (
                node, "" if not fences else " (fenced +%d ms)" % (fences[0] - tl)))
    if bad:
        return False, "; ".join(bad[:3])
    return True, "; ".join(why) if why else "ok"


RE_SAVE = re.compile(r"^#\d+ node \d+ save vm (\S+): granted, image gen (\d+)")
RE_RESTORE = re.compile(r"^#\d+ node (\d+) restore vm (\S+) gen (\d+): granted(, already)?$")
RE_COMMIT = re.compile(r"^#\d+ node (\d+) restore-commit vm (\S+): granted(, already)?$")


def o_one_restore(recs):
    logs = [r for r in recs if r["kind"] == "decisions"]
    if not logs:
        return None, "no decision log"
    bad = []
    restores = 0
    vms = None
    for r in recs:
        if r["kind"] == "case" and r.get("vms"):
            vms = set(r["vms"])
    for lg in logs:
        saved, pending, commits = {}, {}, {}
        for line in lg.get("lines", []):
            m = RE_SAVE.match(line)
            if m:
                saved[m.group(1)] = max(saved.get(m.group(1), 0), int(m.group(2)))
                continue
            m = RE_RESTORE.match(line)
            if m:
                vm, g = m.group(2), int(m.group(3))
                if vms is not None and vm not in vms:
                    continue
                if g < saved.get(vm, 0):
                    bad.append("%s: %s restore of gen %d granted, latest image gen %d" % (
                        lg["node"], vm, g, saved[vm]))
                if not m.group(4):
                    pending[vm] = g
                continue
            m = RE_COMMIT.match(line)
            if m and not m.group(3):
                vm = m.group(2)
                if vms is not None and vm not in vms:
                    continue
                g = pending.pop(vm, None)
                commits[(vm, g)] = commits.get((vm, g), 0) + 1
                if commits[(vm, g)] > 1:
                    bad.append("%s: %s image gen %s restored %d times" % (lg["node"], vm, g, commits[(vm, g)]))
        restores = max(restores, sum(commits.values()))
    if bad:
        return False, "; ".join(bad[:3])
    return True, "%d restore(s) committed, none twice or stale" % restores


def ledger_seq(rec):
    m = re.search(r'"seq"\s*:\s*(\d+)|seq (\d+)', json.dumps(rec.get("ledger")))
    return (m.group(1) or m.group(2)) if m else None


def ledger_key(rec):
    """The configuration a ledger dump was made in, from the dump itself (epoch and members):
    ferryctl status and ledger are two calls, and a change can fall between them."""
    text = json.dumps(rec.get("ledger"))
    e = re.search(r"epoch (\d+)", text)
    m = re.search(r"members ([\d ]+)", text)
    if e or m:
        return "epoch %s members %s" % (e.group(1) if e else "?", m.group(1).strip() if m else "?")
    s = rec.get("status") or {}
    return json.dumps(s.get("config_id"), sort_keys=True)


def o_ledger(recs):
    fr = [r for r in recs if r["kind"] == "ferryd"]
    if not fr:
        return None, "no ferryd sample"
    since = {}  # node -> (config key, first t)
    rounds = {}
    for r in fr:
        s = r.get("status") or {}
        if not s.get("synced") or r.get("ledger") is None:
            since.pop(r["node"], None)
            continue
        k = ledger_key(r)
        if since.get(r["node"], (None,))[0] != k:
            since[r["node"]] = (k, r["t"])
        if r["t"] - since[r["node"]][1] >= STABLE_MS:
            rounds.setdefault(r["round"], []).append(r)
    cmp_, bad = 0, []
    for rnd, rs in sorted(rounds.items()):
        groups = {}
        for r in rs:
            groups.setdefault(ledger_key(r), []).append(r)
        for k, g in groups.items():
            if len(g) < 2:
                continue
            seqs = {ledger_seq(x) for x in g}
            if len(seqs) != 1:
                continue  # a request in flight between two reads
            cmp_ += 1
            views = {json.dumps(x["ledger"], sort_keys=True) for x in g}
            if len(views) > 1:
                bad.append("round %d: %s differ at the same seq" % (rnd, "/".join(x["node"] for x in g)))
    # the end: the last round every live node answered in
    last = max((r["round"] for r in fr), default=None)
    endv = [r for r in fr if r["round"] == last]
    end_ok = None
    ends = [r for r in recs if r["kind"] == "ledger-end"]
    if ends:
        e = ends[-1]
        end_ok = bool(e.get("agree"))
        if not end_ok:
            bad.append("at the end: %s" % e.get("why", "ledgers differ"))
    if bad:
        return False, "; ".join(bad[:3])
    return True, "%d comparisons in stable configurations%s" % (
        cmp_, ", identical at the end" if end_ok else "")


def o_nothing_lost(recs):
    finals = [r for r in recs if r["kind"] == "final"]
    if not finals:
        return None, "no expectation recorded"
    cs = [r for r in recs if r["kind"] == "census"]
    last = cs[-1] if cs else {"vms": []}
    byname = {vm["name"]: vm for vm in last["vms"]}
    bad, good = [], []
    for f in finals:
        vm = byname.get(f["vm"], {"running_on": [], "qemu": []})
        n = len(vm.get("running_on", []))
        if f.get("expect", "running") == "running":
            if n != 1:
                bad.append("%s runs on %d nodes, want 1" % (f["vm"], n))
                continue
        elif n != 0:
            bad.append("%s runs on %d nodes, want stopped" % (f["vm"], n))
            continue
        if f.get("memory") == "kept":
            b0, b1, resets = f.get("boots_before"), f.get("boots_after"), f.get("counter_resets")
            if b0 != b1 or (resets not in (0, "0", None)):
                bad.append("%s lost its memory (boots %s -> %s, counter resets %s)" % (f["vm"], b0, b1, resets))
                continue
            if f.get("hb_advancing") is False:
                bad.append("%s: heartbeat not advancing" % f["vm"])
                continue
        good.append("%s %s%s" % (f["vm"], "on " + vm["running_on"][0] if n else "stopped",
                                 ", memory kept" if f.get("memory") == "kept" else ""))
    if bad:
        return False, "; ".join(bad)
    return True, "; ".join(good)


ORACLES = [("census", o_census), ("fence-first", o_fence_first), ("one-restore", o_one_restore),
           ("ledger", o_ledger), ("nothing-lost", o_nothing_lost)]


def judge(recs):
    out = {}
    for name, fn in ORACLES:
        ok, why = fn(recs)
        out[name] = {"ok": ok, "why": why}
    return {"oracles": out, "failed": [n for n, v in out.items() if v["ok"] is False]}


def parse_when(s):
    """Pacemaker's "2026-12-05 21:30:12[.123456][ +00:00|Z]" -> epoch ms."""
    import datetime
    m = re.match(r"(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d+)?\s*(Z|[+-]\d\d:?\d\d)?", s or "")
    if not m:
        return None
    tz = m.group(4) or ""
    if tz in ("", "Z"):
        tz = "+0000"
    dt = datetime.datetime.strptime(m.group(1) + " " + m.group(2) + " " + tz.replace(":", ""),
                                    "%Y-%m-%d %H:%M:%S %z")
    frac = float(m.group(3)) if m.group(3) else 0.0
    return int(dt.timestamp() * 1000 + frac * 1000)


def collect(trace, lab):
    """After a case: Pacemaker's fence history, every node's decision log, the ledgers."""
    w = Writer(trace)
    nodes = live_nodes()
    for n in nodes:
        try:
            p = subprocess.run([lab, "exec", n, "stonith_admin", "--history", "*", "--output-as=xml"],
                               capture_output=True, text=True, timeout=20)
        except (subprocess.TimeoutExpired, OSError):
            continue
        if p.returncode != 0:
            continue
        for ev in re.findall(r"<fence_event [^>]*>", p.stdout):
            a = dict(re.findall(r'(\w+)="([^"]*)"', ev))
            w.put({"t": now_ms(), "kind": "fence", "target": a.get("target"), "status": a.get("status"),
                   "action": a.get("action"), "completed": a.get("completed"),
                   "completed_ms": parse_when(a.get("completed"))})
        break
    # Pacemaker's history is kept in memory by each node's fencer and is lost with a node that
    # was power cut; its log keeps every completed fence with milliseconds, so read every
    # node's log too, and ferryd's confirmations (which come later than the fence)
    st = os.path.join(lab_dir(), "state", "nodes")
    year = time.gmtime().tm_year
    for n in sorted(os.listdir(st)) if os.path.isdir(st) else []:
        f = os.path.join(st, n, "root", "var-log-pacemaker", "pacemaker.log")
        try:
            for line in open(f, errors="replace"):
                if "pacemaker-fenced" not in line or "targeting" not in line or ": OK" not in line:
                    continue
                m = re.match(r"(\w{3} \d\d \d\d:\d\d:\d\d)(\.\d+)? \S+ +pacemaker-fenced .*"
                             r"Operation '(reboot|off)' targeting (\S+) by \S+ .*: OK", line)
                if not m:
                    continue
                t = time.strptime("%d %s" % (year, m.group(1)), "%Y %b %d %H:%M:%S")
                import calendar
                ms_ = calendar.timegm(t) * 1000 + int(float(m.group(2) or 0) * 1000)
                w.put({"t": now_ms(), "kind": "fence", "target": m.group(4), "status": "success",
                       "action": m.group(3), "source": "pacemaker.log of " + n, "completed_ms": ms_})
        except OSError:
            pass
        f = os.path.join(st, n, "log", "ferryd.out")
        try:
            for line in open(f, errors="replace"):
                m = re.search(r"fence confirmation sent \((\S+) fenced at (\d+) ms\)", line)
                if m:
                    w.put({"t": now_ms(), "kind": "fence", "target": m.group(1), "status": "success",
                           "source": "ferryd of " + n, "completed_ms": int(m.group(2))})
        except OSError:
            pass
    for n in sorted(os.listdir(st)) if os.path.isdir(st) else []:
        f = os.path.join(st, n, "root", "var-lib-ferry", "decisions.log")
        try:
            lines = open(f, errors="replace").read().splitlines()
        except OSError:
            continue
        w.put({"t": now_ms(), "kind": "decisions", "node": n, "lines": lines})
    views = {}
    for n in nodes:
        try:
            p = subprocess.run([lab, "exec", n, "ferryctl", "--json", "ledger"],
                               capture_output=True, text=True, timeout=10)
            views[n] = json.dumps(json.loads(p.stdout), sort_keys=True)
        except (subprocess.TimeoutExpired, ValueError, OSError):
            views[n] = None
    agree = len(set(views.values())) == 1 and None not in views.values()
    w.put({"t": now_ms(), "kind": "ledger-end", "agree": agree,
           "why": "" if agree else "ledgers of %s: %s" % (
               ",".join(sorted(views)), " / ".join(
                   "%s %s" % (n, "unreadable" if v is None else "seq %s" % (
                       ledger_seq({"ledger": json.loads(v)}))) for n, v in sorted(views.items())))})


def main(argv):
    if len(argv) >= 3 and argv[1] == "watch":
        watch(argv[2], argv[3] if len(argv) > 3 else "scripts/lab")
        return 0
    if len(argv) >= 4 and argv[1] == "note":
        note(argv[2], argv[3], argv[4:])
        return 0
    if len(argv) >= 2 and argv[1] == "census":
        print(json.dumps({"vms": fast_census(argv[2] if len(argv) > 2 else "scripts/lab")}))
        return 0
    if len(argv) >= 3 and argv[1] == "collect":
        collect(argv[2], argv[3] if len(argv) > 3 else "scripts/lab")
        return 0
    if len(argv) == 3 and argv[1] == "judge":
        v = judge(load(argv[2]))
        print(json.dumps(v))
        return 1 if v["failed"] else 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
