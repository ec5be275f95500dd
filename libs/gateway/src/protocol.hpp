#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "perftrack/coord/types.hpp"

/// The gateway's JSON protocol (docs/gateway.md): requests parsed from text
/// frames, replies and pushed messages formatted as text frames. No I/O here.
namespace perftrack::gateway::protocol {

enum class request_type { register_agent, send, receive, ack, ping };

struct request {
  request_type type = request_type::ping;
  std::string ref;  ///< the request's "ref" as JSON text (string or number), echoed; may be empty
  std::string agent, name, capabilities;  ///< register
  std::string to;                         ///< send: an agent id, or "*" for every other agent
  std::string body;                       ///< send
  std::vector<std::int64_t> ids;          ///< ack
};

/// Why a frame is not a request: a code for programs, a message for people.
struct bad_request {
  std::string code;  ///< malformed_json or bad_request
  std::string message;
  std::string ref;
};

std::variant<request, bad_request> parse(std::string_view frame);

// Replies; `ref` is echoed when not empty.
std::string registered(std::string_view ref, std::string_view agent, std::size_t pending);
std::string accepted(std::string_view ref, std::int64_t id);
std::string accepted_broadcast(std::string_view ref, std::size_t recipients);
std::string received(std::string_view ref, std::size_t count);
std::string acked(std::string_view ref, std::int64_t count);
std::string pong(std::string_view ref);
std::string error(std::string_view ref, std::string_view code, std::string_view message);
/// A message pushed to its recipient.
std::string message(const coord::stored_message& m);

}  // namespace perftrack::gateway::protocol
