// EchoPlan: turns the changes of a watch update into the operations the echo
// replays (echo.h).
//
// Most changes map one to one: a new key is a create (a symlink, a directory
// for a marker or a new prefix), a new value is a write, a delete an unlink.
// A rename arrives as a delete and a put in one revision and must be replayed
// as one rename, so that inotify raises IN_MOVED_FROM and IN_MOVED_TO with a
// shared cookie. A put is the other half of a delete when both are in one
// revision and the new key carries the deleted one's value, lease and
// attributes, its mtime to the nanosecond: what a rename through a mount
// writes (tree_changes.cc), and what a txn through the etcd API does not (its
// keys take the time of their own revision), so such a txn stays a delete and
// a create. A directory renamed moves every key below it in one revision;
// that is replayed as one rename of the directory.
//
// Threads: not thread-safe; the Filesystem guards it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kv/types.h"

namespace etcfs::fs {

class EchoPlan {
 public:
  // One operation for Echo::Changed.
  struct Step {
    std::string path;
    unsigned what = 0;  // Echo::What bits
    std::string to;     // kMove's destination
    bool operator==(const Step&) const = default;
  };

  // `hide_creates`: new paths stay hidden until their echo creates them (a
  // serializable mount). Without it (linearizable: shown at once) a new
  // file's echo is its value's events, and new directories and symlinks
  // have none.
  explicit EchoPlan(bool hide_creates) : hide_creates_(hide_creates) {}

  // The changes, in the order applied. Paths are below the mount prefix;
  // a directory's ends in '/'. `shown`: the mount showed the path before
  // (a delete of something never shown has nothing to replay).
  void Deleted(int64_t revision, const std::string& path, const kv::KeyValue& previous, bool shown);
  void DirRemoved(int64_t revision, const std::string& dir, bool shown);
  void DirCreated(int64_t revision, const std::string& dir);
  // A put of `kv` at `path` (a marker's path ends in '/'); `created`: the
  // key was absent.
  void Put(int64_t revision, const std::string& path, const kv::KeyValue& kv, bool created,
           bool value_changed, bool attr_changed);

  // The steps for everything noted so far, in order, and forgets it.
  std::vector<Step> Take();
  bool empty() const { return records_.empty(); }

 private:
  struct Record {
    enum class Kind { kDelete, kDirRemoved, kDirCreated, kPut } kind;
    int64_t revision = 0;
    std::string path;
    kv::KeyValue kv;  // a delete's previous key, a put's new one
    bool shown = false;
    bool created = false;
    bool value_changed = false;
    bool attr_changed = false;
    // Set while planning: consumed by a move (its index in moves_), or -1.
    int move = -1;
  };
  struct Move {
    std::string from, to;
    bool emitted = false;
  };

  // Plans records [begin, end), all of one revision.
  void PlanRevision(size_t begin, size_t end, std::vector<Step>* out);
  void FindDirectoryMoves(size_t begin, size_t end);
  void FindFileMoves(size_t begin, size_t end);

  const bool hide_creates_;
  std::vector<Record> records_;
  std::vector<Move> moves_;
};

}  // namespace etcfs::fs
