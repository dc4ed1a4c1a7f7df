#!/usr/bin/env python3
"""Does a busy TCG guest survive live migration with this QEMU?  No lab, no libvirt.

The lab-free twin of scripts/bench.d/tcg-live-probe (doc/bench.md, "The TCG panics"): two QEMU
processes on this host, the test guest (scripts/lab guest build) re-dirtying a working set, and
live migrations between them over a unix socket through QMP, with what libvirt sets for a plain
`virsh migrate --live` (no bandwidth cap, QEMU's 300 ms downtime limit).  After each move the
serial log says whether the guest's kernel panicked.

Usage: tcg-qemu-probe.py VARIANT [MOVES] [--guest DIR] [--mem MIB] [--dirty MIB] [--work DIR]
                         [--qemu COMMAND]
  VARIANT  default  -accel tcg, guest RAM MEM MiB
           single   -accel tcg,thread=single
           oddsize  guest RAM 8 KiB short of MEM MiB: not a multiple of 64 pages, so QEMU 7.2
                    syncs the migration bitmap page by page, the path that resets TCG's TLB
  MOVES    live moves (default 6)
  --qemu   the QEMU to run, a command line (default /usr/bin/qemu-system-x86_64); e.g. the
           backports root's QEMU 10.0 through that root's dynamic loader:
           --qemu "R/lib64/ld-linux-x86-64.so.2 --library-path R/usr/lib/x86_64-linux-gnu:R/lib/x86_64-linux-gnu R/usr/bin/qemu-system-x86_64 -L R/usr/share/qemu"
           with R=/var/tmp/ferry-roots/bookworm-backports
Each guest uses one host core while it runs; keep runs short on a shared machine.
"""

import argparse
import json
import os
import shlex
import socket
import subprocess
import sys
import time

QEMU = "/usr/bin/qemu-system-x86_64"


class Qmp:
    def __init__(self, path, timeout=30):
        deadline = time.time() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.buf = b""
        self._read()  # greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        while True:
            while b"\n" not in self.buf:
                data = self.sock.recv(65536)
                if not data:
                    raise EOFError("QMP closed")
                self.buf += data
            line, self.buf = self.buf.split(b"\n", 1)
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def cmd(self, name, **args):
        self.sock.sendall(json.dumps({"execute": name, "arguments": args}).encode() + b"\n")
        reply = self._read()
        if "error" in reply:
            raise RuntimeError(f"{name}: {reply['error'].get('desc')}")
        return reply.get("return")

    def close(self):
        self.sock.close()


def qemu_args(a, name, qmp, log, incoming=None):
    accel = "tcg,thread=single" if a.variant == "single" else "tcg"
    mem = f"{a.mem * 1024 - 8}K" if a.variant == "oddsize" else str(a.mem)
    cmdline = (f"console=ttyS0 {a.extra} ferry.name={name} ferry.ip=10.0.2.15/24 "
               f"ferry.port=7777 ferry.touch_mib=0 ferry.dirty_mib={a.dirty}")
    args = shlex.split(a.qemu) + ["-name", name, "-machine", "pc", "-accel", accel, "-cpu", "qemu64",
            "-m", mem, "-smp", "1", "-kernel", a.kernel, "-initrd", a.initrd,
            "-append", cmdline, "-display", "none", "-nodefaults", "-no-user-config",
            "-chardev", f"file,id=ser0,path={log},append=on", "-serial", "chardev:ser0",
            "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0",
            "-qmp", f"unix:{qmp},server=on,wait=off"]
    if incoming:
        args += ["-incoming", f"unix:{incoming}"]
    return args


