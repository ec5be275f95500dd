// perf.data read without perf script: the file's header and records (the
// layout of linux/perf_event.h and perf's header.h), processes' mappings
// replayed in time order, call stacks named through symbols.hpp.

#include "perftrack/profile/perf_data.hpp"

#include <fmt/format.h>
#include <sys/auxv.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <unordered_map>

#include "frames.hpp"
#include "symbols.hpp"

namespace perftrack::profile {
namespace {

constexpr std::uint64_t file_magic = 0x32454c4946524550ULL;  // "PERFILE2"

namespace record {
constexpr std::uint32_t mmap = 1, fork = 7, sample = 9, mmap2 = 10;
}
namespace bit {  // perf_event_attr::sample_type
constexpr std::uint64_t ip = 1U << 0, tid = 1U << 1, time = 1U << 2, addr = 1U << 3, read = 1U << 4,
                        callchain = 1U << 5, id = 1U << 6, cpu = 1U << 7, period = 1U << 8,
                        stream_id = 1U << 9, identifier = 1U << 16;
}
constexpr std::uint16_t cpumode_mask = 7, kernel_mode = 1, user_mode = 2;
constexpr std::uint16_t mmap_build_id = 1U << 14;
constexpr std::uint16_t fork_exec = 1U << 13;  // PERF_RECORD_MISC_FORK_EXEC: a described process
// Call chain entries at or above this mark a change of context.
constexpr std::uint64_t context_max = static_cast<std::uint64_t>(-4095);
constexpr std::uint64_t context_kernel = static_cast<std::uint64_t>(-128);
constexpr std::uint64_t context_user = static_cast<std::uint64_t>(-512);
/// The hypervisor's and guests' contexts (PERF_CONTEXT_HV, _GUEST, ...).
constexpr bool known_context(std::uint64_t ip) {
  const auto c = static_cast<std::int64_t>(ip);
  return c == -32 || c == -128 || c == -512 || c == -2048 || c == -2176 || c == -2560;
}

/// Bounds-checked reads of the file's bytes.
class bytes {
public:
  explicit bytes(std::string_view data) : data_(data) {}
  template <class T>
  bool get(std::size_t at, T& out) const {
    if (at > data_.size() || data_.size() - at < sizeof(T)) return false;
    std::memcpy(&out, data_.data() + at, sizeof(T));
    return true;
  }
  std::string_view text(std::size_t at, std::size_t end) const {
    if (at >= end || end > data_.size()) return {};
    const auto s = data_.substr(at, end - at);
    return s.substr(0, s.find('\0'));
  }
  std::size_t size() const noexcept { return data_.size(); }

private:
  std::string_view data_;
};

/// How the file's samples and other records are laid out.
struct layout {
  std::uint64_t sample_type = 0, read_format = 0;
  bool sample_id_all = false;
};

/// Bytes of a sample's READ part.
std::size_t read_size(std::uint64_t format, const bytes& b, std::size_t at) {
  const std::size_t times = ((format & 1U) ? 8 : 0) + ((format & 2U) ? 8 : 0);
  const std::size_t per_value = 8 + ((format & 4U) ? 8 : 0) + ((format & 16U) ? 8 : 0);
  if ((format & 8U) == 0) return times + per_value;  // not a group
  std::uint64_t n = 0;
  if (!b.get(at, n) || n > 4096) return 0;
  return 8 + times + n * per_value;
}

/// The time in the sample_id trailer of a record other than a sample.
std::int64_t trailer_time(const layout& l, const bytes& b, std::size_t end) {
  if (!l.sample_id_all || (l.sample_type & bit::time) == 0) return 0;
  const std::uint64_t fields[] = {bit::tid,       bit::time, bit::id,
                                  bit::stream_id, bit::cpu,  bit::identifier};
  std::size_t size = 0;
  for (auto f : fields) size += (l.sample_type & f) ? 8 : 0;
  const std::size_t at = end - size + ((l.sample_type & bit::tid) ? 8 : 0);
  std::uint64_t t = 0;
  return b.get(at, t) ? static_cast<std::int64_t>(t) : 0;
}

struct sample_fields {
  std::uint32_t pid = 0;
  std::uint64_t time = 0, period = 1, ip = 0;
  std::size_t chain = 0, chain_size = 0;  // where the call chain's entries are
};

/// A sample's fields, in the order linux/perf_event.h lays them out.
bool parse_sample(const layout& l, const bytes& b, std::size_t at, std::size_t end,
                  sample_fields& s) {
  const auto t = l.sample_type;
  const auto skip = [&](std::uint64_t flag) {
    if (t & flag) at += 8;
  };
  const auto take = [&](std::uint64_t flag, std::uint64_t& v) {
    if ((t & flag) == 0) return true;
    const bool ok = b.get(at, v);
    at += 8;
    return ok;
  };
  skip(bit::identifier);
  if (!take(bit::ip, s.ip)) return false;
  if (t & bit::tid) {
    if (!b.get(at, s.pid)) return false;
    at += 8;
  }
  if (!take(bit::time, s.time)) return false;
  skip(bit::addr);
  skip(bit::id);
  skip(bit::stream_id);
  skip(bit::cpu);
  if (!take(bit::period, s.period)) return false;
  if (t & bit::read) {
    const auto n = read_size(l.read_format, b, at);
    if (n == 0) return false;
    at += n;
  }
  if (t & bit::callchain) {
    std::uint64_t n = 0;
    if (!b.get(at, n) || n > (end - at) / 8) return false;
    s.chain = at + 8;
    s.chain_size = n;
  }
  return at <= end;
}

/// A record to replay, and when it happened; a sample's fields, read once.
struct event {
  std::int64_t time;
  std::size_t at;
  sample_fields sample;
};

/// One executable mapping of a process.
struct mapping {
  std::uint64_t end = 0, pgoff = 0, inode = 0;
  std::string file, build_id;  // the build ID in hex, when perf recorded it
};
using address_space = std::map<std::uint64_t, mapping>;  // by start

/// Inserts [start, m.end), cutting what it overlaps, as a new mmap replaces.
void map_into(address_space& space, std::uint64_t start, mapping m) {
  auto it = space.lower_bound(start);
  if (it != space.begin() && std::prev(it)->second.end > start) --it;
  while (it != space.end() && it->first < m.end) {
    const auto old_start = it->first;
    auto old = std::move(it->second);
    it = space.erase(it);
    if (old_start < start) {
      mapping head = old;
      head.end = start;
      space.emplace(old_start, std::move(head));
    }
    if (old.end > m.end) {
      old.pgoff += m.end - old_start;
      space.emplace(m.end, std::move(old));
    }
  }
  space.emplace(start, std::move(m));
}

/// perf's name for a mapping of no file: its JIT symbol file's.
bool anonymous(std::string_view file) {
  return file == "//anon" || file.starts_with("/dev/zero") || file.starts_with("/anon_hugepage") ||
         file.starts_with("[stack") || file.starts_with("/SYSV") || file == "[heap]";
}

/// The vDSO this process sees, which is the one the profiled processes see.
detail::elf_functions own_vdso() {
  const auto base = getauxval(AT_SYSINFO_EHDR);
  if (base == 0) return {};
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (!line.ends_with("[vdso]")) continue;
    std::uint64_t from = 0, to = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx", &from, &to) == 2 && from == base)
      return detail::elf_functions::from_memory(reinterpret_cast<const void*>(from), to - from);
  }
  return {};
}

}  // namespace

