#include "sqlite_vfs.hpp"

#include <sqlite3.h>

#include <atomic>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

namespace perftrack::coord::sqlite {
namespace {

constexpr const char* vfs_name = "perftrack-coalescing";
// WAL frame header size; bytes 4..7 hold the database size after a commit
// frame and zero in every other frame (https://sqlite.org/fileformat2.html#walformat).
constexpr int frame_header_bytes = 24;
// Held-back writes stay below this: the unix VFS writes at most 128 KiB per
// call (it masks the length with 0x1ffff) and reports a longer write as a full disk.
constexpr std::size_t max_held_bytes = std::size_t{64} << 10;

std::atomic<std::uint64_t> requested_writes{0};
std::atomic<std::uint64_t> issued_writes{0};

sqlite3_vfs* platform_vfs(sqlite3_vfs* v) { return static_cast<sqlite3_vfs*>(v->pAppData); }

// The object SQLite allocates for a main database or WAL file of this VFS: our
// state, then the platform VFS's file object. Other files (journals, temp
// files) are the platform's file object alone.
struct file {
  sqlite3_file base;    // first: SQLite sees a sqlite3_file*
  file* db = nullptr;   ///< of a WAL file: its database file
  file* wal = nullptr;  ///< of a database file: its open WAL file, if any
  bool is_wal = false;
  bool commit_page_next = false;  ///< the next write completes a commit frame
  sqlite3_int64 held_offset = 0;
  std::vector<unsigned char> held;  ///< contiguous writes not yet issued

  sqlite3_file* platform();
  static file* of(sqlite3_file* f) { return reinterpret_cast<file*>(f); }

