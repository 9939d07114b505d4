// Mirror: the mount's copy of the keys under its prefix, as of one revision.
// A range fills it and a watch from that revision keeps it current (both
// from the KvBackend), so every read of the filesystem is answered here: no
// round trip for the local node, and last-known data for a remote cluster
// that went away.
//
// Directories are not stored: a directory exists while a key lies under its
// prefix (a marker key "d/" keeps an empty one).
//
// Threads: thread-safe. Readers share a lock; Reset and Apply (the watch's
// thread) take it alone.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "kv/types.h"

namespace etcfs::fs {

class Mirror {
 public:
  // `root`: the mount prefix, a directory that always exists.
  explicit Mirror(std::string root = "") : root_(std::move(root)) {}

  // What one event changed in the tree, for cache invalidation.
  struct Change {
    bool created = false;  // a put of a key that was absent
    bool deleted = false;  // a delete of a key that was present
    // A put of a key that was present: what differs from before.
    bool value_changed = false;
    bool attr_changed = false;
    std::optional<kv::KeyValue> previous;  // the key as it was (a delete's; a put's over a present key)
    // Directories (prefixes ending in '/', below the root) that the event
    // made appear or vanish, deepest first.
    std::vector<std::string> dirs_created;
    std::vector<std::string> dirs_removed;
  };
  using Observer = std::function<void(const kv::Event&, const Change&)>;

  // Replaces the contents with a range's result at `revision`.
  void Reset(std::vector<kv::KeyValue> kvs, int64_t revision);
  // Applies the events of a watch response, in order, then notes `revision`.
  // `observer` (if any) hears of each event with what it changed, under the
  // mirror's lock: it must not call back into the mirror.
  void Apply(const std::vector<kv::Event>& events, int64_t revision, const Observer& observer = nullptr);

  std::optional<kv::KeyValue> Get(std::string_view key) const;
  // Whether any key lies under `dir` (a prefix ending in '/'), a marker included.
  bool HasKeysUnder(std::string_view dir) const;
  // How many keys lie under `dir`, up to `at_most`.
  size_t CountKeysUnder(std::string_view dir, size_t at_most) const;

  struct Child {
    std::string component;          // the name below the directory, not encoded
    bool directory = false;         // keys lie under it
    std::optional<kv::KeyValue> file;  // the key itself holds a value
  };
  // The children of directory `dir` (a prefix ending in '/'), in key order.
  // The directory's own marker is not a child.
  std::vector<Child> List(std::string_view dir) const;
  // The keys under `dir`, markers included, in key order.
  std::vector<kv::KeyValue> KeysUnder(std::string_view dir) const;

  // When an entry was last created, removed or renamed in directory `dir`
  // (a prefix ending in '/', the root included), from the revisions' times,
  // so that every node shows the same; 0 when not known. After a Reset (a
  // mount's start, a resync), the newest change time of its entries stands
  // in for what only the events told (deletes).
  int64_t DirChangedNs(std::string_view dir) const;

  int64_t revision() const;
  size_t size() const;
  // Waits until the mirror reflects `revision`. False on timeout.
  bool WaitFor(int64_t revision, std::chrono::milliseconds timeout) const;

 private:
  bool AnyUnder(std::string_view dir) const;  // REQUIRES: mu_ held
  // The directories `key` lies in below the root, deepest first.
  std::vector<std::string_view> Ancestors(std::string_view key) const;
  // `entry` (a key, or a directory ending in '/') appeared or vanished at
  // `ns`: its directory changed (REQUIRES: mu_ held).
  void NoteEntryChanged(std::string_view entry, int64_t ns);

  const std::string root_;
  mutable std::shared_mutex mu_;
  std::map<std::string, kv::KeyValue, std::less<>> keys_;  // guarded by mu_
  std::map<std::string, int64_t, std::less<>> dir_changed_ns_;  // guarded by mu_

  mutable std::mutex rev_mu_;
  mutable std::condition_variable rev_cv_;
  int64_t revision_ = 0;  // guarded by rev_mu_
};

}  // namespace etcfs::fs
