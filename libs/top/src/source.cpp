#include "perftrack/top/source.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>

#include "perftrack/exposition/agent_metrics.hpp"
#include "perftrack/tail/tailer.hpp"

namespace perftrack::top {

std::uint64_t operation_totals::count() const noexcept {
  return std::accumulate(buckets.begin(), buckets.end(), std::uint64_t{0});
}

namespace {

class files final : public source {
public:
  files(std::unique_ptr<tail::tailer> t, std::string name)
      : tailer_(std::move(t)), name_(std::move(name)) {}

  expected<reading> read() override {
    tailer_->poll();
    for (const auto& f : tailer_->status()) {
      if (!f.last_error.empty()) return failure{f.path + ": " + f.last_error};
    }
    const auto& bounds = exposition::agent_metrics::duration_layout()->bounds();
    reading out;
    for (auto& [operation, counts] : tailer_->counts().operations) {
      out.emplace(operation, operation_totals{bounds, std::move(counts.buckets), counts.errors});
    }
    return out;
  }
  const std::string& name() const noexcept override { return name_; }

private:
  std::unique_ptr<tail::tailer> tailer_;
  std::string name_;
};

struct curl_deleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};

std::size_t append_body(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

class scrape final : public source {
public:
  scrape(std::string url, scrape_names names) : url_(std::move(url)), names_(std::move(names)) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
  }

  expected<reading> read() override {
    std::unique_ptr<CURL, curl_deleter> curl(curl_easy_init());
    std::string body;
    curl_easy_setopt(curl.get(), CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_ACCEPT_ENCODING, "");  // gzip when offered
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
    const CURLcode rc = curl_easy_perform(curl.get());
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK) return failure{fmt::format("{}: {}", url_, curl_easy_strerror(rc))};
    if (status != 200) return failure{fmt::format("{} answered HTTP {}", url_, status)};
    auto samples = exposition::parse(body);
    if (!samples) return failure{url_ + ": " + samples.error().message};
    auto r = reading_from_samples(*samples, names_);
    if (!r) return failure{url_ + ": " + r.error().message};
    return r;
  }
  const std::string& name() const noexcept override { return url_; }

private:
  std::string url_;
  scrape_names names_;
};

/// le text to its bound: +Inf for "+Inf", NaN when unreadable.
double bound_of(const std::string& le) {
  if (le == "+Inf" || le == "Inf") return HUGE_VAL;
  char* end = nullptr;
  const double v = std::strtod(le.c_str(), &end);
  return end == le.c_str() + le.size() && !le.empty() ? v : std::nan("");
}

}  // namespace

expected<std::unique_ptr<source>> file_source(const std::vector<std::filesystem::path>& paths) {
  tail::tailer_options o;
  o.paths = paths;
  auto t = tail::tailer::open(std::move(o));
  if (!t) return t.error();
  std::string name;
  for (const auto& p : paths) name += (name.empty() ? "" : ", ") + p.string();
  return std::unique_ptr<source>(std::make_unique<files>(std::move(*t), std::move(name)));
}

std::unique_ptr<source> url_source(std::string url, scrape_names names) {
  return std::make_unique<scrape>(std::move(url), std::move(names));
}

expected<reading> reading_from_samples(const std::vector<exposition::sample>& samples,
                                       const scrape_names& names) {
  // Cumulative counts by operation and bound, added over the other labels.
  std::map<std::string, std::map<double, double>, std::less<>> cumulative;
  std::map<std::string, double, std::less<>> errors;
  const std::string bucket_name = names.histogram + "_bucket";
  for (const auto& s : samples) {
    const std::string* op = s.label(names.label);
    const std::string operation = op ? *op : std::string();
    if (s.name == bucket_name) {
      const std::string* le = s.label("le");
      const double bound = le ? bound_of(*le) : std::nan("");
      if (std::isnan(bound))
        return failure{fmt::format("{} has a bucket without a number as le", bucket_name)};
      cumulative[operation][bound] += s.value;
    } else if (!names.errors.empty() && s.name == names.errors) {
      errors[operation] += s.value;
    }
  }
  if (cumulative.empty()) {
    return failure{
        fmt::format("no {} histogram in the scrape (name another with --metric)", names.histogram)};
  }
  reading out;
  for (const auto& [operation, by_bound] : cumulative) {
    operation_totals t;
    double below = 0;
    for (const auto& [bound, count] : by_bound) {
      if (std::isfinite(bound)) t.bounds.push_back(bound);
      t.buckets.push_back(static_cast<std::uint64_t>(std::max(0.0, count - below)));
      below = std::max(below, count);
    }
    if (by_bound.empty() || std::isfinite(by_bound.rbegin()->first)) t.buckets.push_back(0);
    if (auto e = errors.find(operation); e != errors.end()) {
      t.errors = static_cast<std::uint64_t>(e->second);
    }
    out.emplace(operation, std::move(t));
  }
  return out;
}

}  // namespace perftrack::top
