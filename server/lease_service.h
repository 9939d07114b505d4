// The Lease service of etcd's v3 API: grant and revoke (through Raft), the
// keep-alive stream (renewed by the leader's lessor), time-to-live with the
// attached keys, and the list of leases.
//
// On gRPC's callback API, as the KV service (kv_service.h): grants and
// revokes are answered from where they were applied, keep-alives from the
// lessor or, on a follower, when the leader answered (lease_keepalive.h).
#pragma once

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "server/leader_link.h"
#include "server/lessor.h"
#include "server/node.h"
#include "server/reply_finisher.h"

namespace etcfs::server {

class LeaseService final : public etcdserverpb::Lease::CallbackService {
 public:
  LeaseService(Node* node, Lessor* lessor) : node_(node), lessor_(lessor), leader_(node), finisher_(node) {}

  grpc::ServerUnaryReactor* LeaseGrant(grpc::CallbackServerContext* ctx, const etcdserverpb::LeaseGrantRequest* req,
                                       etcdserverpb::LeaseGrantResponse* resp) override;
  grpc::ServerUnaryReactor* LeaseRevoke(grpc::CallbackServerContext* ctx, const etcdserverpb::LeaseRevokeRequest* req,
                                        etcdserverpb::LeaseRevokeResponse* resp) override;
  grpc::ServerBidiReactor<etcdserverpb::LeaseKeepAliveRequest, etcdserverpb::LeaseKeepAliveResponse>* LeaseKeepAlive(
      grpc::CallbackServerContext* ctx) override;
  grpc::ServerUnaryReactor* LeaseTimeToLive(grpc::CallbackServerContext* ctx,
                                            const etcdserverpb::LeaseTimeToLiveRequest* req,
                                            etcdserverpb::LeaseTimeToLiveResponse* resp) override;
  // Before the server shuts down: keep-alives forwarded to the leader are
  // answered now (LeaderLink::Close).
  void Stop() { leader_.Close(); }

  grpc::ServerUnaryReactor* LeaseLeases(grpc::CallbackServerContext* ctx, const etcdserverpb::LeaseLeasesRequest* req,
                                        etcdserverpb::LeaseLeasesResponse* resp) override;

 private:
  Node* const node_;
  Lessor* const lessor_;
  LeaderLink leader_;
  ReplyFinisher finisher_;  // declared last: destroyed first, running what waits
};

}  // namespace etcfs::server
