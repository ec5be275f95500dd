#pragma once

#include <string>

#include "perftrack/testing/temp_dir.hpp"

namespace perftrack::testing {

/// A whole line as the writer makes it: starts with the timestamp, ends the object.
inline bool is_whole_record(const std::string& line) {
  return line.rfind("{\"timestamp\":\"", 0) == 0 && line.size() > 40 && line.back() == '}' &&
         line.find("\"operation_type\":") != std::string::npos &&
         line.find("{\"timestamp\"", 1) == std::string::npos;
}

}  // namespace perftrack::testing
