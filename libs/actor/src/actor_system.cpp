#include "perftrack/actor/actor_system.hpp"

#include <time.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "perftrack/base/machine.hpp"
#include "perftrack/base/string_map.hpp"
#include "scheduler.hpp"
#include "shell.hpp"

namespace perftrack::actor {

// ---- envelopes ---------------------------------------------------------------

// Each thread owns a pool: a private free list, and a lock-free list where other
// threads return envelopes that came from it (push with a CAS; the owner takes
// the whole list with one exchange, so there is no ABA). Pools outlive their
// threads, since envelopes may still be on their way home: a pool whose thread
// exited is parked and adopted by the next new thread.
struct envelope_pool {
  static constexpr std::size_t max_cached = 1 << 16;
  envelope* local = nullptr;
  std::size_t cached = 0;
  std::atomic<envelope*> returned{nullptr};
};

namespace {

envelope* next_of(envelope* e) {
  return static_cast<envelope*>(e->next.load(std::memory_order_relaxed));
}

void delete_list(envelope* e) {
  while (e != nullptr) {
    envelope* next = next_of(e);
    delete e;
    e = next;
  }
}

// Every pool ever made; all are freed at exit, after the threads' own
// thread_local holders have parked theirs. Later frees fall back to delete.
struct pool_registry {
  std::mutex mutex;
  std::vector<envelope_pool*> all;
  std::vector<envelope_pool*> parked;
  ~pool_registry() {
    std::lock_guard lock(mutex);
    for (envelope_pool* p : all) {
      delete_list(p->local);
      delete_list(p->returned.load());
      delete p;
    }
    all.clear();
    parked.clear();
    gone.store(true);
  }
  static inline std::atomic<bool> gone{false};
};

pool_registry& registry_of_pools() {
  static pool_registry r;
  return r;
}

// Pushes the chain first..last (linked through next) onto home's returned list.
void return_chain(envelope_pool& home, envelope* first, envelope* last) noexcept {
  envelope* head = home.returned.load(std::memory_order_relaxed);
  do {
    last->next.store(head, std::memory_order_relaxed);
  } while (!home.returned.compare_exchange_weak(head, first, std::memory_order_release,
                                                std::memory_order_relaxed));
}

// Envelopes freed on this thread that belong to another thread's pool, gathered
// so that a consumer returns them to a producer in batches: one atomic exchange
// per batch instead of one per message on the cache line both cores touch.
struct return_batch {
  static constexpr std::size_t size = 64;
  envelope_pool* home = nullptr;
  envelope* first = nullptr;
  envelope* last = nullptr;
  std::size_t count = 0;

  void flush() noexcept {
    if (count == 0) return;
    return_chain(*home, first, last);
    first = last = nullptr;
    count = 0;
  }
  void add(envelope_pool& to, envelope* e) noexcept {
    if (home != &to) {
      flush();
      home = &to;
    }
    e->next.store(first, std::memory_order_relaxed);
    first = e;
    if (last == nullptr) last = e;
    if (++count == size) flush();
  }
};

struct pool_holder {
  envelope_pool* pool = nullptr;
  return_batch outgoing;
  envelope_pool* get() noexcept {
    if (pool == nullptr) {
      if (pool_registry::gone.load()) return nullptr;
      pool_registry& r = registry_of_pools();
      std::lock_guard lock(r.mutex);
      if (!r.parked.empty()) {
        pool = r.parked.back();
        r.parked.pop_back();
      } else {
        try {
          auto fresh = std::make_unique<envelope_pool>();
          r.all.push_back(fresh.get());
          pool = fresh.release();
        } catch (...) {
          return nullptr;  // out of memory: plain new/delete for this thread
        }
      }
    }
    return pool;
  }
  ~pool_holder() {
    if (pool_registry::gone.load()) return;
    outgoing.flush();
    if (pool == nullptr) return;
    pool_registry& r = registry_of_pools();
    std::lock_guard lock(r.mutex);
    r.parked.push_back(pool);
  }
};
thread_local pool_holder t_pool;

}  // namespace

envelope* new_envelope() {
  envelope_pool* mine = t_pool.get();
  if (mine == nullptr) return new envelope();  // during exit
  envelope_pool& pool = *mine;
  if (pool.local == nullptr) {
    // Take back everything other threads returned.
    envelope* list = pool.returned.exchange(nullptr, std::memory_order_acquire);
    while (list != nullptr) {
      envelope* next = next_of(list);
      if (pool.cached < envelope_pool::max_cached) {
        list->next.store(pool.local, std::memory_order_relaxed);
        pool.local = list;
        ++pool.cached;
      } else {
        delete list;
      }
      list = next;
    }
  }
  if (envelope* e = pool.local) {
    pool.local = next_of(e);
    --pool.cached;
    return e;
  }
  auto* e = new envelope();
  e->home = &pool;
  return e;
}

void free_envelope(envelope* e) noexcept {
  e->clear();
  envelope_pool* mine_ptr = t_pool.get();
  envelope_pool* home = e->home;
  if (mine_ptr == nullptr || home == nullptr || pool_registry::gone.load()) {
    delete e;  // during exit, or an envelope made during exit
    return;
  }
  envelope_pool& mine = *mine_ptr;
  if (home == &mine) {
    if (mine.cached >= envelope_pool::max_cached) {
      delete e;
      return;
    }
    e->next.store(mine.local, std::memory_order_relaxed);
    mine.local = e;
    ++mine.cached;
    return;
  }
  t_pool.outgoing.add(*home, e);
}

void flush_returned_envelopes() noexcept {
  if (!pool_registry::gone.load()) t_pool.outgoing.flush();
}

// ---- the registry: O(1) slots by index ------------------------------------------

struct actor_system::registry {
  static constexpr std::uint32_t chunk_size = 4096;
  static constexpr std::uint32_t max_chunks = 4096;  // 16 million actors

