#pragma once

// Scratch schemas on a shared PostgreSQL server, for tests and benchmarks
// (target perftrack::coord_scratch; not part of coord's public headers).

#include <filesystem>
#include <string>
#include <vector>

#include "perftrack/base/expected.hpp"

namespace perftrack::coord {

/// (Re)creates the empty schema `name` on the server at `server_url` and returns
/// a URL whose connections use it (search_path, added to any `options` the URL
/// has).
expected<std::string> fresh_postgres_schema(const std::string& server_url, const std::string& name);

/// Drops a schema fresh_postgres_schema made; quietly does nothing when the
/// server is gone.
void drop_postgres_schema(const std::string& server_url, const std::string& name);

/// A throwaway PostgreSQL server of scripts/pg_server.sh: its own cluster in a
/// temporary folder, on 127.0.0.1 and a free port, stopped (and deleted) with
/// this object, and by the script's watcher once this process is gone, however
/// it ends. Moves, never copies.
class scratch_server {
public:
  /// Starts one whose state (URL, cluster) lives in `state_dir`; `settings`
  /// are the server's ("synchronous_commit=off"). The error names the log.
  static expected<scratch_server> start(const std::filesystem::path& script,
                                        const std::filesystem::path& state_dir,
                                        const std::vector<std::string>& settings = {});
  scratch_server(scratch_server&& other) noexcept;
  scratch_server& operator=(scratch_server&& other) noexcept;
  ~scratch_server();

  const std::string& url() const noexcept { return url_; }
  /// The shell command that stops it, for a signal handler to run.
  const std::string& stop_command() const noexcept { return stop_command_; }
  /// Stops the server keeping its data, then starts it again on its port
  /// (outage tests).
  bool halt() const;
  bool resume() const;
  /// Replaces the server by a fresh one (a new cluster) at the same URL and
  /// with the same settings: nothing of the old server's state is left.
  bool renew() const;
  void stop();

private:
  scratch_server() = default;
  bool run(const std::string& action) const;
  std::filesystem::path script_, state_;
  std::string url_, stop_command_;
};

}  // namespace perftrack::coord
