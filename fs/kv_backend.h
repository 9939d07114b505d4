// KvBackend: everything the filesystem needs from the data, and nothing more.
// Two implementations: the local node (server/, in-process: its store and its
// Raft proposals) and a remote etcd v3 cluster over gRPC. The filesystem
// keeps a Mirror of its prefix from Range + Watch and writes with Txn, so
// these four calls are the whole contract.
//
// Requests and responses are the store's plain types (store/types.h), which
// follow etcd's messages field for field plus file attributes.
//
// Errors: Unavailable (no leader, endpoints unreachable), Timeout,
// NoSpace (the NOSPACE alarm), ResourceExhausted (request too large),
// InvalidArgument; the filesystem maps them to errno.
//
// Threads: every call is thread-safe and may block (never call one from a
// watch callback).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "kv/types.h"

namespace etcfs::fs {

struct BackendLimits {
  size_t max_request_bytes = 1536 * 1024;  // etcd's --max-request-bytes
  int max_txn_ops = 128;                   // etcd's --max-txn-ops
  int64_t quota_bytes = int64_t{2} << 30;  // etcd's --quota-backend-bytes
};

// How long one call may wait, and whether its caller gave up (FUSE_INTERRUPT).
struct CallOptions {
  std::chrono::milliseconds timeout{5000};
  // Polled while waiting; true ends the wait with Cancelled.
  std::function<bool()> cancelled;
};

// The space the data takes and may take (statfs).
struct BackendUsage {
  int64_t used_bytes = 0;
  int64_t quota_bytes = 0;
};

// What a watch delivers: the events of one or more revisions, in order, and
// the revision they bring the watcher to (progress notifications carry no
// events). `compacted` > 0: the watch cannot continue from where it was (its
// start was compacted); the watcher must range again.
struct WatchUpdate {
  std::vector<kv::Event> events;
  int64_t revision = 0;
  int64_t compacted = 0;
};

class KvWatch {
 public:
  virtual ~KvWatch() = default;  // cancels; no callback runs after it returns
};

class KvBackend {
 public:
  virtual ~KvBackend() = default;

  // etcd's Range at the current revision (serializable: this backend's view).
  virtual Result<kv::RangeResponse> Range(const kv::RangeRequest& req) = 0;
  // One transaction. Returns once the change is applied where Watch events
  // come from, so a caller that waits for the response's revision on its
  // mirror sees its own write.
  virtual Result<kv::TxnResponse> Txn(const kv::TxnRequest& req, const CallOptions& call) = 0;
  // Events under `prefix` from `from_revision` on, delivered in order on one
  // thread of the backend's, until the returned handle is destroyed.
  virtual Result<std::unique_ptr<KvWatch>> Watch(std::string prefix, int64_t from_revision,
                                                 std::function<void(WatchUpdate)> on_update) = 0;
  // The revision reads must reach to be linearizable (etcd's ReadIndex, or a
  // quorum read against a remote cluster).
  virtual Result<int64_t> LinearizableRevision(const CallOptions& call) = 0;
  // Ok if a write could be committed now (the cluster has a leader that
  // hears from a quorum, as well as the backend can tell cheaply); waits up
  // to call.timeout for one. Errors as Txn's.
  virtual Status ConfirmWritable(const CallOptions& call) = 0;
  virtual Result<BackendUsage> Usage() = 0;
  virtual BackendLimits limits() const = 0;
};

}  // namespace etcfs::fs
