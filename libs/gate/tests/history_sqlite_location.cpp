#include "history_location.hpp"

namespace perftrack::gate::testing {

history_location fresh_history(const std::filesystem::path& dir) {
  return {.location = (dir / "history.db").string()};
}

void drop_history(const std::string&) {}

}  // namespace perftrack::gate::testing
