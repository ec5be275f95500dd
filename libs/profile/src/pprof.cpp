// pprof's profile.proto (perftools.profiles.Profile), encoded directly: the
// format is a few messages of varints and strings, not worth a protobuf
// library. gzip through zlib, as pprof expects.

#include <zlib.h>

#include <map>
#include <stdexcept>

#include "perftrack/profile/profile.hpp"

namespace perftrack::profile {
namespace {

/// Protocol buffers' wire format, the parts profile.proto uses.
class message {
public:
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      bytes_ += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    bytes_ += static_cast<char>(v);
  }
  void tag(int field, int wire_type) {
    varint(static_cast<std::uint64_t>(field) << 3 | static_cast<std::uint64_t>(wire_type));
  }
  void uint(int field, std::uint64_t v) {
    if (v == 0) return;  // proto3: zero is the default, left out
    tag(field, 0);
    varint(v);
  }
  void bytes(int field, std::string_view b) {
    tag(field, 2);
    varint(b.size());
    bytes_ += b;
  }
  void packed(int field, const std::vector<std::uint64_t>& vs) {
    message m;
    for (const auto v : vs) m.varint(v);
    bytes(field, m.str());
  }
  const std::string& str() const noexcept { return bytes_; }

private:
  std::string bytes_;
};

/// Strings by index; index 0 is "", as profile.proto requires.
class string_table {
public:
  string_table() { index(""); }
  std::uint64_t index(const std::string& s) {
    const auto [it, fresh] = ids_.try_emplace(s, list_.size());
    if (fresh) list_.push_back(s);
    return it->second;
  }
  const std::vector<std::string>& list() const noexcept { return list_; }

private:
  std::map<std::string, std::uint64_t> ids_;
  std::vector<std::string> list_;
};

std::string value_type(string_table& strings, const std::string& type, const std::string& unit) {
  message m;
  m.uint(1, strings.index(type));
  m.uint(2, strings.index(unit));
  return m.str();
}

std::string gzip(const std::string& raw) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("zlib: deflateInit2 failed");
  std::string out(deflateBound(&z, raw.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("zlib: deflate did not finish");
  return out;
}

}  // namespace

std::string pprof_gz(const profile& p) {
  string_table strings;
  message profile_msg;
  profile_msg.bytes(1, value_type(strings, p.sample_type, p.sample_unit));
  profile_msg.bytes(1, value_type(strings, p.event, p.unit));
  // One function and one location per distinct name; ids from 1.
  std::map<std::string, std::uint64_t> ids;
  for (const auto& s : p.stacks) {
    for (const auto& f : s.frames) ids.try_emplace(f, 0);
  }
  std::uint64_t next = 1;
  for (auto& [name, id] : ids) id = next++;
  for (const auto& s : p.stacks) {
    message sample;
    std::vector<std::uint64_t> locations;  // the leaf first
    for (auto f = s.frames.rbegin(); f != s.frames.rend(); ++f) locations.push_back(ids.at(*f));
    sample.packed(1, locations);
    sample.packed(2, {s.samples, s.weight});
    profile_msg.bytes(2, sample.str());
  }
  for (const auto& [name, id] : ids) {
    message line;
    line.uint(1, id);  // function_id
    message location;
    location.uint(1, id);
    location.bytes(4, line.str());
    profile_msg.bytes(4, location.str());
  }
  for (const auto& [name, id] : ids) {
    message function;
    function.uint(1, id);
    function.uint(2, strings.index(name));
    function.uint(3, strings.index(name));
    profile_msg.bytes(5, function.str());
  }
  // The string table is complete only now: every index above is taken.
  const auto period_type = value_type(strings, p.event, p.unit);
  message tail;
  for (const auto& s : strings.list()) tail.bytes(6, s);
  tail.uint(9, static_cast<std::uint64_t>(p.start_ns));
  tail.uint(10, static_cast<std::uint64_t>(p.duration_ns));
  tail.bytes(11, period_type);
  tail.uint(12, p.period);
  return gzip(profile_msg.str() + tail.str());
}

}  // namespace perftrack::profile
