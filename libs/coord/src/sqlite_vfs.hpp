#pragma once

// A thin SQLite VFS over the platform's default one that writes each commit's
// WAL frames with one system call instead of two per frame.
//
// SQLite writes a WAL frame as two pwrite() calls (24-byte header, then the
// page), so a claim that changes 4 pages costs 8 calls of a few microseconds
// each on a VM. This VFS holds back contiguous WAL writes and sends them
// together when the commit frame is complete, or before anything else touches
// the WAL or its database file (a read, a sync, a lock, the shared-memory
// barrier SQLite calls before it publishes a commit to other connections), so
// every other connection and process sees exactly what it would without it.
// A write error surfaces from the write that completes the commit frame, as
// SQLite's own would. Files other than WAL files pass straight through.

#include <cstdint>

namespace perftrack::coord::sqlite {

/// The name of the VFS to pass to sqlite3_open_v2 (registered on first use,
/// thread-safe; not made the default).
const char* coalescing_vfs();

/// Process-wide counts of WAL writes SQLite asked for and pwrite() calls made.
struct wal_write_counts {
  std::uint64_t requested = 0;
  std::uint64_t issued = 0;
};
wal_write_counts wal_writes();

}  // namespace perftrack::coord::sqlite
