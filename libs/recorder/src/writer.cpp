// The background writer: drains every thread's ring, formats JSON lines, appends
// them to the metrics file and feeds the live statistics.

#include <unistd.h>

#include <cstdio>
#include <memory>

#include "line_format.hpp"
#include "perftrack/store/appender.hpp"
#include "resources.hpp"
#include "tracker_impl.hpp"

namespace perftrack {
namespace {

constexpr std::size_t write_threshold = 1 << 20;  // write once this much is formatted
constexpr std::size_t buffer_capacity = 4 << 20;  // threshold + the largest line, with room

std::int64_t wall_offset_ns() noexcept {
  const auto wall = std::chrono::system_clock::now().time_since_epoch();
  const auto steady = tracker::clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(wall - steady).count();
}

void default_error_handler(std::string_view message) {
  std::fprintf(stderr, "perftrack: %.*s\n", static_cast<int>(message.size()), message.data());
}

}  // namespace

struct tracker_impl::writer_state {
  explicit writer_state(const tracker_options& options)
      : file(options.file_path()),
        resources(options.resource_path()),
        buffer(new char[buffer_capacity]) {}

  store::appender file;
  store::appender resources;
  tracker::clock::time_point resources_taken{};
  std::unique_ptr<char[]> buffer;
  std::size_t used = 0;
  std::uint64_t lines = 0;  // lines in buffer
  detail::line_format format;
  std::int64_t wall_offset = wall_offset_ns();
  tracker::clock::time_point offset_taken = tracker::clock::now();
  tracker::clock::time_point last_write = tracker::clock::now();
  tracker::clock::time_point last_error_report{};
  std::vector<std::shared_ptr<detail::ring>> rings;
  std::uint64_t rings_generation = ~0ull;
  bool ring_filling = false;  // a ring was over a quarter full at the last drain
};

tracker_impl::tracker_impl(const tracker_options& options)
    : options_(options), uid_(next_uid_fetch()), writer_(std::make_unique<writer_state>(options_)) {
  thread_ = std::thread([this] { run(); });
}

tracker_impl::~tracker_impl() { shutdown(); }

std::uint64_t tracker_impl::next_uid_fetch() noexcept {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

void tracker_impl::shutdown() noexcept {
  {
    std::lock_guard lock(wake_mutex_);
    if (stop_) return;
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  stopped_.store(true, std::memory_order_relaxed);
}

void tracker_impl::flush() noexcept {
  std::unique_lock lock(wake_mutex_);
  if (stop_) return;
  const std::uint64_t ticket = ++flush_requested_;
  wake_.notify_all();
  flushed_.wait(lock, [&] { return flush_done_ >= ticket || stop_; });
}

void tracker_impl::run() noexcept {
  // A quarter of the idle wait between drains under load: 1 MiB rings fill in
  // about 5 ms at 5 million records/s.
  constexpr auto busy_pause = std::chrono::microseconds(500);
  const auto idle_wait = std::clamp(options_.flush_interval / 5, std::chrono::milliseconds(1),
                                    std::chrono::milliseconds(20));
  std::unique_lock lock(wake_mutex_);
  for (;;) {
    const std::uint64_t wanted = flush_requested_;
    const bool flush_wanted = wanted > flush_done_;
    const bool stopping = stop_;
    lock.unlock();

    std::size_t n = 0;
    try {
      n = drain_all();
    } catch (...) {
      // Only allocation can throw here (the ring list); try again next round.
    }
    const auto now = tracker::clock::now();
    if (n == 0 || stopping || flush_wanted ||
        now - writer_->last_write >= options_.flush_interval) {
      write_out();
    }
    if (now - writer_->offset_taken >= std::chrono::seconds(1)) {
      writer_->wall_offset = wall_offset_ns();  // follow clock adjustments
      writer_->offset_taken = now;
    }
    sample_resources(now, stopping);
    retire_drained_orphans();

    lock.lock();
    if (flush_wanted) {
      flush_done_ = wanted;
      flushed_.notify_all();
    }
    if (stopping) break;
    // Pace the draining: reading a ring right behind its producer makes the two
    // cores fight over the same cache lines. Drain again at once only when a ring
    // is filling up; otherwise let records gather for a moment.
    if (flush_requested_ == flush_done_ && !stop_ && !writer_->ring_filling) {
      wake_.wait_for(lock, n == 0 ? idle_wait : busy_pause);
    }
  }
  flushed_.notify_all();
}

std::size_t tracker_impl::drain_all() {
  writer_state& w = *writer_;
  {
    std::lock_guard lock(rings_mutex_);
    if (w.rings_generation != rings_generation_) {
      w.rings = rings_;
      w.rings_generation = rings_generation_;
    }
  }
  std::size_t total = 0;
  w.ring_filling = false;
  for (const auto& ring : w.rings) {
    if (ring->pending_bytes() > ring->capacity() / 4) w.ring_filling = true;
    total += ring->drain([&](const detail::record_header& h) {
      detail::operation_entry* op = operations.find(h.op);
      if (op == nullptr) return;
      op->observe(static_cast<std::uint64_t>(h.duration_ns < 0 ? 0 : h.duration_ns),
                  h.success != 0);
      if (!options_.file_sink) {
        written_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      const std::size_t text = h.session_len + h.error_len + h.context_len;
      if (w.used + detail::line_format::max_line(text, op->line_fragment.size()) >
          buffer_capacity) {
        write_out();
      }
      char* end = w.format.write(h, *op, w.wall_offset, w.buffer.get() + w.used);
      w.used = static_cast<std::size_t>(end - w.buffer.get());
      ++w.lines;
      if (w.used >= write_threshold) write_out();
    });
  }
  return total;
}

void tracker_impl::write_out() noexcept {
  writer_state& w = *writer_;
  w.last_write = tracker::clock::now();
  if (w.used == 0) return;
  const std::string_view data(w.buffer.get(), w.used);
  std::error_code error;
  const std::size_t done = w.file.append(data, error);
  std::uint64_t complete = 0;
  if (done == data.size()) {
    complete = w.lines;
  } else {
    for (std::size_t i = 0; i < done; ++i) complete += data[i] == '\n';
  }
  written_.fetch_add(complete, std::memory_order_relaxed);
  if (complete < w.lines) {
    dropped_io_.fetch_add(w.lines - complete, std::memory_order_relaxed);
    try {
      report_error("cannot write " + w.file.path().string() + ": " + error.message() + " (" +
                   std::to_string(w.lines - complete) +
                   " records dropped; check the directory exists and is writable, "
                   "or set PERFTRACK_DIR)");
    } catch (...) {
    }
  }
  w.used = 0;
  w.lines = 0;
}

void tracker_impl::sample_resources(tracker::clock::time_point now, bool last) noexcept {
  writer_state& w = *writer_;
  if (options_.resource_interval.count() <= 0 || !options_.file_sink) return;
  const bool first = w.resources_taken == tracker::clock::time_point{};
  if (!first && !last && now - w.resources_taken < options_.resource_interval) return;
  w.resources_taken = now;
  const auto usage = detail::read_process_usage();
  if (!usage) return;
  char line[detail::max_resource_line];
  const std::int64_t wall_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() +
      w.wall_offset;
  const std::size_t n = detail::format_resource_line(wall_ns, ::getpid(), *usage, line);
  std::error_code error;
  if (w.resources.append(std::string_view(line, n), error) != n) {
    try {
      report_error("cannot write " + w.resources.path().string() + ": " + error.message() +
                   " (a resource sample; set PERFTRACK_RESOURCE_INTERVAL_MS=0 to stop them)");
    } catch (...) {
    }
  }
}

void tracker_impl::report_error(const std::string& message) noexcept {
  {
    std::lock_guard lock(rings_mutex_);
    try {
      last_error_ = message;
    } catch (...) {
    }
  }
  const auto now = tracker::clock::now();
  if (writer_->last_error_report != tracker::clock::time_point{} &&
      now - writer_->last_error_report < options_.error_interval) {
    return;
  }
  writer_->last_error_report = now;
  try {
    if (options_.on_error) {
      options_.on_error(message);
    } else {
      default_error_handler(message);
    }
  } catch (...) {
    // A throwing handler must not take the writer down.
  }
}

void tracker_impl::retire_drained_orphans() {
  std::lock_guard lock(rings_mutex_);
  const auto gone = std::remove_if(rings_.begin(), rings_.end(), [&](const auto& r) {
    if (!r->orphaned.load(std::memory_order_acquire) || !r->empty()) return false;
    retired_recorded_ += r->recorded();
    retired_dropped_ += r->dropped();
    retired_truncated_ += r->truncated();
    return true;
  });
  if (gone != rings_.end()) {
    rings_.erase(gone, rings_.end());
    ++rings_generation_;
  }
}

}  // namespace perftrack
