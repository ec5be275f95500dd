// Alert delivery over HTTP with libcurl: Alertmanager's API v2 and webhooks.

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

nlohmann::json labels(const alert_state& a) {
  return {{"alertname", a.alertname}, {"slo", a.slo}, {"severity", std::string(name(a.level))}};
}

nlohmann::json annotations(const alert_state& a) {
  return {{"summary", a.summary}, {"description", a.description}};
}

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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

// ---- json_poster -------------------------------------------------------------

json_poster::json_poster(std::string url, std::string what,
                         std::function<void(std::string_view)> on_error)
    : url_(std::move(url)), what_(std::move(what)), on_error_(std::move(on_error)) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

json_poster::outcome json_poster::post(const std::string& body, std::int64_t now_ns) {
  if (now_ns < retry_at_ns_) return outcome::retry_later;
  std::unique_ptr<CURL, curl_deleter> curl(curl_easy_init());
  std::unique_ptr<curl_slist, slist_deleter> headers(
      curl_slist_append(nullptr, "Content-Type: application/json"));
  std::string reply;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url_.c_str());
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
    return outcome::delivered;
  }
  const bool retry = rc != CURLE_OK || status == 429 || status >= 500;
  const std::string why = rc != CURLE_OK ? fmt::format("{} ({})", curl_easy_strerror(rc), url_)
                                         : fmt::format("{} answered {}: {}", url_, status, reply);
  if (why != last_error_) {
    on_error_(fmt::format("{}: {}{}", what_, why,
                          retry ? "; retrying with backoff, the alerts are kept"
                                : "; not retried until the alerts change"));
    last_error_ = why;
  }
  if (!retry) return outcome::refused;
  backoff_ = std::min<std::chrono::seconds>(std::chrono::seconds(300),
                                            std::max(std::chrono::seconds(1), backoff_ * 2));
  retry_at_ns_ = now_ns + backoff_.count() * ns_per_second;
  return outcome::retry_later;
}

// ---- alertmanager_notifier -----------------------------------------------------

alertmanager_notifier::alertmanager_notifier(const std::string& url,
                                             std::function<void(std::string_view)> on_error)
    : poster_(url.substr(0, url.find_last_not_of('/') + 1) + "/api/v2/alerts", "alertmanager",
              std::move(on_error)) {}

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
  if (refused_) return;
  const auto entry = [](const sent& s, std::int64_t ends_ns) {
    return nlohmann::json{{"labels", labels(s.alert)},
                          {"annotations", annotations(s.alert)},
                          {"startsAt", iso(s.since_ns)},
                          {"endsAt", iso(ends_ns)},
                          {"generatorURL", "http://127.0.0.1/perftrack-serve"}};
  };
  nlohmann::json batch = nlohmann::json::array();
  for (const auto& [k, s] : firing_) batch.push_back(entry(s, now_ns + firing_horizon_ns));
  for (const auto& [s, ended] : resolved_) batch.push_back(entry(s, ended));
  if (batch.empty()) return;
  switch (poster_.post(dump(batch), now_ns)) {
    case json_poster::outcome::delivered: resolved_.clear(); break;
    case json_poster::outcome::refused: refused_ = true; break;
    case json_poster::outcome::retry_later: break;
  }
}

// ---- change_notifier -------------------------------------------------------------

namespace {

nlohmann::json change_json(const alert_change& c) {
  nlohmann::json e{{"status", c.resolved ? "resolved" : "firing"},
                   {"labels", labels(c.alert)},
                   {"annotations", annotations(c.alert)},
                   {"startsAt", iso(c.since_ns)}};
  if (c.resolved) e["endsAt"] = iso(c.ended_ns);
  return e;
}

/// One line of a Slack message for a change.
std::string slack_line(const alert_change& c) {
  return fmt::format("{} *{}* {}: {}", c.resolved ? "RESOLVED" : "FIRING",
                     std::string(name(c.alert.level)), c.alert.slo, c.alert.summary);
}

/// Slack's mrkdwn treats &, < and > as control characters.
std::string slack_escape(std::string_view s) {
  std::string out;
  for (const char ch : s) {
    if (ch == '&') {
      out += "&amp;";
    } else if (ch == '<') {
      out += "&lt;";
    } else if (ch == '>') {
      out += "&gt;";
    } else {
      out += ch;
    }
  }
  return out;
}

std::string_view pagerduty_severity(severity s) {
  switch (s) {
    case severity::critical: return "critical";
    case severity::error: return "error";
    case severity::warning: return "warning";
  }
  return "error";
}

}  // namespace