  std::array<std::atomic<actor_shell*>, max_chunks> chunks{};
  std::mutex mutex;  // guards free_slots, next_index, chunk creation
  std::vector<std::uint32_t> free_slots;
  std::uint32_t next_index = 1;  // index 0 stays unused: id 0 means "no actor"
  std::atomic<std::size_t> live{0};
  std::atomic<std::uint64_t> dead_letters{0};

  ~registry() {
    for (auto& c : chunks) delete[] c.load();
  }

  actor_shell* at(std::uint32_t index) const noexcept {
    actor_shell* chunk = chunks[index / chunk_size].load(std::memory_order_acquire);
    return chunk == nullptr ? nullptr : &chunk[index % chunk_size];
  }

  actor_shell* allocate() {
    std::lock_guard lock(mutex);
    std::uint32_t index;
    if (!free_slots.empty()) {
      index = free_slots.back();
      free_slots.pop_back();
    } else {
      index = next_index++;
      if (index / chunk_size >= max_chunks) throw std::length_error("too many actors");
      auto& chunk = chunks[index / chunk_size];
      if (chunk.load(std::memory_order_relaxed) == nullptr) {
        auto* fresh = new actor_shell[chunk_size];
        for (std::uint32_t i = 0; i < chunk_size; ++i) {
          fresh[i].index = index / chunk_size * chunk_size + i;
        }
        chunk.store(fresh, std::memory_order_release);
      }
    }
    return at(index);
  }

