#!/usr/bin/env python3
"""Unit tests of tests/faults/oracles.py: recorded traces, each oracle shown a violation it must
catch and the clean trace it must pass (an oracle that cannot fail proves nothing).  TAP."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracles  # noqa: E402

U = "0b8a3a7e-1111-4222-a333-444455556666"
N = 0
FAILED = 0


def check(name, cond):
    global N, FAILED
    N += 1
    if cond:
        print("ok %d - %s" % (N, name))
    else:
        FAILED += 1
        print("not ok %d - %s" % (N, name))


def census(t, *copies):
    """copies: (node, pid, vcpus, start_ms)"""
    return {"t": t, "kind": "census", "vms": [{
        "uuid": U, "name": "web1",
        "running_on": [c[0] for c in copies if c[2] == "running"],
        "qemu": [{"node": c[0], "pid": c[1], "vcpus": c[2], "start_ms": c[3]} for c in copies]}]}


def fence(node, at):
    return {"t": at, "kind": "fence", "target": node, "status": "success", "completed_ms": at}


def fault(t, *lost):
    return {"t": t, "kind": "fault", "what": "poweroff", "lost": list(lost)}


# ---- census -------------------------------------------------------------------------------
ok, _ = oracles.o_census([census(0, ("node1", 10, "running", 0)), census(250, ("node1", 10, "running", 0))])
check("census: one running copy passes", ok is True)
ok, why = oracles.o_census([census(0, ("node1", 10, "running", 0)),
                            census(250, ("node1", 10, "running", 0), ("node2", 20, "running", 200))])
check("census: two running copies in one sample fail", ok is False and "node1+node2" in why)
ok, _ = oracles.o_census([census(0, ("node1", 10, "running", 0), ("node2", 20, "paused", 0))])
check("census: a paused twin is not a second copy", ok is True)

# ---- fence before recovery ----------------------------------------------------------------
base = [census(0, ("node1", 10, "running", -5000)), fault(1000, "node1")]
ok, _ = oracles.o_fence_first(base + [census(1250), fence("node1", 5000),
                                      census(9000, ("node2", 30, "running", 7000))])
check("fence-first: a restart after the fence passes", ok is True)
ok, why = oracles.o_fence_first(base + [census(4000, ("node2", 30, "running", 3000)),
                                        fence("node1", 5000)])
check("fence-first: a restart before the fence fails", ok is False and "before its fence" in why)
ok, why = oracles.o_fence_first(base + [census(4000, ("node2", 30, "running", 3000))])
check("fence-first: a restart with no fence at all fails", ok is False and "no completed fence" in why)
# an incoming migration that existed before the loss and resumed before the fence
ok, why = oracles.o_fence_first([census(0, ("node1", 10, "running", -5000), ("node2", 30, "paused", -100)),
                                 fault(1000, "node1"), census(2000, ("node2", 30, "running", -100)),
                                 fence("node1", 5000)])
check("fence-first: a half-migrated copy resumed before the fence fails", ok is False)
# a process started before the fence but seen running only later still counts from its start
ok, _ = oracles.o_fence_first(base + [fence("node1", 5000), census(9000, ("node2", 30, "running", 4000))])
check("fence-first: judged by the QEMU's start time, not by when the census saw it", ok is False)
ok, _ = oracles.o_fence_first([census(0, ("node1", 10, "running", 0))])
check("fence-first: no lost node, no verdict", ok is None)

# ---- one image, one restore ---------------------------------------------------------------
good = ["#1 node 1 acquire vm web1: granted", "#2 node 1 save vm web1: granted, image gen 1",
        "#3 node 2 restore vm web1 gen 1: granted", "#4 node 2 restore-commit vm web1: granted"]
dec = lambda lines: {"t": 1, "kind": "decisions", "node": "node1", "lines": lines}  # noqa: E731
ok, _ = oracles.o_one_restore([dec(good)])
check("one-restore: one restore of the latest image passes", ok is True)
ok, why = oracles.o_one_restore([dec(good + ["#5 node 3 restore vm web1 gen 1: granted",
                                             "#6 node 3 restore-commit vm web1: granted"])])
check("one-restore: the same image restored twice fails", ok is False and "restored 2 times" in why)
ok, why = oracles.o_one_restore([dec(good[:2] + ["#3 node 1 save vm web1: granted, image gen 2",
                                                 "#4 node 2 restore vm web1 gen 1: granted"])])
check("one-restore: a stale image restored fails", ok is False and "latest image gen 2" in why)
ok, _ = oracles.o_one_restore([dec(good + ["#5 node 2 restore-commit vm web1: granted, already"])])
check("one-restore: a repeated commit the ledger answers 'already' is not a second restore", ok is True)

# ---- ledger agreement ---------------------------------------------------------------------
def fd(t, rnd, node, seq, body, cfg="1.3", synced=True):
    return {"t": t, "kind": "ferryd", "round": rnd, "node": node,
            "status": {"synced": synced, "config_id": cfg},
            "ledger": {"vms": 1, "ledger": {"seq": seq, "vms": body}}}


tr = []
for r in range(6):
    tr += [fd(r * 1000, r, "node1", 5, "A"), fd(r * 1000 + 10, r, "node2", 5, "A")]
ok, why = oracles.o_ledger(tr)
check("ledger: identical views in a stable configuration pass", ok is True and "comparisons" in why)
bad = tr + [fd(6000, 6, "node1", 5, "A"), fd(6010, 6, "node2", 5, "B")]
ok, _ = oracles.o_ledger(bad)
check("ledger: different views at the same seq fail", ok is False)
inflight = tr + [fd(6000, 6, "node1", 6, "A2"), fd(6010, 6, "node2", 5, "A")]
ok, _ = oracles.o_ledger(inflight)
check("ledger: a request in flight (different seq) is not a disagreement", ok is True)
young = [fd(0, 0, "node1", 5, "A", cfg="1.4"), fd(10, 0, "node2", 5, "B", cfg="1.4")]
ok, _ = oracles.o_ledger(young)
check("ledger: a configuration younger than 3 s is not judged", ok is True)
ok, _ = oracles.o_ledger(tr + [{"t": 9000, "kind": "ledger-end", "agree": False, "why": "x"}])
check("ledger: disagreement at the end fails", ok is False)

# a membership change between the two ferryctl calls: status still names the old configuration,
# the ledger dump is already the new one's (seen in isolate-owner's first run)
def fdt(t, rnd, node, text, cfg=7):
    return {"t": t, "kind": "ferryd", "round": rnd, "node": node,
            "status": {"synced": True, "config_id": cfg}, "ledger": {"vms": 1, "ledger": text}}


old3 = "ferry-ledger 2\nepoch 4\nseq 8\nmembers 1 2 3\nvm a state=running owner=2\n"
alone = "ferry-ledger 2\nepoch 4\nseq 8\nmembers 2\nvm a state=running owner=2\n"
tr2 = []
for r in range(5):
    tr2 += [fdt(r * 1000, r, "node1", old3), fdt(r * 1000 + 5, r, "node2", old3)]
tr2 += [fdt(5000, 5, "node1", old3), fdt(5005, 5, "node2", alone)]
ok, _ = oracles.o_ledger(tr2)
check("ledger: the configuration is read from the dump, not from a status call made before it", ok is True)
tr3 = [x for x in tr2 if x["round"] < 5]
tr3 += [fdt(5000, 5, "node1", old3), fdt(5005, 5, "node2", old3.replace("owner=2", "owner=3"))]
ok, _ = oracles.o_ledger(tr3)
check("ledger: text dumps of one configuration and seq that differ fail", ok is False)

# ---- nothing lost -------------------------------------------------------------------------
def final(**kw):
    r = {"t": 10, "kind": "final", "vm": "web1", "expect": "running", "memory": "kept",
         "boots_before": 1, "boots_after": 1, "counter_resets": 0, "hb_advancing": True}
    r.update(kw)
    return r


ok, _ = oracles.o_nothing_lost([census(0, ("node2", 30, "running", 0)), final()])
check("nothing-lost: one running copy, memory kept, passes", ok is True)
ok, _ = oracles.o_nothing_lost([census(0, ("node2", 30, "paused", 0)), final()])
check("nothing-lost: no running copy fails", ok is False)
ok, _ = oracles.o_nothing_lost([census(0, ("node2", 30, "running", 0)), final(boots_after=2)])
check("nothing-lost: a reboot where memory was promised fails", ok is False)
ok, _ = oracles.o_nothing_lost([census(0, ("node2", 30, "running", 0)), final(counter_resets=1)])
check("nothing-lost: a heartbeat counter reset fails", ok is False)
ok, _ = oracles.o_nothing_lost([census(0, ("node2", 30, "running", 0)), final(memory="any", boots_after=2)])
check("nothing-lost: a restart where the case allows one passes", ok is True)
ok, _ = oracles.o_nothing_lost([census(0), final(expect="stopped")])
check("nothing-lost: stopped as the case says passes", ok is True)

# ---- Pacemaker's time stamps ----------------------------------------------------------------
check("parse_when: Pacemaker's completed= with microseconds",
      oracles.parse_when("2026-12-05 21:30:12.250000Z") == 1796506212250)
check("parse_when: without a fraction or zone",
      oracles.parse_when("2026-12-05 21:30:12") == 1796506212000)

# ---- process start times (fence-first's "a new QEMU counts from its process start") --------
# never earlier than the process really started (one clock tick of /proc's rounding aside): a
# start placed early makes a recovery look as if it beat its fence
import subprocess  # noqa: E402
import time  # noqa: E402

t0 = time.time() * 1000
child = subprocess.Popen(["sleep", "5"])
t1 = time.time() * 1000
st = oracles.proc_start_ms(child.pid)
child.kill()
child.wait()
tick = 1000 / os.sysconf("SC_CLK_TCK")
check("proc_start_ms: a child's start lies between before and after its spawn (%.0f ms, %.0f ms)" % (
    st - t0 if st is not None else float("nan"), t1 - st if st is not None else float("nan")),
    st is not None and t0 - tick - 1 <= st <= t1 + 1)

print("1..%d" % N)
sys.exit(1 if FAILED else 0)
