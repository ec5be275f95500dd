#!/usr/bin/python3
"""Alerts reach people: perftrack serve --slo --alertmanager posts the holding
tiers to a real Alertmanager 0.25 (Debian's prometheus-alertmanager) on
loopback, configured by `perftrack slo rules`, which routes them to loopback
receivers: critical to the PagerDuty receiver (Events API v2 payload checked
field by field), error and warning to the Slack receiver; once the deliveries
recover, the resolution reaches PagerDuty. The same serve posts each tier's
start and end once to a loopback webhook (the documented payload), and, without
Alertmanager, to loopback Slack (Block Kit and a plain text, at most one
message a second) and PagerDuty (Events API v2 trigger and resolve with a
stable dedup_key) receivers. A down Alertmanager never stops
serving.

    alerts_test.py PERFTRACK
"""
import datetime
import http.server
import json
import pathlib
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "serve"))
from serve_test import free_port, get, stop, wait_until  # noqa: E402

BASELINES = """min_events = 10
[[objective]]
name = "delivery"
description = "Message delivery: 99.9% delivered"
kind = "success"
operations = ["message_deliver"]
target = 0.999

[[objective]]
name = "failures_warn"
kind = "error_rate"
warning = 0.01

[[objective]]
name = "failures_error"
kind = "error_rate"
error = 0.05
"""


