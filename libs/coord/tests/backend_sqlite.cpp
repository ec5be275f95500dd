#include "fixture.hpp"

namespace perftrack::coord::testing {

backend_store fresh_store(const std::filesystem::path& dir) {
  return {.url = "sqlite:" + (dir / "coord.db").string()};
}

void drop_store(const std::string&) {}

}  // namespace perftrack::coord::testing
