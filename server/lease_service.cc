#include "server/lease_service.h"

#include <cmath>
#include <random>

#include "server/grpc_status.h"
#include "server/lease_keepalive.h"

namespace etcfs::server {

grpc::ServerUnaryReactor* LeaseService::LeaseGrant(grpc::CallbackServerContext* ctx,
                                                   const etcdserverpb::LeaseGrantRequest* req,
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
  auto* reactor = ctx->DefaultReactor();
  node_->Submit(std::move(w), {}, [this, reactor, resp](Result<WriteResponse> r) {
    if (!r.ok()) {
      reactor->Finish(ToGrpc(r.status()));
      return;
    }
    const auto& granted = std::get<kv::LeaseGrantResponse>(*r);
    resp->set_id(granted.id);
    resp->set_ttl(granted.ttl);
    node_->FillHeader(resp->mutable_header(), node_->store().CurrentRevision());
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* LeaseService::LeaseRevoke(grpc::CallbackServerContext* ctx,
                                                    const etcdserverpb::LeaseRevokeRequest* req,
                                                    etcdserverpb::LeaseRevokeResponse* resp) {
  requestpb::Request w;
  w.mutable_lease_revoke()->set_id(req->id());
  auto* reactor = ctx->DefaultReactor();
  node_->Submit(std::move(w), {}, [this, reactor, resp](Result<WriteResponse> r) {
    if (!r.ok()) {
      reactor->Finish(ToGrpc(r.status()));
      return;
    }
    const int64_t revision = std::get<kv::LeaseRevokeResponse>(*r).revision;
    // The lease's keys are gone from the mount too before the answer.
    finisher_.AfterLocalViews([this, reactor, resp, revision] {
      node_->FillHeader(resp->mutable_header(), revision);
      reactor->Finish(grpc::Status::OK);
    });
  });
  return reactor;
}

grpc::ServerBidiReactor<etcdserverpb::LeaseKeepAliveRequest, etcdserverpb::LeaseKeepAliveResponse>*
LeaseService::LeaseKeepAlive(grpc::CallbackServerContext*) {
  return new KeepAliveStream(node_, lessor_, &leader_);
}

grpc::ServerUnaryReactor* LeaseService::LeaseTimeToLive(grpc::CallbackServerContext* ctx,
                                                        const etcdserverpb::LeaseTimeToLiveRequest* req,
                                                        etcdserverpb::LeaseTimeToLiveResponse* resp) {
  auto info = node_->store().LeaseTimeToLive(req->id(), req->keys());
  resp->set_id(req->id());
  node_->FillHeader(resp->mutable_header(), node_->store().CurrentRevision());
  if (!info.ok()) {
    // As etcd: an unknown lease has TTL -1.
    resp->set_ttl(-1);
    return Finished(ctx, grpc::Status::OK);
  }
  resp->set_ttl(lessor_->Remaining(req->id(), info->lease.ttl, info->lease.remaining_ttl));
  resp->set_grantedttl(info->lease.ttl);
  for (const auto& k : info->keys) resp->add_keys(k);
  return Finished(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* LeaseService::LeaseLeases(grpc::CallbackServerContext* ctx,
                                                    const etcdserverpb::LeaseLeasesRequest*,
                                                    etcdserverpb::LeaseLeasesResponse* resp) {
  auto leases = node_->store().Leases();
  if (!leases.ok()) return Finished(ctx, ToGrpc(leases.status()));
  for (const auto& l : *leases) resp->add_leases()->set_id(l.id);
  node_->FillHeader(resp->mutable_header(), node_->store().CurrentRevision());
  return Finished(ctx, grpc::Status::OK);
}

}  // namespace etcfs::server
