// Recorded operations as speedscope evented profiles.

#include "perftrack/profile/spans.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <queue>

#include "perftrack/reader/scanner.hpp"

namespace perftrack::profile {
namespace {

using json = nlohmann::json;

class span_sink final : public reader::record_sink {
public:
  span_sink(std::string_view operation, span_set& into) : operation_(operation), into_(into) {}
  void on_record(const reader::record_view& r) override {
    if (!operation_.empty() && r.operation != operation_) return;
    const auto duration = static_cast<std::int64_t>(std::llround(r.duration_ms * 1e6));
    into_.spans.push_back({std::string(r.operation),
                           r.has_session_id ? std::string(r.session_id) : std::string(),
                           r.timestamp_ns - duration, r.timestamp_ns, r.success});
  }

private:
  std::string_view operation_;
  span_set& into_;
};

/// Lane of each span (by start time) so that the spans of a lane do not
/// overlap: the lane that came free first, or a new one (interval
/// partitioning, the fewest lanes possible).
std::vector<std::size_t> lanes(const std::vector<const span*>& spans, std::size_t& count) {
  using free_at = std::pair<std::int64_t, std::size_t>;  // (end, lane)
  std::priority_queue<free_at, std::vector<free_at>, std::greater<>> busy;
  std::vector<std::size_t> lane(spans.size());
  count = 0;
  for (std::size_t i = 0; i < spans.size(); ++i) {
    if (!busy.empty() && busy.top().first <= spans[i]->start_ns) {
      lane[i] = busy.top().second;
      busy.pop();
    } else {
      lane[i] = count++;
    }
    busy.emplace(spans[i]->end_ns, lane[i]);
  }
  return lane;
}

/// The evented profiles of one session's spans (by start time), one per lane.
void add_session(const std::string& session, const std::vector<const span*>& spans,
                 std::int64_t origin_ns, std::map<std::string, std::size_t>& frame_index,
                 json& frames, json& profiles) {
  std::size_t count = 0;
  const auto lane = lanes(spans, count);
  const auto ms = [&](std::int64_t ns) { return static_cast<double>(ns - origin_ns) / 1e6; };
  std::vector<json> events(count, json::array());
  std::vector<std::pair<double, double>> extent(count, {0, 0});
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const span& s = *spans[i];
    const std::string name = s.success ? s.operation : s.operation + " (failed)";
    const auto [it, fresh] = frame_index.try_emplace(name, frames.size());
    if (fresh) frames.push_back({{"name", name}});
    auto& e = events[lane[i]];
    if (e.empty()) extent[lane[i]].first = ms(s.start_ns);
    e.push_back({{"type", "O"}, {"frame", it->second}, {"at", ms(s.start_ns)}});
    e.push_back({{"type", "C"}, {"frame", it->second}, {"at", ms(s.end_ns)}});
    extent[lane[i]].second = ms(s.end_ns);
  }
  const std::string label = session.empty() ? "no session" : "session " + session;
  for (std::size_t k = 0; k < count; ++k) {
    profiles.push_back(
        {{"type", "evented"},
         {"name", count == 1 ? label : fmt::format("{}, lane {} of {}", label, k + 1, count)},
         {"unit", "milliseconds"},
         {"startValue", extent[k].first},
         {"endValue", extent[k].second},
         {"events", std::move(events[k])}});
  }
}

}  // namespace

expected<span_set> read_spans(const std::vector<std::filesystem::path>& inputs,
                              std::string_view operation, std::size_t most) {
  std::error_code ec;
  std::filesystem::path failed;
  const auto files = reader::expand_inputs(inputs, ec, failed);
  if (ec) return failure{fmt::format("cannot read {}: {}", failed.string(), ec.message())};
  span_set out;
  span_sink sink(operation, out);
  reader::scan_options options;
  options.detail = reader::line_parser::detail_level::full;
  for (const auto& file : files) {
    reader::scan_result r;
    if (!reader::scan_file_in_order(file, sink, options, r, ec))
      return failure{fmt::format("cannot read {}: {}", file.string(), ec.message())};
    out.records += r.records;
    out.malformed += r.malformed;
  }
  std::stable_sort(out.spans.begin(), out.spans.end(),
                   [](const span& a, const span& b) { return a.start_ns < b.start_ns; });
  if (out.spans.size() > most) {
    out.left_out = out.spans.size() - most;
    out.spans.resize(most);
  }
  return out;
}

std::string spans_speedscope_json(const std::vector<span>& spans, std::string_view name) {
  std::map<std::string, std::vector<const span*>> sessions;
  std::int64_t origin = spans.empty() ? 0 : spans.front().start_ns;
  for (const auto& s : spans) {
    sessions[s.session].push_back(&s);
    origin = std::min(origin, s.start_ns);
  }
  std::map<std::string, std::size_t> frame_index;
  json frames = json::array();
  json profiles = json::array();
  for (auto& [session, list] : sessions) {
    std::stable_sort(list.begin(), list.end(),
                     [](const span* a, const span* b) { return a->start_ns < b->start_ns; });
    add_session(session, list, origin, frame_index, frames, profiles);
  }
  json doc = {{"$schema", "https://www.speedscope.app/file-format-schema.json"},
              {"exporter", "perftrack"},
              {"name", name},
              {"activeProfileIndex", 0},
              {"shared", {{"frames", frames}}},
              {"profiles", profiles}};
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace perftrack::profile
