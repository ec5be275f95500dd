#!/usr/bin/python3
"""Writes monitoring/grafana/perftrack.json, the Grafana dashboard of perftrack's
metrics (docs/serve.md), from the panel list below: the one place a panel
is defined. `--check` exits 1 when the committed file differs (CI).

    monitoring/grafana/build_dashboard.py [--check]
"""
import json
import pathlib
import sys

OUT = pathlib.Path(__file__).with_name("perftrack.json")
SEL = 'job=~"$job",instance=~"$instance"'
RATE = "[$__rate_interval]"


def sel(extra=""):
    return "{" + SEL + ("," + extra if extra else "") + "}"


def rate(metric, extra=""):
    return f"rate({metric}{sel(extra)}{RATE})"


def quantile(q, extra=""):
    return (f"histogram_quantile({q}, sum by (operation, le) "
            f"({rate('agent_operation_duration_seconds_bucket', extra)}))")


def within(bound, ops):
    """The share of `ops` operations that finished within `bound` seconds."""
    extra = f'operation=~"{ops}"'
    bucket = rate("agent_operation_duration_seconds_bucket", extra + f',le="{bound}"')
    count = rate("agent_operation_duration_seconds_count", extra)
    return f"sum({bucket}) / sum({count})"


def target(expr, legend):
    return {"expr": expr, "legendFormat": legend}


def thresholds(*steps):
    """Grafana thresholds: a base colour, then (value, colour) steps, drawn as lines."""
    out = [{"color": "green", "value": None}]
    out += [{"color": c, "value": v} for v, c in steps]
    return {"mode": "absolute", "steps": out}


# Rows of panels: (title, unit, targets, description, thresholds or None).
ROWS = [
    ("Agent performance", [
        ("Operations per second", "ops",
         [target(f"sum by (operation) ({rate('agent_operation_duration_seconds_count')})",
                 "{{operation}}")],
         "Each coordination operation's rate: the histogram's _count.", None),
        ("Latency p50 / p95 / p99", "s",
         [target(quantile(0.5), "{{operation}} p50"), target(quantile(0.95), "{{operation}} p95"),
          target(quantile(0.99), "{{operation}} p99")],
         "From the duration histogram (buckets 4/3 apart: within about 10% of the exact value).",
         None),
        ("Average latency", "s",
         [target(f"sum by (operation) ({rate('agent_operation_duration_seconds_sum')}) / "
                 f"sum by (operation) ({rate('agent_operation_duration_seconds_count')})",
                 "{{operation}}")],
         "Total time over count, per operation.", None),
        ("Active agents", "short",
         [target(f"sum(system_active_agents{sel()})", "agents")],
         "Agents registered and running (perftrack swarm --metrics-port).", None),
        ("Tasks per minute", "opm",
         [target(f"sum({rate('agent_tasks_completed_total')}) * 60", "completed"),
          target(f"sum({rate('agent_tasks_failed_total')}) * 60", "failed")],
         "Throughput against the baseline of 100 tasks per minute.",
         thresholds((100, "blue"))),
    ]),
    ("Message throughput and backplane", [
        ("Message operations per second", "ops",
         [target("sum by (operation) (" + rate("agent_operation_duration_seconds_count",
                                                'operation=~"message_.*|agent_send|agent_messages"')
                 + ")", "{{operation}}")],
         "Sends, reads and deliveries of messages.", None),
        ("Backplane messages per second", "ops",
         [target(f"sum({rate('backplane_messages_accepted_total')})", "accepted"),
          target(f"sum({rate('backplane_messages_pushed_total')})", "pushed"),
          target(f"sum({rate('backplane_messages_acknowledged_total')})", "acknowledged")],
         "The WebSocket gateway's message flow (perftrack gateway --metrics-port).", None),
        ("Backplane bytes per second", "Bps",
         [target(f"sum({rate('backplane_message_bytes_total')})", "message bodies")],
         "Bytes of message bodies accepted, once per recipient.", None),
        ("Message size p50 / p95", "bytes",
         [target(f"histogram_quantile(0.5, sum by (le) ({rate('backplane_message_size_bytes_bucket')}))", "p50"),
          target(f"histogram_quantile(0.95, sum by (le) ({rate('backplane_message_size_bytes_bucket')}))", "p95")],
         "Body sizes of accepted sends.", None),
        ("Gateway connections", "short",
         [target(f"sum(gateway_connections_open{sel()})", "open")],
         "WebSocket connections open now.", None),
    ]),
    ("Resources (USE)", [
        ("CPU used", "percentunit",
         [target(f"{rate('process_cpu_seconds_total')}", "{{job}} {{instance}}")],
         "Utilisation: CPU seconds per second of each process (1.0 = one core).",
         thresholds((0.8, "red"))),
        ("CPU saturation", "percentunit",
         [target(f"{rate('process_cpu_wait_seconds_total')}", "run queue {{job}}"),
          target(f"{rate('node_pressure_cpu_waiting_seconds_total')}", "machine pressure")],
         "Saturation: time runnable but waiting for a CPU (schedstat), and the machine's CPU "
         "pressure stall.", None),
        ("Resident memory", "bytes",
         [target(f"process_resident_memory_bytes{sel()}", "{{job}} {{instance}}")],
         "Against the baselines: 256 MB expected, 512 MB at most.",
         thresholds((256 * 2**20, "orange"), (512 * 2**20, "red"))),
        ("Open file descriptors", "percentunit",
         [target(f"process_open_fds{sel()} / process_max_fds{sel()}", "{{job}} {{instance}}")],
         "Share of the descriptor limit in use.", None),
        ("Mailbox depth", "short",
         [target(f"sum(agent_mailbox_messages{sel()})", "waiting, all agents"),
          target(f"max(agent_mailbox_max_messages{sel()})", "deepest mailbox")],
         "Saturation of the agents: messages waiting in their mailboxes.", None),
        ("Oldest mailbox message", "s",
         [target(f"max(agent_mailbox_oldest_message_age_seconds{sel()})", "oldest wait")],
         "Saturation of the agents: how long the oldest waiting message has waited. Against "
         "the baselines: queue processing 25 ms, delivery p99 100 ms.",
         thresholds((0.025, "orange"), (0.1, "red"))),
        ("perftrack's own errors", "short",
         [target(f"sum by (reason) ({rate('perftrack_recorder_dropped_total')})", "dropped {{reason}}"),
          target(f"sum by (reason) ({rate('perftrack_tail_malformed_lines_total')})", "malformed {{reason}}"),
          target(f"sum({rate('perftrack_series_overflow_records_total')})", "over the series cap")],
         "Records the recorder dropped, lines the tailer skipped, records in the overflow series.",
         None),
        ("Tailer lag", "bytes",
         [target(f"sum by (file) (perftrack_tail_lag_bytes{sel()})", "{{file}}")],
         "Bytes written to the followed files and not yet read.", None),
    ]),
    ("Error rates", [
        ("Error ratio", "percentunit",
         [target(f"sum({rate('agent_operation_errors_total')}) / "
                 f"sum({rate('agent_operation_duration_seconds_count')})", "all operations")],
         "Baseline 1%, alert 5%, critical 10%.",
         thresholds((0.01, "yellow"), (0.05, "orange"), (0.10, "red"))),
        ("Errors per second by operation", "ops",
         [target(f"sum by (operation) ({rate('agent_operation_errors_total')})", "{{operation}}")],
         "Failed operations.", None),
    ]),
    ("Baseline comparison", [
        ("Message delivery within 50 ms", "percentunit",
         [target(within("0.05", "message_deliver"), "message_deliver")],
         "Objective: 95% of deliveries within 50 ms (p95 50 ms).",
         thresholds((0.95, "red"))),
        ("Agent spawn within 2 s", "percentunit",
         [target(within("2.0", "agent_register|task_spawn"), "agent_register, task_spawn")],
         "Objective: 95% of spawns within 2 s (p95 2 s).", thresholds((0.95, "red"))),
        ("Task completion within 10 s", "percentunit",
         [target(within("10.0", "task_update"), "task_update")],
         "Objective: 95% within 10 s (p95 10 s).", thresholds((0.95, "red"))),
        ("p95 against the baselines", "s",
         [target(quantile(0.95, 'operation=~"message_deliver|agent_register|task_update"'),
                 "{{operation}}")],
         "The p95 of the operations with latency baselines; lines at 50 ms, 2 s and 10 s.",
         thresholds((0.05, "yellow"), (2, "orange"), (10, "red"))),
    ]),
]


