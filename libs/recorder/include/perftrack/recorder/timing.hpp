#pragma once

#include <algorithm>
#include <array>
#include <exception>
#include <future>
#include <string_view>
#include <type_traits>
#include <utility>

#include "perftrack/recorder/tracker.hpp"

namespace perftrack {

/// Records the lifetime of this object as one operation when it is destroyed.
/// A null tracker makes the timer a no-op, so call sites need no `if`.
/// Never allocates, never throws.
///
///   { perftrack::scoped_timer t(tr, op); if (!claim()) t.fail("already claimed"); }
class scoped_timer {
public:
  scoped_timer(tracker* target, operation_id op, record_details details = {}) noexcept
      : target_(target), op_(op), details_(details), start_(tracker::clock::now()) {}
  scoped_timer(tracker& target, operation_id op, record_details details = {}) noexcept
      : scoped_timer(&target, op, details) {}
  ~scoped_timer() { stop(); }
  scoped_timer(const scoped_timer&) = delete;
  scoped_timer& operator=(const scoped_timer&) = delete;

  /// Marks the operation failed; `reason` is copied (up to 255 bytes).
  void fail(std::string_view reason) noexcept {
    failed_ = true;
    reason_size_ = std::min(reason.size(), reason_.size());
    std::copy_n(reason.data(), reason_size_, reason_.data());
  }
  bool failed() const noexcept { return failed_; }

  /// Records now instead of at destruction; later calls do nothing.
  void stop() noexcept {
    if (target_ == nullptr) return;
    const auto end = tracker::clock::now();
    record_details d = details_;
    if (failed_) d.error = std::string_view(reason_.data(), reason_size_);
    target_->record_at(op_, end - start_, !failed_, d, end);
    target_ = nullptr;
  }
  /// Forgets the operation: nothing is recorded.
  void cancel() noexcept { target_ = nullptr; }

private:
  tracker* target_;
  operation_id op_;
  record_details details_;
  tracker::clock::time_point start_;
  bool failed_ = false;
  std::size_t reason_size_ = 0;
  std::array<char, 255> reason_;  // only the first reason_size_ chars are set
};

/// Calls `fn()` and records its duration; returns what it returns. If it throws,
/// records a failure with the exception's message and rethrows.
template <class Fn>
decltype(auto) time_call(tracker& target, operation_id op, Fn&& fn, record_details details = {}) {
  scoped_timer timer(target, op, details);
  try {
    return std::forward<Fn>(fn)();
  } catch (const std::exception& e) {
    timer.fail(e.what());
    throw;
  } catch (...) {
    timer.fail("unknown exception");
    throw;
  }
}

/// Times asynchronous work that returns a std::future: the duration runs from this
/// call until the inner future is ready. Returns a future of the same value; a
/// thread of std::async waits for the inner one, so the end is taken when the work
/// finishes, not when the caller gets around to reading it. An exception stored in
/// the inner future is recorded as a failure and passed on.
template <class Fn>
auto time_future(tracker& target, operation_id op, Fn&& fn, record_details details = {})
    -> std::future<decltype(std::forward<Fn>(fn)().get())> {
  const auto start = tracker::clock::now();
  auto inner = std::forward<Fn>(fn)();
  return std::async(std::launch::async,
                    [&target, op, details, start, inner = std::move(inner)]() mutable {
                      inner.wait();
                      const auto end = tracker::clock::now();
                      try {
                        if constexpr (std::is_void_v<decltype(inner.get())>) {
                          inner.get();
                          target.record_at(op, end - start, true, details, end);
                        } else {
                          auto value = inner.get();
                          target.record_at(op, end - start, true, details, end);
                          return value;
                        }
                      } catch (const std::exception& e) {
                        record_details failed = details;
                        failed.error = e.what();
                        target.record_at(op, end - start, false, failed, end);
                        throw;
                      }
                    });
}

/// The completion handle given to callback-style work by time_callback. Call it
/// once: complete() or fail(reason). Further calls do nothing. Copyable; copies
/// share nothing, so call only one of them.
class completion {
public:
  completion(tracker& target, operation_id op, record_details details) noexcept
      : target_(&target), op_(op), details_(details), start_(tracker::clock::now()) {}
  void complete() noexcept { finish(true, {}); }
  void fail(std::string_view reason) noexcept { finish(false, reason); }
  void operator()(bool success, std::string_view error = {}) noexcept { finish(success, error); }

private:
  void finish(bool success, std::string_view error) noexcept {
    if (target_ == nullptr) return;
    const auto end = tracker::clock::now();
    record_details d = details_;
    if (!success) d.error = error;
    target_->record_at(op_, end - start_, success, d, end);
    target_ = nullptr;
  }
  tracker* target_;
  operation_id op_;
  record_details details_;
  tracker::clock::time_point start_;
};

/// Starts callback-style work: `start(done)` gets a completion to call when the work
/// ends, on any thread. details' views must stay valid until then.
template <class Start>
void time_callback(tracker& target, operation_id op, Start&& start, record_details details = {}) {
  std::forward<Start>(start)(completion(target, op, details));
}

/// The four operation families of a multi-agent system.
enum class family { agent, task, message, leader };

constexpr std::string_view family_prefix(family f) noexcept {
  switch (f) {
    case family::agent: return "agent_";
    case family::task: return "task_";
    case family::message: return "message_";
    case family::leader: return "leader_";
  }
  return "";
}

/// Registers "<family>_<action>", e.g. operation(tr, family::task, "claim") is
/// "task_claim". Allocates only the first time a name is seen.
operation_id operation(tracker& target, family f, std::string_view action) noexcept;

/// The 20 coordination operations perftrack's runtime records.
namespace ops {
inline constexpr std::string_view agent_register = "agent_register";
inline constexpr std::string_view agent_send = "agent_send";
inline constexpr std::string_view agent_messages = "agent_messages";
inline constexpr std::string_view agent_status = "agent_status";
inline constexpr std::string_view agent_update_status = "agent_update_status";
inline constexpr std::string_view agent_set_handoff = "agent_set_handoff";
inline constexpr std::string_view task_create = "task_create";
inline constexpr std::string_view task_update = "task_update";
inline constexpr std::string_view task_claim = "task_claim";
inline constexpr std::string_view task_list = "task_list";
inline constexpr std::string_view task_next = "task_next";
inline constexpr std::string_view task_schedule = "task_schedule";
inline constexpr std::string_view task_spawn = "task_spawn";
inline constexpr std::string_view message_send = "message_send";
inline constexpr std::string_view message_read = "message_read";
inline constexpr std::string_view message_deliver = "message_deliver";
inline constexpr std::string_view leader_register = "leader_register";
inline constexpr std::string_view leader_heartbeat = "leader_heartbeat";
inline constexpr std::string_view leader_election = "leader_election";
inline constexpr std::string_view leader_failover = "leader_failover";
}  // namespace ops

}  // namespace perftrack