  /// Issues the held-back writes, if any.
  int flush() {
    if (held.empty()) return SQLITE_OK;
    auto* p = platform();
    const int rc = p->pMethods->xWrite(p, held.data(), static_cast<int>(held.size()), held_offset);
    issued_writes.fetch_add(1, std::memory_order_relaxed);
    held.clear();
    commit_page_next = false;
    return rc;
  }
  /// Before any operation but a WAL write: what SQLite wrote must be in the file.
  int settle() {
    if (is_wal) return flush();
    return wal != nullptr ? wal->flush() : SQLITE_OK;
  }
};

// Where the platform's file object starts, suitably aligned.
constexpr std::size_t platform_offset =
    (sizeof(file) + alignof(std::max_align_t) - 1) & ~(alignof(std::max_align_t) - 1);

sqlite3_file* file::platform() {
  return reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(this) + platform_offset);
}

// ---- file methods: settle, then forward ------------------------------------------

// Any method but a WAL write: settle, then call the platform file's method M.
template <auto M, class... Args>
int settled(sqlite3_file* f, Args... args) {
  auto* s = file::of(f);
  if (const int rc = s->settle(); rc != SQLITE_OK) return rc;
  auto* p = s->platform();
  return (p->pMethods->*M)(p, args...);
}

int x_close(sqlite3_file* f) {
  auto* s = file::of(f);
  const int flushed = s->settle();
  if (s->is_wal && s->db != nullptr) s->db->wal = nullptr;
  if (!s->is_wal && s->wal != nullptr) s->wal->db = nullptr;
  auto* p = s->platform();
  const int rc = p->pMethods != nullptr ? p->pMethods->xClose(p) : SQLITE_OK;
  s->~file();
  return flushed != SQLITE_OK ? flushed : rc;
}

int x_write(sqlite3_file* f, const void* data, int n, sqlite3_int64 offset) {
  auto* s = file::of(f);
  if (!s->is_wal) {
    return settled<&sqlite3_io_methods::xWrite, const void*, int, sqlite3_int64>(f, data, n,
                                                                                 offset);
  }
  requested_writes.fetch_add(1, std::memory_order_relaxed);
  if (!s->held.empty() && (offset != s->held_offset + static_cast<sqlite3_int64>(s->held.size()) ||
                           s->held.size() + static_cast<std::size_t>(n) > max_held_bytes)) {
    if (const int rc = s->flush(); rc != SQLITE_OK) return rc;
  }
  if (s->held.empty()) s->held_offset = offset;
  const auto* bytes = static_cast<const unsigned char*>(data);
  s->held.insert(s->held.end(), bytes, bytes + n);
  if (s->commit_page_next) return s->flush();  // the commit frame is complete
  if (n == frame_header_bytes &&
      (bytes[4] != 0 || bytes[5] != 0 || bytes[6] != 0 || bytes[7] != 0)) {
    s->commit_page_next = true;
  }
  return SQLITE_OK;
}

int x_sector_size(sqlite3_file* f) {
  auto* p = file::of(f)->platform();
  return p->pMethods->xSectorSize(p);
}

int x_device_characteristics(sqlite3_file* f) {
  auto* p = file::of(f)->platform();
  return p->pMethods->xDeviceCharacteristics(p);
}

// SQLite calls this before it publishes a commit in the shared WAL index. The
// commit frame's write issued the held writes already; this is the backstop.
void x_shm_barrier(sqlite3_file* f) {
  auto* s = file::of(f);
  s->settle();
  s->platform()->pMethods->xShmBarrier(s->platform());
}

constexpr sqlite3_io_methods io_methods = {
    .iVersion = 3,
    .xClose = x_close,
    .xRead = settled<&sqlite3_io_methods::xRead, void*, int, sqlite3_int64>,
    .xWrite = x_write,
    .xTruncate = settled<&sqlite3_io_methods::xTruncate, sqlite3_int64>,
    .xSync = settled<&sqlite3_io_methods::xSync, int>,
    .xFileSize = settled<&sqlite3_io_methods::xFileSize, sqlite3_int64*>,
    .xLock = settled<&sqlite3_io_methods::xLock, int>,
    .xUnlock = settled<&sqlite3_io_methods::xUnlock, int>,
    .xCheckReservedLock = settled<&sqlite3_io_methods::xCheckReservedLock, int*>,
    .xFileControl = settled<&sqlite3_io_methods::xFileControl, int, void*>,
    .xSectorSize = x_sector_size,
    .xDeviceCharacteristics = x_device_characteristics,
    .xShmMap = settled<&sqlite3_io_methods::xShmMap, int, int, int, void volatile**>,
    .xShmLock = settled<&sqlite3_io_methods::xShmLock, int, int, int>,
    .xShmBarrier = x_shm_barrier,
    .xShmUnmap = settled<&sqlite3_io_methods::xShmUnmap, int>,
    .xFetch = settled<&sqlite3_io_methods::xFetch, sqlite3_int64, int, void**>,
    .xUnfetch = settled<&sqlite3_io_methods::xUnfetch, sqlite3_int64, void*>,
};

// ---- VFS methods ---------------------------------------------------------------

int x_open(sqlite3_vfs* v, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* platform = platform_vfs(v);
  if ((flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) == 0) {
    return platform->xOpen(platform, name, f, flags, out_flags);  // no wrapper
  }
  auto* s = new (f) file;
  s->base.pMethods = nullptr;
  s->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
  auto* p = s->platform();
  std::memset(p, 0, static_cast<std::size_t>(platform->szOsFile));
  const int rc = platform->xOpen(platform, name, p, flags, out_flags);
  if (p->pMethods == nullptr || p->pMethods->iVersion < 3) {
    // Nothing to close, or a platform file without the methods we forward.
    if (p->pMethods != nullptr) p->pMethods->xClose(p);
    s->~file();
    f->pMethods = nullptr;
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  s->base.pMethods = &io_methods;
  if (rc == SQLITE_OK && s->is_wal) {
    auto* db = sqlite3_database_file_object(name);
    if (db != nullptr && db->pMethods == &io_methods) {
      s->db = file::of(db);
      s->db->wal = s;
    }
  }
  return rc;
}

// Every VFS method but xOpen: the platform VFS's own.
template <auto M, class... Args>
decltype(auto) platform_call(sqlite3_vfs* v, Args... args) {
  return (platform_vfs(v)->*M)(platform_vfs(v), args...);
}

}  // namespace

const char* coalescing_vfs() {
  static std::once_flag once;
  static sqlite3_vfs vfs{};
  static const char* name = nullptr;
  std::call_once(once, [] {
    sqlite3_vfs* platform = sqlite3_vfs_find(nullptr);
    if (platform == nullptr || platform->iVersion < 2) return;  // use SQLite's default
    vfs.iVersion = 2;
    vfs.szOsFile = static_cast<int>(platform_offset) + platform->szOsFile;
    vfs.mxPathname = platform->mxPathname;
    vfs.zName = vfs_name;
    vfs.pAppData = platform;
    vfs.xOpen = x_open;
    vfs.xDelete = platform_call<&sqlite3_vfs::xDelete, const char*, int>;
    vfs.xAccess = platform_call<&sqlite3_vfs::xAccess, const char*, int, int*>;
    vfs.xFullPathname = platform_call<&sqlite3_vfs::xFullPathname, const char*, int, char*>;
    vfs.xDlOpen = platform_call<&sqlite3_vfs::xDlOpen, const char*>;
    vfs.xDlError = platform_call<&sqlite3_vfs::xDlError, int, char*>;
    vfs.xDlSym = platform_call<&sqlite3_vfs::xDlSym, void*, const char*>;
    vfs.xDlClose = platform_call<&sqlite3_vfs::xDlClose, void*>;
    vfs.xRandomness = platform_call<&sqlite3_vfs::xRandomness, int, char*>;
    vfs.xSleep = platform_call<&sqlite3_vfs::xSleep, int>;
    vfs.xCurrentTime = platform_call<&sqlite3_vfs::xCurrentTime, double*>;
    vfs.xGetLastError = platform_call<&sqlite3_vfs::xGetLastError, int, char*>;
    vfs.xCurrentTimeInt64 = platform_call<&sqlite3_vfs::xCurrentTimeInt64, sqlite3_int64*>;
    if (sqlite3_vfs_register(&vfs, 0) == SQLITE_OK) name = vfs_name;
  });
  return name;
}

wal_write_counts wal_writes() {
  return {requested_writes.load(std::memory_order_relaxed),
          issued_writes.load(std::memory_order_relaxed)};
}

}  // namespace perftrack::coord::sqlite
