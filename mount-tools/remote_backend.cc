#include "mount-tools/remote_backend.h"

#include <condition_variable>
#include <thread>

#include "base/key_range.h"
#include "base/wall_clock.h"
#include "mount-tools/companion_txn.h"
#include "client/endpoints.h"
#include "mount-tools/paged_range.h"
#include "mount-tools/remote_watch.h"
#include "kv/api_convert.h"

namespace etcfs::mount_tools {

namespace {

// Room for the companion keys and values in a request at the cluster's limit.
constexpr size_t kCompanionBytes = 1024;

std::chrono::system_clock::time_point Deadline(std::chrono::milliseconds timeout) {
  return std::chrono::system_clock::now() + timeout;
}

}  // namespace

// A RemoteWatch the backend knows of while it lives (for progress requests).
class RemoteBackend::TrackedWatch : public fs::KvWatch {
 public:
  TrackedWatch(RemoteBackend* backend, std::unique_ptr<RemoteWatch> watch)
      : backend_(backend), watch_(std::move(watch)) {
    std::lock_guard<std::mutex> lock(backend_->watches_mu_);
    backend_->watches_.insert(watch_.get());
  }
  ~TrackedWatch() override {
    {
      std::lock_guard<std::mutex> lock(backend_->watches_mu_);
      backend_->watches_.erase(watch_.get());
    }
    watch_.reset();
  }

 private:
  RemoteBackend* backend_;
  std::unique_ptr<RemoteWatch> watch_;
};

Result<std::unique_ptr<RemoteBackend>> RemoteBackend::Connect(RemoteOptions options) {
  ETCFS_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, client::DialEndpoints(options.endpoints));
  return std::unique_ptr<RemoteBackend>(new RemoteBackend(std::move(options), std::move(channel)));
}

RemoteBackend::RemoteBackend(RemoteOptions options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      attr_keys_(options_.prefix),
      channel_(std::move(channel)),
      kv_(etcdserverpb::KV::NewStub(channel_)),
      maintenance_(etcdserverpb::Maintenance::NewStub(channel_)) {}

RemoteBackend::~RemoteBackend() = default;

grpc::Status RemoteBackend::Wait(grpc::ClientContext* ctx, const fs::CallOptions& call,
                                 const std::function<void(std::function<void(grpc::Status)>)>& start) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  start([&](grpc::Status s) {
    std::lock_guard<std::mutex> lock(mu);
    status = std::move(s);
    done = true;
    cv.notify_one();
  });
  std::unique_lock<std::mutex> lock(mu);
  bool cancelled = false;
  while (!done) {
    cv.wait_for(lock, std::chrono::milliseconds(20));
    if (!done && !cancelled && call.cancelled && call.cancelled()) {
      cancelled = true;
      ctx->TryCancel();  // the callback still runs, with CANCELLED
    }
  }
  return status;
}

grpc::Status RemoteBackend::WaitIdempotent(
    std::chrono::system_clock::time_point deadline, const fs::CallOptions& call,
    const std::function<void(grpc::ClientContext*, std::function<void(grpc::Status)>)>& start) {
  return client::RetryUnavailable(
      deadline,
      [&] {
        grpc::ClientContext ctx;
        ctx.set_deadline(deadline);
        ctx.set_wait_for_ready(true);  // wait out an outage until the deadline
        return Wait(&ctx, call, [&](std::function<void(grpc::Status)> done) { start(&ctx, std::move(done)); });
      },
      call.cancelled);
}

Result<kv::RangeResponse> RemoteBackend::Range(const kv::RangeRequest& req) {
  auto r = RangeInPages(kv_.get(), req, options_.call_timeout, "range of " + req.key);
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kTimeout && channel_->GetState(false) != GRPC_CHANNEL_READY) {
      std::string eps;
      for (const auto& ep : options_.endpoints) eps += (eps.empty() ? "" : ",") + ep;
      return Status::Unavailable("no endpoint of " + eps + " answered within " +
                                 std::to_string(options_.call_timeout.count()) + " ms; is etcd running there?");
    }
    return r.status();
  }
  // Companions dress their keys and are not passed on.
  const size_t all = r->kvs.size();
  const std::map<std::string, Companion> companions = TakeCompanions(attr_keys_, &r->kvs);
  const int64_t now = WallClockNs();
  for (auto& kv : r->kvs) {
    auto c = companions.find(kv.key);
    kv.attr = AttrFor(kv, c == companions.end() ? nullptr : &c->second, now);
  }
  r->count -= static_cast<int64_t>(all - r->kvs.size());
  return r;
}