struct perf_data_reader::impl {
  std::optional<detail::kernel_functions> kernel;
  std::optional<detail::elf_functions> vdso;
  struct cached {
    detail::elf_functions functions;
    std::uint64_t used = 0;  // the read that last used it
  };
  std::unordered_map<std::string, cached> files;  // by build ID, or path and inode
  std::uint64_t reads = 0;

  /// Forgets the files no sample named in the last `reads_kept` reads: the
  /// programs that ended, and the old builds of those rebuilt.
  void forget_unused(std::uint64_t reads_kept = 64) {
    std::erase_if(files, [&](const auto& f) { return f.second.used + reads_kept < reads; });
  }

  // Per file:
  layout l;
  std::unordered_map<std::uint32_t, address_space> processes;

  const detail::kernel_functions& kernel_symbols() {
    if (!kernel) kernel = detail::kernel_functions::from_kallsyms();
    return *kernel;
  }

  /// The symbols of a mapped file, if it is still the file that was mapped.
  const detail::elf_functions& file_symbols(const mapping& m) {
    if (m.file == "[vdso]") {
      if (!vdso) vdso = own_vdso();
      return *vdso;
    }
    const auto key = m.build_id.empty() ? fmt::format("{}\n{}", m.file, m.inode) : m.build_id;
    auto it = files.find(key);
    if (it == files.end())
      it = files.emplace(key, cached{detail::mapped_file_functions(m.file, m.inode, m.build_id)})
               .first;
    it->second.used = reads;
    return it->second.functions;
  }

