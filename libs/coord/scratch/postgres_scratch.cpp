#include "perftrack/coord/postgres_scratch.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <utility>

#include "postgres_text.hpp"

namespace perftrack::coord {

using postgres::first_line;
using postgres::redact;

expected<std::string> fresh_postgres_schema(const std::string& server_url,
                                            const std::string& name) {
  try {
    pqxx::connection c(server_url);
    pqxx::nontransaction tx(c);
    tx.exec("DROP SCHEMA IF EXISTS " + c.quote_name(name) + " CASCADE");
    tx.exec("CREATE SCHEMA " + c.quote_name(name));
  } catch (const std::exception& e) {
    return failure{fmt::format("PostgreSQL at {}: cannot create schema {}: {}", redact(server_url),
                               name, first_line(e.what()))};
  }
  const std::string path = "-csearch_path%3D" + name;
  if (const auto opts = server_url.find("options="); opts != std::string::npos) {
    std::string url = server_url;  // one options parameter: add to the one given
    url.insert(opts + 8, path + "%20");
    return url;
  }
  return server_url + (server_url.find('?') == std::string::npos ? "?" : "&") + "options=" + path;
}

void drop_postgres_schema(const std::string& server_url, const std::string& name) {
  try {
    pqxx::connection c(server_url);
    pqxx::nontransaction(c).exec("DROP SCHEMA IF EXISTS " + c.quote_name(name) + " CASCADE");
  } catch (const std::exception&) {
    // The server is gone: its files go with it.
  }
}

namespace {

std::string quoted(const std::filesystem::path& p) { return fmt::format("'{}'", p.string()); }

}  // namespace

expected<scratch_server> scratch_server::start(const std::filesystem::path& script,
                                               const std::filesystem::path& state_dir,
                                               const std::vector<std::string>& settings) {
  scratch_server s;
  s.script_ = script;
  s.state_ = std::filesystem::absolute(state_dir);
  std::string cmd =
      fmt::format("{} start {} --owner {}", quoted(script), quoted(s.state_), ::getpid());
  for (const auto& setting : settings) cmd += fmt::format(" -c '{}'", setting);
  const auto log = s.state_.string() + ".log";
  if (std::system(fmt::format("{} >/dev/null 2>'{}'", cmd, log).c_str()) != 0) {
    return failure{fmt::format("could not start a PostgreSQL server (see {})", log)};
  }
  std::ifstream in(s.state_ / "url");
  std::getline(in, s.url_);
  s.stop_command_ = fmt::format("{} stop {} >/dev/null 2>&1", quoted(script), quoted(s.state_));
  return s;
}

scratch_server::scratch_server(scratch_server&& other) noexcept
    : script_(std::move(other.script_)),
      state_(std::move(other.state_)),
      url_(std::move(other.url_)),
      stop_command_(std::exchange(other.stop_command_, {})) {}

scratch_server& scratch_server::operator=(scratch_server&& other) noexcept {
  if (this != &other) {
    stop();
    script_ = std::move(other.script_);
    state_ = std::move(other.state_);
    url_ = std::move(other.url_);
    stop_command_ = std::exchange(other.stop_command_, {});
  }
  return *this;
}

scratch_server::~scratch_server() { stop(); }

bool scratch_server::run(const std::string& action) const {
  const std::string cmd = fmt::format("{} {} {} >/dev/null 2>>'{}'", quoted(script_), action,
                                      quoted(state_), state_.string() + ".log");
  return std::system(cmd.c_str()) == 0;
}

bool scratch_server::halt() const { return run("halt"); }
bool scratch_server::resume() const { return run("resume"); }
bool scratch_server::renew() const { return run("renew"); }

void scratch_server::stop() {
  if (stop_command_.empty()) return;
  [[maybe_unused]] const int rc = std::system(stop_command_.c_str());
  stop_command_.clear();
}

}  // namespace perftrack::coord
