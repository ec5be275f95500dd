#include <fmt/format.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "perftrack/profile/profile.hpp"

namespace perftrack::profile {
namespace {

expected<std::filesystem::path> write_file(const std::filesystem::path& path,
                                           const std::string& text) {
  const auto partial = std::filesystem::path(path.string() + ".partial");
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush())
      return failure{
          fmt::format("cannot write {}: check the folder and free space", partial.string())};
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) return failure{fmt::format("cannot rename {}: {}", partial.string(), ec.message())};
  return path;
}

}  // namespace

expected<std::vector<std::filesystem::path>> write_files(
    const std::filesystem::path& dir,
    const std::vector<std::pair<std::string, std::string>>& files) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return failure{fmt::format("cannot create {}: {}", dir.string(), ec.message())};
  std::vector<std::filesystem::path> written;
  for (const auto& [name, text] : files) {
    auto w = write_file(dir / name, text);
    if (!w) return failure{w.error()};
    written.push_back(*w);
  }
  return written;
}

expected<std::vector<std::filesystem::path>> write_outputs(const profile& p,
                                                           const std::filesystem::path& dir,
                                                           std::string_view title) {
  std::ostringstream folded;
  write_folded(p, folded);
  return write_files(dir, {{"profile.folded", folded.str()},
                           {"flamegraph.html", flamegraph_html(p, title)},
                           {"flamegraph.svg", flamegraph_svg(p, title)},
                           {"profile.speedscope.json", speedscope_json(p, title)},
                           {"profile.pb.gz", pprof_gz(p)},
                           {"summary.md", summary_markdown(p, title)}});
}

std::string file_name_of(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '.' && c != '-') c = '_';
  }
  return out;
}

}  // namespace perftrack::profile