  std::string user_frame(std::uint32_t pid, std::uint64_t ip) {
    const auto p = processes.find(pid);
    if (p == processes.end()) return detail::frame_name({}, {});
    auto it = p->second.upper_bound(ip);
    if (it == p->second.begin()) return detail::frame_name({}, {});
    --it;
    const auto& m = it->second;
    if (ip >= m.end) return detail::frame_name({}, {});
    return detail::frame_name(file_symbols(m).at_offset(ip - it->first + m.pgoff), m.file);
  }

  std::string kernel_frame(std::uint64_t ip) {
    return detail::frame_name(kernel_symbols().at(ip), "[kernel.kallsyms]");
  }

  /// A sample's frames, innermost first.
  std::vector<std::string> frames(const bytes& b, const sample_fields& s, std::uint16_t misc) {
    std::vector<std::string> out;
    std::uint16_t mode = misc & cpumode_mask;
    const auto add = [&](std::uint64_t ip) {
      if (mode == kernel_mode)
        out.push_back(kernel_frame(ip));
      else if (mode == user_mode)
        out.push_back(user_frame(s.pid, ip));
      else
        out.push_back(detail::frame_name({}, {}));
    };
    if ((l.sample_type & bit::callchain) == 0) {
      add(s.ip);
      return out;
    }
    for (std::size_t i = 0; i < s.chain_size; ++i) {
      std::uint64_t ip = 0;
      b.get(s.chain + i * 8, ip);
      if (ip >= context_max) {
        // A context perf does not know means a corrupt chain: it drops it all.
        if (!known_context(ip)) return {};
        mode = ip == context_kernel ? kernel_mode : ip == context_user ? user_mode : 0;
        continue;
      }
      add(ip);
    }
    return out;
  }

  void on_mmap(const bytes& b, std::size_t at, std::size_t end, std::uint32_t type,
               std::uint16_t misc) {
    std::uint32_t pid = 0;
    std::uint64_t start = 0, len = 0, pgoff = 0;
    if (!b.get(at, pid) || !b.get(at + 8, start) || !b.get(at + 16, len) || !b.get(at + 24, pgoff))
      return;
    if (pid == static_cast<std::uint32_t>(-1)) return;  // the kernel's: kallsyms names it
    mapping m{start + len, pgoff, 0, {}, {}};
    std::size_t name_at = at + 32;
    if (type == record::mmap2) {
      // maj, min, ino, ino_generation, or the build ID's size and bytes;
      // then prot and flags.
      std::uint8_t id_size = 0;
      if ((misc & mmap_build_id) == 0)
        b.get(at + 40, m.inode);
      else if (b.get(at + 32, id_size) && id_size <= 20)
        for (std::size_t i = 0; i < id_size; ++i) {
          std::uint8_t byte = 0;
          b.get(at + 36 + i, byte);
          m.build_id += fmt::format("{:02x}", byte);
        }
      name_at += 32;
    }
    m.file = b.text(name_at, end);
    if (anonymous(m.file)) m.file = fmt::format("/tmp/perf-{}.map", pid);
    map_into(processes[pid], start, std::move(m));
  }

  /// The samples of `events`, mappings and forks applied as they come.
  profile replay(const bytes& b, const std::vector<event>& events,
                 std::vector<timed_sample>& times);

  void on_fork(const bytes& b, std::size_t at, std::uint16_t misc) {
    std::uint32_t pid = 0, ppid = 0;
    if (!b.get(at, pid) || !b.get(at + 4, ppid) || pid == ppid) return;  // a thread
    // A process that ran before the recording began (perf record describes
    // it with a FORK of its own) has its own maps: its parent's are not copied.
    if ((misc & fork_exec) != 0) {
      processes.erase(pid);
      return;
    }
    const auto parent = processes.find(ppid);
    if (parent != processes.end()) processes[pid] = parent->second;
  }
};

perf_data_reader::perf_data_reader() : impl_(std::make_unique<impl>()) {}
perf_data_reader::~perf_data_reader() = default;

