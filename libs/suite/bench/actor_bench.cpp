// The actor core next to CAF 0.17 on the same workloads and thread counts
// (docs/performance.md):
//   build/libs/suite/actor_bench [--threads N] [--repetitions R]
// ping-pong (2 actors, 1,000,000 round trips), counting (1 producer to 1 counter,
// 1,000,000 messages), thread ring (100 actors, 1,000,000 hops), fork-join create
// (spawn, one message, one reply; 100,000 actors), spawn of 100,000 idle actors and
// their memory (RSS growth per actor). The message workloads also run with the
// mailboxes counted and timed (system_options::count_mailboxes, as exporters run
// the core), interleaved with the plain runs: "counted / plain" is that cost.

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include "perftrack/suite/peer_workloads.hpp"

namespace peers = perftrack::suite::peers;

namespace {

const peers::sizes full;  // the sizes named above

// Memory per idle actor, measured in a fresh process (this binary run again with
// --probe), so that memory freed by earlier workloads and kept by malloc does not
// hide the growth.
double probe_memory(const char* system, unsigned threads) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    const std::string t = std::to_string(threads);
    ::execl("/proc/self/exe", "actor_bench", "--probe", system, t.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  char buf[64] = {};
  [[maybe_unused]] const auto n = ::read(fds[0], buf, sizeof buf - 1);
  ::close(fds[0]);
  ::waitpid(pid, nullptr, 0);
  return std::atof(buf);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Median seconds of each runtime, the runtimes interleaved in every repetition
// so that the machine's drift falls on all of them alike.
std::vector<double> run_interleaved(peers::workload w, unsigned threads, int repetitions) {
  const peers::runtime runtimes[] = {peers::runtime::perftrack, peers::runtime::perftrack_counted,
                                     peers::runtime::caf};
  std::vector<std::vector<double>> times(std::size(runtimes));
  for (int i = 0; i < repetitions; ++i) {
    for (std::size_t r = 0; r < std::size(runtimes); ++r) {
      times[r].push_back(peers::run(w, runtimes[r], threads, full));
    }
  }
  std::vector<double> medians;
  for (auto& t : times) medians.push_back(median(t));
  return medians;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "--probe") == 0) {
    const auto threads = static_cast<unsigned>(std::atoi(argv[3]));
    const bool ours = std::strcmp(argv[2], "perftrack") == 0;
    const auto r = ours ? peers::runtime::perftrack : peers::runtime::caf;
    std::printf("%f\n", peers::spawn_idle(r, threads, full).second);
    return 0;
  }
  unsigned threads_list[2] = {1, 2};
  int thread_count = 2;
  int repetitions = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--threads") == 0) {
      threads_list[0] = static_cast<unsigned>(std::atoi(argv[i + 1]));
      thread_count = 1;
    }
    if (std::strcmp(argv[i], "--repetitions") == 0) repetitions = std::atoi(argv[i + 1]);
  }
  std::printf("median of %d repetitions; messages/s in millions (higher is better)\n\n",
              repetitions);
  std::printf(
      "| workload | threads | perftrack | CAF 0.17.6 | perftrack / CAF | perftrack, mailboxes "
      "counted | counted / plain |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
  for (int k = 0; k < thread_count; ++k) {
    const unsigned threads = threads_list[k];
    const std::pair<const char*, peers::workload> workloads[] = {
        {"ping-pong (2 actors, 1M round trips)", peers::workload::ping_pong},
        {"counting (1 producer -> 1 counter, 1M)", peers::workload::counting},
        {"thread ring (100 actors, 1M hops)", peers::workload::thread_ring},
        {"fork-join create (100k agents)", peers::workload::fork_join},
    };
    for (const auto& [name, w] : workloads) {
      const auto t = run_interleaved(w, threads, repetitions);
      const double ours = t[0], counted = t[1], theirs = t[2];
      const double messages = peers::messages(w, full);
      std::printf("| %s | %u | %.2f | %.2f | %.2fx | %.2f | %.2fx |\n", name, threads,
                  messages / ours / 1e6, messages / theirs / 1e6, theirs / ours,
                  messages / counted / 1e6, ours / counted);
      std::fflush(stdout);
    }
    std::vector<double> ours_t, ours_m, theirs_t, theirs_m;
    for (int i = 0; i < repetitions; ++i) {
      ours_t.push_back(peers::spawn_idle(peers::runtime::perftrack, threads, full).first);
      theirs_t.push_back(peers::spawn_idle(peers::runtime::caf, threads, full).first);
      ours_m.push_back(probe_memory("perftrack", threads));
      theirs_m.push_back(probe_memory("caf", threads));
    }
    std::printf("| spawn 100k idle actors: ns per actor | %u | %.0f | %.0f | %.2fx | | |\n",
                threads, median(ours_t) / full.idle_agents * 1e9,
                median(theirs_t) / full.idle_agents * 1e9, median(theirs_t) / median(ours_t));
    std::printf("| memory per idle actor: bytes (RSS growth) | %u | %.0f | %.0f | %.2fx | | |\n",
                threads, median(ours_m), median(theirs_m), median(theirs_m) / median(ours_m));
    std::fflush(stdout);
  }
  return 0;
}
