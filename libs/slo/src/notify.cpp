// Alertmanager API v2: POST /api/v2/alerts with libcurl.

#include "perftrack/slo/notify.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>

#include "perftrack/store/timestamp.hpp"

namespace perftrack::slo {
namespace {

constexpr std::int64_t ns_per_second = 1'000'000'000;
/// A firing alert's endsAt: Alertmanager resolves it itself if we stop sending.
constexpr std::int64_t firing_horizon_ns = 4 * 60 * ns_per_second;

std::string iso(std::int64_t ns) {
  char buf[store::timestamp_length];
  return {buf, store::format_timestamp(ns, buf)};
}

std::string key(const alert_state& a) {
  return a.alertname + '\x1f' + a.slo + '\x1f' + std::string(name(a.level));
}

nlohmann::json to_json(const alert_state& a, std::int64_t starts_ns, std::int64_t ends_ns) {
  return {{"labels",
           {{"alertname", a.alertname}, {"slo", a.slo}, {"severity", std::string(name(a.level))}}},
          {"annotations", {{"summary", a.summary}, {"description", a.description}}},
          {"startsAt", iso(starts_ns)},
          {"endsAt", iso(ends_ns)},
          {"generatorURL", "http://127.0.0.1/perftrack-serve"}};
}

struct curl_deleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct slist_deleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

std::size_t keep_body(char* data, std::size_t size, std::size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() < 512) body->append(data, std::min<std::size_t>(size * n, 512 - body->size()));
  return size * n;
}

}  // namespace

alertmanager_notifier::alertmanager_notifier(std::string url,
                                             std::function<void(std::string_view)> on_error)
    : url_(std::move(url)), on_error_(std::move(on_error)) {
  while (!url_.empty() && url_.back() == '/') url_.pop_back();
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

bool alertmanager_notifier::post(const std::string& body, std::int64_t now_ns) {
  std::unique_ptr<CURL, curl_deleter> curl(curl_easy_init());
  std::unique_ptr<curl_slist, slist_deleter> headers(
      curl_slist_append(nullptr, "Content-Type: application/json"));
  std::string reply;
  const std::string endpoint = url_ + "/api/v2/alerts";
  curl_easy_setopt(curl.get(), CURLOPT_URL, endpoint.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, keep_body);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &reply);
  const CURLcode rc = curl_easy_perform(curl.get());
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  ++posts_;
  if (rc == CURLE_OK && status >= 200 && status < 300) {
    backoff_ = std::chrono::seconds(0);
    last_error_.clear();
    return true;
  }
  const bool retry = rc != CURLE_OK || status == 429 || status >= 500;
  const std::string why = rc != CURLE_OK
                              ? fmt::format("{} ({})", curl_easy_strerror(rc), endpoint)
                              : fmt::format("{} answered {}: {}", endpoint, status, reply);
  if (why != last_error_) {
    on_error_(fmt::format("alertmanager: {}{}", why,
                          retry ? "; retrying with backoff, the alerts are kept"
                                : "; not retried until the alerts change"));
    last_error_ = why;
  }
  if (retry) {
    backoff_ = std::min<std::chrono::seconds>(std::chrono::seconds(300),
                                              std::max(std::chrono::seconds(1), backoff_ * 2));
    retry_at_ns_ = now_ns + backoff_.count() * ns_per_second;
  } else {
    refused_ = true;
  }
  return false;
}

void alertmanager_notifier::update(std::int64_t now_ns, const std::vector<alert_state>& firing) {
  std::map<std::string, sent> next;
  bool changed = false;
  for (const auto& a : firing) {
    const std::string k = key(a);
    auto it = firing_.find(k);
    next.emplace(k, sent{a, it != firing_.end() ? it->second.since_ns : now_ns});
    changed = changed || it == firing_.end();
  }
  for (auto& [k, s] : firing_) {
    if (next.count(k) == 0) {
      resolved_.push_back({s, now_ns});
      changed = true;
    }
  }
  firing_ = std::move(next);
  if (changed) refused_ = false;
  if (refused_ || now_ns < retry_at_ns_) return;
  nlohmann::json batch = nlohmann::json::array();
  for (const auto& [k, s] : firing_)
    batch.push_back(to_json(s.alert, s.since_ns, now_ns + firing_horizon_ns));
  for (const auto& [s, ended] : resolved_) batch.push_back(to_json(s.alert, s.since_ns, ended));
  if (batch.empty()) return;
  if (post(batch.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), now_ns)) {
    resolved_.clear();
  }
}

}  // namespace perftrack::slo
