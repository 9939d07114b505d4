// The Cluster service of etcd's v3 API. MemberList answers from the initial
// cluster and what each member published (name, peer and client URLs).
// Adding, removing, updating and promoting members arrive later; until then
// those calls answer UNIMPLEMENTED.
#pragma once

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "server/node.h"

namespace etcfs::server {

class ClusterService final : public etcdserverpb::Cluster::Service {
 public:
  explicit ClusterService(Node* node) : node_(node) {}
  grpc::Status MemberList(grpc::ServerContext*, const etcdserverpb::MemberListRequest*,
                          etcdserverpb::MemberListResponse* resp) override;

 private:
  Node* node_;
};

}  // namespace etcfs::server