  void release(std::uint32_t index) {
    std::lock_guard lock(mutex);
    free_slots.push_back(index);
  }
};

// ---- topics ------------------------------------------------------------------------

struct actor_system::topics {
  std::shared_mutex mutex;
  string_map<std::vector<actor_id>> subscribers;
};

// ---- the system ------------------------------------------------------------------

actor_system::actor_system(system_options options)
    : options_(options),
      registry_(std::make_unique<registry>()),
      topics_(std::make_unique<topics>()) {
  if (options_.workers == 0) options_.workers = perftrack::physical_cores();
  if (options_.throughput == 0) options_.throughput = 1;
  scheduler_ = std::make_unique<scheduler>(*this, options_.workers, options_.pin_workers);
}

actor_system::~actor_system() {
  scheduler_->stop();
  // Drop what is still queued; behaviours are destroyed with their slots.
  for (std::uint32_t i = 1; i < registry_->next_index; ++i) {
    actor_shell* s = registry_->at(i);
    while (mpsc_node* n = s->mailbox.pop()) free_envelope(static_cast<envelope*>(n));
  }
}

unsigned actor_system::worker_count() const noexcept { return scheduler_->size(); }
std::size_t actor_system::live_actors() const noexcept { return registry_->live.load(); }
std::uint64_t actor_system::dead_letters() const noexcept { return registry_->dead_letters.load(); }

namespace {

// The monotonic clock at the kernel tick's resolution (4 ms here): 3 ns a read
// against 27 ns for steady_clock on this machine's kvm-clock, and paid on every
// send while mailboxes are counted. Ages are in seconds' scale; a tick is fine.
std::int64_t coarse_now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

actor_system::mailbox_stats actor_system::mailboxes() const noexcept {
  mailbox_stats out;
  std::int64_t oldest = 0;
  for (const auto& chunk : registry_->chunks) {
    const actor_shell* shells = chunk.load(std::memory_order_acquire);
    if (shells == nullptr) break;  // chunks are made in order
    for (std::uint32_t i = 0; i < registry::chunk_size; ++i) {
      const actor_shell& s = shells[i];
      if ((s.generation.load(std::memory_order_relaxed) & 1) == 0) continue;  // no actor here
      const std::uint32_t q = s.queued.load(std::memory_order_relaxed);
      out.messages += q;
      out.deepest = std::max(out.deepest, q);
      const std::int64_t sent = s.oldest_sent_ns.load(std::memory_order_relaxed);
      if (q != 0 && sent != 0 && (oldest == 0 || sent < oldest)) oldest = sent;
    }
  }
  if (oldest != 0)
    out.oldest_wait = std::chrono::nanoseconds(std::max<std::int64_t>(0, coarse_now_ns() - oldest));
  return out;
}

actor_shell* actor_system::find(actor_id id) const noexcept {
  if (!id.valid() || (id.generation() & 1) == 0) return nullptr;
  actor_shell* s = registry_->at(id.index());
  if (s == nullptr || s->generation.load(std::memory_order_acquire) != id.generation()) {
    return nullptr;
  }
  return s;
}

actor_id actor_system::spawn_behavior(std::unique_ptr<behavior> b, spawn_options options) {
  actor_shell* s = registry_->allocate();
  s->behavior_ = std::move(b);
  s->capacity = options.mailbox_capacity;
  s->queued.store(0, std::memory_order_relaxed);
  // Publish: the behaviour is written before the generation turns odd.
  const std::uint32_t gen = s->generation.load(std::memory_order_relaxed) + 1;
  s->generation.store(gen, std::memory_order_release);
  registry_->live.fetch_add(1, std::memory_order_relaxed);
  return actor_id{(static_cast<std::uint64_t>(gen) << 32) | s->index};
}

void actor_system::schedule(actor_shell& shell) {
  // Look before writing: a busy actor is already scheduled, and an exchange on
  // every send would pull its cache line away from the worker running it. The
  // seq_cst load pairs with run()'s seq_cst idle store (a Dekker handshake over
  // the mailbox head), so a wake-up is never lost.
  if (shell.state.load(std::memory_order_seq_cst) == shell_scheduled) return;
  if (shell.state.exchange(shell_scheduled, std::memory_order_seq_cst) == shell_idle) {
    scheduler_->schedule(&shell);
  }
}

send_result actor_system::deliver(actor_id to, message&& m, actor_id from, bool wait_when_full,
                                  envelope* prepared) {
  actor_shell* s = find(to);
  if (s == nullptr) {
    registry_->dead_letters.fetch_add(1, std::memory_order_relaxed);
    if (prepared != nullptr) free_envelope(prepared);
    return send_result::no_such_actor;
  }
  bool filled_empty = false;  // this send made an empty mailbox non-empty
  if (s->capacity != 0) {
    // Reserve a place; wait (or refuse) while the mailbox is at capacity.
    for (;;) {
      std::uint32_t q = s->queued.load(std::memory_order_relaxed);
      if (q < s->capacity) {
        if (!s->queued.compare_exchange_weak(q, q + 1, std::memory_order_acq_rel)) continue;
        filled_empty = q == 0;
        break;
      }
      if (!wait_when_full) {
        if (prepared != nullptr) free_envelope(prepared);
        return send_result::mailbox_full;
      }
      std::this_thread::yield();
      if (find(to) == nullptr) {
        registry_->dead_letters.fetch_add(1, std::memory_order_relaxed);
        if (prepared != nullptr) free_envelope(prepared);
        return send_result::no_such_actor;
      }
    }
  }
  // Unbounded mailboxes count too when asked (mailboxes()); before the push,
  // so the consumer's decrement can never come first.
  if (s->capacity == 0 && options_.count_mailboxes)
    filled_empty = s->queued.fetch_add(1, std::memory_order_relaxed) == 0;
  envelope* e = prepared != nullptr ? prepared : new_envelope();
  e->target = to;
  e->sender = from;
  if (options_.count_mailboxes) {
    e->sent_ns = coarse_now_ns();
    if (filled_empty) s->oldest_sent_ns.store(e->sent_ns, std::memory_order_relaxed);
  }
  if (prepared == nullptr) e->payload = std::move(m);
  s->mailbox.push(e);
  schedule(*s);
  return send_result::sent;
}

send_result actor_system::send(actor_id to, message m, actor_id from) {
  return deliver(to, std::move(m), from, true, nullptr);
}

send_result actor_system::try_send(actor_id to, message m, actor_id from) {
  return deliver(to, std::move(m), from, false, nullptr);
}

std::size_t actor_system::send_batch(actor_id to, std::span<message> batch, actor_id from) {
  actor_shell* s = find(to);
  if (s == nullptr) {
    registry_->dead_letters.fetch_add(batch.size(), std::memory_order_relaxed);
    return 0;
  }
  if (s->capacity != 0) {
    std::size_t n = 0;
    for (auto& m : batch) n += send(to, std::move(m), from) == send_result::sent;
    return n;
  }
  const std::int64_t now = options_.count_mailboxes ? coarse_now_ns() : 0;
  if (options_.count_mailboxes && s->queued.fetch_add(static_cast<std::uint32_t>(batch.size()),
                                                      std::memory_order_relaxed) == 0) {
    s->oldest_sent_ns.store(now, std::memory_order_relaxed);
  }
  for (auto& m : batch) {
    envelope* e = new_envelope();
    e->target = to;
    e->sender = from;
    e->sent_ns = now;
    e->payload = std::move(m);
    s->mailbox.push(e);
  }
  schedule(*s);
  return batch.size();
}

std::future<message> actor_system::ask(actor_id to, message m) {
  auto* promise = new std::promise<message>();
  std::future<message> f = promise->get_future();
  envelope* e = new_envelope();
  e->payload = std::move(m);
  e->reply_promise = promise;  // owned by the envelope: dropped means broken_promise
  e->request_id = 1;
  deliver(to, message{}, {}, true, e);
  return f;
}

void actor_system::stop(actor_id who) {
  envelope* e = new_envelope();
  e->kind = envelope_kind::stop;
  if (deliver(who, message{}, {}, false, e) == send_result::mailbox_full) {
    // A stop must get through a full bounded mailbox: bypass the capacity.
    actor_shell* s = find(who);
    if (s == nullptr) return;
    envelope* forced = new_envelope();
    forced->kind = envelope_kind::stop;
    forced->target = who;
    s->queued.fetch_add(1, std::memory_order_relaxed);
    s->mailbox.push(forced);
    schedule(*s);
  }
}

void actor_system::await_idle() { scheduler_->await_idle(); }

void actor_system::subscribe(actor_id who, std::string_view topic) {
  std::unique_lock lock(topics_->mutex);
  auto it = topics_->subscribers.find(topic);
  if (it == topics_->subscribers.end()) {
    it = topics_->subscribers.emplace(std::string(topic), std::vector<actor_id>{}).first;
  }
  if (std::find(it->second.begin(), it->second.end(), who) == it->second.end()) {
    it->second.push_back(who);
  }
}

void actor_system::unsubscribe(actor_id who, std::string_view topic) {
  std::unique_lock lock(topics_->mutex);
  auto it = topics_->subscribers.find(topic);
  if (it == topics_->subscribers.end()) return;
  std::erase(it->second, who);
}

std::size_t actor_system::publish_with(std::string_view topic,
                                       const std::function<message()>& make) {
  std::vector<actor_id> targets;
  {
    std::shared_lock lock(topics_->mutex);
    auto it = topics_->subscribers.find(topic);
    if (it == topics_->subscribers.end()) return 0;
    targets = it->second;
  }
  std::size_t n = 0;
  for (const actor_id t : targets) n += send(t, make()) == send_result::sent;
  return n;
}

void actor_system::note_oldest(actor_shell& shell) noexcept {
  // The worker owns the consumer end: the next message's send time is the
  // oldest wait left behind. A push still in progress shows no node yet; its
  // message is then the oldest, and the sender's stamp of an empty mailbox
  // (or the next turn) sets it.
  if (shell.queued.load(std::memory_order_relaxed) == 0) return;
  if (const mpsc_node* next = shell.mailbox.peek()) {
    shell.oldest_sent_ns.store(static_cast<const envelope*>(next)->sent_ns,
                               std::memory_order_relaxed);
  }
}

void actor_system::run(actor_shell& shell) {
  // Messages of an unbounded mailbox taken this turn: subtracted once at the
  // end, so the consumer pays one atomic per turn, not per message. (A bounded
  // mailbox frees each place at once: its senders may be waiting.)
  std::uint32_t taken = 0;
  for (unsigned handled = 0; handled < options_.throughput; ++handled) {
    mpsc_node* node = shell.mailbox.pop();
    if (node == nullptr) break;
    auto* e = static_cast<envelope*>(node);
    // Read the generation per message: a slot freed by a stop may be handed to a
    // new actor while this worker still drains letters for the old one.
    const std::uint32_t gen = shell.generation.load(std::memory_order_acquire);
    if (e->target.generation() != gen || (gen & 1) == 0 || !shell.behavior_) {
      registry_->dead_letters.fetch_add(1, std::memory_order_relaxed);
      free_envelope(e);
      continue;
    }
    if (shell.capacity != 0) {
      shell.queued.fetch_sub(1, std::memory_order_acq_rel);
    } else if (options_.count_mailboxes) {
      ++taken;
    }
    bool stop_now = e->kind == envelope_kind::stop;
    if (e->kind == envelope_kind::response) {
      if (shell.pending) {
        auto it = shell.pending->find(e->request_id);
        if (it != shell.pending->end()) {
          auto callback = std::move(it->second);
          shell.pending->erase(it);
          callback(e->payload);
        }
      }
    } else if (!stop_now) {
      context ctx(*this, shell, e->target, *e);
      shell.behavior_->handle(ctx, e->payload);
      stop_now = ctx.stop_requested_;
    }
    free_envelope(e);
    if (stop_now) {
      // Turn the generation even first, so new sends fail, then free the slot.
      shell.generation.store(gen + 1, std::memory_order_release);
      shell.behavior_.reset();
      shell.pending.reset();
      registry_->live.fetch_sub(1, std::memory_order_relaxed);
      while (mpsc_node* rest = shell.mailbox.pop()) {
        registry_->dead_letters.fetch_add(1, std::memory_order_relaxed);
        free_envelope(static_cast<envelope*>(rest));
      }
      shell.state.store(shell_idle, std::memory_order_seq_cst);
      registry_->release(shell.index);
      return;
    }
  }
  if (taken != 0) shell.queued.fetch_sub(taken, std::memory_order_relaxed);
  if (options_.count_mailboxes) note_oldest(shell);
  // Go idle unless more arrived; a sender that saw us scheduled relies on this.
  if (shell.mailbox.maybe_nonempty()) {
    scheduler_->yield(&shell);
    return;
  }
  // Once idle, another worker may own the mailbox: look only at its producer end.
  shell.state.store(shell_idle, std::memory_order_seq_cst);
  if (shell.mailbox.pushed_since_empty() &&
      shell.state.exchange(shell_scheduled, std::memory_order_seq_cst) == shell_idle) {
    scheduler_->schedule(&shell);
  }
}

// ---- context -----------------------------------------------------------------------

actor_id context::sender() const noexcept { return envelope_.sender; }

bool context::reply(message m) {
  if (envelope_.reply_promise != nullptr) {
    envelope_.reply_promise->set_value(std::move(m));
    delete envelope_.reply_promise;
    envelope_.reply_promise = nullptr;
    envelope_.request_id = 0;
    return true;
  }
  if (envelope_.request_id == 0 || !envelope_.sender.valid()) return false;
  envelope* e = new_envelope();
  e->kind = envelope_kind::response;
  e->request_id = envelope_.request_id;
  e->payload = std::move(m);
  envelope_.request_id = 0;
  return system_.deliver(envelope_.sender, message{}, self_, true, e) == send_result::sent;
}

send_result context::send(actor_id to, message m) { return system_.send(to, std::move(m), self_); }

bool context::request(actor_id to, message m, std::function<void(message&)> on_reply) {
  if (!shell_.pending) {
    shell_.pending =
        std::make_unique<std::unordered_map<std::uint64_t, std::function<void(message&)>>>();
  }
  static std::atomic<std::uint64_t> next_request{2};
  const std::uint64_t id = next_request.fetch_add(1, std::memory_order_relaxed);
  envelope* e = new_envelope();
  e->request_id = id;
  e->payload = std::move(m);
  if (system_.deliver(to, message{}, self_, true, e) != send_result::sent) return false;
  shell_.pending->emplace(id, std::move(on_reply));
  return true;
}

}  // namespace perftrack::actor
