#!/usr/bin/env python3
"""Issue 19's abuse of `handoff serve`, bounded in time and count, on loopback only.

    scripts/abuse.py [--binary target/release/handoff] [--seconds 20] [--extra "serve flags"]

It starts the service on 127.0.0.1 (an ephemeral port) with policies/, then at once:

  A  2,000 connections, each sending a request head that declares a 1 MiB body and 512 KiB
     of it, then holding the connection open;
  B  600 concurrent `POST /v1/verdicts` of 1,000 conversations each;
  C  300 slowloris connections, each sending one header byte a second;

and meanwhile measures valid single verdicts (`POST /v1/verdict`, a new connection each time so
that none waits behind the connection limit longer than the service makes it) for --seconds.
It samples the service's RSS (VmRSS, /proc) and thread count every 100 ms, then prints one JSON
object: the RSS peak and after, threads, valid-request latency p50/p99/max, how the abusive
requests were answered. Everything stops after --seconds + 30 s at the latest.
"""

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def conversation(i):
    return {
        "id": f"c{i}",
        "intent": "billing_question",
        "ai": {"confidence": 0.9},
        "customer": {"tier": "standard"},
        "messages": [{"from": "customer", "text": "I was charged twice this month, can you check?"}],
    }


def rss_and_threads(pid):
    try:
        text = open(f"/proc/{pid}/status").read()
    except OSError:
        return None, None
    rss = re.search(r"VmRSS:\s+(\d+) kB", text)
    threads = re.search(r"Threads:\s+(\d+)", text)
    return (int(rss.group(1)) // 1024 if rss else None, int(threads.group(1)) if threads else None)


def read_status(sock, timeout):
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    m = re.match(rb"HTTP/1\.1 (\d{3})", data)
    return int(m.group(1)) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/handoff"))
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--extra", default="")
    args = ap.parse_args()

    server = subprocess.Popen(
        [args.binary, "serve", "-p", os.path.join(ROOT, "policies"), "--listen", "127.0.0.1:0"]
        + args.extra.split(),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.time() + args.seconds + 30
    addr = None
    while addr is None and time.time() < deadline:
        line = server.stderr.readline().decode()
        m = re.match(r"listening on (\S+):(\d+)", line)
        if m:
            addr = (m.group(1), int(m.group(2)))
    if addr is None:
        server.kill()
        sys.exit("the service did not start")
    threading.Thread(target=lambda: server.stderr.read(), daemon=True).start()

    stop = threading.Event()
    samples = []

    def sample():
        while not stop.is_set():
            samples.append(rss_and_threads(server.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    rss_idle = rss_and_threads(server.pid)[0]

    results = {"A": [], "B": [], "C_closed": 0}
    held = []

    def attack_a():
        head = (b"POST /v1/verdict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1048576\r\n\r\n")
        part = b" " * (512 * 1024)
        for _ in range(2000):
            if stop.is_set():
                break
            try:
                s = socket.create_connection(addr, timeout=2)
                s.settimeout(2)
                s.sendall(head)
                try:
                    s.sendall(part)
                except OSError:
                    pass
                held.append(s)
            except OSError:
                results["A"].append("connect failed")

    batch = json.dumps({"conversations": [conversation(i) for i in range(1000)]}).encode()
    batch_req = (b"POST /v1/verdicts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                 b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(batch)) + batch

    def one_batch():
        try:
            s = socket.create_connection(addr, timeout=30)
            s.sendall(batch_req)
            results["B"].append(read_status(s, 30))
            s.close()
        except OSError as e:
            results["B"].append(type(e).__name__)

    def attack_c():
        socks = []
        for _ in range(300):
            try:
                s = socket.create_connection(addr, timeout=2)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                socks.append(s)
            except OSError:
                pass
        while not stop.is_set() and socks:
            alive = []
            for s in socks:
                try:
                    s.sendall(b"X")
                    alive.append(s)
                except OSError:
                    results["C_closed"] += 1
            socks = alive
            time.sleep(1)

    latencies = []
    statuses = {}
    body = json.dumps(conversation("valid")).encode()
    req = (b"POST /v1/verdict HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
           b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)) + body

    def valid():
        end = time.time() + args.seconds
        while time.time() < end:
            t0 = time.perf_counter()
            try:
                s = socket.create_connection(addr, timeout=10)
                s.sendall(req)
                status = read_status(s, 10)
                s.close()
            except OSError as e:
                status = type(e).__name__
            latencies.append((time.perf_counter() - t0) * 1000)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            time.sleep(0.01)

    workers = [threading.Thread(target=attack_a, daemon=True), threading.Thread(target=attack_c, daemon=True)]
    workers += [threading.Thread(target=one_batch, daemon=True) for _ in range(600)]
    for w in workers:
        w.start()
    valid()
    stop.set()
    for s in held:
        try:
            s.close()
        except OSError:
            pass
    time.sleep(2)
    rss_after = rss_and_threads(server.pid)[0]
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()

    rss = [r for r, _ in samples if r is not None]
    threads = [t for _, t in samples if t is not None]
    lat = sorted(latencies)

    def pct(p):
        return round(lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else None

    counts = lambda xs: {str(k): xs.count(k) for k in sorted(set(map(str, xs)))}
    print(json.dumps({
        "rss_idle_mb": rss_idle,
        "rss_peak_mb": max(rss) if rss else None,
        "rss_after_mb": rss_after,
        "threads_peak": max(threads) if threads else None,
        "valid_requests": len(lat),
        "valid_statuses": statuses,
        "valid_ms": {"p50": pct(0.50), "p99": pct(0.99), "max": round(lat[-1], 1) if lat else None},
        "partial_bodies_held": len(held),
        "batch_statuses": counts([str(x) for x in results["B"]]),
        "slowloris_closed": results["C_closed"],
    }, indent=1))


if __name__ == "__main__":
    main()
