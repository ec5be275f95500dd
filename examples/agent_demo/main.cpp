// agent_demo: a few agents coordinate through shared in-memory state (a registry,
// a task board with atomic claims, mailboxes, a leader lease) and time every
// operation with perftrack's default tracker. Failures are real: a claim that
// loses the race to another agent, an election lost to a rival.
//
//   agent_demo [agents=4] [tasks=4000]
// writes $PERFTRACK_DIR/$PERFTRACK_FILE (default memory/perf-metrics.jsonl).

#include <atomic>
#include <charconv>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "perftrack/recorder/context.hpp"
#include "perftrack/recorder/default_tracker.hpp"

namespace {

struct task {
  int id = 0;
  int priority = 0;
  std::atomic<int> owner{-1};
  std::atomic<bool> done{false};
};

struct board {
  std::mutex registry_mutex;
  std::map<int, std::string> registry;
  std::vector<std::unique_ptr<task>> tasks;
  std::atomic<std::size_t> cursor{0};
  std::vector<std::mutex> mailbox_mutex;
  std::vector<std::deque<std::string>> mailboxes;
  std::atomic<int> leader{-1};
  std::atomic<long> epoch{0};
};

// Real work standing for a task's payload: hashing a buffer.
std::uint64_t work(int task_id, int rounds) {
  std::uint64_t h = 1469598103934665603ull ^ static_cast<std::uint64_t>(task_id);
  for (int i = 0; i < rounds; ++i) h = (h ^ static_cast<std::uint64_t>(i)) * 1099511628211ull;
  return h;
}

int arg(int argc, char** argv, int i, int fallback) {
  if (argc <= i) return fallback;
  int v = fallback;
  std::from_chars(argv[i], argv[i] + std::char_traits<char>::length(argv[i]), v);
  return v > 0 ? v : fallback;
}

// The operations the agents record, named as the coordination service names them.
struct operations {
  explicit operations(perftrack::tracker& tr)
      : reg(perftrack::operation(tr, perftrack::family::agent, "register")),
        claim(perftrack::operation(tr, perftrack::family::task, "claim")),
        create(perftrack::operation(tr, perftrack::family::task, "create")),
        update(perftrack::operation(tr, perftrack::family::task, "update")),
        send(perftrack::operation(tr, perftrack::family::message, "send")),
        read(perftrack::operation(tr, perftrack::family::message, "read")),
        election(perftrack::operation(tr, perftrack::family::leader, "election")) {}
  perftrack::operation_id reg, claim, create, update, send, read, election;
};

struct demo {
  perftrack::tracker& tr;
  operations ops;
  board b;
  int agents;
  std::atomic<std::uint64_t> checksum{0};

  demo(perftrack::tracker& t, int agent_count, int task_count)
      : tr(t), ops(t), agents(agent_count) {
    b.mailbox_mutex = std::vector<std::mutex>(static_cast<std::size_t>(agents));
    b.mailboxes.resize(static_cast<std::size_t>(agents));
    for (int i = 0; i < task_count; ++i) {
      perftrack::scoped_timer timer(tr, ops.create);
      auto tk = std::make_unique<task>();
      tk->id = i;
      tk->priority = i % 4;
      b.tasks.push_back(std::move(tk));
    }
  }

  // Registers agent a and lets it stand for leader: one agent wins, the others
  // record a lost election.
  void join(int a, const std::string& session) {
    {
      perftrack::context ctx;
      ctx.add("agents", agents);
      perftrack::scoped_timer t(tr, ops.reg, {.session_id = session, .context_json = ctx.json()});
      std::lock_guard lock(b.registry_mutex);
      b.registry[a] = "agent-" + std::to_string(a);
    }
    perftrack::scoped_timer t(tr, ops.election, {.session_id = session});
    int none = -1;
    if (!b.leader.compare_exchange_strong(none, a)) {
      t.fail("another agent holds the lease");
    } else {
      b.epoch.fetch_add(1);
    }
  }

  // Agents race for the same task: exactly one claim succeeds.
  bool claim(int a, task& tk, const std::string& session) {
    perftrack::scoped_timer t(tr, ops.claim, {.session_id = session});
    int unowned = -1;
    const bool won = tk.owner.compare_exchange_strong(unowned, a);
    if (!won) t.fail("task already claimed by another agent");
    return won;
  }

  // Does the task's work, tells the next agent, and empties its own mailbox.
  void complete(int a, task& tk) {
    perftrack::time_call(tr, ops.update, [&] {
      checksum += work(tk.id, 2000 * (tk.priority + 1));
      tk.done = true;
    });
    const auto peer = static_cast<std::size_t>((a + 1) % agents);
    perftrack::time_call(tr, ops.send, [&] {
      std::lock_guard lock(b.mailbox_mutex[peer]);
      b.mailboxes[peer].push_back("done " + std::to_string(tk.id));
    });
    perftrack::time_call(tr, ops.read, [&] {
      std::lock_guard lock(b.mailbox_mutex[static_cast<std::size_t>(a)]);
      b.mailboxes[static_cast<std::size_t>(a)].clear();
    });
  }

  void run_agent(int a) {
    const std::string session = "ses_demo_" + std::to_string(a);
    join(a, session);
    for (;;) {
      std::size_t i = b.cursor.load();
      if (i >= b.tasks.size()) break;
      task& tk = *b.tasks[i];
      const bool won = claim(a, tk, session);
      b.cursor.compare_exchange_strong(i, i + 1);
      if (won) complete(a, tk);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int agents = arg(argc, argv, 1, 4);
  const int task_count = arg(argc, argv, 2, 4000);
  perftrack::tracker& tr = perftrack::default_tracker();
  demo d(tr, agents, task_count);
  std::vector<std::thread> threads;
  for (int a = 0; a < agents; ++a) threads.emplace_back([&d, a] { d.run_agent(a); });
  for (auto& t : threads) t.join();
  tr.flush();
  const auto c = tr.counters();
  std::printf(
      "agent_demo: %d agents finished %d tasks (checksum %llx); %llu records written to %s, %llu "
      "dropped\n",
      agents, task_count, static_cast<unsigned long long>(d.checksum.load()),
      static_cast<unsigned long long>(c.written), tr.options().file_path().c_str(),
      static_cast<unsigned long long>(c.dropped()));
  return 0;
}