std::string webhook_body(const std::vector<alert_change>& changes) {
  nlohmann::json alerts = nlohmann::json::array();
  for (const auto& c : changes) alerts.push_back(change_json(c));
  return dump({{"version", "1"}, {"source", "perftrack serve"}, {"alerts", alerts}});
}

std::string slack_body(const std::vector<alert_change>& changes) {
  std::string text;
  nlohmann::json blocks = nlohmann::json::array();
  for (const auto& c : changes) {
    const std::string line = slack_escape(slack_line(c));
    text += (text.empty() ? "" : "\n") + line;
    blocks.push_back(
        {{"type", "section"},
         {"text",
          {{"type", "mrkdwn"}, {"text", line + "\n" + slack_escape(c.alert.description)}}}});
  }
  return dump({{"text", text}, {"blocks", blocks}});
}

std::string pagerduty_body(const alert_change& c, const std::string& routing_key) {
  // The same tier of the same objective always has the same key, so a resolve
  // closes the incident its trigger opened.
  const std::string dedup = "perftrack/" + key(c.alert);
  nlohmann::json event{{"routing_key", routing_key},
                       {"event_action", c.resolved ? "resolve" : "trigger"},
                       {"dedup_key", dedup}};
  if (!c.resolved) {
    std::string summary = c.alert.summary + ": " + c.alert.description;
    if (summary.size() > 1024) summary.resize(1024);  // the API's limit
    event["payload"] = {{"summary", summary},
                        {"source", "perftrack serve"},
                        {"severity", pagerduty_severity(c.alert.level)},
                        {"timestamp", iso(c.since_ns)},
                        {"custom_details", labels(c.alert)}};
  }
  return dump(event);
}

change_notifier::change_notifier(receiver_options to, std::chrono::nanoseconds hold,
                                 std::function<void(std::string_view)> on_error)
    : to_(std::move(to)),
      poster_(to_.url,
              to_.kind == receiver_kind::slack       ? "slack"
              : to_.kind == receiver_kind::pagerduty ? "pagerduty"
                                                     : "webhook",
              std::move(on_error)),
      hold_(hold) {}

void change_notifier::track(std::int64_t now_ns, const std::vector<alert_state>& firing) {
  std::map<std::string, bool> holding;
  for (const auto& a : firing) holding[key(a)] = true;
  for (const auto& a : firing) {
    auto [it, added] = alerts_.try_emplace(key(a), tracked{a, now_ns, 0});
    if (added) queue_.push_back({a, false, now_ns, 0});
    it->second.stopped_ns = 0;  // holding (again within the hold: nothing to say)
  }
  for (auto it = alerts_.begin(); it != alerts_.end();) {
    tracked& t = it->second;
    if (holding.count(it->first) == 0) {
      if (t.stopped_ns == 0) t.stopped_ns = now_ns;
      if (now_ns - t.stopped_ns >= hold_.count()) {
        queue_.push_back({t.alert, true, t.since_ns, t.stopped_ns});
        it = alerts_.erase(it);
        continue;
      }
    }
    ++it;
  }
}

std::vector<std::string> change_notifier::bodies(const std::vector<alert_change>& changes) const {
  switch (to_.kind) {
    case receiver_kind::webhook: return {webhook_body(changes)};
    case receiver_kind::slack: return {slack_body(changes)};
    case receiver_kind::pagerduty: {
      std::vector<std::string> out;
      for (const auto& c : changes) out.push_back(pagerduty_body(c, to_.pagerduty_routing_key));
      return out;
    }
  }
  return {};
}

void change_notifier::update(std::int64_t now_ns, const std::vector<alert_state>& firing) {
  track(now_ns, firing);
  if (queue_.empty()) return;
  // Slack takes at most one message a second per webhook.
  if (to_.kind == receiver_kind::slack && now_ns - last_post_ns_ < ns_per_second) return;
  last_post_ns_ = now_ns;
  if (to_.kind == receiver_kind::pagerduty) {
    // One event per request: delivered ones leave the queue as they go.
    while (!queue_.empty()) {
      const auto sent =
          poster_.post(pagerduty_body(queue_.front(), to_.pagerduty_routing_key), now_ns);
      if (sent == json_poster::outcome::retry_later) return;
      queue_.erase(queue_.begin());
    }
    return;
  }
  // Delivered or refused (a 4xx would refuse it again): either way it is done.
  if (poster_.post(bodies(queue_).front(), now_ns) != json_poster::outcome::retry_later) {
    queue_.clear();
  }
}

}  // namespace perftrack::slo
