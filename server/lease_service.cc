#include "server/lease_service.h"

#include <cmath>
#include <random>

#include <spdlog/spdlog.h>

#include "server/grpc_status.h"

namespace etcfs::server {

grpc::Status LeaseService::LeaseGrant(grpc::ServerContext*, const etcdserverpb::LeaseGrantRequest* req,
                                      etcdserverpb::LeaseGrantResponse* resp) {
  // etcd's minimum TTL: a lease must outlive an election (1.5 election timeouts).
  const auto election = node_->options().election_timeout;
  const int64_t min_ttl = static_cast<int64_t>(std::ceil(1.5 * election.count() / 1000.0));
  requestpb::Request w;
  w.mutable_lease_grant()->set_ttl(std::max(req->ttl(), min_ttl));
  int64_t id = req->id();
  if (id == 0) {
    // As etcd, the member chooses a positive id; the store refuses a taken one.
    static thread_local std::mt19937_64 rng(std::random_device{}());
    id = static_cast<int64_t>(rng() >> 1);
  }
  w.mutable_lease_grant()->set_id(id);
  auto r = node_->Write(std::move(w));
  if (!r.ok()) return ToGrpc(r.status());
  const auto& granted = std::get<kv::LeaseGrantResponse>(*r);
  resp->set_id(granted.id);
  resp->set_ttl(granted.ttl);
  node_->FillHeader(resp->mutable_header(), node_->store().CurrentRevision());
  return grpc::Status::OK;
}

grpc::Status LeaseService::LeaseRevoke(grpc::ServerContext*, const etcdserverpb::LeaseRevokeRequest* req,
                                       etcdserverpb::LeaseRevokeResponse* resp) {
  requestpb::Request w;
  w.mutable_lease_revoke()->set_id(req->id());
  auto r = node_->Write(std::move(w));
  if (!r.ok()) return ToGrpc(r.status());
  node_->AwaitLocalViews();  // the lease's keys are gone from the mount too
  node_->FillHeader(resp->mutable_header(), std::get<kv::LeaseRevokeResponse>(*r).revision);
  return grpc::Status::OK;
}

namespace {

// A keep-alive stream to the leader, for a follower forwarding its clients'
// renewals (only the leader's lessor tracks expiry).
class LeaderStream {
 public:
  explicit LeaderStream(Node* node) : node_(node) {}

  // Renews `id` through the leader. Errors: Unavailable when the leader
  // cannot be reached (the client retries, as with etcd).
  Result<int64_t> Renew(int64_t id) {
    if (!stream_ || leader_ != node_->leader()) {
      ETCFS_RETURN_IF_ERROR(Connect());
    }
    etcdserverpb::LeaseKeepAliveRequest req;
    req.set_id(id);
    etcdserverpb::LeaseKeepAliveResponse resp;
    if (!stream_->Write(req) || !stream_->Read(&resp)) {
      stream_.reset();
      return Status::Unavailable("etcdserver: leader changed");
    }
    return resp.ttl();
  }

  ~LeaderStream() {
    if (stream_) {
      stream_->WritesDone();
      ctx_->TryCancel();
    }
  }

 private:
  Status Connect() {
    stream_.reset();
    leader_ = node_->leader();
    std::string target;
    for (const auto& m : node_->Members()) {
      if (m.id() == leader_ && m.clienturls_size() > 0) target = m.clienturls(0);
    }
    if (leader_ == 0 || target.empty()) return Status::Unavailable("etcdserver: no leader");
    if (target.rfind("http://", 0) == 0) target = target.substr(7);
    channel_ = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
    stub_ = etcdserverpb::Lease::NewStub(channel_);
    ctx_ = std::make_unique<grpc::ClientContext>();
    stream_ = stub_->LeaseKeepAlive(ctx_.get());
    if (!stream_) return Status::Unavailable("etcdserver: cannot reach the leader at " + target);
    return Status::Ok();
  }

  Node* node_;
  uint64_t leader_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<etcdserverpb::Lease::Stub> stub_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<etcdserverpb::LeaseKeepAliveRequest, etcdserverpb::LeaseKeepAliveResponse>>
      stream_;
};

}  // namespace

grpc::Status LeaseService::LeaseKeepAlive(
    grpc::ServerContext*,
    grpc::ServerReaderWriter<etcdserverpb::LeaseKeepAliveResponse, etcdserverpb::LeaseKeepAliveRequest>* stream) {
  LeaderStream leader(node_);
  etcdserverpb::LeaseKeepAliveRequest req;
  while (stream->Read(&req)) {
    auto ttl = lessor_->Renew(req.id());
    if (!ttl.ok() && ttl.status().code() == StatusCode::kFailedPrecondition) {
      ttl = leader.Renew(req.id());  // a follower: the leader renews it
    }
    if (!ttl.ok()) return ToGrpc(ttl.status());
    etcdserverpb::LeaseKeepAliveResponse resp;
    resp.set_id(req.id());
    resp.set_ttl(*ttl);
    node_->FillHeader(resp.mutable_header(), node_->store().CurrentRevision());
    if (!stream->Write(resp)) break;
  }
  return grpc::Status::OK;
}

grpc::Status LeaseService::LeaseTimeToLive(grpc::ServerContext*, const etcdserverpb::LeaseTimeToLiveRequest* req,
                                           etcdserverpb::LeaseTimeToLiveResponse* resp) {
  auto info = node_->store().LeaseTimeToLive(req->id(), req->keys());
  resp->set_id(req->id());
  node_->FillHeader(resp->mutable_header(), node_->store().CurrentRevision());
  if (!info.ok()) {
    // As etcd: an unknown lease has TTL -1.
    resp->set_ttl(-1);
    return grpc::Status::OK;
  }
  resp->set_ttl(lessor_->Remaining(req->id(), info->lease.ttl, info->lease.remaining_ttl));
  resp->set_grantedttl(info->lease.ttl);
  for (const auto& k : info->keys) resp->add_keys(k);
  return grpc::Status::OK;
}

grpc::Status LeaseService::LeaseLeases(grpc::ServerContext*, const etcdserverpb::LeaseLeasesRequest*,
                                       etcdserverpb::LeaseLeasesResponse* resp) {
  auto leases = node_->store().Leases();
  if (!leases.ok()) return ToGrpc(leases.status());
  for (const auto& l : *leases) resp->add_leases()->set_id(l.id);
  node_->FillHeader(resp->mutable_header(), node_->store().CurrentRevision());
  return grpc::Status::OK;
}

}  // namespace etcfs::server
