#!/usr/bin/python3
"""perftrack slo against the real tools (Debian's prometheus and
prometheus-alertmanager packages):

1. rules: `perftrack slo rules` on the shipped baselines and on a file with
   awkward names; promtool check rules and promtool test rules (the generated
   suite: clean, fast burn, slow burn, low traffic per objective, exact alert
   times) pass; amtool check-config passes and `amtool config routes test`
   sends critical to PagerDuty, error and warning to Slack.
2. check: an outage in a recorded file is found (exit 1 while it lasts, 0
   after), the JSON report holds every evaluated objective, and the file is
   unchanged.
3. bad input: a baselines file with an unknown key, a threshold that is not a
   bucket bound, or an impossible target is refused with the line, exit 2.
4. validate: benchmark results where spawns are slow and one failed get a
   warning and a critical (exit 1, the JSON says which), passing results exit
   0, Google Benchmark's file is read, a broken results file exits 2, and no
   results file is changed.
5. OpenSLO: the shipped baselines exported and imported again give rules
   that promtool's tests pass, byte for byte the same groups; a file in
   another tool's style (its own counters) imports as a ratio objective
   whose rules promtool checks; a non-Prometheus source is exit 2 naming the
   line.
6. serve --slo: perftrack serve following a file where half the deliveries
   fail exports perftrack_slo_violation{severity="critical"} = 1 and the burn
   rates; promtool check metrics passes on the scrape.

    slo_test.py PERFTRACK
"""
import datetime
import hashlib
import json
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "serve"))
from serve_test import free_port, get, stop, wait_until  # noqa: E402


