#include "perftrack/tail/tailer.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "checkpoint.hpp"
#include "follower.hpp"
#include "perftrack/exposition/agent_metrics.hpp"

namespace perftrack::tail {

struct tailer::impl {
  explicit impl(tailer_options o) : options(std::move(o)), agg(options.max_series) {}

  void discover();
  bool following(const std::filesystem::path& p) const;
  void publish_status();

  tailer_options options;
  aggregator agg;
  reader::line_parser parser;
  std::vector<std::unique_ptr<follower>> followers;
  /// Files of the checkpoint, by path, until a follower takes each over.
  std::vector<saved_file> pending;

  mutable std::mutex status_mutex;
  std::vector<file_status> statuses;
  struct file_counters {
    std::uint64_t bytes = 0;
    std::uint64_t changes[4] = {};
  };
  std::vector<file_counters> counters;
  std::uint64_t checkpoints = 0;
  std::string checkpoint_error;
};

bool tailer::impl::following(const std::filesystem::path& p) const {
  for (const auto& f : followers) {
    if (f->path() == p) return true;
  }
  return false;
}

void tailer::impl::discover() {
  const auto add = [&](const std::filesystem::path& p) {
    if (following(p)) return;
    auto f = std::make_unique<follower>(p);
    for (const auto& s : pending) {
      if (s.path == p.string()) f->resume(s);
    }
    // A file another follower has read under its old name (renamed into the
    // directory's pattern) continues where that one stopped.
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) {
      for (const auto& other : followers) {
        for (const auto& r : other->retired()) {
          if (r.identity.device == static_cast<std::uint64_t>(st.st_dev) &&
              r.identity.inode == static_cast<std::uint64_t>(st.st_ino)) {
            f->resume({p.string(), r.identity, r.at});
          }
        }
      }
    }
    followers.push_back(std::move(f));
  };
  for (const auto& p : options.paths) {
    std::error_code ec;
    if (!std::filesystem::is_directory(p, ec)) {
      add(p);
      continue;
    }
    for (const auto& e : std::filesystem::directory_iterator(p, ec)) {
      if (e.path().extension() == ".jsonl" && e.is_regular_file(ec)) add(e.path());
    }
  }
}

void tailer::impl::publish_status() {
  std::vector<file_status> s;
  std::vector<file_counters> c;
  for (const auto& f : followers) {
    s.push_back(f->status());
    file_counters fc{.bytes = f->bytes_read()};
    for (int k = 0; k < 4; ++k) fc.changes[k] = f->changes(static_cast<change>(k));
    c.push_back(fc);
  }
  std::lock_guard lock(status_mutex);
  statuses = std::move(s);
  counters = std::move(c);
}

expected<std::unique_ptr<tailer>> tailer::open(tailer_options options) {
  if (options.paths.empty()) {
    return failure{
        "nothing to follow: name a metrics file or a directory of *.jsonl files with --file"};
  }
  auto p = std::make_unique<impl>(std::move(options));
  if (!p->options.state_dir.empty()) {
    auto loaded = load_checkpoint(p->options.state_dir, p->agg);
    if (!loaded) return loaded.error();
    p->pending = std::move(*loaded);
  }
  p->discover();
  p->publish_status();
  return std::unique_ptr<tailer>(new tailer(std::move(p)));
}

