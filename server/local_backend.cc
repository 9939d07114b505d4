#include "server/local_backend.h"

#include "server/request_convert.h"
#include "store/key_codec.h"
#include "store/validation.h"
#include "store/watch_hub.h"

namespace etcfs::server {

namespace {

// A hub watcher handing its updates to the filesystem's callback. The hub
// calls Deliver on the apply thread with its lock held; the callback only
// updates the mirror and queues invalidations, so it never blocks.
class HubWatch : public fs::KvWatch, public store::WatchSink {
 public:
  HubWatch(store::WatchHub* hub, std::function<void(fs::WatchUpdate)> on_update)
      : hub_(hub), on_update_(std::move(on_update)) {}
  ~HubWatch() override {
    if (id_ != 0) hub_->Cancel(id_);
  }

  void Start(const store::WatchRequest& req) { id_ = hub_->Watch(req, this); }

  bool Deliver(store::WatchUpdate&& update) override {
    fs::WatchUpdate u;
    u.events.reserve(update.events.size());
    for (size_t i = 0; i < update.events.size(); ++i) u.events.push_back(update.EventAt(i));
    u.revision = update.revision;
    if (update.canceled) u.compacted = update.compact_revision > 0 ? update.compact_revision : 1;
    on_update_(std::move(u));
    return true;
  }

 private:
  store::WatchHub* hub_;
  std::function<void(fs::WatchUpdate)> on_update_;
  store::WatchId id_ = 0;
};

}  // namespace

Result<kv::RangeResponse> LocalBackend::Range(const kv::RangeRequest& req) {
  return node_->store().Range(req);
}

Result<kv::TxnResponse> LocalBackend::Txn(const kv::TxnRequest& req, const fs::CallOptions& call) {
  ETCFS_RETURN_IF_ERROR(store::ValidateTxn(req, node_->options().max_txn_ops));
  if (int64_t cost = store::PutBytes(req); cost > 0) ETCFS_RETURN_IF_ERROR(node_->CheckQuota(cost));
  ETCFS_ASSIGN_OR_RETURN(WriteResponse r,
                         node_->Write(TxnToRequest(req), WriteControl{call.timeout, call.cancelled}));
  return std::get<kv::TxnResponse>(std::move(r));
}

Result<std::unique_ptr<fs::KvWatch>> LocalBackend::Watch(std::string prefix, int64_t from_revision,
                                                         std::function<void(fs::WatchUpdate)> on_update) {
  auto w = std::make_unique<HubWatch>(&node_->store().watch_hub(), std::move(on_update));
  store::WatchRequest req;
  req.key = prefix;
  req.range_end = store::PrefixEnd(prefix);
  req.start_revision = from_revision;
  w->Start(req);
  return std::unique_ptr<fs::KvWatch>(std::move(w));
}

Result<int64_t> LocalBackend::LinearizableRevision(const fs::CallOptions& call) {
  ETCFS_RETURN_IF_ERROR(node_->WaitLinearizable(call.timeout));
  return node_->store().CurrentRevision();
}

Status LocalBackend::ConfirmWritable(const fs::CallOptions& call) {
  // ReadIndex: a quorum answered the leader just now.
  return node_->WaitLinearizable(call.timeout);
}

Result<fs::BackendUsage> LocalBackend::Usage() {
  return fs::BackendUsage{node_->store().BackendSizeBytes(), node_->store().QuotaBytes()};
}

fs::BackendLimits LocalBackend::limits() const {
  const NodeOptions& o = node_->options();
  return fs::BackendLimits{o.max_request_bytes, o.max_txn_ops, node_->store().QuotaBytes()};
}

}  // namespace etcfs::server
