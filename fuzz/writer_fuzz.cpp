// The recorder's line writer fed arbitrary session ids, errors, contexts and
// operation names (fields split at NUL bytes; fuzz/corpus/writer): every line
// it writes must be one valid JSON object (the contract of the file format),
// whatever the text: control characters, invalid UTF-8, braces that are no JSON.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "perftrack/recorder/tracker.hpp"

namespace {

std::filesystem::path scratch_directory() {
  return std::filesystem::temp_directory_path() /
         ("perftrack-writer-fuzz-" + std::to_string(::getpid()));
}

const perftrack::tracker_options& options() {
  static const perftrack::tracker_options o = [] {
    perftrack::tracker_options x;
    x.directory = scratch_directory();
    x.on_error = [](std::string_view) {};
    // Registered before the writer exists, so it runs after the writer's
    // last flush at exit.
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_directory(), ec);
    });
    return x;
  }();
  return o;
}

perftrack::tracker& writer() {
  static perftrack::tracker t(options());
  return t;
}

std::vector<std::string_view> fields(std::string_view input) {
  std::vector<std::string_view> out;
  for (std::size_t at = 0; out.size() < 3;) {
    const auto end = input.find('\0', at);
    if (end == std::string_view::npos) break;
    out.push_back(input.substr(at, end - at));
    at = end + 1;
    if (out.size() == 3) out.push_back(input.substr(at));
  }
  while (out.size() < 4) out.push_back(out.empty() ? input : std::string_view());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto f = fields(input);
  auto& t = writer();
  const auto path = options().file_path();
  std::error_code ec;
  std::filesystem::remove(path, ec);
  t.record(f[3].empty() ? std::string_view("op") : f[3], 1.5, true,
           {.session_id = f[0], .error = f[1], .context_json = f[2]});
  t.flush();
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) std::abort();
  }
  return 0;
}