def panel(pid, x, y, title, unit, targets, description, steps):
    field = {"unit": unit}
    custom = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10}
    if steps:
        field["thresholds"] = steps
        custom["thresholdsStyle"] = {"mode": "line"}
    field["custom"] = custom
    return {
        "id": pid, "type": "timeseries", "title": title, "description": description,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"x": x, "y": y, "w": 12, "h": 8},
        "fieldConfig": {"defaults": field, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"},
                    "tooltip": {"mode": "multi"}},
        "targets": [dict(t, refId=chr(ord("A") + i),
                         datasource={"type": "prometheus", "uid": "${datasource}"})
                    for i, t in enumerate(targets)],
    }


def variable(name, label, query):
    return {"name": name, "label": label, "type": "query",
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "query": {"query": query, "refId": name}, "definition": query,
            "refresh": 2, "multi": True, "includeAll": True, "allValue": ".*",
            "current": {"text": "All", "value": "$__all"}, "sort": 1}


def dashboard():
    panels = []
    pid = 1
    y = 0
    for row_title, row_panels in ROWS:
        panels.append({"id": pid, "type": "row", "title": row_title, "collapsed": False,
                       "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}, "panels": []})
        pid += 1
        y += 1
        for i, spec in enumerate(row_panels):
            panels.append(panel(pid, 12 * (i % 2), y + 8 * (i // 2), *spec))
            pid += 1
        y += 8 * ((len(row_panels) + 1) // 2)
    return {
        "uid": "perftrack-agents",
        "title": "perftrack: agent systems",
        "description": "Agent operations, runtime, resources (USE), errors and baselines, from "
                       "perftrack serve and the --metrics-port of perftrack swarm and gateway.",
        "tags": ["perftrack", "agents"],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource",
             "query": "prometheus", "current": {}, "hide": 0},
            variable("job", "Job", "label_values(up, job)"),
            variable("instance", "Instance", 'label_values(up{job=~"$job"}, instance)'),
        ]},
        "annotations": {"list": []},
        "panels": panels,
    }


def main():
    text = json.dumps(dashboard(), indent=2, ensure_ascii=False) + "\n"
    if "--check" in sys.argv:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is not what build_dashboard.py writes: run it and commit the result")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
