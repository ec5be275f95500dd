#pragma once

#include "perftrack/exporter/server.hpp"

namespace perftrack {
class tracker;
}

namespace perftrack::exporter {

/// The standard process metrics (process_cpu_seconds_total,
/// process_resident_memory_bytes, process_virtual_memory_bytes,
/// process_open_fds, process_max_fds, process_start_time_seconds,
/// process_threads), the time this process's threads waited for a CPU
/// (process_cpu_wait_seconds_total, from /proc/self/task/*/schedstat) and the
/// machine's pressure stall totals (node_pressure_{cpu,memory,io}_waiting_seconds_total,
/// named as node_exporter names them) where /proc/pressure exists. Linux only;
/// what cannot be read is left out.
collector process_collector();

/// A tracker's live statistics as agent_operation_duration_seconds and
/// agent_operation_errors_total, and its own health
/// (perftrack_recorder_records_total, perftrack_recorder_dropped_total by
/// reason). The tracker must outlive the collector.
collector tracker_collector(const tracker& t);

}  // namespace perftrack::exporter
