#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "perftrack/coord/store.hpp"
#include "perftrack/recorder/tracker.hpp"

namespace perftrack::coord {

/// The clock of the service, in ns since the epoch; injectable for tests.
using clock_fn = std::function<std::int64_t()>;
std::int64_t system_now_ns();

/// The 20 coordination operations, each recorded by the tracker under exactly
/// its name (agent_register, ..., leader_failover) with success or failure and
/// the error text. Wraps one store; as thread-safe as the store.
class coordination_service {
public:
  coordination_service(std::unique_ptr<store> s, tracker& t, clock_fn now = system_now_ns);

  // agents
  expected<agent_info> agent_register(std::string_view id, std::string_view name,
                                      std::string_view capabilities);
  /// To one agent, or to every other agent when `to` is empty.
  expected<std::int64_t> agent_send(std::string_view from, std::string_view to,
                                    std::string_view body);
  /// agent_send to every other agent, returning each recipient's message id
  /// (for a gateway that pushes them to connected agents).
  expected<std::vector<addressed_message>> agent_broadcast(std::string_view from,
                                                           std::string_view body);
  expected<std::vector<stored_message>> agent_messages(std::string_view agent, bool unread_only,
                                                       bool mark_read);
  expected<std::vector<agent_info>> agent_status();
  /// Also renews the leases of the agent's claims (its heartbeat).
  expected<bool> agent_update_status(std::string_view id, std::string_view status,
                                     std::optional<std::int64_t> current_task);
  expected<bool> agent_set_handoff(std::string_view id, bool handoff);

  // tasks
  expected<std::int64_t> task_create(const new_task& t);
  expected<task> task_update(std::int64_t id, std::string_view agent, task_status status,
                             std::string_view notes = {});
  expected<task> task_claim(std::int64_t id, std::string_view agent);
  expected<std::vector<task>> task_list(std::optional<task_status> status);
  /// Claims the task of highest effective priority; nullopt when none is ready.
  expected<std::optional<task>> task_next(std::string_view agent);
  /// Creates a task that is not claimable before `at_ns`.
  expected<std::int64_t> task_schedule(const new_task& t, std::int64_t at_ns);
  /// Creates a subtask of `parent` for a subagent.
  expected<std::int64_t> task_spawn(std::int64_t parent, const new_task& t);

  // messages
  expected<std::int64_t> message_send(std::string_view from, std::string_view to,
                                      std::string_view body);
  expected<std::vector<stored_message>> message_read(std::string_view agent);
  /// Pushes `agent`'s unacknowledged messages to `deliver`; those it accepts
  /// (returns true) are acknowledged, the rest are offered again next time
  /// (at-least-once). Returns how many were acknowledged.
  expected<std::int64_t> message_deliver(std::string_view agent,
                                         const std::function<bool(const stored_message&)>& deliver);
  /// Delivery in two halves, for agents that acknowledge later (over a network):
  /// the messages `agent` has not acknowledged (recorded as message_read), and
  /// the acknowledgement of those it received (recorded as message_deliver).
  expected<std::vector<stored_message>> message_unacked(std::string_view agent);
  expected<std::int64_t> message_acknowledge(const std::vector<std::int64_t>& ids);

  // leader
  expected<bool> leader_register(std::string_view candidate);
  expected<leader_state> leader_heartbeat(std::string_view candidate, std::int64_t epoch);
  /// Takes the lease when free or expired; recorded as leader_failover when it
  /// takes over from another holder, as leader_election otherwise.
  expected<leader_state> leader_elect(std::string_view candidate);

  store& backing_store() noexcept { return *store_; }

private:
  template <class F>
  auto timed(operation_id op, F&& f) -> decltype(f());

  std::unique_ptr<store> store_;
  tracker& tracker_;
  clock_fn now_;
  operation_id ops_[20];
};

/// Re-election backoff: 1 s, 2 s, 4 s, ... capped at 60 s, so candidates that
/// lost an election do not stampede the store.
class election_backoff {
public:
  std::chrono::seconds next() noexcept {
    const auto d = current_;
    current_ = std::min(current_ * 2, std::chrono::seconds(60));
    return d;
  }
  void reset() noexcept { current_ = std::chrono::seconds(1); }

private:
  std::chrono::seconds current_{1};
};

}  // namespace perftrack::coord
