#!/usr/bin/python3
"""The Grafana dashboard (monitoring/grafana/perftrack.json), tested without
Grafana:

1. The file is what monitoring/grafana/build_dashboard.py writes; it has a fixed
   uid, datasource/job/instance variables, a unit on every panel, and counters
   (names ending in _total, _count, _sum or _bucket) only inside rate() or
   increase() over $__rate_interval.
2. Every query parses: promtool check rules (a real PromQL parser) on a rule
   file holding each query.
3. promtool check metrics passes on each server's scrape, and every query returns data from a real Prometheus (Debian's 2.42, on loopback)
   that scraped perftrack serve following a perftrack swarm's file, the swarm's
   own --metrics-port and a perftrack gateway --metrics-port driven by
   Python's websockets.

    dashboard_test.py PERFTRACK
"""
import asyncio
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from serve_test import free_port, get, promql, stop, wait_until  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "monitoring/grafana/perftrack.json"
COUNTER = re.compile(r"\b([a-z_:][a-z0-9_:]*(?:_total|_count|_sum|_bucket))\b")


def enclosing_function(expr, at):
    """The name of the innermost function call whose parentheses hold `at`."""
    depth = 0
    for i in range(at - 1, -1, -1):
        c = expr[i]
        if c == ")":
            depth += 1
        elif c == "(":
            if depth == 0:
                m = re.search(r"([a-z_]+)\s*$", expr[:i])
                return m.group(1) if m else ""
            depth -= 1
    return ""


def queries(dashboard):
    for p in dashboard["panels"]:
        for t in p.get("targets", []):
            yield p, t["expr"]


def check_static(dashboard):
    build = subprocess.run([sys.executable, str(ROOT / "monitoring/grafana/build_dashboard.py"),
                            "--check"], capture_output=True, text=True)
    assert build.returncode == 0, build.stdout + build.stderr
    assert dashboard["uid"] == "perftrack-agents"
    names = [v["name"] for v in dashboard["templating"]["list"]]
    assert names == ["datasource", "job", "instance"], names
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    for p in panels:
        unit = p["fieldConfig"]["defaults"].get("unit")
        assert unit, f"panel {p['title']!r} has no unit"
    count = 0
    for p, expr in queries(dashboard):
        count += 1
        for m in COUNTER.finditer(expr):
            fn = enclosing_function(expr, m.start())
            assert fn in ("rate", "increase"), \
                f"{p['title']!r}: counter {m.group(1)} outside rate/increase ({fn!r}): {expr}"
        if "rate(" in expr or "increase(" in expr:
            assert "$__rate_interval" in expr, f"{p['title']!r}: rate without $__rate_interval"
        assert 'job=~"$job"' in expr and 'instance=~"$instance"' in expr, \
            f"{p['title']!r}: not filtered by $job and $instance: {expr}"
    print(f"ok: {len(panels)} panels, {count} queries: units, counters in rate(), variables")


def concrete(expr, interval="15s"):
    return (expr.replace("$__rate_interval", interval).replace("$job", ".*")
            .replace("$instance", ".*"))


def check_parse(dashboard, work):
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query{i}", "expr": concrete(expr)}
        for i, (_, expr) in enumerate(queries(dashboard))]}]}
    path = os.path.join(work, "rules.yml")
    with open(path, "w") as f:
        json.dump(rules, f)  # JSON is YAML
    r = subprocess.run(["promtool", "check", "rules", path], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    print(f"ok: promtool parsed every query ({r.stdout.strip().splitlines()[-1]})")


async def drive_gateway(url, stop_at):
    import websockets
    async with websockets.connect(url) as a, websockets.connect(url) as b:
        await a.send(json.dumps({"type": "register", "agent": "dash-a"}))
        await a.recv()
        await b.send(json.dumps({"type": "register", "agent": "dash-b"}))
        await b.recv()
        while time.time() < stop_at:
            await a.send(json.dumps({"type": "send", "to": "dash-b", "body": "hello"}))
            while True:
                m = json.loads(await b.recv())
                if m["type"] == "message":
                    await b.send(json.dumps({"type": "ack", "id": m["id"]}))
                    break
            while json.loads(await a.recv())["type"] != "accepted":
                pass
            await asyncio.sleep(0.02)


def check_live(perftrack, dashboard, work):
    ports = {name: free_port() for name in ("serve", "swarm", "gateway", "gateway_ws")}
    procs = {}
    try:
        procs["swarm"] = subprocess.Popen(
            [perftrack, "swarm", "--agents", "4", "--duration", "40s",
             "--metrics-port", str(ports["swarm"])],
            cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_until("swarm serves metrics",
                   lambda: get(f"http://127.0.0.1:{ports['swarm']}/health")[0] == 200)
        procs["serve"] = subprocess.Popen(
            [perftrack, "serve", "--port", str(ports["serve"]), "--file",
             os.path.join(work, "memory/perf-metrics.jsonl")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        procs["gateway"] = subprocess.Popen(
            [perftrack, "gateway", "--port", str(ports["gateway_ws"]), "--store",
             f"sqlite:{work}/gateway.db", "--metrics-port", str(ports["gateway"])],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for name in ("serve", "gateway"):
            wait_until(f"{name} serves metrics",
                       lambda: get(f"http://127.0.0.1:{ports[name]}/health")[0] == 200)
        config = os.path.join(work, "prometheus.yml")
        prom = free_port()
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n")
            for job in ("serve", "swarm", "gateway"):
                f.write(f"  - job_name: perftrack-{job}\n    static_configs:\n"
                        f"      - targets: ['127.0.0.1:{ports[job]}']\n")
        procs["prometheus"] = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={work}/tsdb",
             f"--web.listen-address=127.0.0.1:{prom}", "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stop_at = time.time() + 20
        driver = threading.Thread(target=lambda: asyncio.run(
            drive_gateway(f"ws://127.0.0.1:{ports['gateway_ws']}/", stop_at)))
        driver.start()
        for name in ("serve", "swarm", "gateway"):
            text = get(f"http://127.0.0.1:{ports[name]}/metrics")[2]
            lint = subprocess.run(["promtool", "check", "metrics"], input=text,
                                  capture_output=True)
            assert lint.returncode == 0, f"promtool check metrics on {name}: {lint.stdout} {lint.stderr}"
        wait_until("Prometheus scrapes all three",
                   lambda: promql(prom, "count(up == 1)").get("") == 3.0 or None, 60)
        time.sleep(16)  # a 15 s rate window of scrapes
        empty = []
        for p, expr in queries(dashboard):
            if not promql(prom, concrete(expr)):
                empty.append(f"{p['title']}: {expr}")
        driver.join()
        assert not empty, "queries without data:\n  " + "\n  ".join(empty)
        print(f"ok: every query returned data from Prometheus")
    finally:
        for name, proc in procs.items():
            stop(proc, name)


def main():
    perftrack = sys.argv[1]
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    check_static(dashboard)
    with tempfile.TemporaryDirectory(prefix="perftrack_dashboard_") as work:
        check_parse(dashboard, work)
        check_live(perftrack, dashboard, work)


if __name__ == "__main__":
    main()
