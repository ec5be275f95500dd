#!/usr/bin/python3
"""The backtest tells the truth about Prometheus: the same recorded operations,
backfilled into a real Prometheus 2.42 (`promtool tsdb create-blocks-from
openmetrics`, one sample a second, as a scrape of `perftrack serve` every
second would give), and the generated rules evaluated over them by
Prometheus's own engine at every minute, as its rule manager would (each
recording rule's expression, and each alert's expression with the recording
rules' expressions in place of their series: instant queries at the
evaluation times); then:

- every window's error ratio agrees with `perftrack slo check` within 1%
  (sampled every 10 minutes where both have events), and
- every alert tier, evaluated by Prometheus at every minute, fires and resolves
  at the same evaluation as in the backtest's timeline.

The data: 3 hours of one message delivery a second; from minute 90 to 110
every delivery fails, and from minute 30 to 50 one in ten takes 80 ms.

    agreement_test.py PERFTRACK
"""
import datetime
import json
import pathlib
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "serve"))
from serve_test import free_port, get, stop, wait_until  # noqa: E402

START = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
MINUTES = 180
OBJECTIVES = """min_events = 100
[[objective]]
name = "delivery_success"
kind = "success"
operations = ["message_deliver"]
target = 0.999

[[objective]]
name = "delivery_p95"
kind = "latency"
operations = ["message_deliver"]
threshold = "50ms"
target = 0.95
"""


def events():
    """(unix seconds, duration ms, success): one at every half second past a second."""
    t0 = START.timestamp()
    for s in range(MINUTES * 60):
        m = s // 60
        slow = 30 <= m < 50 and s % 10 == 0
        yield t0 + s + 0.5, 80.0 if slow else 3.0, not (90 <= m < 110)


def write_jsonl(path):
    with open(path, "w") as f:
        for t, ms, ok in events():
            ts = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
            stamp = ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"
            f.write(json.dumps({"timestamp": stamp, "operation_type": "message_deliver",
                                "duration_ms": ms, "success": ok}) + "\n")


def write_openmetrics(path):
    """What a scrape every second would have read: cumulative counts at each second."""
    count = errors = within = 0
    samples = []
    stream = list(events())
    i = 0
    t0 = int(START.timestamp())
    for s in range(MINUTES * 60 + 1):
        while i < len(stream) and stream[i][0] < t0 + s:
            _, ms, ok = stream[i]
            count += 1
            errors += 0 if ok else 1
            within += 1 if ms / 1000.0 <= 0.05 else 0
            i += 1
        samples.append((t0 + s, count, errors, within))
    op = 'operation="message_deliver"'
    with open(path, "w") as f:
        for family, pick, labels in (
                ("agent_operation_duration_seconds_count", 1, op),
                ("agent_operation_errors_total", 2, op),
                ("agent_operation_duration_seconds_bucket", 3, op + ',le="0.05"')):
            f.write(f"# TYPE {family} unknown\n")
            for sample in samples:
                f.write(f"{family}{{{labels}}} {sample[pick]} {sample[0]}\n")
        f.write("# EOF\n")


def start_prometheus(work, data):
    port = free_port()
    config = work / "prometheus.yml"
    config.write_text("global:\n  evaluation_interval: 1m\n")
    proc = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}",
         "--storage.tsdb.retention.time=100y", f"--web.listen-address=127.0.0.1:{port}",
         "--log.level=warn"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_until("Prometheus is ready", lambda: get(f"http://127.0.0.1:{port}/-/ready")[0] == 200)
    return proc, port


def query(port, expr, at):
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode(
        {"query": expr, "time": f"{at:.3f}"})
    body = json.loads(get(url)[2])
    assert body["status"] == "success", (expr, body)
    return [float(r["value"][1]) for r in body["data"]["result"]]


def read_rules(rules_yml):
    """The recording rules as {(record, slo): expr} and the alerts as (slo,
    severity, long window, expr): every scalar of the file is a JSON string."""
    rules, current = [], None
    for line in rules_yml.read_text().splitlines():
        key, _, value = line.strip().lstrip("- ").partition(": ")
        if key in ("alert", "record"):
            current = {key: json.loads(value)}
            rules.append(current)
        elif current is not None and key in ("expr", "severity", "slo", "long_window"):
            current[key] = json.loads(value)
    records = {(r["record"], r["slo"]): r["expr"] for r in rules if "record" in r}
    alerts = [(r["slo"], r["severity"], r.get("long_window", ""), r["expr"])
              for r in rules if "alert" in r]
    return records, alerts


