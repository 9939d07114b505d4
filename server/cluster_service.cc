#include "server/cluster_service.h"

namespace etcfs::server {

grpc::Status ClusterService::MemberList(grpc::ServerContext*, const etcdserverpb::MemberListRequest*,
                                        etcdserverpb::MemberListResponse* resp) {
  for (auto& m : node_->Members()) *resp->add_members() = std::move(m);
  node_->FillHeader(resp->mutable_header(), node_->store().CurrentRevision());
  return grpc::Status::OK;
}

}  // namespace etcfs::server
