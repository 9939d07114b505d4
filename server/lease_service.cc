#include "server/lease_service.h"

#include <cmath>
#include <random>

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
  const auto& granted = std::get<store::LeaseGrantResponse>(*r);
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
  node_->FillHeader(resp->mutable_header(), std::get<store::LeaseRevokeResponse>(*r).revision);
  return grpc::Status::OK;
}

grpc::Status LeaseService::LeaseKeepAlive(
    grpc::ServerContext*,
    grpc::ServerReaderWriter<etcdserverpb::LeaseKeepAliveResponse, etcdserverpb::LeaseKeepAliveRequest>* stream) {
  etcdserverpb::LeaseKeepAliveRequest req;
  while (stream->Read(&req)) {
    auto ttl = lessor_->Renew(req.id());
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
