// Orphans: files unlinked or replaced (renamed over) through this mount
// while the kernel still holds their inode, as it does for every open
// descriptor. A local filesystem keeps such a file until its last close (log
// rotation, editors and package managers rely on it); here its value and
// attributes are kept in memory for those descriptors until the kernel
// forgets the number. Reads return what it held, fstat shows nlink 0, and
// writes and truncates change this copy alone: nothing reaches the key space.
//
// Threads: thread-safe (one mutex, taken after every other lock of the
// filesystem and held only inside its own calls).
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "fs/inode_table.h"
#include "kv/types.h"

namespace etcfs::fs {

class Orphans {
 public:
  // `ino` lost its name; `kv` is the file as its descriptors see it now.
  void Keep(Ino ino, kv::KeyValue kv);
  std::optional<kv::KeyValue> Get(Ino ino) const;
  // Changes the kept file (a write, truncate, chmod through a descriptor);
  // false when `ino` is not an orphan.
  bool Update(Ino ino, const std::function<void(kv::KeyValue&)>& change);
  // The kernel let go of `ino`: its content goes.
  void Forget(Ino ino);
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<Ino, kv::KeyValue> files_;  // guarded by mu_
};

}  // namespace etcfs::fs
