// The gateway over real loopback connections, with the C++ client. The Python
// client's tests (tests/gateway) cover bad input from an independent client.

#include "perftrack/gateway/gateway.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "perftrack/gateway/client.hpp"
#include "perftrack/testing/temp_dir.hpp"

namespace perftrack::gateway {
namespace {

using json = nlohmann::json;

class GatewayTest : public ::testing::Test {
protected:
  void SetUp() override {
    tracker_options to;
    to.directory = dir_.path();
    to.file_sink = false;
    tracker_ = std::make_unique<tracker>(to);
    options_.port = 0;
    options_.store_url = "sqlite:" + (dir_.path() / "coord.db").string();
    auto g = gateway::start(options_, *tracker_);
    ASSERT_TRUE(g) << g.error().message;
    gateway_ = std::move(*g);
  }

  std::unique_ptr<client> connect() {
    auto c = client::connect("127.0.0.1", gateway_->port());
    EXPECT_TRUE(c) << c.error().message;
    return c ? std::move(*c) : nullptr;
  }

  static json next(client& c) {
    auto text = c.receive(std::chrono::seconds(5));
    EXPECT_TRUE(text) << text.error().message;
    return text ? json::parse(*text) : json{};
  }

  static json request(client& c, const json& r) {
    EXPECT_TRUE(c.send(r.dump()));
    return next(c);
  }

  std::unique_ptr<client> registered(const std::string& agent) {
    auto c = connect();
    const auto r = request(*c, {{"type", "register"}, {"agent", agent}});
    EXPECT_EQ(r["type"], "registered") << r;
    return c;
  }

