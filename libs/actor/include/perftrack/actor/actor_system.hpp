#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "perftrack/actor/message.hpp"

/// The in-process actor core of perftrack's reference agent runtime: agents are
/// actors with state and a handler, scheduled on a work-stealing thread pool,
/// addressed by id in O(1), talking by moved messages.
namespace perftrack::actor {

/// An actor's address: a slot index and the generation of the actor in it, so a
/// stale id never reaches the slot's next occupant. 0 is no actor.
class actor_id {
public:
  constexpr actor_id() = default;
  constexpr explicit actor_id(std::uint64_t value) : value_(value) {}
  constexpr std::uint64_t value() const noexcept { return value_; }
  constexpr std::uint32_t index() const noexcept { return static_cast<std::uint32_t>(value_); }
  constexpr std::uint32_t generation() const noexcept {
    return static_cast<std::uint32_t>(value_ >> 32);
  }
  constexpr bool valid() const noexcept { return value_ != 0; }
  friend constexpr bool operator==(actor_id, actor_id) = default;

private:
  std::uint64_t value_ = 0;
};

struct system_options {
  /// Worker threads; 0 means one per physical core (/sys/devices/system/cpu).
  unsigned workers = 0;
  /// Pin worker i to CPU i (modulo the CPU count).
  bool pin_workers = false;
  /// Messages an actor handles before its worker moves on to other actors.
  unsigned throughput = 64;
  /// Count what waits in unbounded mailboxes too, and time when each message
  /// was sent, for mailboxes() (bounded ones are always counted). Off by
  /// default: one more atomic add and a clock read per send on the sender's
  /// side cost up to 15% on cross-thread ping-pong (docs/performance.md).
  /// Exporters turn it on.
  bool count_mailboxes = false;
};

struct spawn_options {
  /// 0: unbounded mailbox. Otherwise try_send refuses, and send waits, while this
  /// many messages are queued (backpressure).
  std::uint32_t mailbox_capacity = 0;
};

enum class send_result {
  sent,
  no_such_actor,  ///< never existed, or stopped: a dead letter, dropped
  mailbox_full,   ///< try_send on a bounded mailbox at capacity
};

class actor_system;
struct envelope;
struct actor_shell;

/// What a handler sees of the message it is handling and of its actor.
/// Valid only during the call.
class context {
public:
  actor_id self() const noexcept { return self_; }
  /// The sending actor, or an invalid id for messages from outside the system.
  actor_id sender() const noexcept;
  actor_system& system() noexcept { return system_; }

  /// Answers the request being handled (from request() or ask()); a second reply,
  /// or a reply to a plain send, is ignored and returns false.
  bool reply(message m);
  /// Sends as this actor.
  send_result send(actor_id to, message m);
  /// Asks `to`; `on_reply(message&)` runs later in this actor, in order with its
  /// other messages. Returns false if `to` does not exist.
  bool request(actor_id to, message m, std::function<void(message&)> on_reply);
  /// Stops this actor once the current message is handled.
  void stop() noexcept { stop_requested_ = true; }

private:
  friend class actor_system;
  context(actor_system& s, actor_shell& shell, actor_id self, envelope& e)
      : system_(s), shell_(shell), self_(self), envelope_(e) {}
  actor_system& system_;
  actor_shell& shell_;
  actor_id self_;
  envelope& envelope_;
  bool stop_requested_ = false;
};

/// An actor's behaviour: its state and what it does with a message.
class behavior {
public:
  virtual ~behavior() = default;
  virtual void handle(context& ctx, message& m) = 0;
};

template <class State, class Handler>
class state_behavior final : public behavior {
public:
  state_behavior(State state, Handler handler)
      : state_(std::move(state)), handler_(std::move(handler)) {}
  void handle(context& ctx, message& m) override { handler_(state_, ctx, m); }

private:
  State state_;
  Handler handler_;
};

class scheduler;

/// Owns the actors and the worker threads. Thread-safe: any thread may spawn,
/// send, request, publish and stop. Destroying the system stops the workers and
/// drops undelivered messages; call await_idle() first to let work finish.
class actor_system {
public:
  explicit actor_system(system_options options = {});
  ~actor_system();
  actor_system(const actor_system&) = delete;
  actor_system& operator=(const actor_system&) = delete;

  /// Spawns an actor whose `handler(State&, context&, message&)` handles every
  /// message it receives, one at a time. O(1); reuses the slots of stopped actors.
  template <class State, class Handler>
  actor_id spawn(State state, Handler handler, spawn_options options = {}) {
    return spawn_behavior(
        std::make_unique<state_behavior<State, Handler>>(std::move(state), std::move(handler)),
        options);
  }
  actor_id spawn_behavior(std::unique_ptr<behavior> b, spawn_options options = {});

  /// Moves `m` into `to`'s mailbox. On a bounded mailbox, waits while it is full.
  send_result send(actor_id to, message m, actor_id from = {});
  /// Like send, but refuses instead of waiting when a bounded mailbox is full.
  send_result try_send(actor_id to, message m, actor_id from = {});
  /// Sends every message of `batch` (moved out) and schedules `to` once.
  /// Returns how many were queued (all, or none for an unknown actor).
  std::size_t send_batch(actor_id to, std::span<message> batch, actor_id from = {});
  /// Asks from outside the actors: the future holds the reply; it holds a
  /// std::future_error (broken_promise) if the actor never replies or is stopped.
  std::future<message> ask(actor_id to, message m);

  /// Topic subscriptions; publish copies `value` to each subscriber (moved into
  /// the last one). Lookup is O(1) by topic.
  void subscribe(actor_id who, std::string_view topic);
  void unsubscribe(actor_id who, std::string_view topic);
  template <class T>
  std::size_t publish(std::string_view topic, const T& value) {
    return publish_with(topic, [&value] { return message(T(value)); });
  }

  /// Stops `who` after the messages already in its mailbox.
  void stop(actor_id who);
  /// Blocks until every mailbox is empty and every worker waits for work.
  void await_idle();

  unsigned worker_count() const noexcept;
  /// Actors spawned and not yet stopped.
  std::size_t live_actors() const noexcept;
  /// Messages dropped because their target did not exist (any more).
  std::uint64_t dead_letters() const noexcept;

  /// Messages waiting in the mailboxes of live actors: their sum, the deepest
  /// mailbox (unbounded ones only with system_options::count_mailboxes) and,
  /// with count_mailboxes, how long the oldest of them has waited (the message
  /// being handled counts until its turn ends). Any thread; a snapshot, a
  /// message off here and there while sends run. One pass over the actor slots.
  struct mailbox_stats {
    std::uint64_t messages = 0;
    std::uint32_t deepest = 0;
    std::chrono::nanoseconds oldest_wait{0};
  };
  mailbox_stats mailboxes() const noexcept;

private:
  friend class context;
  friend class scheduler;
  struct registry;
  struct topics;

  send_result deliver(actor_id to, message&& m, actor_id from, bool wait_when_full,
                      envelope* prepared);
  std::size_t publish_with(std::string_view topic, const std::function<message()>& make);
  /// Runs up to `throughput` messages of `shell`; called by workers.
  void run(actor_shell& shell);
  /// After a turn: records when the oldest message left in `shell` was sent.
  void note_oldest(actor_shell& shell) noexcept;
  void schedule(actor_shell& shell);
  actor_shell* find(actor_id id) const noexcept;

  system_options options_;
  std::unique_ptr<registry> registry_;
  std::unique_ptr<topics> topics_;
  std::unique_ptr<scheduler> scheduler_;
};

}  // namespace perftrack::actor
