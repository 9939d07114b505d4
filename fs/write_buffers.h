// WriteBuffers: the files being written through this mount. One buffer per
// inode takes the writes of every descriptor, as a page cache does, until a
// close or fsync commits the whole value as one revision. A file created
// here exists only as its buffer (a pending file, found by its path) until
// its first commit.
//
// Threads: thread-safe. Lock order: mu_ before a Buffer's mu; neither is
// held while calling out.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fs/inode_table.h"
#include "kv/types.h"

namespace etcfs::fs {

class WriteBuffers {
 public:
  struct Buffer {
    std::mutex mu;
    std::string data;   // guarded by mu
    bool dirty = false;  // guarded by mu
    std::optional<kv::FileAttr> pending_attr;  // created here, not committed; guarded by mu
    // Dropped from the table: a writer holding it takes the current one instead.
    bool detached = false;  // guarded by mu

    bool changed() const { return dirty || pending_attr.has_value(); }
  };

  // What a node shows of its buffer: a size while written, attributes while
  // never committed.
  struct Shown {
    std::optional<size_t> size;
    std::optional<kv::FileAttr> pending_attr;
  };
  Shown ShownOf(Ino ino) const;

  std::shared_ptr<Buffer> Find(Ino ino) const;
  // The buffer of `ino`, locked into `lock`; made from `committed()` (the
  // value as committed now) when there is none.
  std::shared_ptr<Buffer> Open(Ino ino, const std::function<std::string()>& committed,
                               std::unique_lock<std::mutex>* lock);
  // The buffer of `ino`, locked into `lock`; nullptr when there is none.
  std::shared_ptr<Buffer> Lock(Ino ino, std::unique_lock<std::mutex>* lock);
  // Removes `b` (the buffer of `ino`, at `path`) once it holds nothing
  // uncommitted.
  void Drop(Ino ino, const std::shared_ptr<Buffer>& b, const std::string& path);
  // The file went (unlinked here): what descriptors still write goes nowhere.
  void Discard(Ino ino, const std::string& path);

  // A file created here at `path`, numbered `ino`, with its attributes.
  void AddPending(const std::string& path, Ino ino, const kv::FileAttr& attr);
  bool HasPendingUnder(std::string_view dir) const;
  // The paths of pending files directly in `dir`.
  std::vector<std::string> PendingIn(std::string_view dir) const;
  // The numbers of pending files at or below `dir`.
  std::vector<Ino> PendingUnder(std::string_view dir) const;
  // A rename moved `from` (a file, or a directory with what lies below) to `to`.
  void MovePending(const std::string& from, const std::string& to);

 private:
  mutable std::mutex mu_;
  std::unordered_map<Ino, std::shared_ptr<Buffer>> buffers_;  // guarded by mu_
  std::map<std::string, Ino, std::less<>> pending_;           // by path; guarded by mu_
};

}  // namespace etcfs::fs
