// Function names for sampled addresses, chosen the way perf chooses them so
// that perftrack's own reader and `perf script` give the same stacks.

#include "symbols.hpp"

#include <elf.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>

// libiberty's headers declare basename() unless told that <string.h> has.
#define HAVE_DECL_BASENAME 1  // NOLINT(readability-identifier-naming)
#include <libiberty/demangle.h>

namespace perftrack::profile::detail {
namespace {

struct elf_closer {
  void operator()(Elf* e) const { elf_end(e); }
};
using elf_handle = std::unique_ptr<Elf, elf_closer>;

/// perf's text sections are those whose name says so.
bool text_section(Elf* elf, std::size_t names, const GElf_Shdr& shdr) {
  const char* name = elf_strptr(elf, names, shdr.sh_name);
  return name != nullptr && std::strstr(name, "text") != nullptr;
}

/// Functions, and labels (untyped, named, defined, visible), as perf keeps.
bool kept(const GElf_Sym& s) {
  const auto type = GELF_ST_TYPE(s.st_info);
  if (s.st_name == 0 || s.st_shndx == SHN_UNDEF) return false;
  if (type == STT_FUNC || type == STT_GNU_IFUNC) return true;
  return type == STT_NOTYPE && s.st_shndx != SHN_ABS &&
         GELF_ST_VISIBILITY(s.st_other) == STV_DEFAULT;
}

/// Where perf ends a symbol that nothing follows.
std::uint64_t page_after(std::uint64_t address) { return (address + 4095) / 4096 * 4096 + 4096; }

std::size_t leading_underscores(std::string_view s) {
  const auto n = s.find_first_not_of('_');
  return n == std::string_view::npos ? s.size() : n;
}

}  // namespace

std::string demangled(const std::string& mangled) {
  // libiberty's cplus_demangle with no options, as perf (through libbfd).
  char* d = cplus_demangle(mangled.c_str(), DMGL_NO_OPTS);
  if (d == nullptr) return mangled;
  std::string out(d);
  std::free(d);
  return out;
}

/// Reads an ELF image's program headers and symbols into elf_functions.
class elf_reader {
public:
  static elf_functions read(Elf* elf) {
    elf_functions out;
    GElf_Ehdr ehdr;
    if (elf == nullptr || elf_kind(elf) != ELF_K_ELF || gelf_getehdr(elf, &ehdr) == nullptr)
      return out;
    read_segments(elf, out);
    read_symbols(elf, out);
    out.build_id_ = build_id(elf);
    out.finish();
    return out;
  }

private:
  /// The NT_GNU_BUILD_ID note's bytes in hex.
  static std::string build_id(Elf* elf) {
    for (Elf_Scn* s = elf_nextscn(elf, nullptr); s != nullptr; s = elf_nextscn(elf, s)) {
      GElf_Shdr shdr;
      if (gelf_getshdr(s, &shdr) == nullptr || shdr.sh_type != SHT_NOTE) continue;
      Elf_Data* data = elf_getdata(s, nullptr);
      GElf_Nhdr note;
      std::size_t at = 0, name_at = 0, desc_at = 0;
      while (data != nullptr && (at = gelf_getnote(data, at, &note, &name_at, &desc_at)) > 0) {
        const auto* bytes = static_cast<const unsigned char*>(data->d_buf);
        if (note.n_type != NT_GNU_BUILD_ID || note.n_namesz != 4 ||
            std::memcmp(bytes + name_at, "GNU", 4) != 0)
          continue;
        std::string hex;
        for (std::size_t i = 0; i < note.n_descsz; ++i) {
          static constexpr char digits[] = "0123456789abcdef";
          hex += digits[bytes[desc_at + i] >> 4];
          hex += digits[bytes[desc_at + i] & 15];
        }
        return hex;
      }
    }
    return {};
  }

