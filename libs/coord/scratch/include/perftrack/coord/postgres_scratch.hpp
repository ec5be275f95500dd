#pragma once

// Scratch schemas on a shared PostgreSQL server, for tests and benchmarks
// (target perftrack::coord_scratch; not part of coord's public headers).

#include <string>

#include "perftrack/base/expected.hpp"

namespace perftrack::coord {

/// (Re)creates the empty schema `name` on the server at `server_url` and returns
/// a URL whose connections use it (search_path, added to any `options` the URL
/// has).
expected<std::string> fresh_postgres_schema(const std::string& server_url, const std::string& name);

/// Drops a schema fresh_postgres_schema made; quietly does nothing when the
/// server is gone.
void drop_postgres_schema(const std::string& server_url, const std::string& name);

}  // namespace perftrack::coord