tailer::tailer(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
tailer::~tailer() = default;

void tailer::poll() {
  // The known files first: a rotation that renamed one of them into the
  // directory's pattern is then known as retired before the new name is found.
  for (auto& f : impl_->followers) f->poll(impl_->agg, impl_->parser);
  const std::size_t known = impl_->followers.size();
  impl_->discover();
  for (std::size_t i = known; i < impl_->followers.size(); ++i) {
    impl_->followers[i]->poll(impl_->agg, impl_->parser);
  }
  impl_->publish_status();
}

expected<bool> tailer::checkpoint() {
  if (impl_->options.state_dir.empty()) return true;
  std::vector<saved_file> files;
  for (const auto& f : impl_->followers) files.push_back(f->save());
  auto r = save_checkpoint(impl_->options.state_dir, files, impl_->agg.save());
  std::lock_guard lock(impl_->status_mutex);
  impl_->checkpoint_error = r ? "" : r.error().message;
  if (r) ++impl_->checkpoints;
  return r;
}

void tailer::run(const std::atomic<bool>& stop) {
  std::string last_error;
  const auto save = [&] {
    auto r = checkpoint();
    const std::string now_error = r ? "" : r.error().message;
    if (now_error != last_error && !now_error.empty() && impl_->options.on_error) {
      impl_->options.on_error(now_error);
    }
    last_error = now_error;
  };
  auto next_checkpoint = std::chrono::steady_clock::now() + impl_->options.checkpoint_interval;
  while (!stop.load()) {
    poll();
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_checkpoint) {
      save();
      next_checkpoint = now + impl_->options.checkpoint_interval;
    }
    std::this_thread::sleep_for(impl_->options.poll_interval);
  }
  save();
}

aggregator::snapshot tailer::counts() const { return impl_->agg.save(); }

void tailer::collect(std::vector<exposition::family>& out) const {
  impl_->agg.collect(out);
  using exposition::metric_type;
  exposition::family lag{.name = "perftrack_tail_lag_bytes",
                         .help = "Bytes of the file not yet read.",
                         .type = metric_type::gauge,
                         .unit = "bytes"};
  exposition::family bytes{.name = "perftrack_tail_read_bytes_total",
                           .help = "Bytes read from the file.",
                           .type = metric_type::counter,
                           .unit = "bytes"};
  exposition::family changes{
      .name = "perftrack_tail_file_changes_total",
      .help =
          "Times the file at the path was replaced (rename rotation, prune), truncated "
          "(copytruncate) or rewritten in place.",
      .type = metric_type::counter};
  std::lock_guard lock(impl_->status_mutex);
  for (std::size_t i = 0; i < impl_->statuses.size(); ++i) {
    const auto& s = impl_->statuses[i];
    const auto& c = impl_->counters[i];
    const auto file = exposition::one_label("file", s.path);
    lag.samples.push_back({.labels = file, .value = static_cast<double>(s.lag_bytes)});
    bytes.samples.push_back({.labels = file, .value = static_cast<double>(c.bytes)});
    const char* kinds[] = {"", "replaced", "truncated", "rewritten"};
    for (int k = 1; k < 4; ++k) {
      auto labels = exposition::label_set{{"file", s.path}, {"change", kinds[k]}};
      changes.samples.push_back({.labels = labels, .value = static_cast<double>(c.changes[k])});
    }
  }
  out.push_back(std::move(lag));
  out.push_back(std::move(bytes));
  out.push_back(std::move(changes));
}

std::vector<file_status> tailer::status() const {
  std::lock_guard lock(impl_->status_mutex);
  return impl_->statuses;
}

bool tailer::ready() const {
  for (const auto& s : status()) {
    if (!s.caught_up || (s.exists && !s.last_error.empty())) return false;
  }
  return true;
}

std::string tailer::ready_json() const {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& s : status()) {
    files.push_back({{"path", s.path},
                     {"exists", s.exists},
                     {"caught_up", s.caught_up},
                     {"lag_bytes", s.lag_bytes},
                     {"lag_seconds", s.lag_seconds},
                     {"last_error", s.last_error.empty() ? nlohmann::json(nullptr)
                                                         : nlohmann::json(s.last_error)}});
  }
  nlohmann::json doc{{"ready", ready()}, {"files", std::move(files)}};
  {
    std::lock_guard lock(impl_->status_mutex);
    doc["checkpoints"] = impl_->checkpoints;
    if (!impl_->checkpoint_error.empty()) doc["checkpoint_error"] = impl_->checkpoint_error;
  }
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace perftrack::tail
