#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/coord/types.hpp"

namespace perftrack::coord {

/// Lease and timing settings shared by every store.
struct store_options {
  std::chrono::nanoseconds claim_lease = std::chrono::seconds(30);
  std::chrono::nanoseconds leader_ttl = std::chrono::seconds(1);
  /// A waiting task gains one priority level per this much waiting (aging), so
  /// low priority never starves.
  std::chrono::nanoseconds aging = std::chrono::seconds(60);
  /// SQLite: how long a writer waits for the file lock before giving up.
  std::chrono::milliseconds busy_timeout{30000};
  /// PostgreSQL: how long to keep reconnecting to an unreachable server (backoff
  /// from 10 ms doubling to 1 s) before a step fails.
  std::chrono::milliseconds reconnect_timeout{5000};
};

/// Durable, shared coordination state. Every call is one atomic step against the
/// store (one transaction); failures are values with a message that says what is
/// wrong, and leave the store unchanged. A store object serialises its own calls;
/// open one per thread for parallelism.
class store {
public:
  virtual ~store() = default;

  // agents
  virtual expected<agent_info> register_agent(std::string_view id, std::string_view name,
                                              std::string_view capabilities,
                                              std::int64_t now_ns) = 0;
  virtual expected<bool> update_agent_status(std::string_view id, std::string_view status,
                                             std::optional<std::int64_t> current_task,
                                             std::int64_t now_ns) = 0;
  virtual expected<bool> set_handoff(std::string_view id, bool handoff) = 0;
  virtual expected<std::vector<agent_info>> agents() = 0;

  // tasks
  virtual expected<std::int64_t> create_task(const new_task& t, std::int64_t now_ns) = 0;
  /// Moves a task the agent owns to `status` (in_progress, done, failed) or back to
  /// pending; rejects invalid transitions.
  virtual expected<task> update_task(std::int64_t id, std::string_view agent, task_status status,
                                     std::string_view notes, std::int64_t now_ns) = 0;
  /// Atomic: exactly one agent wins a pending (or lease-expired) task.
  virtual expected<task> claim_task(std::int64_t id, std::string_view agent,
                                    std::int64_t now_ns) = 0;
  /// Claims the pending task of highest effective priority (aging applied), if any.
  virtual expected<std::optional<task>> claim_next(std::string_view agent, std::int64_t now_ns) = 0;
  /// Claims up to `max` (1-1000) of the best tasks in one transaction, best first:
  /// for an agent that works through several tasks, one commit instead of many.
  virtual expected<std::vector<task>> claim_next_batch(std::string_view agent, int max,
                                                       std::int64_t now_ns) = 0;
  virtual expected<std::vector<task>> list_tasks(std::optional<task_status> status) = 0;
  virtual expected<task> get_task(std::int64_t id) = 0;
  /// Extends the leases of every task `agent` holds and marks it seen.
  virtual expected<std::int64_t> heartbeat(std::string_view agent, std::int64_t now_ns) = 0;
  /// Returns expired claims of agents with handoff to pending; how many.
  virtual expected<std::int64_t> release_expired(std::int64_t now_ns) = 0;

  // messages
  virtual expected<std::int64_t> send_message(std::string_view from, std::string_view to,
                                              std::string_view body, std::int64_t now_ns) = 0;
  /// Sends to every registered agent but the sender; returns the messages
  /// made, one per recipient (in no particular order).
  virtual expected<std::vector<addressed_message>> broadcast(std::string_view from,
                                                             std::string_view body,
                                                             std::int64_t now_ns) = 0;
  virtual expected<std::vector<stored_message>> read_messages(std::string_view agent,
                                                              bool unread_only, bool mark_read) = 0;
  /// Unacknowledged messages of `agent` (for at-least-once delivery).
  virtual expected<std::vector<stored_message>> unacked(std::string_view agent) = 0;
  virtual expected<bool> ack_message(std::int64_t id) = 0;
  /// Acknowledges several messages in one step (unknown ids are skipped);
  /// returns how many were acknowledged now.
  virtual expected<std::int64_t> ack_messages(const std::vector<std::int64_t>& ids) = 0;

  // leader
  virtual expected<bool> register_candidate(std::string_view id, std::int64_t now_ns) = 0;
  /// Takes the lease if it is free or expired: epoch + 1. Fails while held.
  virtual expected<leader_state> try_lead(std::string_view candidate, std::int64_t now_ns) = 0;
  /// Renews the lease; fails if `candidate` no longer holds `epoch` (fencing).
  virtual expected<leader_state> renew_lead(std::string_view candidate, std::int64_t epoch,
                                            std::int64_t now_ns) = 0;
  virtual expected<leader_state> leader() = 0;
  /// A leader write is accepted only with the current epoch (the fencing token).
  virtual expected<bool> check_epoch(std::int64_t epoch) = 0;
};

/// This running program's identity in stores: "host/pid/random", made once per
/// process (anew after fork). An agent id belongs to the instance that
/// registered it: another instance's register_agent is refused while the
/// holder is live (seen within the claim lease), and its claims, updates,
/// heartbeats, message reads and leadership are refused always: the instance,
/// not the name, is the fencing unit (docs/coordination.md).
std::string_view this_instance();

/// Opens a store by URL: "sqlite:PATH" (SQLite, WAL; the file is created) or a
/// libpq URL "postgresql://[user[:password]@]host[:port]/dbname[?param=value...]"
/// (tables are created on first use).
expected<std::unique_ptr<store>> open_store(std::string_view url,
                                            const store_options& options = {});

}  // namespace perftrack::coord
