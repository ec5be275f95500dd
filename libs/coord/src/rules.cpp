#include "rules.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace perftrack::coord::rules {
namespace {

failure too_long(std::string_view what, std::size_t limit) {
  return failure{fmt::format("{} is longer than {} bytes: shorten it", what, limit)};
}

}  // namespace

std::optional<failure> check_agent(std::string_view id, std::string_view name,
                                   std::string_view capabilities) {
  if (id.empty()) return failure{"an agent id must not be empty"};
  if (id.size() > max_text_bytes || name.size() > max_text_bytes ||
      capabilities.size() > max_text_bytes) {
    return too_long("agent id, name or capabilities", max_text_bytes);
  }
  return std::nullopt;
}

std::optional<failure> check_agent_status(std::string_view status) {
  if (status.empty() || status.size() > 64) return failure{"an agent status is 1 to 64 bytes"};
  return std::nullopt;
}

std::optional<failure> check_new_task(const new_task& t) {
  if (t.title.empty()) return failure{"a task needs a title"};
  if (t.title.size() > max_text_bytes) return too_long("the task title", max_text_bytes);
  if (t.payload.size() > max_payload_bytes) return too_long("the task payload", max_payload_bytes);
  if (static_cast<int>(t.priority) < 0 || static_cast<int>(t.priority) > 3) {
    return failure{"invalid priority: use critical, high, medium or low"};
  }
  return std::nullopt;
}

std::optional<failure> check_update(task_status to, std::string_view notes) {
  if (notes.size() > max_text_bytes) return too_long("the notes", max_text_bytes);
  if (to == task_status::claimed || to == task_status::cancelled) {
    return failure{
        fmt::format("a task cannot be moved to {} by an update: use task_claim", name(to))};
  }
  return std::nullopt;
}

std::optional<failure> check_claimer(std::string_view agent) {
  if (agent.empty()) return failure{"claiming needs an agent id"};
  return std::nullopt;
}

std::optional<failure> check_batch(int max) {
  if (max < 1 || max > 1000) return failure{"a batch claims 1 to 1000 tasks"};
  return std::nullopt;
}

std::optional<failure> check_message(std::string_view body) {
  if (body.size() > max_payload_bytes) return too_long("the message", max_payload_bytes);
  return std::nullopt;
}

std::optional<failure> check_candidate(std::string_view id) {
  if (id.empty() || id.size() > max_text_bytes) return failure{"a candidate id is 1 to 4096 bytes"};
  return std::nullopt;
}

failure not_updatable(const task& t, std::string_view agent, task_status to) {
  if (t.status == task_status::done || t.status == task_status::failed ||
      t.status == task_status::cancelled) {
    return failure{
        fmt::format("task {} is {}: it cannot become {}", t.id, name(t.status), name(to))};
  }
  if (t.status == task_status::pending) {
    return failure{fmt::format("task {} is not claimed: claim it before updating it", t.id)};
  }
  if (t.owner != agent) {
    return failure{fmt::format("task {} is claimed by {}, not by {}", t.id, t.owner, agent)};
  }
  return failure{fmt::format("task {} changed while it was updated: try again", t.id)};
}

failure not_claimable(const task& t, std::int64_t now) {
  if (t.not_before_ns > now) {
    return failure{fmt::format("task {} is scheduled: not claimable for {} ms more", t.id,
                               (t.not_before_ns - now) / 1'000'000)};
  }
  if (t.status == task_status::claimed || t.status == task_status::in_progress) {
    return failure{fmt::format("task {} is already claimed by {}", t.id, t.owner)};
  }
  if (t.status == task_status::pending) {
    return failure{fmt::format("task {} changed while it was claimed: try again", t.id)};
  }
  return failure{
      fmt::format("task {} is {}: only pending tasks can be claimed", t.id, name(t.status))};
}

failure unknown_agent(std::string_view id) {
  return failure{fmt::format("unknown agent '{}': register it first", id)};
}
failure unknown_task(std::int64_t id) { return failure{fmt::format("unknown task {}", id)}; }
failure unknown_parent(std::int64_t id) {
  return failure{fmt::format("unknown parent task {}", id)};
}
failure unknown_message(std::int64_t id) { return failure{fmt::format("unknown message {}", id)}; }

failure not_candidate(std::string_view id) {
  return failure{fmt::format("{} is not a registered candidate: call leader_register first", id)};
}

failure lead_held(const leader_state& current, std::int64_t now) {
  return failure{fmt::format("{} leads (epoch {}) for {} ms more", current.holder, current.epoch,
                             (current.lease_until_ns - now) / 1'000'000)};
}

failure lead_lost(std::string_view candidate, std::int64_t epoch, const leader_state& current) {
  return failure{fmt::format("{} no longer leads epoch {}: {} leads epoch {}", candidate, epoch,
                             current.holder, current.epoch)};
}

failure stale_epoch(std::int64_t epoch, const leader_state& current) {
  return failure{
      fmt::format("stale epoch {} (current {}): this node no longer leads", epoch, current.epoch)};
}

failure held_by_instance(std::string_view agent, std::string_view holder, std::int64_t last_seen_ns,
                         std::int64_t now_ns, std::int64_t live_ns) {
  // Clocks of different processes: never "seen in the future".
  const auto seen_ms = std::max<std::int64_t>(0, (now_ns - last_seen_ns) / 1'000'000);
  const auto free_in_ms = std::min(live_ns, last_seen_ns + live_ns - now_ns) / 1'000'000;
  return failure{fmt::format(
      "agent '{}' is registered by another running instance ({}, seen {} ms ago): give this "
      "agent another id, or wait until that instance has been silent for the claim lease "
      "({} ms more)",
      agent, holder, seen_ms, free_in_ms)};
}

failure other_instance(std::string_view agent, std::string_view holder) {
  return failure{fmt::format(
      "agent '{}' belongs to another instance ({}): register it from this program first "
      "(an id acts through the instance that registered it)",
      agent, holder)};
}

}  // namespace perftrack::coord::rules
