#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "perftrack/slo/objectives.hpp"

/// Alerts that reach people: the live evaluation's holding tiers posted to
/// Alertmanager's API v2 (docs/slo.md, "Alerts"). HTTP through libcurl.
namespace perftrack::slo {

/// One alert as the rules name it: alertname, slo and severity labels.
struct alert_state {
  std::string alertname;
  std::string slo;
  severity level;
  std::string summary;
  std::string description;
};

/// Posts firing alerts (again every call, as Prometheus does, so Alertmanager
/// keeps them) and, once, the resolution of each alert that stopped holding.
/// Failures do not lose state: unsent resolutions are retried at the next
/// call; 429 and 5xx back off (doubling, up to 5 minutes); a 4xx is reported
/// once per distinct reason and not retried until the alerts change.
class alertmanager_notifier {
public:
  /// `url`: Alertmanager's base URL, e.g. http://127.0.0.1:9093.
  alertmanager_notifier(std::string url, std::function<void(std::string_view)> on_error);

  /// The alerts holding at `now_ns`; sends what is due. Call from one thread.
  void update(std::int64_t now_ns, const std::vector<alert_state>& firing);

  std::uint64_t posts() const noexcept { return posts_; }

private:
  struct sent {
    alert_state alert;
    std::int64_t since_ns = 0;
  };
  bool post(const std::string& body, std::int64_t now_ns);

  std::string url_;
  std::function<void(std::string_view)> on_error_;
  std::map<std::string, sent> firing_;                   // by key
  std::vector<std::pair<sent, std::int64_t>> resolved_;  // unsent resolutions, with their end
  std::int64_t retry_at_ns_ = 0;
  std::chrono::seconds backoff_{0};
  std::string last_error_;
  bool refused_ = false;  // a 4xx for the current set: wait for a change
  std::uint64_t posts_ = 0;
};

}  // namespace perftrack::slo
