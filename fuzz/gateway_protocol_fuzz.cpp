// The gateway's request parser fed arbitrary frames (fuzz/corpus/gateway): a
// frame is a request or a bad_request with a code and a message, never a
// crash; every reply built from what was parsed is valid JSON.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>
#include <variant>

#include "protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace protocol = perftrack::gateway::protocol;
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  const auto parsed = protocol::parse(frame);
  if (const auto* bad = std::get_if<protocol::bad_request>(&parsed)) {
    if (bad->code.empty() || bad->message.empty()) std::abort();
    return 0;
  }
  const auto& r = std::get<protocol::request>(parsed);
  for (const auto& reply : {protocol::registered(r.ref, r.agent, 3), protocol::accepted(r.ref, 42),
                            protocol::received(r.ref, 1), protocol::acked(r.ref, 2)}) {
    if (!nlohmann::json::accept(reply)) std::abort();
  }
  return 0;
}
