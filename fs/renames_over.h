// RenamesOver: among the changes made elsewhere, tells a file renamed over
// another from a file written in place. Both arrive as a put of a present
// key; a rename's put carries, in the same revision, the file of a key it
// deleted (ops/rename.cc deletes before it puts, and the events keep that
// order). A file renamed over is gone, not changed: the descriptors open on
// it here keep it as it was (Orphans), as on a local filesystem, and what
// they write never reaches the file that took its name.
//
// Threads: thread-safe (one mutex, taken under the mirror's lock).
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "fs/mirror.h"
#include "kv/types.h"

namespace etcfs::fs {

class RenamesOver {
 public:
  // Notes an applied change; true when it is a put that replaced a present
  // file with the file of a key deleted in the same revision.
  bool Replaced(const kv::Event& e, const Mirror::Change& c);

 private:
  // A deleted file, as far as a rename's put must carry it: EchoPlan's
  // SameFile (value, attributes to the nanosecond, lease), without keeping
  // a copy of the value.
  struct Fingerprint {
    kv::FileAttr attr;
    int64_t lease = 0;
    size_t size = 0;
    size_t hash = 0;
    bool operator==(const Fingerprint&) const = default;
  };
  static Fingerprint Of(const kv::KeyValue& kv);

  std::mutex mu_;
  int64_t revision_ = 0;              // guarded by mu_
  std::vector<Fingerprint> deleted_;  // files deleted in revision_; guarded by mu_
};

}  // namespace etcfs::fs