def inline(expr, records):
    """An alert's expression with each recorded series replaced by its expression."""
    for (record, slo), body in records.items():
        expr = expr.replace(f'{record}{{slo="{slo}"}}', f"({body})")
    return expr


def backtest(perftrack, data, baselines, now):
    """slo check as of `now` (unix seconds on a minute boundary: the evaluation then)."""
    stamp = datetime.datetime.fromtimestamp(now - 0.001, datetime.timezone.utc)
    out = subprocess.run(
        [perftrack, "slo", "check", "--slo", baselines, "--file", data, "--format", "json",
         "--now", stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"],
        capture_output=True, text=True)
    assert out.returncode in (0, 1), out.stderr
    return {o["name"]: o for o in json.loads(out.stdout)["objectives"]}


def compare_ratios(perftrack, data, baselines, records, port):
    compared = 0
    for minute in range(10, MINUTES + 1, 10):
        at = START.timestamp() + minute * 60
        ours = backtest(perftrack, data, baselines, at)
        for name, o in ours.items():
            for w in o["windows"]:
                theirs = query(port, records[(f'slo:sli_error:ratio_rate{w["window"]}', name)], at)
                if w["error_ratio"] is None or not theirs:
                    assert w["error_ratio"] is None or w["events"] == 0 or not theirs, (name, w)
                    continue
                a, b = w["error_ratio"], theirs[0]
                if a == 0 or b == 0:
                    assert abs(a - b) < 1e-3, (name, minute, w["window"], a, b)
                else:
                    assert abs(a - b) / b <= 0.01, (name, minute, w["window"], a, b)
                compared += 1
    return compared


def compare_alerts(perftrack, data, baselines, records, alerts, port):
    end = START.timestamp() + MINUTES * 60
    ours = backtest(perftrack, data, baselines, end)
    checked = 0
    for slo, severity, window, expr in alerts:
        expr = inline(expr, records)
        firing_prev, spans = False, []
        for minute in range(1, MINUTES + 1):
            at = START.timestamp() + minute * 60
            firing = bool(query(port, expr, at))
            if firing and not firing_prev:
                spans.append([at, None])
            elif firing_prev and not firing:
                spans[-1][1] = at
            firing_prev = firing
        condition = f"over {window} and" if window else ""
        expected = []
        for inc in ours[slo]["timeline"]:
            if inc["severity"] != severity or (window and condition not in inc["condition"]):
                continue
            fired = datetime.datetime.fromisoformat(inc["fired"].replace("Z", "+00:00")).timestamp()
            resolved = inc["resolved"] and datetime.datetime.fromisoformat(
                inc["resolved"].replace("Z", "+00:00")).timestamp()
            expected.append([fired, resolved or None])
        assert spans == expected, (slo, severity, window, spans, expected)
        checked += len(spans)
    return checked


def main():
    perftrack = pathlib.Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as d:
        work = pathlib.Path(d)
        data = work / "m.jsonl"
        write_jsonl(data)
        write_openmetrics(work / "m.om")
        subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", work / "m.om",
                        work / "tsdb"], check=True, capture_output=True)
        baselines = work / "slo.toml"
        baselines.write_text(OBJECTIVES)
        subprocess.run([perftrack, "slo", "rules", "--slo", baselines, "--out", work / "rules"],
                       check=True, capture_output=True)
        proc, port = start_prometheus(work, work / "tsdb")
        try:
            records, alerts = read_rules(work / "rules" / "rules.yml")
            ratios = compare_ratios(perftrack, data, baselines, records, port)
            fired = compare_alerts(perftrack, data, baselines, records, alerts, port)
        finally:
            stop(proc, "prometheus")
        assert ratios > 50 and fired >= 4, (ratios, fired)
        print(f"slo agreement: {ratios} window ratios within 1%, {fired} alert spans at the same "
              "evaluations as the backtest")


if __name__ == "__main__":
    main()
