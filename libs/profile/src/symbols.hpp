#pragma once

// Function names for sampled addresses, as perf names them: ELF symbol
// tables (libelf) for programs and libraries, /proc/kallsyms for the kernel,
// C++ names demangled without their parameters (libiberty, as perf does).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace perftrack::profile::detail {

/// The functions of one ELF file, found by file offset (what a mapping's
/// start and page offset give).
class elf_functions {
public:
  /// The file's .symtab (else .dynsym) functions and labels, and its PLT
  /// entries ("callee@plt"); none when the file cannot be read as ELF.
  static elf_functions from_file(const std::string& path);
  /// The same from an ELF image in memory (the vDSO).
  static elf_functions from_memory(const void* image, std::size_t size);

  /// The name of the function holding file offset `offset`; empty if none.
  std::string_view at_offset(std::uint64_t offset) const;
  std::size_t size() const noexcept { return functions_.size(); }
  /// The GNU build ID (hex), empty if the file has none.
  const std::string& build_id() const noexcept { return build_id_; }
  /// Whether the functions came from a full symbol table (.symtab).
  bool full() const noexcept { return full_; }

private:
  struct function {
    std::uint64_t start = 0, end = 0;  // ELF virtual addresses
    std::string mangled;
    mutable std::string name;  // demangled on first use
    unsigned char binding = 0;
  };
  struct segment {
    std::uint64_t offset = 0, size = 0, vaddr = 0;  // a PT_LOAD
  };
  void finish();
  void add_plt();

  std::vector<function> functions_;           // by start, no two alike, none overlapping
  std::vector<function> plt_;                 // the PLT's entries, by start
  std::vector<std::uint64_t> object_starts_;  // only until finish()
  std::vector<segment> segments_;
  std::string build_id_;
  bool full_ = false;
  friend elf_functions mapped_file_functions(const std::string&, std::uint64_t, const std::string&);
  friend class elf_reader;
};

/// The functions of a file a process mapped, found the way perf finds them:
/// a full symbol table from the separate debug file of the same build ID
/// (/usr/lib/debug/.build-id/) when the file has none; perf's build-ID
/// cache (~/.debug) when the file at `path` is no longer the one mapped
/// (rebuilt). `build_id` (hex) or `inode` says which file was mapped; none
/// when neither matches.
elf_functions mapped_file_functions(const std::string& path, std::uint64_t inode,
                                    const std::string& build_id);

/// The kernel's functions and those of its modules, from kallsyms.
class kernel_functions {
public:
  /// Reads `path` (/proc/kallsyms); none when it cannot be read or its
  /// addresses are hidden (kernel.kptr_restrict).
  static kernel_functions from_kallsyms(const std::string& path = "/proc/kallsyms");

  std::string_view at(std::uint64_t address) const;
  std::size_t size() const noexcept { return starts_.size(); }

private:
  std::vector<std::uint64_t> starts_, ends_;
  std::vector<std::uint32_t> name_at_;  // offset in names_
  std::string names_;                   // '\0'-terminated
};

/// A C++ (or other GNU-mangled) name as perf shows it: demangled without
/// parameters; the name itself when it is not mangled.
std::string demangled(const std::string& mangled);

}  // namespace perftrack::profile::detail
