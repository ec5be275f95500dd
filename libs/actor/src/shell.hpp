#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <unordered_map>

#include "perftrack/actor/actor_system.hpp"
#include "perftrack/actor/mpsc_queue.hpp"

namespace perftrack::actor {

enum class envelope_kind : std::uint8_t { user, response, stop };

struct envelope_pool;

/// A message on its way: the queue link, addressing and reply information.
struct envelope : mpsc_node {
  envelope_pool* home = nullptr;  // the pool it returns to when freed
  actor_id target;
  actor_id sender;
  std::uint64_t request_id = 0;  // non-zero: a request (user) or its answer (response)
  envelope_kind kind = envelope_kind::user;
  std::int64_t sent_ns = 0;  // coarse monotonic clock at the send; only with count_mailboxes
  std::promise<message>* reply_promise = nullptr;  // ask() from outside; owned here
  message payload;

  void clear() noexcept {
    delete reply_promise;
    reply_promise = nullptr;
    payload.reset();
    request_id = 0;
    kind = envelope_kind::user;
  }
};

/// Envelopes are recycled through per-thread pools: a message costs no
/// allocation in steady state, even when one thread sends and another frees
/// (freed envelopes travel back to the sender's pool through a lock-free list).
envelope* new_envelope();
void free_envelope(envelope* e) noexcept;
/// Returns the envelopes this thread freed for other threads' pools now (they
/// travel in batches).
void flush_returned_envelopes() noexcept;

enum : std::uint8_t { shell_idle = 0, shell_scheduled = 1 };

/// An actor's slot: mailbox, scheduling state and behaviour. Slots live in
/// chunks that are never freed, so a sender holding a stale slot pointer is
/// harmless: envelopes carry the target generation and stale ones are dropped.
struct alignas(64) actor_shell {
  // First cache line: what senders read or write on every message.
  std::atomic<std::uint32_t> generation{0};  // odd while an actor lives here
  std::atomic<std::uint8_t> state{shell_idle};
  std::uint32_t capacity = 0;            // 0: unbounded
  std::atomic<std::uint32_t> queued{0};  // messages in the mailbox (live actors)
  std::uint32_t index = 0;
  mpsc_queue mailbox;  // head here; its tail starts the second line
  // Second line: what only the worker running the actor touches.
  std::unique_ptr<behavior> behavior_;
  // Callbacks of this actor's pending requests; created on first use.
  std::unique_ptr<std::unordered_map<std::uint64_t, std::function<void(message&)>>> pending;
  // When the oldest message still in the mailbox was sent (coarse monotonic clock, ns;
  // with count_mailboxes): set by the sender that fills an empty mailbox and
  // by the worker after each turn that leaves messages behind.
  std::atomic<std::int64_t> oldest_sent_ns{0};
};
static_assert(sizeof(actor_shell) == 128, "two cache lines per actor slot");

}  // namespace perftrack::actor
