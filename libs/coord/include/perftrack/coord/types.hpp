#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Values of the coordination service: agents, tasks, messages, the leader lease.
/// Times are nanoseconds since the Unix epoch.
namespace perftrack::coord {

enum class priority { critical, high, medium, low };
enum class task_status { pending, claimed, in_progress, done, failed, cancelled };

std::string_view name(priority p) noexcept;
std::string_view name(task_status s) noexcept;
std::optional<priority> parse_priority(std::string_view text) noexcept;
std::optional<task_status> parse_task_status(std::string_view text) noexcept;

struct agent_info {
  std::string id;
  std::string name;
  std::string capabilities;  ///< free text, e.g. "planner,coder"
  std::string status;        ///< e.g. idle, working, offline
  std::optional<std::int64_t> current_task;
  std::int64_t last_seen_ns = 0;
  bool handoff = true;  ///< its claimed tasks return to the pool when it leaves or expires
};

struct task {
  std::int64_t id = 0;
  std::string title;
  coord::priority priority = priority::medium;
  std::string payload;
  std::optional<std::int64_t> parent;
  task_status status = task_status::pending;
  std::string owner;  ///< claiming agent, empty when unclaimed
  std::int64_t lease_until_ns = 0;
  std::int64_t not_before_ns = 0;
  std::int64_t created_ns = 0;
  std::string notes;
  std::int64_t completions = 0;  ///< times it reached done (exactly-once checks)
};

struct new_task {
  std::string title;
  coord::priority priority = priority::medium;
  std::string payload;
  std::optional<std::int64_t> parent;
  std::int64_t not_before_ns = 0;
};

struct stored_message {
  std::int64_t id = 0;
  std::string sender;
  std::string recipient;
  std::string body;
  std::int64_t created_ns = 0;
  bool read = false;
  bool acked = false;
};

/// A message's id and its recipient (what a broadcast made).
struct addressed_message {
  std::int64_t id = 0;
  std::string recipient;
};

struct leader_state {
  std::string holder;  ///< empty: nobody ever led
  std::int64_t epoch = 0;
  std::int64_t lease_until_ns = 0;
};

/// Limits that make bad input an error instead of a stored surprise.
inline constexpr std::size_t max_payload_bytes = 64 * 1024;
inline constexpr std::size_t max_text_bytes = 4096;

}  // namespace perftrack::coord
