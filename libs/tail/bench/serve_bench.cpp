// The scrape, side by side with prometheus-cpp, timed the same way:
//  1. serialising the same series: 20 operations' duration histograms (69
//     bounds) and error counters, perftrack (aggregator -> exposition::write)
//     against prometheus-cpp 1.0 (Registry::Collect -> TextSerializer);
//  2. HTTP scrapes over loopback with one keep-alive client: perftrack's
//     exporter::server (those series plus the process collector) against
//     prometheus-cpp's Exposer (those series);
//  3. the recorder's record() with and without an exporter scraping its
//     tracker every millisecond.
//
//   serve_bench [--scrapes N] [--rounds R]

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "perftrack/exporter/collectors.hpp"
#include "perftrack/exporter/server.hpp"
#include "perftrack/exposition/agent_metrics.hpp"
#include "perftrack/exposition/format.hpp"
#include "perftrack/recorder/tracker.hpp"
#include "perftrack/tail/aggregator.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;
namespace am = perftrack::exposition::agent_metrics;

const char* const operations[] = {
    "agent_register",      "agent_send",        "agent_messages",  "agent_status",
    "agent_update_status", "agent_set_handoff", "task_create",     "task_update",
    "task_claim",          "task_list",         "task_next",       "task_schedule",
    "task_spawn",          "message_send",      "message_read",    "message_deliver",
    "leader_register",     "leader_heartbeat",  "leader_election", "leader_failover"};

/// The same observations for both libraries: log-normal durations per operation.
std::vector<std::pair<int, double>> observations(int per_operation) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> seconds(std::log(0.004), 1.0);
  std::vector<std::pair<int, double>> out;
  for (int op = 0; op < 20; ++op) {
    for (int i = 0; i < per_operation; ++i) out.emplace_back(op, seconds(rng));
  }
  return out;
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

template <class Fn>
double median_ns_per_call(int rounds, int calls, Fn&& fn) {
  std::vector<double> per;
  for (int r = 0; r < rounds; ++r) {
    const auto t0 = clock_type::now();
    for (int i = 0; i < calls; ++i) fn();
    per.push_back(std::chrono::duration<double, std::nano>(clock_type::now() - t0).count() / calls);
  }
  return percentile(per, 0.5);
}

struct prometheus_cpp_side {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Histogram>& durations = prometheus::BuildHistogram()
                                                             .Name(std::string(am::duration_name))
                                                             .Help(std::string(am::duration_help))
                                                             .Register(*registry);
  prometheus::Family<prometheus::Counter>& errors = prometheus::BuildCounter()
                                                        .Name(std::string(am::errors_name))
                                                        .Help(std::string(am::errors_help))
                                                        .Register(*registry);

  explicit prometheus_cpp_side(const std::vector<std::pair<int, double>>& obs) {
    const auto& bounds = am::duration_layout()->bounds();
    std::vector<prometheus::Histogram*> h;
    std::vector<prometheus::Counter*> e;
    for (const char* op : operations) {
      h.push_back(&durations.Add({{"operation", op}}, prometheus::Histogram::BucketBoundaries(
                                                          bounds.begin(), bounds.end())));
      e.push_back(&errors.Add({{"operation", op}}));
    }
    for (std::size_t i = 0; i < obs.size(); ++i) {
      h[static_cast<std::size_t>(obs[i].first)]->Observe(obs[i].second);
      if (i % 50 == 0) e[static_cast<std::size_t>(obs[i].first)]->Increment();
    }
  }
};

void fill(perftrack::tail::aggregator& agg, const std::vector<std::pair<int, double>>& obs) {
  perftrack::tail::aggregator::batch b(agg);
  for (std::size_t i = 0; i < obs.size(); ++i) {
    b.add(operations[obs[i].first], obs[i].second * 1000.0, i % 50 != 0);
  }
}

/// p50 and p99 in microseconds of `n` GETs of /metrics, on one keep-alive
/// connection while the server keeps it open; a server that closes it is
/// connected to again, inside the timed request, as a scraper would.
std::pair<double, double> http_latency(std::uint16_t port, int n, std::size_t& bytes,
                                       bool gzip = false) {
  net::io_context ioc;
  const net::ip::tcp::endpoint at(net::ip::make_address("127.0.0.1"), port);
  std::unique_ptr<beast::tcp_stream> stream;
  std::vector<double> us;
  for (int i = 0; i < n + 100; ++i) {
    http::request<http::empty_body> req{http::verb::get, "/metrics", 11};
    req.set(http::field::host, "127.0.0.1");
    if (gzip) req.set(http::field::accept_encoding, "gzip");
    const auto t0 = clock_type::now();
    http::response<http::string_body> res;
    for (int attempt = 0;; ++attempt) {
      if (!stream) {
        stream = std::make_unique<beast::tcp_stream>(ioc);
        stream->connect(at);
        stream->socket().set_option(net::ip::tcp::no_delay(true));
      }
      beast::error_code ec;
      http::write(*stream, req, ec);
      beast::flat_buffer buffer;
      if (!ec) http::read(*stream, buffer, res, ec);
      if (!ec) break;
      stream.reset();  // closed without saying so (civetweb): connect again
      if (attempt == 3) throw beast::system_error(ec);
    }
    const double t = std::chrono::duration<double, std::micro>(clock_type::now() - t0).count();
    if (!res.keep_alive()) stream.reset();
    if (i >= 100) us.push_back(t);  // the first 100: warm-up
    bytes = res.body().size();
  }
  return {percentile(us, 0.5), percentile(us, 0.99)};
}

