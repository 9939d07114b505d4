// The Cluster service of etcd's v3 API: the member list, and adding,
// removing, updating and promoting members. Changes are made by the leader:
// a follower forwards them to the leader's client URL, as etcd does.
#pragma once

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "server/node.h"

namespace etcfs::server {

class ClusterService final : public etcdserverpb::Cluster::Service {
 public:
  explicit ClusterService(Node* node) : node_(node) {}
  grpc::Status MemberList(grpc::ServerContext*, const etcdserverpb::MemberListRequest*,
                          etcdserverpb::MemberListResponse* resp) override;
  grpc::Status MemberAdd(grpc::ServerContext*, const etcdserverpb::MemberAddRequest* req,
                         etcdserverpb::MemberAddResponse* resp) override;
  grpc::Status MemberRemove(grpc::ServerContext*, const etcdserverpb::MemberRemoveRequest* req,
                            etcdserverpb::MemberRemoveResponse* resp) override;
  grpc::Status MemberUpdate(grpc::ServerContext*, const etcdserverpb::MemberUpdateRequest* req,
                            etcdserverpb::MemberUpdateResponse* resp) override;
  grpc::Status MemberPromote(grpc::ServerContext*, const etcdserverpb::MemberPromoteRequest* req,
                             etcdserverpb::MemberPromoteResponse* resp) override;

 private:
  // Fills a response's header and member list.
  template <typename Resp>
  void Finish(Resp* resp);

  Node* node_;
};

}  // namespace etcfs::server