def run(*args, check=True, cwd=None):
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd)
    if check and p.returncode != 0:
        raise AssertionError(f"{args} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def check_rules(perftrack, out, slo=None):
    extra = ["--slo", slo] if slo else []
    run(perftrack, "slo", "rules", "--out", out, *extra)
    run("promtool", "check", "rules", out / "rules.yml")
    tested = run("promtool", "test", "rules", out / "rules_test.yml")
    assert "SUCCESS" in tested.stdout, tested.stdout
    run("amtool", "check-config", out / "alertmanager.yml")
    for severity, receiver in (("critical", "pagerduty"), ("error", "slack"), ("warning", "slack")):
        routed = run("amtool", "config", "routes", "test", f"--config.file={out / 'alertmanager.yml'}",
                     f"severity={severity}", "slo=task_completion_p95", "alertname=SLOErrorBudgetBurn")
        assert routed.stdout.strip() == receiver, (severity, routed.stdout)


def record(t, op, ms, ok):
    ts = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
    return json.dumps({"timestamp": ts, "operation_type": op, "duration_ms": ms, "success": ok}) + "\n"


def outage_file(path):
    """3 hours of 100 message deliveries a minute; from 60 to 80 minutes half fail."""
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    with open(path, "w") as f:
        for m in range(180):
            for i in range(100):
                t = start + datetime.timedelta(minutes=m, seconds=i * 0.5)
                f.write(record(t, "message_deliver", 3.0, not (60 <= m < 80 and i % 2 == 0)))
    return start


def check_backtest(perftrack, work):
    data = work / "m.jsonl"
    start = outage_file(data)
    before = hashlib.sha256(data.read_bytes()).hexdigest()
    during = (start + datetime.timedelta(minutes=75)).strftime("%Y-%m-%dT%H:%M:%SZ")
    failing = run(perftrack, "slo", "check", "--file", data, "--now", during, "--format", "json",
                  check=False)
    assert failing.returncode == 1, (failing.returncode, failing.stderr)
    report = json.loads(failing.stdout)
    by_name = {o["name"]: o for o in report["objectives"]}
    delivery = by_name["message_delivery_success"]
    assert delivery["status"] == "critical", delivery
    assert any(t["severity"] == "critical" and t["resolved"] is None for t in delivery["timeline"])
    assert by_name["memory"]["evaluated"] is False
    after = run(perftrack, "slo", "check", "--file", data, check=False)
    assert after.returncode == 0, (after.returncode, after.stdout, after.stderr)
    assert "| message_delivery_success |" in after.stdout, after.stdout
    assert hashlib.sha256(data.read_bytes()).hexdigest() == before, "the records file changed"


BAD = [
    ('[[objective]]\nname = "x"\nkind = "success"\noperations = ["a"]\ntarget = 0.99\ncolour = 1\n',
     ":6: unknown key \"colour\""),
    ('[[objective]]\nname = "x"\nkind = "latency"\noperations = ["a"]\nthreshold = "35ms"\n'
     'target = 0.95\n', ":5: threshold 0.035 s is not a bucket bound"),
    ('[[objective]]\nname = "x"\nkind = "success"\noperations = ["a"]\ntarget = 1.5\n',
     ":5: \"target\" must be a share between 0 and 1"),
    ('[[objective]]\nname = "x"\nkind = "success"\noperations = ["a"]\ntarget = 0.5\n',
     "could never fire"),
]


def check_bad_input(perftrack, work):
    for i, (text, message) in enumerate(BAD):
        f = work / f"bad{i}.toml"
        f.write_text(text)
        for cmd in (["check", "--file", work / "m.jsonl"], ["rules", "--out", work / "never"]):
            p = run(perftrack, "slo", *cmd, "--slo", f, check=False)
            assert p.returncode == 2, (text, p.returncode, p.stderr)
            assert message in p.stderr and str(f) in p.stderr, (message, p.stderr)
    assert not (work / "never").exists()


AWKWARD = '''min_events = 50
[[objective]]
name = "odd \\"name\\" \\\\ with: yaml # chars"
description = "quotes \\" and backslashes \\\\ and a\\nnewline"
kind = "success"
operations = ["op.with|regex*chars", "plain"]
target = 0.999
'''


LIVE = """min_events = 10
[[objective]]
name = "delivery"
kind = "success"
operations = ["message_deliver"]
target = 0.999
"""


def check_serve(perftrack, work):
    data = work / "live.jsonl"
    start = datetime.datetime.now(datetime.timezone.utc)
    with open(data, "w") as f:
        for i in range(200):
            f.write(record(start, "message_deliver", 2.0, i % 2 == 0))
    (work / "live.toml").write_text(LIVE)
    port = free_port()
    proc = subprocess.Popen([perftrack, "serve", "--port", str(port), "--file", data, "--slo",
                             work / "live.toml", "--poll-interval", "50ms"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until("serve is ready", lambda: get(f"http://127.0.0.1:{port}/ready")[0] == 200)
        text = get(f"http://127.0.0.1:{port}/metrics")[2].decode()
    finally:
        stop(proc, "perftrack serve")
    assert 'perftrack_slo_violation{slo="delivery",severity="critical"} 1' in text, text
    assert 'perftrack_slo_burn_rate{slo="delivery",window="5m"} 500' in text, text
    assert 'perftrack_slo_error_budget_remaining_ratio{slo="delivery"}' in text, text
    checked = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                             text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    bad = run(perftrack, "serve", "--port", "0", "--file", data, "--slo", work / "bad0.toml",
              check=False)
    assert bad.returncode == 2 and ":6: unknown key" in bad.stderr, bad.stderr


def perftrack_results(benchmarks):
    return json.dumps({"schema_version": 1, "environment": {"cpu_model": "test"},
                       "run": {"quick": True}, "benchmarks": benchmarks})


def latency_benchmark(name, p50_s, p90_s, p95_s, p99_s, p999_s, status="ok"):
    ns = [x * 1e9 for x in (p50_s, p90_s, p95_s, p99_s, p999_s)]
    return {"name": name, "kind": "latency", "unit": "ns", "status": status,
            "samples": [ns[0]] if status == "ok" else [],
            "stats": {"latency_ns": dict(zip(["p50", "p90", "p95", "p99", "p99.9"], ns))},
            "peak_rss_bytes": 600 * 1048576}


def check_validate(perftrack, work):
    slow = work / "slow.json"
    # p95 3 s against "95% within 2 s": 9.2% over, 1.8x the budget (warning);
    # a failed spawn benchmark burns the 0.5% budget 200x (critical); 600 MiB
    # is past the 512 MiB memory maximum (critical).
    slow.write_text(perftrack_results([
        latency_benchmark("agent_spawn/single", 1, 1.8, 3, 6, 8),
        latency_benchmark("agent_spawn/parallel_10", 0, 0, 0, 0, 0, status="error")]))
    before = hashlib.sha256(slow.read_bytes()).hexdigest()
    p = run(perftrack, "slo", "validate", "--results", slow, "--format", "json", check=False)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    doc = json.loads(p.stdout)
    status = {(v["objective"], v["benchmark"]): v["status"] for v in doc["verdicts"]}
    assert status[("agent_spawn_p95", "agent_spawn/single")] == "warning", status
    assert status[("agent_spawn_success", "agent_spawn/parallel_10")] == "critical", status
    assert status[("memory", "agent_spawn/single")] == "critical", status
    assert doc["failing"] is True and "task_completion_p95" in doc["unmatched"], doc
    md = run(perftrack, "slo", "validate", "--results", slow, check=False).stdout
    assert "| agent_spawn_p95 | agent_spawn/single | 95.00% within 2 s |" in md, md
    assert hashlib.sha256(slow.read_bytes()).hexdigest() == before

    fine = work / "fine.json"
    fine.write_text(perftrack_results([latency_benchmark("agent_spawn/single", 1e-4, 2e-4,
                                                         3e-4, 5e-4, 1e-3)]).replace(
        str(600 * 1048576), str(20 * 1048576)))
    p = run(perftrack, "slo", "validate", "--results", fine)
    assert "| agent_spawn_p99 | agent_spawn/single |" in p.stdout and "| ok |" in p.stdout

    # Google Benchmark: every repetition of BM_Accumulate under 10 us (0.8 and
    # 9.5 us an iteration); pytest-benchmark: 2 of test_parse_jsonl's 10 rounds
    # over 200 us, 20x a 1% budget (critical).
    (work / "peers.toml").write_text(
        '[[objective]]\nname = "accumulate"\nkind = "latency"\noperations = ["x"]\n'
        'threshold = "10us"\ntarget = 0.95\nbenchmarks = ["BM_Accumulate/*"]\n'
        '[[objective]]\nname = "parse"\nkind = "latency"\noperations = ["x"]\n'
        'threshold = "200us"\ntarget = 0.99\nbenchmarks = ["*::test_parse_jsonl"]\n')
    data = pathlib.Path(__file__).parents[2] / "libs/gate/tests/data"
    p = run(perftrack, "slo", "validate", "--results", data / "google-benchmark.json", "--slo",
            work / "peers.toml", "--format", "json")
    doc = json.loads(p.stdout)
    assert doc["format"] == "google-benchmark" and doc["unmatched"] == ["parse"], doc
    assert [v["status"] for v in doc["verdicts"]] == ["ok", "ok"], doc
    p = run(perftrack, "slo", "validate", "--results", data / "pytest-benchmark.json", "--slo",
            work / "peers.toml", "--format", "json", check=False)
    doc = json.loads(p.stdout)
    assert p.returncode == 1 and doc["format"] == "pytest-benchmark", (p.returncode, doc)
    assert [(v["status"], v["value"]) for v in doc["verdicts"]] == [("critical", 0.2)], doc

    broken = work / "broken.json"
    broken.write_text('{"benchmarks": [')
    p = run(perftrack, "slo", "validate", "--results", broken, check=False)
    assert p.returncode == 2 and str(broken) in p.stderr, (p.returncode, p.stderr)
    p = run(perftrack, "slo", "validate", "--results", work / "absent.json", check=False)
    assert p.returncode == 2, (p.returncode, p.stderr)


FOREIGN = '''apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
spec:
  service: checkout
  indicator:
    metadata: {name: checkout-errors}
    spec:
      ratioMetric:
        counter: true
        bad: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{code=~"5.."}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: http_requests_total}}}
  timeWindow: [{duration: 4w, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{displayName: availability, target: 0.999}]
'''


def check_openslo(perftrack, work):
    exported = work / "baselines.openslo.yaml"
    run(perftrack, "slo", "export", "--out", exported)
    back = work / "back.toml"
    p = run(perftrack, "slo", "import", exported, "--out", back)
    assert "imported 18 objectives" in p.stderr, p.stderr
    # The same rules and tests as the shipped baselines' (which promtool passed).
    run(perftrack, "slo", "rules", "--slo", back, "--out", work / "roundtrip")
    for name, start in (("rules.yml", "groups:"), ("rules_test.yml", "rule_files:")):
        texts = [(d / name).read_text().split(start, 1)[1]
                 for d in (work / "default", work / "roundtrip")]
        assert texts[0] == texts[1], f"the round trip changed {name}"

    (work / "foreign.yaml").write_text(FOREIGN)
    p = run(perftrack, "slo", "import", work / "foreign.yaml")
    assert "kind = 'ratio'" in p.stdout and "period = '28d'" in p.stdout, p.stdout
    (work / "foreign.toml").write_text(p.stdout)
    run(perftrack, "slo", "rules", "--slo", work / "foreign.toml", "--out", work / "foreign")
    run("promtool", "check", "rules", work / "foreign" / "rules.yml")

    (work / "datadog.yaml").write_text(FOREIGN.replace("type: Prometheus", "type: Datadog", 1))
    p = run(perftrack, "slo", "import", work / "datadog.yaml", check=False)
    assert p.returncode == 2 and "datadog.yaml:12:" in p.stderr and "Datadog" in p.stderr, p.stderr


def main():
    perftrack = pathlib.Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as d:
        work = pathlib.Path(d)
        check_rules(perftrack, work / "default")
        (work / "awkward.toml").write_text(AWKWARD)
        check_rules(perftrack, work / "awkward", work / "awkward.toml")
        check_backtest(perftrack, work)
        check_bad_input(perftrack, work)
        check_validate(perftrack, work)
        check_openslo(perftrack, work)
        check_serve(perftrack, work)
    print("slo: rules, backtest, validate, OpenSLO, bad input and serve passed")


if __name__ == "__main__":
    main()
