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
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "store/types.h"

namespace etcfs::fs {

class Mirror {
 public:
  // Replaces the contents with a range's result at `revision`.
  void Reset(std::vector<store::KeyValue> kvs, int64_t revision);
  // Applies the events of a watch response, in order, then notes `revision`.
  void Apply(const std::vector<store::Event>& events, int64_t revision);

  std::optional<store::KeyValue> Get(std::string_view key) const;
  // Whether any key lies under `dir` (a prefix ending in '/'), a marker included.
  bool HasKeysUnder(std::string_view dir) const;
  // How many keys lie under `dir`, up to `at_most`.
  size_t CountKeysUnder(std::string_view dir, size_t at_most) const;

  struct Child {
    std::string component;          // the name below the directory, not encoded
    bool directory = false;         // keys lie under it
    std::optional<store::KeyValue> file;  // the key itself holds a value
  };
  // The children of directory `dir` (a prefix ending in '/'), in key order.
  // The directory's own marker is not a child.
  std::vector<Child> List(std::string_view dir) const;
  // The keys under `dir`, markers included, in key order.
  std::vector<store::KeyValue> KeysUnder(std::string_view dir) const;

  int64_t revision() const;
  size_t size() const;
  // Waits until the mirror reflects `revision`. False on timeout.
  bool WaitFor(int64_t revision, std::chrono::milliseconds timeout) const;

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, store::KeyValue, std::less<>> keys_;  // guarded by mu_

  mutable std::mutex rev_mu_;
  mutable std::condition_variable rev_cv_;
  int64_t revision_ = 0;  // guarded by rev_mu_
};

}  // namespace etcfs::fs
