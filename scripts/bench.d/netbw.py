#!/usr/bin/env python3
"""netbw.py - a physical lower bound for migration: TCP throughput node -> node.

  netbw.py serve ADDR PORT           accept one connection, read to EOF, print
                                     {"bytes": N, "seconds": S, "bps": B} (first to last byte)
  netbw.py send ADDR PORT MIB        send MIB MiB of zeros as fast as possible

Run the server in the target node and the sender in the source node
(scripts/lab exec).  Python's socket loop moves several GB/s on a veth, more
than QEMU's migration stream does, so this is a bound, not a prediction.
"""
import json
import socket
import sys
import time


def serve(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1)
    s.settimeout(30)
    c, _ = s.accept()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    buf = bytearray(4 << 20)
    view = memoryview(buf)
    total = 0
    first = None
    while True:
        n = c.recv_into(view)
        if n == 0:
            break
        if first is None:
            first = time.monotonic()
        total += n
    last = time.monotonic()
    secs = max(last - (first or last), 1e-9)
    print(json.dumps({"bytes": total, "seconds": round(secs, 6), "bps": int(total / secs)}))


def send(addr, port, mib):
    deadline = time.monotonic() + 10
    while True:
        try:
            c = socket.create_connection((addr, port), timeout=5)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    chunk = bytes(1 << 20)
    for _ in range(mib):
        c.sendall(chunk)
    c.shutdown(socket.SHUT_WR)
    c.close()


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 5 and sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.stderr.write(__doc__)
        sys.exit(1)


if __name__ == "__main__":
    main()