  static void read_segments(Elf* elf, elf_functions& out) {
    std::size_t count = 0;
    if (elf_getphdrnum(elf, &count) != 0) return;
    for (std::size_t i = 0; i < count; ++i) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf, static_cast<int>(i), &ph) != nullptr && ph.p_type == PT_LOAD)
        out.segments_.push_back({ph.p_offset, ph.p_filesz, ph.p_vaddr});
    }
  }

  /// The .symtab if there is one, else the .dynsym.
  static Elf_Scn* symbol_section(Elf* elf) {
    Elf_Scn* dynamic = nullptr;
    for (Elf_Scn* s = elf_nextscn(elf, nullptr); s != nullptr; s = elf_nextscn(elf, s)) {
      GElf_Shdr shdr;
      if (gelf_getshdr(s, &shdr) == nullptr) continue;
      if (shdr.sh_type == SHT_SYMTAB && shdr.sh_size > 0) return s;
      if (shdr.sh_type == SHT_DYNSYM) dynamic = s;
    }
    return dynamic;
  }

  static void read_symbols(Elf* elf, elf_functions& out) {
    std::size_t names = 0;
    Elf_Scn* table = symbol_section(elf);
    GElf_Shdr shdr;
    if (table == nullptr || elf_getshdrstrndx(elf, &names) != 0 ||
        gelf_getshdr(table, &shdr) == nullptr || shdr.sh_entsize == 0)
      return;
    Elf_Data* data = elf_getdata(table, nullptr);
    if (data == nullptr) return;
    out.full_ = shdr.sh_type == SHT_SYMTAB;
    const std::size_t count = shdr.sh_size / shdr.sh_entsize;
    for (std::size_t i = 0; i < count; ++i) {
      GElf_Sym sym;
      if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr || !kept(sym)) continue;
      GElf_Shdr section;
      Elf_Scn* in = sym.st_shndx < SHN_LORESERVE ? elf_getscn(elf, sym.st_shndx) : nullptr;
      if (in == nullptr || gelf_getshdr(in, &section) == nullptr ||
          !text_section(elf, names, section))
        continue;
      const char* name = elf_strptr(elf, shdr.sh_link, sym.st_name);
      if (name == nullptr || *name == '\0') continue;
      out.functions_.push_back({sym.st_value,
                                sym.st_value + sym.st_size,
                                name,
                                {},
                                static_cast<unsigned char>(GELF_ST_BIND(sym.st_info))});
    }
  }
};

namespace {

/// perf's choice between two symbols at one address: one with a size, then
/// not weak, then global, then fewer leading underscores, then the longer
/// (demangled) name, then the first.
bool better(const std::string& a_name, std::uint64_t a_size, unsigned char a_bind,
            const std::string& b_name, std::uint64_t b_size, unsigned char b_bind) {
  if ((a_size > 0) != (b_size > 0)) return a_size > 0;
  if ((a_bind == STB_WEAK) != (b_bind == STB_WEAK)) return b_bind == STB_WEAK;
  if ((a_bind == STB_GLOBAL) != (b_bind == STB_GLOBAL)) return a_bind == STB_GLOBAL;
  const auto au = leading_underscores(a_name), bu = leading_underscores(b_name);
  if (au != bu) return au < bu;
  return a_name.size() >= b_name.size();
}

}  // namespace

void elf_functions::finish() {
  std::stable_sort(functions_.begin(), functions_.end(),
                   [](const function& a, const function& b) { return a.start < b.start; });
  // One symbol per address, as perf keeps.
  std::vector<function> kept;
  kept.reserve(functions_.size());
  for (auto& f : functions_) {
    if (kept.empty() || kept.back().start != f.start) {
      kept.push_back(std::move(f));
      continue;
    }
    auto& k = kept.back();
    if (k.name.empty()) k.name = demangled(k.mangled);
    f.name = demangled(f.mangled);
    if (!better(k.name, k.end - k.start, k.binding, f.name, f.end - f.start, f.binding))
      k = std::move(f);
  }
  functions_ = std::move(kept);
  // A symbol without a size reaches the next one.
  for (std::size_t i = 0; i < functions_.size(); ++i) {
    auto& f = functions_[i];
    if (f.end != f.start) continue;
    f.end = i + 1 < functions_.size() ? functions_[i + 1].start : page_after(f.start);
  }
}

elf_functions elf_functions::from_file(const std::string& path) {
  elf_version(EV_CURRENT);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  elf_handle elf(elf_begin(fd, ELF_C_READ_MMAP, nullptr));
  auto out = elf_reader::read(elf.get());
  elf.reset();
  ::close(fd);
  return out;
}

