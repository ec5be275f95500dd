"""Prints the recorder benchmark (Google Benchmark JSON) as a table with ratios."""
import json
import sys

data = json.load(open(sys.argv[1]))
median = {}
for b in data["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    name = b["run_name"]
    median[name] = b

def ns(name):
    b = median.get(name)
    if b is None:
        return None
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
    # Google Benchmark divides a thread's wall time by the iterations of all
    # threads; each thread made its share of the calls in that wall time, so the
    # time one call takes in its thread is real_time * threads.
    return b["real_time"] * scale * b.get("threads", 1)

rows = [
    ("record, end time given (excl. clock)", "BM_perftrack_record/iterations:1000000/real_time/threads:1",
     "BM_perftrack_record/iterations:1000000/real_time/threads:2"),
    ("record, reads steady_clock", "BM_perftrack_record_now/iterations:1000000/real_time/threads:1", None),
    ("scoped_timer (2 clock reads + record)", "BM_perftrack_scoped_timer/iterations:1000000/real_time/threads:1",
     "BM_perftrack_scoped_timer/iterations:1000000/real_time/threads:2"),
    ("prometheus-cpp Histogram::Observe", "BM_prometheus_observe/iterations:1000000/real_time/threads:1",
     "BM_prometheus_observe/iterations:1000000/real_time/threads:2"),
    ("spdlog async logger (file)", "BM_spdlog_async/iterations:1000000/real_time/threads:1",
     "BM_spdlog_async/iterations:1000000/real_time/threads:2"),
]
print("ns per call in the calling thread (2 threads: both record the same operation at once)")
print(f"| {'operation':40} | {'1 thread (ns)':>13} | {'2 threads (ns)':>14} |")
print(f"|{'-'*42}|{'-'*15}:|{'-'*16}:|")
for label, one, two in rows:
    a = ns(one)
    b = ns(two) if two else None
    fa = f"{a:.1f}" if a is not None else "-"
    fb = f"{b:.1f}" if b is not None else "-"
    print(f"| {label:40} | {fa:>13} | {fb:>14} |")

rec1 = ns(rows[0][1]); rec2 = ns(rows[0][2])
prom1 = ns(rows[3][1]); prom2 = ns(rows[3][2])
spd1 = ns(rows[4][1]); spd2 = ns(rows[4][2])
print()
if rec1 and prom1:
    print(f"prometheus-cpp observe / perftrack record: {prom1 / rec1:.1f}x (1 thread), {prom2 / rec2:.1f}x (2 threads, one shared operation)")
if rec1 and spd1:
    print(f"spdlog async / perftrack record: {spd1 / rec1:.1f}x (1 thread), {spd2 / rec2:.1f}x (2 threads)")
dropped = [b.get("dropped", 0) for n, b in median.items() if n.startswith("BM_perftrack")]
print(f"records dropped during the perftrack runs: {int(max(dropped) if dropped else 0)}")
w = next((b for n, b in median.items() if n.startswith("BM_writer_throughput")), None)
if w:
    print(f"writer: {w['items_per_second'] / 1e6:.2f} million records/s formatted and appended to a file "
          f"(one producer, block mode; dropped {int(w.get('dropped', 0))})")