class Receiver(http.server.BaseHTTPRequestHandler):
    posts = []
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with Receiver.lock:
            Receiver.posts.append((self.path, json.loads(body), time.monotonic()))
        self.send_response(202 if self.path.startswith("/pagerduty") else 200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def received(path):
    with Receiver.lock:
        return [body for p, body, _ in Receiver.posts if p.startswith(path)]


def received_at(path):
    with Receiver.lock:
        return [t for p, _, t in Receiver.posts if p.startswith(path)]


def write_records(path, count=200, every_other_fails=True, mode="w"):
    now = datetime.datetime.now(datetime.timezone.utc)
    ts = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    with open(path, mode) as f:
        for i in range(count):
            ok = i % 2 == 0 or not every_other_fails
            f.write(json.dumps({"timestamp": ts, "operation_type": "message_deliver",
                                "duration_ms": 2.0, "success": ok}) + "\n")


def start_alertmanager(work, config):
    port = free_port()
    text = config.read_text().replace('group_wait: "30s"', 'group_wait: "1s"').replace(
        'group_interval: "5m"', 'group_interval: "1s"')
    config.write_text(text)
    proc = subprocess.Popen(
        ["prometheus-alertmanager", f"--config.file={config}", f"--storage.path={work / 'am'}",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
         "--log.level=warn"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_until("Alertmanager is ready", lambda: get(f"http://127.0.0.1:{port}/-/ready")[0] == 200)
    return proc, port


def check_payloads():
    pd = received("/pagerduty")
    assert len({p["payload"]["custom_details"]["firing"] for p in pd}) >= 1, pd
    first = pd[0]
    assert first["routing_key"] == "test-routing-key", first
    assert first["event_action"] == "trigger", first
    assert first["payload"]["severity"] == "critical", first
    assert len(first["dedup_key"]) > 0, first
    assert "delivery" in json.dumps(first), first
    slack = received("/slack")
    text = json.dumps(slack)
    assert "failures_warn" in text and "failures_error" in text, text
    assert "delivery" not in text, "the critical inhibits the objective's lower tiers: " + text
    for message in slack:
        assert message["channel"] == "#perftrack-test", message
        assert message["attachments"], message


def webhook_entries(status):
    return [a for body in received("/webhook") for a in body["alerts"] if a["status"] == status]


def check_webhook(status):
    """The documented payload: each tier once when it starts, once when it stops."""
    for body in received("/webhook"):
        assert body["version"] == "1" and body["source"] == "perftrack serve", body
    entries = webhook_entries(status)
    keys = [(a["labels"]["slo"], a["labels"]["severity"]) for a in entries]
    assert ("delivery", "critical") in keys and ("failures_warn", "warning") in keys, entries
    assert len(keys) == len(set(keys)), "each change is sent once: " + json.dumps(entries)
    for a in entries:
        assert a["labels"]["alertname"] in ("SLOErrorBudgetBurn", "SLOErrorRate"), a
        assert a["annotations"]["summary"] and a["startsAt"].endswith("Z"), a
        assert ("endsAt" in a) == (status == "resolved"), a


def direct_events(action):
    return [e for e in received("/direct/pagerduty") if e["event_action"] == action]


def check_direct(action):
    """Serve's own Slack and PagerDuty messages, field by field against the
    services' documented formats."""
    events = direct_events(action)
    by_slo = {}
    for e in events:
        assert e["routing_key"] == "direct-key", e
        assert e["dedup_key"].startswith("perftrack/"), e
        if action == "trigger":
            p = e["payload"]
            assert p["source"] == "perftrack serve" and len(p["summary"]) <= 1024, e
            assert p["severity"] in ("critical", "error", "warning"), e
            by_slo.setdefault(p["custom_details"]["slo"], set()).add(p["severity"])
    if action == "trigger":
        assert "critical" in by_slo["delivery"], by_slo
        assert by_slo["failures_warn"] == {"warning"} and by_slo["failures_error"] == {"error"}
        keys = [e["dedup_key"] for e in events]
        assert len(keys) == len(set(keys)), "one trigger per tier: " + json.dumps(events)
    else:
        triggered = {e["dedup_key"] for e in direct_events("trigger")}
        assert {e["dedup_key"] for e in events} == triggered, "each trigger is resolved by its key"
    slack = received("/direct/slack")
    for message in slack:
        assert message["text"] and message["blocks"], message
        for block in message["blocks"]:
            assert block["type"] == "section" and block["text"]["type"] == "mrkdwn", block
    times = received_at("/direct/slack")
    assert all(b - a >= 0.9 for a, b in zip(times, times[1:])), times


def check_receiver_down(perftrack, work, data, baselines):
    port, dead = free_port(), free_port()
    log = work / "serve.err"
    with open(log, "w") as err:
        proc = subprocess.Popen(
            [perftrack, "serve", "--port", str(port), "--file", data, "--slo", baselines,
             "--alertmanager", f"http://127.0.0.1:{dead}", "--evaluation-interval", "1s"],
            stdout=subprocess.DEVNULL, stderr=err, text=True)
        try:
            wait_until("serve reports the unreachable Alertmanager",
                       lambda: "alertmanager:" in log.read_text())
            for _ in range(3):  # and goes on serving
                assert get(f"http://127.0.0.1:{port}/metrics")[0] == 200
            assert get(f"http://127.0.0.1:{port}/ready")[0] == 200
        finally:
            stop(proc, "perftrack serve")
    text = log.read_text()
    assert "retrying with backoff" in text, text
    assert text.count("alertmanager:") == 1, "the same failure is reported once: " + text


def main():
    perftrack = pathlib.Path(sys.argv[1])
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{receiver.server_address[1]}"
    with tempfile.TemporaryDirectory() as d:
        work = pathlib.Path(d)
        baselines = work / "slo.toml"
        baselines.write_text(BASELINES)
        data = work / "m.jsonl"
        write_records(data)
        subprocess.run([perftrack, "slo", "rules", "--slo", baselines, "--out", work / "out",
                        "--slack-url", f"{base}/slack", "--slack-channel", "#perftrack-test",
                        "--pagerduty-url", f"{base}/pagerduty", "--pagerduty-key",
                        "test-routing-key"], check=True, capture_output=True)
        am, am_port = start_alertmanager(work, work / "out" / "alertmanager.yml")
        port = free_port()
        serve = subprocess.Popen(
            [perftrack, "serve", "--port", str(port), "--file", data, "--slo", baselines,
             "--alertmanager", f"http://127.0.0.1:{am_port}", "--webhook", f"{base}/webhook",
             "--slack-webhook", f"{base}/direct/slack", "--pagerduty-key", "direct-key",
             "--pagerduty-url", f"{base}/direct/pagerduty", "--evaluation-interval", "1s"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_until("PagerDuty and Slack receive the alerts",
                       lambda: received("/pagerduty") and len(received("/slack")) >= 2, 90)
            check_payloads()
            check_webhook("firing")
            wait_until("Slack and PagerDuty receive serve's own messages",
                       lambda: received("/direct/slack") and len(received("/direct/pagerduty")) >= 3)
            check_direct("trigger")
            # Recovery: enough good deliveries that no tier holds; serve sends
            # the resolutions, Alertmanager the PagerDuty "resolve".
            write_records(data, 200_000, every_other_fails=False, mode="a")
            wait_until("PagerDuty receives the resolution",
                       lambda: any(p["event_action"] == "resolve" for p in received("/pagerduty")),
                       90)
            wait_until("the webhook receives the resolutions",
                       lambda: webhook_entries("resolved"), 30)
            check_webhook("resolved")
            wait_until("PagerDuty receives serve's resolves",
                       lambda: len(direct_events("resolve")) >= 3, 30)
            check_direct("resolve")
        finally:
            stop(serve, "perftrack serve")
            stop(am, "alertmanager")
        failing = work / "failing.jsonl"
        write_records(failing)
        check_receiver_down(perftrack, work, failing, baselines)
    receiver.shutdown()
    print("slo alerts: critical reached PagerDuty, error and warning reached Slack, the "
          "resolution reached PagerDuty, a down Alertmanager did not stop serving")


if __name__ == "__main__":
    main()