elf_functions elf_functions::from_memory(const void* image, std::size_t size) {
  elf_version(EV_CURRENT);
  // libelf reads the image in place; it does not write to it.
  elf_handle elf(elf_memory(static_cast<char*>(const_cast<void*>(image)), size));
  return elf_reader::read(elf.get());
}

std::string_view elf_functions::at_offset(std::uint64_t offset) const {
  const auto seg = std::find_if(segments_.begin(), segments_.end(), [&](const segment& s) {
    return offset >= s.offset && offset < s.offset + s.size;
  });
  if (seg == segments_.end()) return {};
  const std::uint64_t address = offset - seg->offset + seg->vaddr;
  auto it = std::upper_bound(functions_.begin(), functions_.end(), address,
                             [](std::uint64_t a, const function& f) { return a < f.start; });
  if (it == functions_.begin()) return {};
  --it;
  if (address >= it->end) return {};
  if (it->name.empty()) it->name = demangled(it->mangled);
  return it->name;
}

elf_functions mapped_file_functions(const std::string& path, std::uint64_t inode,
                                    const std::string& build_id) {
  const auto by_id = [](std::string_view root, std::string_view id, std::string_view leaf) {
    return fmt::format("{}/.build-id/{}/{}{}", root, id.substr(0, 2), id.substr(2), leaf);
  };
  elf_functions binary;
  if (build_id.empty()) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (inode == 0 || st.st_ino == inode))
      binary = elf_functions::from_file(path);
  } else {
    binary = elf_functions::from_file(path);
    const char* home = std::getenv("HOME");
    if (binary.build_id() != build_id && home != nullptr &&
        build_id.size() > 2)  // rebuilt: perf's copy
      binary = elf_functions::from_file(by_id(fmt::format("{}/.debug", home), build_id, "/elf"));
    if (binary.build_id() != build_id) return {};
  }
  const auto id = build_id.empty() ? binary.build_id() : build_id;
  if (binary.full() || id.size() < 3 || binary.segments_.empty()) return binary;
  auto debug = elf_functions::from_file(by_id("/usr/lib/debug", id, ".debug"));
  if (!debug.full() || debug.build_id() != id) return binary;
  debug.segments_ = binary.segments_;  // a debug file's own segments map no bytes
  return debug;
}

kernel_functions kernel_functions::from_kallsyms(const std::string& path) {
  kernel_functions out;
  std::ifstream in(path);
  struct entry {
    std::uint64_t start;
    std::uint32_t name;
    bool module;
  };
  std::vector<entry> entries;
  std::string line;
  while (std::getline(in, line)) {
    // "ffffffff81000000 T _stext" or "... t name\t[module]"
    const auto first = line.find(' ');
    if (first == std::string::npos || first + 3 >= line.size()) continue;
    const char type = static_cast<char>(std::toupper(static_cast<unsigned char>(line[first + 1])));
    if (type != 'T' && type != 'W' && type != 'D' && type != 'B') continue;
    std::uint64_t start = 0;
    if (std::from_chars(line.data(), line.data() + first, start, 16).ec != std::errc{}) continue;
    std::string_view name = std::string_view(line).substr(first + 3);
    const auto tab = name.find('\t');
    const bool module = tab != std::string_view::npos;
    name = name.substr(0, tab);
    entries.push_back({start, static_cast<std::uint32_t>(out.names_.size()), module});
    out.names_.append(name);
    out.names_.push_back('\0');
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const entry& a, const entry& b) { return a.start < b.start; });
  if (entries.empty() || entries.back().start == 0) return {};  // hidden: all zero
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    // The next symbol ends this one, except between the kernel and a module.
    std::uint64_t end = page_after(e.start);
    if (i + 1 < entries.size() && entries[i + 1].module == e.module) end = entries[i + 1].start;
    out.starts_.push_back(e.start);
    out.ends_.push_back(end);
    out.name_at_.push_back(e.name);
  }
  return out;
}

std::string_view kernel_functions::at(std::uint64_t address) const {
  auto it = std::upper_bound(starts_.begin(), starts_.end(), address);
  if (it == starts_.begin()) return {};
  const auto i = static_cast<std::size_t>(it - starts_.begin()) - 1;
  if (address >= ends_[i]) return {};
  return names_.c_str() + name_at_[i];
}

}  // namespace perftrack::profile::detail
