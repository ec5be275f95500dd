#include "checkpoint.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "perftrack/exposition/agent_metrics.hpp"

namespace perftrack::tail {
namespace {

using json = nlohmann::json;
constexpr const char* file_name = "tail-state.json";

json to_json(const saved_file& f) {
  return {{"path", f.path},
          {"device", f.identity.device},
          {"inode", f.identity.inode},
          {"first_line_hash", f.identity.first_line_hash},
          {"offset", f.at.offset},
          {"anchor_hash", f.at.anchor_hash},
          {"anchor_length", f.at.anchor_length}};
}

saved_file file_from(const json& j) {
  return {j.at("path").get<std::string>(),
          {j.at("device").get<std::uint64_t>(), j.at("inode").get<std::uint64_t>(),
           j.at("first_line_hash").get<std::uint64_t>()},
          {j.at("offset").get<std::uint64_t>(), j.at("anchor_hash").get<std::uint64_t>(),
           j.at("anchor_length").get<std::uint32_t>()}};
}

json counters_json(const aggregator::snapshot& s) {
  json ops = json::array();
  for (const auto& [name, c] : s.operations) {
    ops.push_back({{"operation", name},
                   {"buckets", c.buckets},
                   {"sum_seconds", c.sum_seconds},
                   {"errors", c.errors}});
  }
  json malformed = json::object();
  for (const auto& [reason, n] : s.malformed) malformed[reason] = n;
  return {{"bounds", exposition::agent_metrics::duration_layout()->bounds()},
          {"operations", std::move(ops)},
          {"malformed", std::move(malformed)},
          {"overflow_records", s.overflow_records}};
}

aggregator::snapshot counters_from(const json& j) {
  aggregator::snapshot s;
  for (const auto& op : j.at("operations")) {
    s.operations.emplace_back(
        op.at("operation").get<std::string>(),
        operation_counts{op.at("buckets").get<std::vector<std::uint64_t>>(),
                         op.at("sum_seconds").get<double>(), op.at("errors").get<std::uint64_t>()});
  }
  for (const auto& [reason, n] : j.at("malformed").items()) {
    s.malformed.emplace_back(reason, n.get<std::uint64_t>());
  }
  s.overflow_records = j.at("overflow_records").get<std::uint64_t>();
  return s;
}

failure io_error(const std::string& what, const std::filesystem::path& p) {
  return failure{fmt::format("cannot {} {}: {}", what, p.string(), std::strerror(errno))};
}

}  // namespace

expected<std::vector<saved_file>> load_checkpoint(const std::filesystem::path& dir,
                                                  aggregator& agg) {
  const auto path = dir / file_name;
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::vector<saved_file>{};
    return io_error("read the checkpoint", path);
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    const json doc = json::parse(text.str());
    const auto& counters = doc.at("counters");
    if (counters.at("bounds").get<std::vector<double>>() !=
        exposition::agent_metrics::duration_layout()->bounds()) {
      return failure{fmt::format(
          "{} was written with other histogram buckets; move it aside to count the files "
          "again from their beginnings",
          path.string())};
    }
    agg.restore(counters_from(counters));
    std::vector<saved_file> files;
    for (const auto& f : doc.at("files")) files.push_back(file_from(f));
    return files;
  } catch (const json::exception& e) {
    return failure{fmt::format(
        "{} is not a tailer checkpoint ({}); move it aside to count the files again from their "
        "beginnings",
        path.string(), e.what())};
  }
}

expected<bool> save_checkpoint(const std::filesystem::path& dir,
                               const std::vector<saved_file>& files,
                               const aggregator::snapshot& counters) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return failure{
        fmt::format("cannot create the state directory {}: {}", dir.string(), ec.message())};
  }
  json doc{{"version", 1}, {"counters", counters_json(counters)}, {"files", json::array()}};
  for (const auto& f : files) doc["files"].push_back(to_json(f));
  const std::string text = doc.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  const auto tmp = dir / (std::string(file_name) + ".tmp");
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("write the checkpoint", tmp);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      auto f = io_error("write the checkpoint", tmp);
      ::close(fd);
      return f;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return io_error("write the checkpoint", tmp);
  if (::rename(tmp.c_str(), (dir / file_name).c_str()) != 0) {
    return io_error("replace the checkpoint", dir / file_name);
  }
  if (const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    ::fsync(d);
    ::close(d);
  }
  return true;
}

}  // namespace perftrack::tail
