#include "protocol.hpp"

#include <nlohmann/json.hpp>

#include "perftrack/store/json_text.hpp"
#include "perftrack/store/timestamp.hpp"

namespace perftrack::gateway::protocol {
namespace {

using json = nlohmann::json;

constexpr std::size_t max_ids = 1000;

bad_request bad(std::string message, std::string ref) {
  return {"bad_request", std::move(message), std::move(ref)};
}

// Reads an optional string field; false when present with another type.
bool optional_string(const json& j, const char* key, std::string& out) {
  const auto it = j.find(key);
  if (it == j.end()) return true;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

// {"type": ..., "ref": ...,
std::string start(std::string_view type, std::string_view ref) {
  std::string out = R"({"type":")";
  out += type;
  out += '"';
  if (!ref.empty()) {
    out += R"(,"ref":)";
    out += ref;
  }
  return out;
}

// {"type": ..., "ref": ..., "key": number}
std::string with_number(std::string_view type, std::string_view ref, std::string_view key,
                        std::int64_t value) {
  auto out = start(type, ref);
  out += ",\"";
  out += key;
  out += "\":";
  out += std::to_string(value);
  out += '}';
  return out;
}

}  // namespace

std::variant<request, bad_request> parse(std::string_view frame) {
  json j = json::parse(frame, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return bad_request{"malformed_json",
                       "the frame is not valid JSON: send one JSON object per text frame", ""};
  if (!j.is_object())
    return bad(R"(a request is a JSON object with a "type", e.g. {"type":"ping"})", "");

  request r;
  if (const auto it = j.find("ref"); it != j.end()) {
    if (!it->is_string() && !it->is_number_integer())
      return bad(R"("ref" must be a string or an integer)", "");
    r.ref = it->dump();
  }
  const auto type = j.find("type");
  if (type == j.end() || !type->is_string())
    return bad(R"(the request has no "type": use register, send, receive, ack or ping)", r.ref);
  const auto& t = type->get_ref<const std::string&>();

  if (t == "register") {
    r.type = request_type::register_agent;
    const auto agent = j.find("agent");
    if (agent == j.end() || !agent->is_string() || agent->get_ref<const std::string&>().empty())
      return bad(R"(register needs "agent": a non-empty string id)", r.ref);
    r.agent = agent->get<std::string>();
    if (!optional_string(j, "name", r.name) || !optional_string(j, "capabilities", r.capabilities))
      return bad(R"("name" and "capabilities" must be strings)", r.ref);
    if (r.name.empty()) r.name = r.agent;
  } else if (t == "send") {
    r.type = request_type::send;
    const auto to = j.find("to");
    const auto body = j.find("body");
    if (to == j.end() || !to->is_string() || to->get_ref<const std::string&>().empty() ||
        body == j.end() || !body->is_string())
      return bad(R"(send needs "to" (an agent id, or "*" for everyone else) and "body" (a string))",
                 r.ref);
    r.to = to->get<std::string>();
    r.body = body->get<std::string>();
  } else if (t == "receive") {
    r.type = request_type::receive;
  } else if (t == "ack") {
    r.type = request_type::ack;
    if (const auto id = j.find("id"); id != j.end()) {
      if (!id->is_number_integer()) return bad(R"("id" must be an integer message id)", r.ref);
      r.ids.push_back(id->get<std::int64_t>());
    }
    if (const auto ids = j.find("ids"); ids != j.end()) {
      if (!ids->is_array() || ids->size() > max_ids)
        return bad(R"("ids" must be an array of at most 1000 message ids)", r.ref);
      for (const auto& id : *ids) {
        if (!id.is_number_integer()) return bad(R"("ids" must hold integer message ids)", r.ref);
        r.ids.push_back(id.get<std::int64_t>());
      }
    }
    if (r.ids.empty()) return bad(R"(ack needs "id" or "ids": the messages received)", r.ref);
  } else if (t == "ping") {
    r.type = request_type::ping;
  } else {
    return bad("unknown type \"" + t + "\": use register, send, receive, ack or ping", r.ref);
  }
  return r;
}

std::string registered(std::string_view ref, std::string_view agent, std::size_t pending) {
  auto out = start("registered", ref);
  out += R"(,"agent":)";
  store::append_json_string(out, agent);
  out += R"(,"pending":)";
  out += std::to_string(pending);
  out += '}';
  return out;
}

std::string accepted(std::string_view ref, std::int64_t id) {
  return with_number("accepted", ref, "id", id);
}

std::string accepted_broadcast(std::string_view ref, std::size_t recipients) {
  return with_number("accepted", ref, "recipients", static_cast<std::int64_t>(recipients));
}

std::string received(std::string_view ref, std::size_t count) {
  return with_number("received", ref, "count", static_cast<std::int64_t>(count));
}

std::string acked(std::string_view ref, std::int64_t count) {
  return with_number("acked", ref, "count", count);
}

std::string pong(std::string_view ref) { return start("pong", ref) + '}'; }

std::string error(std::string_view ref, std::string_view code, std::string_view message) {
  auto out = start("error", ref);
  out += R"(,"code":)";
  store::append_json_string(out, code);
  out += R"(,"message":)";
  store::append_json_string(out, message);
  out += '}';
  return out;
}

std::string message(const coord::stored_message& m) {
  std::string out = R"({"type":"message","id":)";
  out += std::to_string(m.id);
  out += R"(,"from":)";
  store::append_json_string(out, m.sender);
  out += R"(,"to":)";
  store::append_json_string(out, m.recipient);
  out += R"(,"sent_at":")";
  char ts[store::timestamp_length];
  out.append(ts, store::format_timestamp(m.created_ns, ts));
  out += R"(","body":)";
  store::append_json_string(out, m.body);
  out += '}';
  return out;
}

}  // namespace perftrack::gateway::protocol