namespace {

struct file_sections {
  std::uint64_t attrs_at = 0, attrs_size = 0, attr_size = 0, data_at = 0, data_size = 0;
};

expected<file_sections> read_header(const bytes& b) {
  std::uint64_t magic = 0;
  file_sections f;
  if (!b.get(0, magic) || magic != file_magic)
    return failure{"not a perf.data file of this machine's byte order (no PERFILE2 header)"};
  if (!b.get(16, f.attr_size) || !b.get(24, f.attrs_at) || !b.get(32, f.attrs_size) ||
      !b.get(40, f.data_at) || !b.get(48, f.data_size))
    return failure{"its header is cut short"};
  if (f.data_at > b.size() || f.data_size > b.size() - f.data_at)
    return failure{"its data section runs past the end (perf record did not finish it)"};
  if (f.attr_size < 48 || f.attrs_size % f.attr_size != 0 || f.attrs_size == 0)
    return failure{"its event attributes are malformed"};
  return f;
}

expected<layout> read_layout(const bytes& b, const file_sections& f) {
  layout l;
  for (std::uint64_t at = f.attrs_at; at < f.attrs_at + f.attrs_size; at += f.attr_size) {
    layout one;
    std::uint64_t flags = 0;
    if (!b.get(at + 24, one.sample_type) || !b.get(at + 32, one.read_format) ||
        !b.get(at + 40, flags))
      return failure{"its event attributes are cut short"};
    one.sample_id_all = (flags >> 18) & 1U;
    if (at != f.attrs_at && (one.sample_type != l.sample_type || one.read_format != l.read_format))
      return failure{"its events lay samples out differently (read it with perf script)"};
    l = one;
  }
  return l;
}

/// The records that matter in time order, as perf script replays them: a
/// mapping is known before the samples that use it, whichever CPU's buffer
/// held it.
expected<std::vector<event>> ordered_events(const bytes& b, const file_sections& f,
                                            const layout& l) {
  std::vector<event> events;
  const std::size_t end = f.data_at + f.data_size;
  for (std::size_t at = f.data_at; at + 8 <= end;) {
    std::uint32_t type = 0;
    std::uint16_t size = 0;
    b.get(at, type);
    b.get(at + 6, size);
    if (size < 8 || at + size > end)
      return failure{fmt::format("a record at byte {} has a bad size ({})", at, size)};
    if (type == record::sample) {
      sample_fields s;
      if (!parse_sample(l, b, at + 8, at + size, s))
        return failure{fmt::format("the sample at byte {} is malformed", at)};
      events.push_back({static_cast<std::int64_t>(s.time), at, s});
    } else if (type == record::mmap || type == record::mmap2 || type == record::fork) {
      // An exec's mappings replace the old program's where they overlap, as
      // in perf: the exec's own samples still unwind through the old one.
      events.push_back({trailer_time(l, b, at + size), at, {}});
    }
    at += size;
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const event& x, const event& y) { return x.time < y.time; });
  return events;
}

}  // namespace

profile perf_data_reader::impl::replay(const bytes& b, const std::vector<event>& events,
                                       std::vector<timed_sample>& times) {
  profile p;
  std::int64_t first = -1, last = 0;
  for (const auto& e : events) {
    std::uint32_t type = 0;
    std::uint16_t misc = 0, size = 0;
    b.get(e.at, type);
    b.get(e.at + 4, misc);
    b.get(e.at + 6, size);
    const std::size_t body = e.at + 8, stop = e.at + size;
    if (type == record::mmap || type == record::mmap2) on_mmap(b, body, stop, type, misc);
    if (type == record::fork) on_fork(b, body, misc);
    if (type != record::sample) continue;
    const sample_fields& s = e.sample;
    auto f = frames(b, s, misc);
    if (f.empty()) f.emplace_back("[no stack]");
    std::reverse(f.begin(), f.end());
    if (!reaches_entry(f)) ++p.truncated;
    if (first < 0) first = e.time;
    last = e.time;
    times.push_back(
        {static_cast<double>(e.time) / 1e9, static_cast<std::uint32_t>(p.stacks.size())});
    p.stacks.push_back({std::move(f), 1, s.period});
  }
  p.duration_ns = first < 0 ? 0 : last - first;
  p.unwinding = "fp";
  return p;
}

expected<profile> perf_data_reader::read(const std::filesystem::path& file,
                                         std::vector<timed_sample>& times) {
  times.clear();
  std::ifstream in(file, std::ios::binary);
  if (!in) return failure{fmt::format("cannot read {}", file.string())};
  const std::string content{std::istreambuf_iterator<char>(in), {}};
  const bytes b(content);
  const auto fail = [&](const failure& why) {
    return failure{fmt::format("{}: {}", file.string(), why.message)};
  };
  auto sections = read_header(b);
  if (!sections) return fail(sections.error());
  auto l = read_layout(b, *sections);
  if (!l) return fail(l.error());
  auto events = ordered_events(b, *sections, *l);
  if (!events) return fail(events.error());
  auto& m = *impl_;
  m.l = *l;
  m.processes.clear();
  ++m.reads;
  m.forget_unused();
  auto p = m.replay(b, *events, times);
  const auto went = normalize(p);
  for (auto& t : times) t.stack = went[t.stack];
  return p;
}

}  // namespace perftrack::profile
