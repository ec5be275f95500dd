#!/usr/bin/python3
"""perftrack serve next to mtail on the same metrics file, timed the same way.

    serve_peers.py --perftrack BIN --data FILE --mtail-prog DIR [--runs N]

1. Reading: the wall time from starting the process until every line of FILE
   is counted. mtail: `mtail --one_shot` (reads the file once, prints its
   metrics and exits). perftrack: `perftrack serve` until /ready answers 200
   (every file read to its end), polled every 5 ms. Both outputs are checked:
   the sum of agent_operation_duration_seconds_count must equal the lines.
   CPU time and peak RSS (VmHWM) of each process are reported too.
2. Freshness: lines appended at 100,000 lines/s for 10 s while /metrics is
   scraped every 20 ms: the delay from a batch's write to its count appearing,
   and the server's peak RSS.
"""
import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import tempfile
import threading
import time

COUNT = re.compile(rb"^agent_operation_duration_seconds_count\{[^}]*\} (\d+)$", re.M)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lines_in(path):
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def proc_stats(pid):
    """(cpu seconds, peak RSS in MB) of a running process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/status") as f:
        hwm = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
    return cpu, hwm / 1024


def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def counted(body):
    return sum(int(m) for m in COUNT.findall(body))


def start_serve(perftrack, port, path):
    return subprocess.Popen([perftrack, "serve", "--port", str(port), "--file", path,
                             "--poll-interval", "10ms"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(port, pause):
    """Until /ready answers 200 (every file read to its end)."""
    while True:
        try:
            if get(port, "/ready")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(pause)


def run_perftrack(perftrack, data, lines):
    port = free_port()
    t0 = time.perf_counter()
    proc = start_serve(perftrack, port, data)
    try:
        wait_ready(port, 0.005)
        wall = time.perf_counter() - t0
        cpu, rss = proc_stats(proc.pid)
        n = counted(get(port, "/metrics")[1])
    finally:
        proc.terminate()
        proc.wait()
    assert n == lines, f"perftrack counted {n} of {lines}"
    return wall, cpu, rss


def run_mtail(prog, data, lines):
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(["mtail", "--one_shot", "--one_shot_format", "prometheus",
                                 "--progs", prog, "--logs", data, "--logtostderr"],
                                stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        out.seek(0)
        n = counted(out.read())
    assert status == 0, f"mtail exited {status}"
    assert n == lines, f"mtail counted {n} of {lines}"
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def freshness(perftrack, work, rate=100_000, seconds=10):
    path = os.path.join(work, "live.jsonl")
    line = (b'{"timestamp":"2026-11-26T10:00:00.000Z","operation_type":"task_claim",'
            b'"duration_ms":1.5,"success":true,"session_id":null,"error":null}\n')
    open(path, "wb").close()
    port = free_port()
    proc = start_serve(perftrack, port, path)
    writes = []  # (time, cumulative lines)
    seen = []    # (time, count)
    stop = threading.Event()

    def scrape():
        while not stop.is_set():
            try:
                seen.append((time.perf_counter(), counted(get(port, "/metrics")[1])))
            except OSError:
                pass
            time.sleep(0.02)

    try:
        wait_ready(port, 0.01)
        scraper = threading.Thread(target=scrape)
        scraper.start()
        batch = rate // 100
        total = 0
        start = time.perf_counter()
        with open(path, "ab", buffering=0) as f:
            for i in range(seconds * 100):
                due = start + i / 100
                while time.perf_counter() < due:
                    time.sleep(0.001)
                f.write(line * batch)
                total += batch
                writes.append((time.perf_counter(), total))
        time.sleep(1.5)
        stop.set()
        scraper.join()
        _, rss = proc_stats(proc.pid)
    finally:
        proc.terminate()
        proc.wait()
    delays = []
    for t, n in writes:
        visible = next((ts for ts, c in seen if c >= n and ts >= t), None)
        if visible is None:
            raise SystemExit(f"FAIL: {n} lines never appeared on /metrics")
        delays.append(visible - t)
    delays.sort()
    return (statistics.median(delays), delays[int(0.99 * (len(delays) - 1))], delays[-1],
            rss, total)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--perftrack", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--mtail-prog", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10)
    a = ap.parse_args()
    lines = lines_in(a.data)
    size = os.path.getsize(a.data)
    ours = [run_perftrack(a.perftrack, a.data, lines) for _ in range(a.runs)]
    theirs = [run_mtail(a.mtail_prog, a.data, lines) for _ in range(a.runs)]
    o = min(ours)
    t = min(theirs)
    print(f"\n== reading {lines:,} lines ({size / 1e6:.0f} MB) until all are counted "
          f"(best of {a.runs}, every tool from its start)")
    print("| tool | wall | lines/s | CPU | lines per CPU second | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (wall, cpu, rss) in (("perftrack serve", o), ("mtail 3.0 --one_shot", t)):
        print(f"| {name} | {wall:.2f} s | {lines / wall:,.0f} | {cpu:.2f} s | "
              f"{lines / cpu:,.0f} | {rss:.0f} MB |")
    print(f"| ratio | | {t[0] / o[0]:.1f}x | | {t[1] / o[1]:.1f}x | |")
    with tempfile.TemporaryDirectory(prefix="perftrack_fresh_") as work:
        p50, p99, worst, rss, total = freshness(a.perftrack, work, seconds=a.seconds)
    print(f"\n== freshness: {total:,} lines appended at 100,000 lines/s, /metrics scraped "
          f"every 20 ms")
    print(f"append to count on /metrics: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
          f"max {worst * 1000:.0f} ms; perftrack serve peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
