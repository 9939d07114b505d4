// LocalBackend: the filesystem's view of this node (fs::KvBackend). Reads come
// from the node's own store, writes are proposed through Raft and answered
// once applied here, and the watch is a watcher on the store's hub, fed on the
// apply thread as each batch commits.
//
// Threads: thread-safe, like the node it wraps; the node must outlive it.
#pragma once

#include "fs/kv_backend.h"
#include "server/node.h"

namespace etcfs::server {

class LocalBackend : public fs::KvBackend {
 public:
  explicit LocalBackend(Node* node) : node_(node) {}

  Result<kv::RangeResponse> Range(const kv::RangeRequest& req) override;
  Result<kv::TxnResponse> Txn(const kv::TxnRequest& req, const fs::CallOptions& call) override;
  Result<std::unique_ptr<fs::KvWatch>> Watch(std::string prefix, int64_t from_revision,
                                             std::function<void(fs::WatchUpdate)> on_update) override;
  Result<int64_t> LinearizableRevision(const fs::CallOptions& call) override;
  Status ConfirmWritable(const fs::CallOptions& call) override;
  Result<fs::BackendUsage> Usage() override;
  fs::BackendLimits limits() const override;

 private:
  Node* node_;
};

}  // namespace etcfs::server
