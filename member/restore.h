// Restoring a member from a snapshot file (etcdctl snapshot restore, etcdutl's
// job for etcd): builds the data directory of a member of a new cluster whose
// keys, history, leases and alarms are the snapshot's.
//
// The new cluster is the one --initial-cluster and --initial-cluster-token
// name; the snapshot's member list is dropped. Every member of the new cluster
// is restored from the same file with the same flags (its own --name) and then
// started with them, exactly as a freshly bootstrapped cluster: the WAL holds
// the member's identity and the bootstrap log, and the store, at applied index
// 0, holds the snapshot's state plus the new member list.
//
// The directory is built under "<data-dir>.restoring" and renamed into place
// when complete, so a crash leaves no half-restored data directory behind.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "base/result.h"

namespace etcfs::member {

struct RestoreOptions {
  std::string snapshot_file;
  std::string data_dir;  // must not exist
  std::string wal_dir;   // empty: <data-dir>/member/wal; otherwise must not exist
  std::string name;
  std::map<std::string, std::string> initial_cluster;  // name -> peer address
  std::string cluster_token;
  // Accept a file without the SHA-256 tail: a bare database (etcd's
  // member/snap/db) or an older etcfs store image (its own checksum is still
  // checked).
  bool skip_hash_check = false;
};

struct RestoreSummary {
  int64_t revision = 0;
  int64_t keys = 0;
  uint64_t member_id = 0;
  uint64_t cluster_id = 0;
};

// Called at each step with what is being done, for a progress display.
using RestoreProgress = std::function<void(std::string_view step)>;

// Errors: InvalidArgument (flags), AlreadyExists (the data or WAL directory),
// Corruption (the snapshot), IOError.
Result<RestoreSummary> RestoreMember(const RestoreOptions& options, const RestoreProgress& progress);

}  // namespace etcfs::member
