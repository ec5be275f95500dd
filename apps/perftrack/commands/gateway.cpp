#include "commands/gateway.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <filesystem>
#include <tuple>

#include "commands/common.hpp"
#include "perftrack/exporter/collectors.hpp"
#include "perftrack/exporter/server.hpp"
#include "perftrack/gateway/gateway.hpp"

namespace perftrack::cli::gateway_command {

CLI::App* add(CLI::App& app, options& o) {
  CLI::App* cmd = app.add_subcommand(
      "gateway", "Serve the WebSocket gateway: external agents register, send, receive, ack");
  cmd->add_option("--port", o.port, "TCP port (default 8765; 0 picks a free one)");
  cmd->add_option("--address", o.address,
                  "Interface to listen on (default 127.0.0.1; the protocol has no authentication)");
  cmd->add_option("--store", o.store,
                  "sqlite:PATH (default sqlite:memory/coord.db) or postgresql://user@host:port/db");
  cmd->add_option("--max-frame", o.max_frame,
                  "Largest incoming frame in bytes; bigger ones close the connection (1009)")
      ->check(CLI::Range(std::size_t{64}, std::size_t{1} << 30));
  cmd->add_option("--max-queue", o.max_queue,
                  "Bytes queued for a client that does not read before it is dropped")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 34));
  cmd->add_option("--duration", o.duration, "Stop after this long, e.g. 30s (default: on a signal)")
      ->check(duration_arg);
  cmd->add_option(
      "--metrics-port", o.metrics_port,
      "Serve live metrics for Prometheus on 127.0.0.1:PORT (/metrics, /health, /ready)");
  return cmd;
}

namespace {

/// backplane_message_size_bytes: the body sizes of accepted sends.
exposition::family message_size_family(const gateway::gateway_counters& c) {
  static const auto layout = std::make_shared<const exposition::bucket_layout>(
      std::vector<double>(gateway::gateway_counters::size_bounds.begin(),
                          gateway::gateway_counters::size_bounds.end()));
  exposition::family f{.name = "backplane_message_size_bytes",
                       .help = "Body sizes of accepted sends.",
                       .type = exposition::metric_type::histogram,
                       .unit = "bytes",
                       .layout = layout};
  exposition::series s;
  for (std::size_t i = 0; i + 1 < c.message_sizes.size(); ++i) {
    s.count += c.message_sizes[i];
    s.cumulative.push_back(s.count);
  }
  s.count += c.message_sizes.back();
  s.sum = static_cast<double>(c.send_bytes);
  f.samples.push_back(std::move(s));
  return f;
}

/// The gateway's counters as families: connections, requests and the message
/// backplane (docs/serve.md).
exporter::collector gateway_collector(const gateway::gateway& g) {
  return [&g](std::vector<exposition::family>& out) {
    using exposition::metric_type;
    const auto c = g.counters();
    const auto n = [](std::uint64_t v) { return static_cast<double>(v); };
    const std::tuple<const char*, const char*, metric_type, std::uint64_t> rows[] = {
        {"gateway_connections_open", "WebSocket connections open now.", metric_type::gauge,
         c.connections_open},
        {"gateway_connections_total", "WebSocket connections accepted.", metric_type::counter,
         c.connections_accepted},
        {"gateway_requests_total", "Protocol requests received.", metric_type::counter, c.requests},
        {"backplane_messages_accepted_total", "Messages stored, one per recipient.",
         metric_type::counter, c.messages_accepted},
        {"backplane_messages_pushed_total", "Messages pushed to connected agents.",
         metric_type::counter, c.messages_pushed},
        {"backplane_messages_acknowledged_total", "Messages acknowledged by their recipients.",
         metric_type::counter, c.messages_acked},
        {"gateway_bad_requests_total", "Requests refused as malformed.", metric_type::counter,
         c.bad_requests},
        {"gateway_oversized_frames_total", "Connections closed for a frame over --max-frame.",
         metric_type::counter, c.oversized_frames},
        {"gateway_slow_clients_dropped_total", "Clients dropped for not reading (--max-queue).",
         metric_type::counter, c.slow_clients_dropped},
        {"gateway_store_errors_total", "Store steps that failed.", metric_type::counter,
         c.store_errors}};
    for (const auto& [name, help, type, v] : rows) {
      out.push_back(exposition::single(name, help, type, n(v)));
    }
    out.push_back(exposition::single("backplane_message_bytes_total",
                                     "Bytes of message bodies accepted, once per recipient.",
                                     metric_type::counter, n(c.message_bytes), "bytes"));
    out.push_back(message_size_family(c));
  };
}

}  // namespace

int run(const options& o, std::ostream& out, std::ostream& err) {
  if (o.store.starts_with("sqlite:")) {
    const std::filesystem::path db(o.store.substr(7));
    std::error_code ec;
    if (db.has_parent_path()) std::filesystem::create_directories(db.parent_path(), ec);
  }
  stop_signals signals;  // before the I/O thread starts, so that it inherits the mask

  tracker t(tracker_options::from_environment());
  gateway::gateway_options go;
  go.address = o.address;
  go.port = o.port;
  go.store_url = o.store;
  go.max_frame_bytes = o.max_frame;
  go.max_queue_bytes = o.max_queue;
  go.on_error = [&err](const std::string& what) {
    fmt::print(err, "perftrack gateway: {}\n", what);
    err.flush();
  };
  auto g = gateway::gateway::start(go, t);
  if (!g) return fail(err, g.error().message);
  std::unique_ptr<exporter::server> metrics;
  if (o.metrics_port != 0) {
    auto m = exporter::server::start(
        {.port = o.metrics_port,
         .port_flag = "--metrics-port",
         .collectors = {exporter::tracker_collector(t), exporter::process_collector(),
                        gateway_collector(**g)}});
    if (!m) return fail(err, m.error().message);
    metrics = std::move(*m);
  }
  fmt::print(out, "perftrack gateway: listening on {} (store {}); stop with Ctrl-C\n", (*g)->url(),
             o.store);
  out.flush();

  signals.wait(o.duration);
  metrics.reset();
  (*g)->stop();
  t.flush();
  const auto c = (*g)->counters();
  fmt::print(out,
             "perftrack gateway: stopped; {} connections, {} requests, {} messages accepted, "
             "{} pushed, {} acknowledged; {} bad requests, {} oversized frames, {} slow clients "
             "dropped, {} store errors\n",
             c.connections_accepted, c.requests, c.messages_accepted, c.messages_pushed,
             c.messages_acked, c.bad_requests, c.oversized_frames, c.slow_clients_dropped,
             c.store_errors);
  return exit_ok;
}

}  // namespace perftrack::cli::gateway_command