Result<kv::TxnResponse> RemoteBackend::Txn(const kv::TxnRequest& req, const fs::CallOptions& call) {
  etcdserverpb::TxnRequest pb;
  kv::ToPb(WithCompanions(req, attr_keys_, WallClockNs()), &pb);
  etcdserverpb::TxnResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline(call.timeout));
  ctx.set_wait_for_ready(true);  // wait out an outage until the deadline
  grpc::Status st = Wait(&ctx, call, [&](std::function<void(grpc::Status)> done) {
    kv_->async()->Txn(&ctx, &pb, &resp, std::move(done));
  });
  ETCFS_RETURN_IF_ERROR(client::FromGrpc(st, "txn"));
  RequestProgress();
  return WithoutCompanions(kv::FromPb(resp), req, attr_keys_);
}

Result<std::unique_ptr<fs::KvWatch>> RemoteBackend::Watch(std::string prefix, int64_t from_revision,
                                                          std::function<void(fs::WatchUpdate)> on_update) {
  auto w = std::make_unique<RemoteWatch>(channel_, attr_keys_, std::move(prefix), from_revision, std::move(on_update));
  return std::unique_ptr<fs::KvWatch>(std::make_unique<TrackedWatch>(this, std::move(w)));
}

void RemoteBackend::RequestProgress() {
  std::lock_guard<std::mutex> lock(watches_mu_);
  for (RemoteWatch* w : watches_) w->RequestProgress();
}

Result<int64_t> RemoteBackend::LinearizableRevision(const fs::CallOptions& call) {
  etcdserverpb::RangeRequest pb;
  pb.set_key(options_.prefix);
  pb.set_range_end(PrefixEnd(options_.prefix));
  pb.set_count_only(true);  // a quorum read: the header carries the leader's revision
  etcdserverpb::RangeResponse resp;
  grpc::Status st = WaitIdempotent(Deadline(call.timeout), call, [&](grpc::ClientContext* ctx, auto done) {
    kv_->async()->Range(ctx, &pb, &resp, std::move(done));
  });
  ETCFS_RETURN_IF_ERROR(client::FromGrpc(st, "linearizable read"));
  RequestProgress();
  return resp.header().revision();
}

Status RemoteBackend::ConfirmWritable(const fs::CallOptions& call) {
  const auto deadline = Deadline(call.timeout);
  for (;;) {
    etcdserverpb::StatusRequest req;
    etcdserverpb::StatusResponse resp;
    grpc::Status st = WaitIdempotent(deadline, call, [&](grpc::ClientContext* ctx, auto done) {
      maintenance_->async()->Status(ctx, &req, &resp, std::move(done));
    });
    ETCFS_RETURN_IF_ERROR(client::FromGrpc(st, "status"));
    if (resp.leader() != 0) return Status::Ok();
    if (std::chrono::system_clock::now() + std::chrono::milliseconds(50) >= deadline) {
      return Status::Unavailable("etcdserver: no leader");
    }
    if (call.cancelled && call.cancelled()) return Status::Cancelled("interrupted while waiting for a leader");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Result<fs::BackendUsage> RemoteBackend::Usage() {
  etcdserverpb::StatusRequest req;
  etcdserverpb::StatusResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline(std::chrono::milliseconds(1000)));
  ETCFS_RETURN_IF_ERROR(client::FromGrpc(maintenance_->Status(&ctx, req, &resp), "status"));
  return fs::BackendUsage{resp.dbsize(), options_.cluster_limits.quota_bytes};
}

fs::BackendLimits RemoteBackend::limits() const {
  fs::BackendLimits l = options_.cluster_limits;
  // Each operation may bring its companion along.
  l.max_txn_ops = std::max(1, l.max_txn_ops / kCompanionOpsFactor);
  l.max_request_bytes = l.max_request_bytes > kCompanionBytes * 2 ? l.max_request_bytes - kCompanionBytes
                                                                   : l.max_request_bytes / 2;
  return l;
}

}  // namespace etcfs::mount_tools
