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
#include <unordered_map>

// libiberty's headers declare basename() unless told that <string.h> has.
#define HAVE_DECL_BASENAME 1  // NOLINT(readability-identifier-naming)
#include <libiberty/demangle.h>

namespace perftrack::profile::detail {
namespace {

struct elf_closer {
  void operator()(Elf* e) const { elf_end(e); }
};
using elf_handle = std::unique_ptr<Elf, elf_closer>;

/// Whether a section's name says it holds code or data, as perf asks of labels.
bool text_or_data(Elf* elf, std::size_t names, const GElf_Shdr& shdr) {
  const char* name = elf_strptr(elf, names, shdr.sh_name);
  return name != nullptr &&
         (std::strstr(name, "text") != nullptr || std::strstr(name, "data") != nullptr);
}

/// What perf keeps of a symbol table's entries: functions, objects (which
/// only end the symbols before them here) and visible labels.
enum class symbol_kind { none, function, object, label };

symbol_kind kind_of(const GElf_Sym& s) {
  if (s.st_name == 0 || s.st_shndx == SHN_UNDEF || s.st_shndx == SHN_ABS) return symbol_kind::none;
  const auto type = GELF_ST_TYPE(s.st_info);
  if (type == STT_FUNC || type == STT_GNU_IFUNC) return symbol_kind::function;
  if (type == STT_OBJECT) return symbol_kind::object;
  const auto visibility = GELF_ST_VISIBILITY(s.st_other);
  if (type == STT_NOTYPE && visibility != STV_HIDDEN && visibility != STV_INTERNAL)
    return symbol_kind::label;
  return symbol_kind::none;
}

/// A section by name, with its header.
Elf_Scn* section_named(Elf* elf, std::size_t names, const char* wanted, GElf_Shdr& shdr) {
  for (Elf_Scn* s = elf_nextscn(elf, nullptr); s != nullptr; s = elf_nextscn(elf, s)) {
    const char* name = gelf_getshdr(s, &shdr) ? elf_strptr(elf, names, shdr.sh_name) : nullptr;
    if (name != nullptr && std::strcmp(name, wanted) == 0) return s;
  }
  return nullptr;
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
  using function = elf_functions::function;

public:
  static elf_functions read(Elf* elf) {
    elf_functions out;
    GElf_Ehdr ehdr;
    std::size_t names = 0;  // the section holding the sections' names
    if (elf == nullptr || elf_kind(elf) != ELF_K_ELF || gelf_getehdr(elf, &ehdr) == nullptr)
      return out;
    read_segments(elf, out);
    out.build_id_ = build_id(elf);
    if (elf_getshdrstrndx(elf, &names) != 0) return out;
    read_symbols(elf, names, out);
    out.finish();
    read_plt(elf, ehdr, names, out);
    read_plt_got(elf, ehdr, names, out);
    out.add_plt();
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

  static void read_symbols(Elf* elf, std::size_t names, elf_functions& out) {
    Elf_Scn* table = symbol_section(elf);
    GElf_Shdr shdr;
    if (table == nullptr || gelf_getshdr(table, &shdr) == nullptr || shdr.sh_entsize == 0) return;
    Elf_Data* data = elf_getdata(table, nullptr);
    if (data == nullptr) return;
    out.full_ = shdr.sh_type == SHT_SYMTAB;
    const std::size_t count = shdr.sh_size / shdr.sh_entsize;
    for (std::size_t i = 0; i < count; ++i) {
      GElf_Sym sym;
      GElf_Shdr section;
      const auto kind =
          gelf_getsym(data, static_cast<int>(i), &sym) ? kind_of(sym) : symbol_kind::none;
      Elf_Scn* in = sym.st_shndx < SHN_LORESERVE ? elf_getscn(elf, sym.st_shndx) : nullptr;
      if (kind == symbol_kind::none || in == nullptr || gelf_getshdr(in, &section) == nullptr ||
          (section.sh_flags & SHF_ALLOC) == 0 ||
          (kind == symbol_kind::label && !text_or_data(elf, names, section)))
        continue;
      if (kind == symbol_kind::object) {
        out.object_starts_.push_back(sym.st_value);
        continue;
      }
      const char* name = elf_strptr(elf, shdr.sh_link, sym.st_name);
      if (name == nullptr || *name == '\0') continue;
      out.functions_.push_back({sym.st_value,
                                sym.st_value + sym.st_size,
                                name,
                                {},
                                static_cast<unsigned char>(GELF_ST_BIND(sym.st_info))});
    }
  }

  /// One entry of the PLT's relocations.
  struct plt_slot {
    std::uint64_t got = 0;  // r_offset: the GOT slot, in PLT order
    std::uint64_t symbol = 0;
    std::uint64_t ifunc = 0;  // R_X86_64_IRELATIVE's addend: the resolver
  };

  static std::vector<plt_slot> plt_slots(Elf_Scn* relocations, const GElf_Shdr& shdr) {
    std::vector<plt_slot> slots;
    Elf_Data* data = elf_getdata(relocations, nullptr);
    const bool rela = shdr.sh_type == SHT_RELA;
    if (data == nullptr || shdr.sh_entsize == 0 || (!rela && shdr.sh_type != SHT_REL)) return slots;
    for (std::size_t i = 0; i < shdr.sh_size / shdr.sh_entsize; ++i) {
      GElf_Rela r{};
      GElf_Rel plain{};
      if (rela ? gelf_getrela(data, static_cast<int>(i), &r) == nullptr
               : gelf_getrel(data, static_cast<int>(i), &plain) == nullptr)
        break;
      if (!rela) r = {plain.r_offset, plain.r_info, 0};
      const bool irelative = rela && GELF_R_TYPE(r.r_info) == R_X86_64_IRELATIVE;
      slots.push_back({r.r_offset, GELF_R_SYM(r.r_info),
                       irelative ? static_cast<std::uint64_t>(r.r_addend) : 0});
    }
    // x86 links IRELATIVE slots out of PLT order; the GOT's order is the PLT's.
    std::stable_sort(slots.begin(), slots.end(),
                     [](const plt_slot& a, const plt_slot& b) { return a.got < b.got; });
    return slots;
  }

  /// Sizes of a PLT's header and entries, as perf takes them per machine.
  static std::pair<std::uint64_t, std::uint64_t> plt_sizes(const GElf_Ehdr& ehdr,
                                                           const GElf_Shdr& plt) {
    if (ehdr.e_machine == EM_AARCH64) return {32, 16};
    if (ehdr.e_machine != EM_X86_64 && ehdr.e_machine != EM_386)
      return {plt.sh_entsize, plt.sh_entsize};
    std::uint64_t entry = plt.sh_entsize;
    if (entry != 8 && entry != 16) entry = plt.sh_addralign == 8 ? 8 : 16;
    return {entry, entry};
  }

  /// Names for the PLT's entries, "callee@plt", as perf synthesizes them;
  /// `.plt.sec` holds the entries when the program was built for IBT.
  static void read_plt(Elf* elf, const GElf_Ehdr& ehdr, std::size_t names, elf_functions& out) {
    GElf_Shdr plt, sec, rel, dynsym;
    if (section_named(elf, names, ".plt", plt) == nullptr) return;
    Elf_Scn* relocations = section_named(elf, names, ".rela.plt", rel);
    if (relocations == nullptr) relocations = section_named(elf, names, ".rel.plt", rel);
    Elf_Scn* symbols = relocations ? elf_getscn(elf, rel.sh_link) : nullptr;
    Elf_Data* symbol_data = symbols ? elf_getdata(symbols, nullptr) : nullptr;
    if (symbol_data == nullptr || gelf_getshdr(symbols, &dynsym) == nullptr) return;
    const auto slots = plt_slots(relocations, rel);
    const bool separate = section_named(elf, names, ".plt.sec", sec) != nullptr;
    const GElf_Shdr& entries = separate ? sec : plt;
    auto [header, entry] = plt_sizes(ehdr, entries);
    // A PLT with one entry per slot binds early and has no header.
    if (separate || slots.size() * entry == plt.sh_size) header = 0;
    std::uint64_t at = entries.sh_addr + header;
    const auto file_offset = entries.sh_offset - entries.sh_addr;
    for (const auto& slot : slots) {
      auto callee = symbol_name(elf, symbol_data, dynsym, slot.symbol);
      if (callee.empty()) callee = ifunc_name(out, slot.ifunc);
      add_entry(out, at, entry, callee, at + file_offset);
      at += entry;
    }
  }

  /// The demangled name of a dynamic symbol by index; empty for index 0.
  static std::string symbol_name(Elf* elf, Elf_Data* symbols, const GElf_Shdr& table,
                                 std::uint64_t index) {
    GElf_Sym sym;
    if (index == 0 || gelf_getsym(symbols, static_cast<int>(index), &sym) == nullptr) return {};
    const char* name = elf_strptr(elf, table.sh_link, sym.st_name);
    return name != nullptr ? demangled(name) : std::string();
  }

  /// A PLT entry, "callee@plt"; named by its file offset when its callee is
  /// unknown, as perf names it.
  static void add_entry(elf_functions& out, std::uint64_t at, std::uint64_t size,
                        const std::string& callee, std::uint64_t file_offset) {
    auto name = (callee.empty() ? fmt::format("offset_{:#x}", file_offset) : callee) + "@plt";
    out.plt_.push_back({at, at + size, name, name, STB_GLOBAL});
  }

  /// The symbol of each GOT slot that .rela.dyn gives one, by the slot's address.
  static std::unordered_map<std::uint64_t, std::uint64_t> got_symbols(Elf_Data* rela,
                                                                      const GElf_Shdr& shdr) {
    std::unordered_map<std::uint64_t, std::uint64_t> out;
    for (std::size_t i = 0; i < shdr.sh_size / shdr.sh_entsize; ++i) {
      GElf_Rela r;
      if (gelf_getrela(rela, static_cast<int>(i), &r) != nullptr && GELF_R_SYM(r.r_info) != 0)
        out.emplace(r.r_offset, GELF_R_SYM(r.r_info));
    }
    return out;
  }

  /// The GOT slot a .plt.got entry at `at` jumps through: x86-64's
  /// `jmp *disp(%rip)`, after an endbr64 and a bnd prefix where present.
  static std::uint64_t plt_got_slot(const unsigned char* code, std::size_t size, std::uint64_t at) {
    static constexpr unsigned char endbr64[] = {0xf3, 0x0f, 0x1e, 0xfa};
    std::size_t n = size >= 4 && std::memcmp(code, endbr64, 4) == 0 ? 4 : 0;
    if (n < size && code[n] == 0xf2) ++n;
    if (n + 6 > size || code[n] != 0xff || code[n + 1] != 0x25) return 0;
    std::int32_t displacement = 0;
    std::memcpy(&displacement, code + n + 2, 4);
    return at + n + 6 + static_cast<std::uint64_t>(static_cast<std::int64_t>(displacement));
  }

  /// Names for x86-64's .plt.got entries (calls to functions bound at load):
  /// "callee@plt" by the symbol .rela.dyn gives the GOT slot each jumps
  /// through, as perf 6.2 and later name them.
  static void read_plt_got(Elf* elf, const GElf_Ehdr& ehdr, std::size_t names, elf_functions& out) {
    GElf_Shdr got, dyn, dynsym;
    if (ehdr.e_machine != EM_X86_64) return;
    Elf_Scn* code = section_named(elf, names, ".plt.got", got);
    Elf_Scn* relocations = code ? section_named(elf, names, ".rela.dyn", dyn) : nullptr;
    Elf_Data* bytes = code ? elf_getdata(code, nullptr) : nullptr;
    Elf_Data* rela = relocations ? elf_getdata(relocations, nullptr) : nullptr;
    Elf_Scn* symbols = relocations ? elf_getscn(elf, dyn.sh_link) : nullptr;
    Elf_Data* symbol_data = symbols ? elf_getdata(symbols, nullptr) : nullptr;
    // A debug file's sections hold no bytes (SHT_NOBITS).
    if (bytes == nullptr || bytes->d_buf == nullptr || got.sh_type != SHT_PROGBITS ||
        rela == nullptr || dyn.sh_type != SHT_RELA || symbol_data == nullptr ||
        got.sh_entsize == 0 || dyn.sh_entsize == 0 || bytes->d_size < got.sh_size ||
        gelf_getshdr(symbols, &dynsym) == nullptr)
      return;
    const auto symbol_at = got_symbols(rela, dyn);
    const auto* code_bytes = static_cast<const unsigned char*>(bytes->d_buf);
    for (std::uint64_t i = 0; i + got.sh_entsize <= got.sh_size; i += got.sh_entsize) {
      const auto at = got.sh_addr + i;
      const auto slot = symbol_at.find(plt_got_slot(code_bytes + i, got.sh_entsize, at));
      const auto callee = slot == symbol_at.end()
                              ? std::string()
                              : symbol_name(elf, symbol_data, dynsym, slot->second);
      add_entry(out, at, got.sh_entsize, callee, got.sh_offset + i);
    }
  }

  /// The IFUNC an IRELATIVE slot resolves, by its resolver's address.
  static std::string ifunc_name(const elf_functions& out, std::uint64_t resolver) {
    if (resolver == 0) return {};
    const auto& fs = out.functions_;
    auto it = std::lower_bound(fs.begin(), fs.end(), resolver,
                               [](const function& f, std::uint64_t a) { return f.start < a; });
    if (it == fs.end() || it->start != resolver) return {};
    if (it->name.empty()) it->name = demangled(it->mangled);
    return it->name;
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
  // A symbol without a size reaches the next one, be it a function or an object.
  std::sort(object_starts_.begin(), object_starts_.end());
  for (std::size_t i = 0; i < functions_.size(); ++i) {
    auto& f = functions_[i];
    if (f.end != f.start) continue;
    f.end = i + 1 < functions_.size() ? functions_[i + 1].start : page_after(f.start);
    const auto object = std::upper_bound(object_starts_.begin(), object_starts_.end(), f.start);
    if (object != object_starts_.end()) f.end = std::min(f.end, *object);
  }
  object_starts_ = {};
}

void elf_functions::add_plt() {
  if (plt_.empty()) return;
  // A symbol stretched over the PLT (a sizeless _init before it) keeps only
  // what the entries leave: perf 6.1 named entries by either, by the shape
  // of its symbol tree; later perf names the entries, as here.
  const auto by_start = [](const function& a, const function& b) { return a.start < b.start; };
  std::stable_sort(plt_.begin(), plt_.end(), by_start);
  auto added = plt_;
  for (auto& f : functions_) {
    auto entry = std::lower_bound(plt_.begin(), plt_.end(), f, by_start);
    if (entry == plt_.end() || entry->start >= f.end) continue;
    const auto end = f.end;
    std::uint64_t at = f.end = entry->start;
    for (; entry != plt_.end() && entry->start < end; ++entry) {
      if (entry->start > at) added.push_back({at, entry->start, f.mangled, f.name, f.binding});
      at = std::max(at, entry->end);
    }
    if (at < end) added.push_back({at, end, f.mangled, f.name, f.binding});
  }
  functions_.insert(functions_.end(), added.begin(), added.end());
  std::stable_sort(functions_.begin(), functions_.end(), by_start);
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
  debug.segments_ = binary.segments_;   // a debug file's own segments map no bytes
  debug.plt_ = std::move(binary.plt_);  // and its relocations are stripped
  debug.add_plt();
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
