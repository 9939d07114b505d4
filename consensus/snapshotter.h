// Snapshotter: the Raft snapshot files of a node (%016x-%016x.snap: term,
// index) in one directory. Each holds the snapshot's metadata and data with a
// checksum; it is written to a temporary name, synced and renamed, so a file
// with a final name is whole. A file that fails its checksum is renamed
// *.broken (with a log line) and the next older one is used. Old files
// beyond a retention count are purged (etcd's --max-snapshots).
//
// Threads: one caller at a time.
#pragma once

#include <string>

#include "base/file_system.h"
#include "base/result.h"
#include "consensus/types.h"

namespace etcfs::consensus {

class Snapshotter {
 public:
  Snapshotter(std::string dir, FileSystem* fs = PosixFileSystem()) : dir_(std::move(dir)), fs_(fs) {}

  // Errors: IOError.
  Status Save(const Snapshot& snap);
  // The newest snapshot that passes its checks. Errors: NotFound (none).
  Result<Snapshot> LoadNewest();
  // Removes all but the newest `keep` snapshots. Returns how many went.
  Result<int> Purge(size_t keep);

  static std::string Encode(const Snapshot& snap);
  static bool Decode(std::string_view data, Snapshot* snap);

 private:
  Result<std::vector<std::string>> SnapshotNames();
  std::string dir_;
  FileSystem* fs_;
};

}  // namespace etcfs::consensus