def version(qemu):
    out = subprocess.run(shlex.split(qemu) + ["--version"], capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout:
        sys.exit(f"tcg-qemu-probe: '{qemu} --version' failed: {out.stderr.strip()}")
    return out.stdout.splitlines()[0]


def panics(log):
    try:
        with open(log, errors="replace") as f:
            return f.read().count("Kernel panic")
    except FileNotFoundError:
        return 0


def ready(log):
    """The newest boot heartbeats and its re-dirtying has started."""
    try:
        with open(log, errors="replace") as f:
            text = f.read()
    except FileNotFoundError:
        return False
    boot = text.rfind("FERRY-BOOT name=")
    if boot < 0:
        return False
    tail = text[boot:]
    return "\nHB " in tail and "FERRY-DIRTY" in tail


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("variant", choices=["default", "single", "oddsize"])
    p.add_argument("moves", nargs="?", type=int, default=6)
    p.add_argument("--guest", default="/var/tmp/ferry-lab/shared/guest",
                   help="directory with vmlinuz and initrd.img (scripts/lab guest build)")
    p.add_argument("--mem", type=int, default=512)
    p.add_argument("--dirty", type=int, default=64)
    p.add_argument("--work", default=None, help="scratch directory (default /tmp/tcg-qemu-probe.PID)")
    p.add_argument("--qemu", default=QEMU, help="the QEMU command line to run (default %(default)s)")
    a = p.parse_args()
    a.kernel = os.path.join(a.guest, "vmlinuz")
    a.initrd = os.path.join(a.guest, "initrd.img")
    for f in (a.kernel, a.initrd):
        if not os.path.isfile(f):
            sys.exit(f"tcg-qemu-probe: {f} is missing; build the guest first (scripts/lab guest build) "
                     "or point --guest at a directory holding vmlinuz and initrd.img")
    if a.moves < 1:
        sys.exit("tcg-qemu-probe: MOVES must be at least 1")
    a.extra = "quiet loglevel=3 panic=-1 no_timer_check 8250.nr_uarts=1"
    work = a.work or f"/tmp/tcg-qemu-probe.{os.getpid()}"
    os.makedirs(work, exist_ok=True)
    name = f"tcgq-{a.variant}"
    log = os.path.join(work, f"{name}.log")
    open(log, "w").close()
    procs = []

    def start(tag, incoming=None):
        qmp = os.path.join(work, f"{tag}.qmp")
        for f in (qmp, incoming):
            if f and os.path.exists(f):
                os.unlink(f)
        proc = subprocess.Popen(qemu_args(a, name, qmp, log, incoming), stdin=subprocess.DEVNULL,
                                stderr=open(os.path.join(work, f"{tag}.err"), "w"))
        procs.append(proc)
        return proc, Qmp(qmp)

    def stop(proc, q):
        try:
            q.cmd("quit")
        except (OSError, EOFError, RuntimeError):
            pass
        q.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def boot():
        proc, q = start("a")
        deadline = time.time() + 120
        while not ready(log):
            if time.time() > deadline or proc.poll() is not None:
                sys.exit(f"tcg-qemu-probe: the guest did not boot and start its workload within 120 s (see {log})")
            time.sleep(0.5)
        return proc, q

    def say(msg):
        print(time.strftime("%H:%M:%S", time.gmtime()), msg, flush=True)

    say(f"{name}: {a.mem} MiB{' - 8 KiB' if a.variant == 'oddsize' else ''}, {a.dirty} MiB re-dirtied, "
        f"variant {a.variant}; {a.moves} live moves; {version(a.qemu)}")
    survived = panicked = other = 0
    try:
        src, sq = boot()
        side = "a"
        for i in range(1, a.moves + 1):
            time.sleep(3)  # re-dirtying runs for a while before each move
            other_side = "b" if side == "a" else "a"
            sock = os.path.join(work, f"{other_side}.mig")
            dst, dq = start(other_side, incoming=sock)
            p0 = panics(log)
            sq.cmd("migrate-set-parameters", **{"max-bandwidth": 1 << 40})
            t0 = time.time()
            sq.cmd("migrate", uri=f"unix:{sock}")
            while True:
                st = sq.cmd("query-migrate")
                if st.get("status") in ("completed", "failed", "cancelled"):
                    break
                time.sleep(0.05)
            ms = int((time.time() - t0) * 1000)
            if st.get("status") != "completed":
                other += 1
                say(f"move {i}: migration {st.get('status')}: {st.get('error-desc', '')}")
                stop(dst, dq)
                continue
            stop(src, sq)
            src, sq, side = dst, dq, other_side
            time.sleep(8)  # the panics came within a second of the switch; give it more
            if panics(log) > p0:
                panicked += 1
                say(f"move {i}: PANIC after the move ({ms} ms, {st.get('ram', {}).get('dirty-sync-count', '?')} bitmap syncs, "
                    f"downtime {st.get('downtime', '?')} ms)")
                stop(src, sq)
                src, sq = boot()
                side = "a"
            elif src.poll() is not None:
                other += 1
                say(f"move {i}: QEMU exited after the move, no panic logged")
                src, sq = boot()
                side = "a"
            else:
                survived += 1
                say(f"move {i}: survived ({ms} ms, {st.get('ram', {}).get('dirty-sync-count', '?')} bitmap syncs, "
                    f"downtime {st.get('downtime', '?')} ms)")
        stop(src, sq)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    say(f"{name}: variant {a.variant}: {survived} survived, {panicked} panicked, {other} other, of {a.moves} live moves")


if __name__ == "__main__":
    main()
