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
/// Alertmanager's API v2, or to a webhook of one's own (docs/slo.md, "Alerts").
/// HTTP through libcurl.
namespace perftrack::slo {

/// One alert as the rules name it: alertname, slo and severity labels.
struct alert_state {
  std::string alertname;
  std::string slo;
  severity level;
  std::string summary;
  std::string description;
};

/// POSTs JSON to one URL with the delivery rules every sender shares: 429,
/// 5xx and connection failures back off (doubling from 1 s to 5 minutes), a
/// 4xx is final for that body, and each distinct failure is reported once.
class json_poster {
public:
  json_poster(std::string url, std::string what, std::function<void(std::string_view)> on_error);
  enum class outcome { delivered, retry_later, refused };
  /// Sends `body` unless a backoff is running (then retry_later).
  outcome post(const std::string& body, std::int64_t now_ns);
  std::uint64_t posts() const noexcept { return posts_; }

private:
  std::string url_, what_;
  std::function<void(std::string_view)> on_error_;
  std::int64_t retry_at_ns_ = 0;
  std::chrono::seconds backoff_{0};
  std::string last_error_;
  std::uint64_t posts_ = 0;
};

/// Posts firing alerts to Alertmanager (again every call, as Prometheus does,
/// so Alertmanager keeps them) and, once, the resolution of each alert that
/// stopped holding; unsent resolutions are kept until delivered. After a 4xx
/// it waits for the alerts to change.
class alertmanager_notifier {
public:
  /// `url`: Alertmanager's base URL, e.g. http://127.0.0.1:9093.
  alertmanager_notifier(const std::string& url, std::function<void(std::string_view)> on_error);

  /// The alerts holding at `now_ns`; sends what is due. Call from one thread.
  void update(std::int64_t now_ns, const std::vector<alert_state>& firing);

private:
  struct sent {
    alert_state alert;
    std::int64_t since_ns = 0;
  };
  json_poster poster_;
  std::map<std::string, sent> firing_;                   // by key
  std::vector<std::pair<sent, std::int64_t>> resolved_;  // unsent resolutions, with their end
  bool refused_ = false;  // a 4xx for the current set: wait for a change
};

/// A tier that started or stopped holding.
struct alert_change {
  alert_state alert;
  bool resolved = false;
  std::int64_t since_ns = 0;
  std::int64_t ended_ns = 0;  ///< resolved only
};

/// The services a change_notifier speaks to directly.
enum class receiver_kind {
  webhook,  ///< the documented JSON payload, all changes in one post
  slack,    ///< an incoming webhook: Block Kit blocks and a plain `text`, one post at most a second
  pagerduty,  ///< Events API v2: one trigger or resolve per change, with a stable dedup_key
};

struct receiver_options {
  receiver_kind kind = receiver_kind::webhook;
  std::string url;
  std::string pagerduty_routing_key;  ///< pagerduty only
};

/// Posts changes only: a tier when it starts holding, and when it has stopped
/// for `hold` (a tier that holds again within `hold` sends nothing: a flapping
/// objective does not flood). Undelivered changes are kept, in order, until
/// delivered; a 4xx drops them after one report.
class change_notifier {
public:
  change_notifier(receiver_options to, std::chrono::nanoseconds hold,
                  std::function<void(std::string_view)> on_error);
  void update(std::int64_t now_ns, const std::vector<alert_state>& firing);

private:
  struct tracked {
    alert_state alert;
    std::int64_t since_ns = 0;
    std::int64_t stopped_ns = 0;  // 0: holding
  };
  void track(std::int64_t now_ns, const std::vector<alert_state>& firing);
  /// The request bodies that carry `changes` to this receiver.
  std::vector<std::string> bodies(const std::vector<alert_change>& changes) const;

  receiver_options to_;
  json_poster poster_;
  std::chrono::nanoseconds hold_;
  std::map<std::string, tracked> alerts_;  // by key
  std::vector<alert_change> queue_;        // not yet delivered
  std::int64_t last_post_ns_ = 0;
};

/// The JSON bodies for each receiver (docs/slo.md), for tests and fuzzing too.
std::string webhook_body(const std::vector<alert_change>& changes);
std::string slack_body(const std::vector<alert_change>& changes);
std::string pagerduty_body(const alert_change& change, const std::string& routing_key);

}  // namespace perftrack::slo
