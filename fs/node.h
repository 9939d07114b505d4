// Node: one file, directory or symlink of the tree as one request sees it,
// and the values requests carry between each other: a directory's listing
// (taken once per open directory) and a descriptor's file handle.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fs/inode_table.h"
#include "kv/types.h"

namespace etcfs::fs {

enum class Kind { kFile, kDirectory, kSymlink };

struct Node {
  Ino ino = 0;
  std::string path;  // below the prefix; a directory's ends with '/'
  Kind kind = Kind::kFile;
  // A file's or symlink's key; a directory's marker key, when it has one.
  std::optional<kv::KeyValue> kv;
  // Being written here: size and content come from the buffer.
  std::optional<size_t> buffered_size;
  std::optional<kv::FileAttr> pending_attr;  // created here, not committed yet
  // A file deleted or renamed elsewhere that only the echo still finds
  // under its path (fs/echo_state.h).
  bool ghost = false;
  // Unlinked or replaced through this mount while open: no path, its content
  // kept for its descriptors (fs/orphans.h).
  bool orphan = false;
};

// A listing taken at the first readdir of an open directory: offsets index
// it, so they stay valid however the directory changes meanwhile.
struct DirEntry {
  std::string name;
  Node node;
};
struct DirSnapshot {
  bool taken = false;             // the kernel may answer from its cache and never ask
  std::vector<DirEntry> entries;  // "." and ".." first
};

// A descriptor's file handle: which incarnation of the key it opened (its
// create revision), so that it goes on reading that file whatever number
// the name carries later, or for a read-only descriptor which value it
// opened (below); or the echo's mark (RELEASE names no thread).
// 0: a file not yet committed, or a handle made elsewhere.
namespace file_handle {

inline constexpr uint64_t kEcho = 0xEC40;
inline constexpr uint64_t kOpenedTag = uint64_t{1} << 63;

// A read-only descriptor is pinned to the value it opened (its mod
// revision): it reads that file whatever happens to the key meanwhile.
inline constexpr uint64_t kPinnedTag = uint64_t{1} << 62;

inline uint64_t Opened(const Node& n, bool read_only) {
  if (!n.kv || n.kv->create_revision <= 0) return 0;
  if (read_only && n.kv->mod_revision > 0) return kOpenedTag | kPinnedTag | static_cast<uint64_t>(n.kv->mod_revision);
  return kOpenedTag | static_cast<uint64_t>(n.kv->create_revision);
}
inline int64_t CreateRevision(uint64_t fh) {
  return (fh & kOpenedTag) && !(fh & kPinnedTag) ? static_cast<int64_t>(fh & ~kOpenedTag) : 0;
}
inline int64_t PinnedRevision(uint64_t fh) {
  return (fh & kOpenedTag) && (fh & kPinnedTag) ? static_cast<int64_t>(fh & ~(kOpenedTag | kPinnedTag)) : 0;
}

}  // namespace file_handle

}  // namespace etcfs::fs
