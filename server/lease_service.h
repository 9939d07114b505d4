// The Lease service of etcd's v3 API: grant and revoke (through Raft), the
// keep-alive stream (renewed by the leader's lessor), time-to-live with the
// attached keys, and the list of leases.
#pragma once

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "server/lessor.h"
#include "server/node.h"

namespace etcfs::server {

class LeaseService final : public etcdserverpb::Lease::Service {
 public:
  LeaseService(Node* node, Lessor* lessor) : node_(node), lessor_(lessor) {}

  grpc::Status LeaseGrant(grpc::ServerContext*, const etcdserverpb::LeaseGrantRequest* req,
                          etcdserverpb::LeaseGrantResponse* resp) override;
  grpc::Status LeaseRevoke(grpc::ServerContext*, const etcdserverpb::LeaseRevokeRequest* req,
                           etcdserverpb::LeaseRevokeResponse* resp) override;
  grpc::Status LeaseKeepAlive(grpc::ServerContext*,
                              grpc::ServerReaderWriter<etcdserverpb::LeaseKeepAliveResponse,
                                                       etcdserverpb::LeaseKeepAliveRequest>* stream) override;
  grpc::Status LeaseTimeToLive(grpc::ServerContext*, const etcdserverpb::LeaseTimeToLiveRequest* req,
                               etcdserverpb::LeaseTimeToLiveResponse* resp) override;
  grpc::Status LeaseLeases(grpc::ServerContext*, const etcdserverpb::LeaseLeasesRequest*,
                           etcdserverpb::LeaseLeasesResponse* resp) override;

 private:
  Node* node_;
  Lessor* lessor_;
};

}  // namespace etcfs::server
