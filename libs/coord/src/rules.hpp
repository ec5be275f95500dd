#pragma once

// What every store checks and how it explains a refusal, shared so that SQLite
// and PostgreSQL reject the same input with the same words.

#include <cstdint>
#include <optional>
#include <string_view>

#include "perftrack/base/expected.hpp"
#include "perftrack/coord/types.hpp"

namespace perftrack::coord::rules {

// Input checks: a failure for bad input, nothing when it may go to the store.
std::optional<failure> check_agent(std::string_view id, std::string_view name,
                                   std::string_view capabilities);
std::optional<failure> check_agent_status(std::string_view status);
std::optional<failure> check_new_task(const new_task& t);
std::optional<failure> check_update(task_status to, std::string_view notes);
std::optional<failure> check_claimer(std::string_view agent);
std::optional<failure> check_batch(int max);
std::optional<failure> check_message(std::string_view body);
std::optional<failure> check_candidate(std::string_view id);

// Explanations of a refused step, from the task or lease as it is now.
failure not_updatable(const task& t, std::string_view agent, task_status to);
failure not_claimable(const task& t, std::int64_t now);
failure unknown_agent(std::string_view id);
failure unknown_task(std::int64_t id);
failure unknown_parent(std::int64_t id);
failure unknown_message(std::int64_t id);
failure not_candidate(std::string_view id);
failure lead_held(const leader_state& current, std::int64_t now);
failure lead_lost(std::string_view candidate, std::int64_t epoch, const leader_state& current);
failure stale_epoch(std::int64_t epoch, const leader_state& current);
/// `agent` belongs to another running instance (`holder`, "host/pid/random").
failure held_by_instance(std::string_view agent, std::string_view holder, std::int64_t last_seen_ns,
                         std::int64_t now_ns, std::int64_t live_ns);
failure other_instance(std::string_view agent, std::string_view holder);

/// The instance ("host/pid/random") ran on this host and its process is gone:
/// its agents may be taken over at once rather than after the claim lease. A
/// reused pid reads as alive, which only delays a takeover.
bool instance_gone(std::string_view instance);

/// An agent row's instance `holder` allows `me` to act as the agent: the same
/// instance, or none recorded (a store written before instances existed).
inline bool may_act(std::string_view holder, std::string_view me) {
  return holder.empty() || holder == me;
}

/// Ordering key of the aging rule: effective priority is priority - waited/aging
/// levels, so ordering by priority * aging + created gives the same order at any
/// moment, and is indexable.
constexpr std::int64_t rank(priority p, std::int64_t created_ns, std::int64_t aging_ns) {
  return static_cast<std::int64_t>(p) * aging_ns + created_ns;
}

}  // namespace perftrack::coord::rules
