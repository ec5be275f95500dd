#pragma once

#include <filesystem>
#include <string_view>

#include "perftrack/base/expected.hpp"
#include "perftrack/gate/results.hpp"

namespace perftrack::gate {

/// Whether a written file must survive a crash of the machine (fsync), or is
/// one that can be made again from its inputs (a page, a report).
enum class durability { synced, regenerable };

/// Writes `content` to `path` so that readers see the old file or the new one,
/// never a mix: a temporary file in the same directory, rename. Synced (stored
/// data: baselines, results): the file is flushed before the rename and the
/// directory after it, so that a crash leaves the old file or the whole new
/// one. The directory is created when missing.
expected<bool> write_file_atomically(const std::filesystem::path& path, std::string_view content,
                                     durability d = durability::synced);

/// A baseline directory (docs/compare.md): `baseline.json`, the accepted
/// results keyed by benchmark, and `history.db`, every compared run.
class baseline_dir {
public:
  explicit baseline_dir(std::filesystem::path dir) : dir_(std::move(dir)) {}

  const std::filesystem::path& path() const noexcept { return dir_; }
  std::filesystem::path baseline_file() const { return dir_ / "baseline.json"; }
  std::filesystem::path history_file() const { return dir_ / "history.db"; }

  /// False for a missing or empty directory (a first run).
  bool has_baseline() const;
  expected<result_set> load() const;
  /// Makes `run` the baseline of its benchmarks; benchmarks the baseline has and
  /// `run` does not keep their old entries. Atomic.
  expected<bool> update(const result_set& run) const;

private:
  std::filesystem::path dir_;
};

/// `r` as a baseline file's JSON text.
std::string baseline_text(const result_set& r);

}  // namespace perftrack::gate