  testing::temp_dir dir_;
  std::unique_ptr<tracker> tracker_;
  gateway_options options_;
  std::unique_ptr<gateway> gateway_;
};

TEST_F(GatewayTest, CountsMessageBytesAndSizesPerSendAndRecipient) {
  auto a = registered("a1");
  auto b = registered("a2");
  auto c3 = registered("a3");
  EXPECT_EQ(request(*a, {{"type", "send"}, {"to", "a2"}, {"body", "hello"}})["type"], "accepted");
  EXPECT_EQ(next(*b)["type"], "message");
  const std::string big(5000, 'x');
  EXPECT_EQ(request(*a, {{"type", "send"}, {"to", "*"}, {"body", big}})["type"], "accepted");
  const auto c = gateway_->counters();
  EXPECT_EQ(c.messages_accepted, 3u);          // one, then one per other agent (2)
  EXPECT_EQ(c.message_bytes, 5u + 2 * 5000u);  // per recipient
  EXPECT_EQ(c.send_bytes, 5u + 5000u);         // per send
  EXPECT_EQ(c.message_sizes[0], 1u);           // <= 64 bytes
  EXPECT_EQ(c.message_sizes[4], 1u);           // <= 16 KiB
}

TEST_F(GatewayTest, RegisterSendReceiveAcknowledge) {
  auto a = registered("a1");
  auto b = registered("a2");
  const auto r = request(*a, {{"type", "send"}, {"to", "a2"}, {"body", "hello"}, {"ref", 1}});
  EXPECT_EQ(r["type"], "accepted");
  EXPECT_EQ(r["ref"], 1);
  const auto m = next(*b);
  EXPECT_EQ(m["type"], "message");
  EXPECT_EQ(m["id"], r["id"]);
  EXPECT_EQ(m["from"], "a1");
  EXPECT_EQ(m["body"], "hello");
  const auto acked = request(*b, {{"type", "ack"}, {"id", m["id"]}});
  EXPECT_EQ(acked["type"], "acked");
  EXPECT_EQ(acked["count"], 1);
  const auto c = gateway_->counters();
  EXPECT_EQ(c.messages_accepted, 1u);
  EXPECT_EQ(c.messages_pushed, 1u);
  EXPECT_EQ(c.messages_acked, 1u);
  EXPECT_EQ(c.connections_open, 2u);

  auto st = coord::open_store(options_.store_url);
  ASSERT_TRUE(st);
  EXPECT_TRUE((*st)->unacked("a2")->empty());
}

TEST_F(GatewayTest, BroadcastReachesEveryOtherAgent) {
  auto a = registered("a");
  std::vector<std::unique_ptr<client>> others;
  for (const char* b : {"b0", "b1", "b2", "b3", "b4"}) others.push_back(registered(b));
  const auto r = request(*a, {{"type", "send"}, {"to", "*"}, {"body", "all hands"}});
  EXPECT_EQ(r["recipients"], 5);
  for (auto& o : others) {
    const auto m = next(*o);
    EXPECT_EQ(m["body"], "all hands");
    EXPECT_EQ(request(*o, {{"type", "ack"}, {"ids", {m["id"]}}})["count"], 1);
  }
}

TEST_F(GatewayTest, UnacknowledgedMessagesComeBackOnReconnect) {
  auto a = registered("a");
  { registered("b")->close(); }  // b exists, then goes away
  for (const char* body : {"one", "two"})
    EXPECT_EQ(request(*a, {{"type", "send"}, {"to", "b"}, {"body", body}})["type"], "accepted");

  auto b = connect();
  EXPECT_EQ(request(*b, {{"type", "register"}, {"agent", "b"}})["pending"], 2);
  const auto one = next(*b);
  const auto two = next(*b);
  EXPECT_EQ(one["body"], "one");
  EXPECT_EQ(two["body"], "two");
  EXPECT_EQ(request(*b, {{"type", "ack"}, {"id", one["id"]}})["count"], 1);
  // "receive" offers what is not in flight on this connection: nothing new.
  EXPECT_EQ(request(*b, {{"type", "receive"}})["count"], 0);
  b->close();

  // "two" was never acknowledged: it is delivered again, "one" is not.
  auto again = connect();
  EXPECT_EQ(request(*again, {{"type", "register"}, {"agent", "b"}})["pending"], 1);
  EXPECT_EQ(next(*again)["body"], "two");
}

TEST_F(GatewayTest, RefusalsAreErrorFramesAndTheConnectionStaysUsable) {
  auto a = connect();
  auto e = request(*a, {{"type", "send"}, {"to", "b"}, {"body", "x"}});
  EXPECT_EQ(e["code"], "not_registered");
  EXPECT_EQ(request(*a, {{"type", "register"}, {"agent", "a"}})["type"], "registered");
  e = request(*a, {{"type", "send"}, {"to", "nobody"}, {"body", "x"}, {"ref", "s1"}});
  EXPECT_EQ(e["code"], "refused");
  EXPECT_EQ(e["ref"], "s1");
  EXPECT_NE(e["message"].get<std::string>().find("nobody"), std::string::npos) << e;
  ASSERT_TRUE(a->send("{oops"));
  EXPECT_EQ(next(*a)["code"], "malformed_json");
  // Acknowledging what was never delivered here acknowledges nothing.
  EXPECT_EQ(request(*a, {{"type", "ack"}, {"id", 12345}})["count"], 0);
  EXPECT_EQ(request(*a, {{"type", "ping"}, {"ref", 3}})["type"], "pong");
  EXPECT_EQ(gateway_->counters().bad_requests, 2u);
}

TEST_F(GatewayTest, APortInUseIsOneClearError) {
  gateway_options o = options_;
  o.port = gateway_->port();
  auto second = gateway::start(o, *tracker_);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("is in use"), std::string::npos) << second.error().message;
  o.address = "not-an-address";
  o.port = 0;
  auto bad = gateway::start(o, *tracker_);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("not an IP address"), std::string::npos);
}

TEST_F(GatewayTest, StopClosesEveryConnection) {
  auto a = registered("a");
  gateway_->stop();
  auto r = a->receive(std::chrono::seconds(5));
  EXPECT_FALSE(r);
  EXPECT_FALSE(client::connect("127.0.0.1", gateway_->port(), std::chrono::seconds(1)));
}

}  // namespace
}  // namespace perftrack::gateway
