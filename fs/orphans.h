// Orphans: files unlinked or replaced (renamed over) through this mount, or
// deleted or renamed over elsewhere, while the kernel still holds their
// inode, as it does for every open descriptor. A local filesystem keeps such a file until its last close (log
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
#include <string>
#include <unordered_map>

#include "fs/inode_table.h"
#include "kv/types.h"

namespace etcfs::fs {

class Orphans {
 public:
  // `ino` lost its name; `kv` is the file as its descriptors see it now.
  // `buffer_due`: `kv` is the file as committed, kept where its write buffer
  // could not be read (under the mirror's lock, for a change from
  // elsewhere); what its descriptors wrote and did not yet close is taken
  // from the buffer on first use (AdoptBuffer).
  void Keep(Ino ino, kv::KeyValue kv, bool buffer_due = false);
  std::optional<kv::KeyValue> Get(Ino ino) const;
  bool BufferDue(Ino ino) const;
  // The buffer of a file kept with `buffer_due`, read since (nullopt: it
  // had none, or nothing uncommitted): becomes its content, once; later
  // calls change nothing, so that a write made after the first stays.
  void AdoptBuffer(Ino ino, std::optional<std::string> buffered);
  // Changes the kept file (a write, truncate, chmod through a descriptor);
  // false when `ino` is not an orphan.
  bool Update(Ino ino, const std::function<void(kv::KeyValue&)>& change);
  // The kernel let go of `ino`: its content goes.
  void Forget(Ino ino);
  size_t size() const;

 private:
  mutable std::mutex mu_;
  struct Kept {
    kv::KeyValue kv;
    bool buffer_due = false;
  };
  std::unordered_map<Ino, Kept> files_;  // guarded by mu_
};

}  // namespace etcfs::fs