/// ns per record() of `records` records on `t`, with a thread scraping `t`
/// every millisecond when `with_scraper`; then waits for the writer.
double record_ns(perftrack::tracker& t, bool with_scraper, int records) {
  const auto op = t.operation("task_claim");
  std::atomic<bool> stop{false};
  std::thread scraper;
  if (with_scraper) {
    scraper = std::thread([&] {
      const std::vector<perftrack::exporter::collector> cs{
          perftrack::exporter::tracker_collector(t)};
      while (!stop) {
        const auto text = perftrack::exporter::render_scrape(cs, false);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  const auto t0 = clock_type::now();
  for (int i = 0; i < records; ++i) t.record(op, std::chrono::nanoseconds(1000 + i % 5000), true);
  const double ns =
      std::chrono::duration<double, std::nano>(clock_type::now() - t0).count() / records;
  stop = true;
  if (scraper.joinable()) scraper.join();
  t.flush();
  return ns;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  int scrapes = 10000;
  int rounds = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--scrapes") == 0) scrapes = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
  }
  const auto obs = observations(5000);
  perftrack::tail::aggregator agg;
  fill(agg, obs);
  prometheus_cpp_side peer(obs);

  std::printf("| what | perftrack | prometheus-cpp 1.0 | ratio |\n|---|---:|---:|---:|\n");
  std::size_t ours_bytes = 0, theirs_bytes = 0;
  const double ours = median_ns_per_call(rounds, scrapes / 10, [&] {
    std::vector<perftrack::exposition::family> fams;
    agg.collect(fams);
    std::string out;
    perftrack::exposition::write(fams, perftrack::exposition::format::text, out);
    ours_bytes = out.size();
  });
  const prometheus::TextSerializer serializer;
  const double theirs = median_ns_per_call(rounds, scrapes / 10, [&] {
    const std::string out = serializer.Serialize(peer.registry->Collect());
    theirs_bytes = out.size();
  });
  std::printf(
      "| serialise 20 histograms + 20 counters (text 0.0.4; %zu and %zu bytes) | %.1f us | %.1f us "
      "| %.2fx |\n",
      ours_bytes, theirs_bytes, ours / 1000, theirs / 1000, theirs / ours);

  const std::vector<perftrack::exporter::collector> process{
      perftrack::exporter::process_collector()};
  const double process_ns = median_ns_per_call(rounds, scrapes / 10, [&] {
    ours_bytes = perftrack::exporter::render_scrape(process, false).size();
  });
  std::printf("| the process collector alone (/proc reads; %zu bytes) | %.1f us | | |\n",
              ours_bytes, process_ns / 1000);

  auto server = perftrack::exporter::server::start(
      {.port = 0,
       .collectors = {[&agg](auto& f) { agg.collect(f); },
                      perftrack::exporter::process_collector()}});
  if (!server) {
    std::fprintf(stderr, "%s\n", server.error().message.c_str());
    return 1;
  }
  prometheus::Exposer exposer("127.0.0.1:0", 1);
  exposer.RegisterCollectable(peer.registry);
  std::size_t b1 = 0, b2 = 0;
  const auto [p50, p99] = http_latency((*server)->port(), scrapes, b1);
  const auto [q50, q99] = http_latency(exposer.GetListeningPorts().at(0), scrapes, b2);
  std::printf(
      "| HTTP GET /metrics on loopback, keep-alive, p50 (%zu and %zu bytes) | %.0f us | %.0f us | "
      "%.2fx |\n",
      b1, b2, p50, q50, q50 / p50);
  std::printf("| HTTP GET /metrics on loopback, keep-alive, p99 | %.0f us | %.0f us | %.2fx |\n",
              p99, q99, q99 / p99);
  const auto [z50, z99] = http_latency((*server)->port(), scrapes, b1, true);
  const auto [y50, y99] = http_latency(exposer.GetListeningPorts().at(0), scrapes, b2, true);
  std::printf(
      "| the same with Accept-Encoding: gzip (as Prometheus asks), p50 (%zu and %zu bytes) | %.0f "
      "us | %.0f us | %.2fx |\n",
      b1, b2, z50, y50, y50 / z50);
  std::printf("| the same with gzip, p99 | %.0f us | %.0f us | %.2fx |\n", z99, y99, y99 / z99);

  perftrack::tracker_options o;
  o.file_sink = false;
  // Room for every record of a round, so record() never waits for the writer:
  // the hot path alone is timed. A first round touches the buffer's pages.
  o.buffer_bytes = std::size_t{64} << 20;
  perftrack::tracker t(o);
  record_ns(t, false, 1'000'000);
  std::vector<double> alone, scraped;
  for (int r = 0; r < rounds; ++r) {
    alone.push_back(record_ns(t, false, 1'000'000));
    scraped.push_back(record_ns(t, true, 1'000'000));
  }
  if (t.counters().dropped() != 0) std::fprintf(stderr, "warning: records were dropped\n");
  std::printf(
      "\n| tracker::record(), median of %d rounds of 1,000,000 | ns per record |\n|---|---:|\n",
      rounds);
  std::printf("| exporter off | %.1f |\n| exporter scraping the tracker every 1 ms | %.1f |\n",
              percentile(alone, 0.5), percentile(scraped, 0.5));
  return 0;
}
