#include "perftrack/coord/postgres_scratch.hpp"

#include <fmt/format.h>

#include <pqxx/pqxx>

#include "postgres_text.hpp"

namespace perftrack::coord {

using postgres::first_line;
using postgres::redact;

expected<std::string> fresh_postgres_schema(const std::string& server_url,
                                            const std::string& name) {
  try {
    pqxx::connection c(server_url);
    pqxx::nontransaction tx(c);
    tx.exec("DROP SCHEMA IF EXISTS " + c.quote_name(name) + " CASCADE");
    tx.exec("CREATE SCHEMA " + c.quote_name(name));
  } catch (const std::exception& e) {
    return failure{fmt::format("PostgreSQL at {}: cannot create schema {}: {}", redact(server_url),
                               name, first_line(e.what()))};
  }
  const std::string path = "-csearch_path%3D" + name;
  if (const auto opts = server_url.find("options="); opts != std::string::npos) {
    std::string url = server_url;  // one options parameter: add to the one given
    url.insert(opts + 8, path + "%20");
    return url;
  }
  return server_url + (server_url.find('?') == std::string::npos ? "?" : "&") + "options=" + path;
}

void drop_postgres_schema(const std::string& server_url, const std::string& name) {
  try {
    pqxx::connection c(server_url);
    pqxx::nontransaction(c).exec("DROP SCHEMA IF EXISTS " + c.quote_name(name) + " CASCADE");
  } catch (const std::exception&) {
    // The server is gone: its files go with it.
  }
}

}  // namespace perftrack::coord
