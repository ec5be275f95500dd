#include "perftrack/exporter/server.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "perftrack/exporter/collectors.hpp"
#include "perftrack/recorder/tracker.hpp"

namespace perftrack::exporter {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

struct reply {
  unsigned status = 0;
  std::string content_type, content_encoding, body;
};

/// One GET on a fresh connection, with the given extra headers.
reply get(std::uint16_t port, const std::string& target,
          std::vector<std::pair<http::field, std::string>> headers = {},
          http::verb verb = http::verb::get) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [f, v] : headers) req.set(f, v);
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return {res.result_int(), std::string(res[http::field::content_type]),
          std::string(res[http::field::content_encoding]), res.body()};
}

std::string gunzip(const std::string& in) {
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  std::string out(in.size() * 20 + 1024, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

collector one_gauge(double v) {
  return [v](std::vector<exposition::family>& out) {
    exposition::family f{
        .name = "test_gauge", .help = "A gauge.", .type = exposition::metric_type::gauge};
    f.samples.push_back({.labels = exposition::one_label("k", "a\"b"), .value = v});
    out.push_back(std::move(f));
  };
}

std::unique_ptr<server> start(server_options o) {
  o.port = 0;
  auto s = server::start(std::move(o));
  if (!s) ADD_FAILURE() << s.error().message;
  return s ? std::move(*s) : nullptr;
}

TEST(ServerTest, ServesTheTextFormatByDefault) {
  auto s = start({.collectors = {one_gauge(2.5)}});
  ASSERT_TRUE(s);
  const reply r = get(s->port(), "/metrics");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.body,
            "# HELP test_gauge A gauge.\n# TYPE test_gauge gauge\ntest_gauge{k=\"a\\\"b\"} 2.5\n");
  EXPECT_EQ(s->scrapes(), 1u);
}

TEST(ServerTest, NegotiatesOpenMetricsAndGzipAsPrometheusAsks) {
  auto s = start({.collectors = {one_gauge(1)}});
  ASSERT_TRUE(s);
  const reply r = get(s->port(), "/metrics",
                      {{http::field::accept,
                        "application/openmetrics-text;version=1.0.0,application/"
                        "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/"
                        "*;q=0.1"},
                       {http::field::accept_encoding, "gzip"}});
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_EQ(r.content_encoding, "gzip");
  EXPECT_EQ(gunzip(r.body),
            "# HELP test_gauge A gauge.\n# TYPE test_gauge gauge\ntest_gauge{k=\"a\\\"b\"} 1\n"
            "# EOF\n");
}

TEST(ServerTest, HealthReadyAndErrors) {
  std::atomic<bool> ready{false};
  auto s = start({.ready = [&] {
    return readiness{ready.load(), ready ? R"({"ready":true})" : R"({"ready":false})"};
  }});
  ASSERT_TRUE(s);
  const reply health = get(s->port(), "/health");
  EXPECT_EQ(health.status, 200u);
  EXPECT_EQ(health.content_type, "application/json");
  EXPECT_NE(health.body.find("\"status\":\"serving\""), std::string::npos);
  EXPECT_EQ(get(s->port(), "/ready").status, 503u);
  ready = true;
  EXPECT_EQ(get(s->port(), "/ready").body, "{\"ready\":true}\n");
  EXPECT_EQ(get(s->port(), "/nope").status, 404u);
  EXPECT_EQ(get(s->port(), "/metrics", {}, http::verb::post).status, 405u);
}

TEST(ServerTest, AKeptAliveConnectionServesManyScrapes) {
  auto s = start({.collectors = {one_gauge(1)}});
  ASSERT_TRUE(s);
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), s->port()));
  for (int i = 0; i < 50; ++i) {
    http::request<http::empty_body> req{http::verb::get, "/metrics", 11};
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    ASSERT_EQ(res.result_int(), 200u);
  }
  EXPECT_EQ(s->scrapes(), 50u);
}

TEST(ServerTest, APortInUseIsOneErrorNamingTheFlag) {
  auto first = start({});
  ASSERT_TRUE(first);
  auto second = server::start({.port = first->port(), .port_flag = "--metrics-port"});
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("in use"), std::string::npos) << second.error().message;
  EXPECT_NE(second.error().message.find("--metrics-port"), std::string::npos);
}

TEST(ServerTest, BadAddressIsAnError) {
  auto s = server::start({.address = "not-an-ip", .port = 0});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("--address"), std::string::npos);
}

TEST(CollectorsTest, TrackerCollectorExportsHistogramsErrorsAndDrops) {
  tracker_options o;
  o.file_sink = false;
  tracker t(o);
  const auto op = t.operation("task_claim");
  t.record(op, 3ms, true);
  t.record(op, 30ms, false);
  t.flush();
  const std::string text = render_scrape({tracker_collector(t)}, false);
  EXPECT_NE(
      text.find(
          "agent_operation_duration_seconds_bucket{operation=\"task_claim\",le=\"0.004\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          "agent_operation_duration_seconds_bucket{operation=\"task_claim\",le=\"+Inf\"} 2\n"),
      std::string::npos);
  EXPECT_NE(text.find("agent_operation_duration_seconds_count{operation=\"task_claim\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("agent_operation_errors_total{operation=\"task_claim\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("perftrack_recorder_dropped_total{reason=\"buffer_full\"} 0\n"),
            std::string::npos);
}

TEST(CollectorsTest, ProcessCollectorHasTheStandardNames) {
  const std::string text = render_scrape({process_collector()}, false);
  for (const char* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ",
                           "process_open_fds ", "process_max_fds ", "process_start_time_seconds ",
                           "process_threads ", "process_cpu_wait_seconds_total "}) {
    EXPECT_NE(text.find(std::string("\n") + name), std::string::npos) << name << "\n" << text;
  }
}

}  // namespace
}  // namespace perftrack::exporter
