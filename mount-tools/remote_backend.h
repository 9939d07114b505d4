// RemoteBackend: the filesystem's view of a remote etcd v3 cluster (an etcd,
// or an etcfsd cluster reached through its API), for mount.etcfs.
//
// The filesystem mirrors the prefix from one Range and a RemoteWatch, so its
// reads are local and go on when every endpoint is down; writes are etcd
// transactions that also carry the file attributes in companion keys
// (attr_keys.h), since etcd has nowhere else to keep them. A call that cannot
// reach any endpoint waits for one until its deadline, then fails with
// Unavailable (the filesystem answers ETIMEDOUT).
//
// Threads: thread-safe.
#pragma once

#include <etcd/etcdserverpb/rpc.grpc.pb.h>

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "fs/kv_backend.h"
#include "mount-tools/attr_keys.h"

namespace etcfs::mount_tools {

class RemoteWatch;

struct RemoteOptions {
  std::vector<std::string> endpoints;  // host:port
  std::string prefix = "/";            // the mounted prefix; companions live under it
  // What the cluster enforces (etcd's flags of the same names); etcd does
  // not tell its clients, so the mount is told.
  fs::BackendLimits cluster_limits;
  // How long loading the prefix and statfs wait for an endpoint.
  std::chrono::milliseconds call_timeout{5000};
};

class RemoteBackend : public fs::KvBackend {
 public:
  // Resolves the endpoints; connections are made as calls need them.
  static Result<std::unique_ptr<RemoteBackend>> Connect(RemoteOptions options);
  ~RemoteBackend() override;

  Result<kv::RangeResponse> Range(const kv::RangeRequest& req) override;
  Result<kv::TxnResponse> Txn(const kv::TxnRequest& req, const fs::CallOptions& call) override;
  Result<std::unique_ptr<fs::KvWatch>> Watch(std::string prefix, int64_t from_revision,
                                             std::function<void(fs::WatchUpdate)> on_update) override;
  Result<int64_t> LinearizableRevision(const fs::CallOptions& call) override;
  // The endpoint's status names a leader (a quorum read through etcd would
  // cost a ReadIndex and an apply wait on every file written).
  Status ConfirmWritable(const fs::CallOptions& call) override;
  Result<fs::BackendUsage> Usage() override;
  fs::BackendLimits limits() const override;

 private:
  class TrackedWatch;
  RemoteBackend(RemoteOptions options, std::shared_ptr<grpc::Channel> channel);

  // Runs `start` (an async unary call) and waits for it, cancelling the call
  // when `call.cancelled` says so.
  grpc::Status Wait(grpc::ClientContext* ctx, const fs::CallOptions& call,
                    const std::function<void(std::function<void(grpc::Status)>)>& start);
  // Wait() for a call that is safe to repeat (a status, a read), asked again
  // with a new context while it fails UNAVAILABLE (RetryUnavailable).
  grpc::Status WaitIdempotent(
      std::chrono::system_clock::time_point deadline, const fs::CallOptions& call,
      const std::function<void(grpc::ClientContext*, std::function<void(grpc::Status)>)>& start);
  // Asks every watch for progress, so that the mirror reaches `revision`
  // even when nothing under the prefix changed there.
  void RequestProgress();

  const RemoteOptions options_;
  const AttrKeys attr_keys_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<etcdserverpb::KV::Stub> kv_;
  std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance_;

  std::mutex watches_mu_;
  std::set<RemoteWatch*> watches_;
};

}  // namespace etcfs::mount_tools
