// This program's instance token (store.hpp): what fences an agent id to the
// running program that registered it.

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <mutex>
#include <random>
#include <string>

#include "perftrack/coord/store.hpp"
#include "rules.hpp"

namespace perftrack::coord {

std::string_view this_instance() {
  static std::mutex mutex;
  static std::string token;
  static pid_t made_by = 0;
  std::lock_guard lock(mutex);
  if (made_by != ::getpid()) {  // first use, or a forked child: a new instance
    made_by = ::getpid();
    char host[HOST_NAME_MAX + 1] = {};
    if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    std::random_device random;
    token = fmt::format("{}/{}/{:08x}", host, made_by, random());
  }
  return token;
}

namespace rules {

bool instance_gone(std::string_view instance) {
  const auto first = instance.find('/');
  const auto second = instance.find('/', first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos) return false;
  const auto mine = this_instance();
  if (instance.substr(0, first) != mine.substr(0, mine.find('/'))) return false;  // another host
  pid_t pid = 0;
  const auto digits = instance.substr(first + 1, second - first - 1);
  if (std::from_chars(digits.data(), digits.data() + digits.size(), pid).ec != std::errc() ||
      pid <= 0)
    return false;
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace rules
}  // namespace perftrack::coord
