// KeepAliveStream: one LeaseKeepAlive stream of etcd's v3 API on gRPC's
// callback API. Each request renews a lease and is answered with its TTL (0
// for an unknown lease), in order: the next request is read once the answer
// went out. The leader renews with its own lessor; a follower forwards the
// renewal to the leader (LeaderLink), holding no thread while it waits.
//
// Lifetime: gRPC owns it; it deletes itself in OnDone.
#pragma once

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.pb.h"
#include "server/leader_link.h"
#include "server/lessor.h"
#include "server/node.h"

namespace etcfs::server {

class KeepAliveStream final
    : public grpc::ServerBidiReactor<etcdserverpb::LeaseKeepAliveRequest, etcdserverpb::LeaseKeepAliveResponse> {
 public:
  KeepAliveStream(Node* node, Lessor* lessor, LeaderLink* leader) : node_(node), lessor_(lessor), leader_(leader) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone() override { delete this; }

 private:
  void Answer(int64_t id, const Result<int64_t>& ttl);

  Node* const node_;
  Lessor* const lessor_;
  LeaderLink* const leader_;
  etcdserverpb::LeaseKeepAliveRequest request_;    // the read in flight
  etcdserverpb::LeaseKeepAliveResponse response_;  // the write in flight
};

}  // namespace etcfs::server
