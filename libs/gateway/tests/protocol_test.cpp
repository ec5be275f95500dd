#include "protocol.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace perftrack::gateway::protocol {
namespace {

using json = nlohmann::json;

request ok(std::string_view frame) {
  auto r = parse(frame);
  EXPECT_TRUE(std::holds_alternative<request>(r)) << frame;
  return std::holds_alternative<request>(r) ? std::get<request>(r) : request{};
}

bad_request refused(std::string_view frame) {
  auto r = parse(frame);
  EXPECT_TRUE(std::holds_alternative<bad_request>(r)) << frame;
  return std::holds_alternative<bad_request>(r) ? std::get<bad_request>(r) : bad_request{};
}

TEST(ProtocolTest, ParsesEveryRequestType) {
  auto r = ok(R"({"type":"register","agent":"a1","name":"planner","capabilities":"plan"})");
  EXPECT_EQ(r.type, request_type::register_agent);
  EXPECT_EQ(r.agent, "a1");
  EXPECT_EQ(r.name, "planner");
  EXPECT_EQ(r.capabilities, "plan");
  EXPECT_EQ(ok(R"({"type":"register","agent":"a2"})").name, "a2");  // name defaults to the id

  r = ok(R"({"type":"send","to":"*","body":"hi \u00e9","ref":7})");
  EXPECT_EQ(r.type, request_type::send);
  EXPECT_EQ(r.to, "*");
  EXPECT_EQ(r.body, "hi \xc3\xa9");
  EXPECT_EQ(r.ref, "7");

  r = ok(R"({"type":"ack","id":3,"ids":[4,5],"ref":"x"})");
  EXPECT_EQ(r.ids, (std::vector<std::int64_t>{3, 4, 5}));
  EXPECT_EQ(r.ref, R"("x")");
  EXPECT_EQ(ok(R"({"type":"receive"})").type, request_type::receive);
  EXPECT_EQ(ok(R"({"type":"ping"})").type, request_type::ping);
}

TEST(ProtocolTest, BadFramesSayWhatIsWrong) {
  EXPECT_EQ(refused("{not json").code, "malformed_json");
  EXPECT_EQ(refused("").code, "malformed_json");
  EXPECT_EQ(refused("[1,2]").code, "bad_request");
  auto b = refused(R"({"type":"dance","ref":"r1"})");
  EXPECT_EQ(b.code, "bad_request");
  EXPECT_NE(b.message.find("unknown type \"dance\""), std::string::npos);
  EXPECT_EQ(b.ref, R"("r1")");  // echoed so the client knows which request failed
  EXPECT_NE(refused(R"({"type":"send","to":"a"})").message.find("\"body\""), std::string::npos);
  EXPECT_EQ(refused(R"({"type":"send","to":"","body":"x"})").code, "bad_request");
  EXPECT_EQ(refused(R"({"type":"send","to":"a","body":{"k":1}})").code, "bad_request");
  EXPECT_EQ(refused(R"({"type":"register"})").code, "bad_request");
  EXPECT_EQ(refused(R"({"type":"register","agent":5})").code, "bad_request");
  EXPECT_EQ(refused(R"({"type":"ack"})").code, "bad_request");
  EXPECT_EQ(refused(R"({"type":"ack","ids":["1"]})").code, "bad_request");
  EXPECT_EQ(refused(R"({"type":"ping","ref":[1]})").code, "bad_request");
  EXPECT_EQ(refused(R"({"ref":1})").code, "bad_request");
}

TEST(ProtocolTest, RepliesAreValidJsonAndEchoTheRef) {
  const auto check = [](const std::string& text, const char* type) {
    const auto j = json::parse(text);
    EXPECT_EQ(j["type"], type) << text;
    return j;
  };
  EXPECT_EQ(check(registered(R"("r")", "a\"1", 3), "registered")["agent"], "a\"1");
  EXPECT_EQ(check(accepted("12", 42), "accepted")["ref"], 12);
  EXPECT_EQ(check(accepted_broadcast("", 5), "accepted")["recipients"], 5);
  EXPECT_EQ(check(received("", 2), "received")["count"], 2);
  EXPECT_EQ(check(acked("", 1), "acked")["count"], 1);
  EXPECT_FALSE(check(pong(""), "pong").contains("ref"));
  EXPECT_EQ(check(error("", "refused", "no \"x\"\n"), "error")["message"], "no \"x\"\n");

  coord::stored_message m{.id = 9,
                          .sender = "a",
                          .recipient = "b",
                          .body = std::string("line\n\x01 \xff"),
                          .created_ns = 1'700'000'000'123'456'789};
  const auto j = check(message(m), "message");
  EXPECT_EQ(j["id"], 9);
  EXPECT_EQ(j["from"], "a");
  EXPECT_EQ(j["to"], "b");
  EXPECT_EQ(j["sent_at"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(j["body"], "line\n\x01 \xef\xbf\xbd");  // invalid UTF-8 as U+FFFD: still JSON
}

}  // namespace
}  // namespace perftrack::gateway::protocol
