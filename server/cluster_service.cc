#include "server/cluster_service.h"

#include <grpcpp/grpcpp.h>

#include "server/grpc_status.h"

namespace etcfs::server {
namespace {

// Sends a membership change to the leader when this member is not it.
// Returns nullopt when this member should handle it itself.
template <typename Req, typename Resp, typename Call>
std::optional<grpc::Status> ForwardToLeader(Node* node, const Req& req, Resp* resp, Call call) {
  if (node->leader() == node->member_id()) return std::nullopt;
  auto address = node->LeaderClientAddress();
  if (!address.ok()) return ToGrpc(address.status());
  auto stub = etcdserverpb::Cluster::NewStub(grpc::CreateChannel(*address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + node->options().request_timeout);
  return (stub.get()->*call)(&ctx, req, resp);
}

std::vector<std::string> Urls(const google::protobuf::RepeatedPtrField<std::string>& urls) {
  return {urls.begin(), urls.end()};
}

}  // namespace

template <typename Resp>
void ClusterService::Finish(Resp* resp) {
  for (auto& m : node_->Members()) *resp->add_members() = std::move(m);
  node_->FillHeader(resp->mutable_header(), 0);  // etcd's member answers carry no revision
}

grpc::Status ClusterService::MemberList(grpc::ServerContext*, const etcdserverpb::MemberListRequest*,
                                        etcdserverpb::MemberListResponse* resp) {
  Finish(resp);
  return grpc::Status::OK;
}

grpc::Status ClusterService::MemberAdd(grpc::ServerContext*, const etcdserverpb::MemberAddRequest* req,
                                       etcdserverpb::MemberAddResponse* resp) {
  if (auto f = ForwardToLeader(node_, *req, resp, &etcdserverpb::Cluster::Stub::MemberAdd)) return *f;
  auto added = node_->AddMember(Urls(req->peerurls()), req->islearner());
  if (!added.ok()) return ToGrpc(added.status());
  *resp->mutable_member() = *added;
  Finish(resp);
  return grpc::Status::OK;
}

grpc::Status ClusterService::MemberRemove(grpc::ServerContext*, const etcdserverpb::MemberRemoveRequest* req,
                                          etcdserverpb::MemberRemoveResponse* resp) {
  if (auto f = ForwardToLeader(node_, *req, resp, &etcdserverpb::Cluster::Stub::MemberRemove)) return *f;
  if (Status s = node_->RemoveMember(req->id()); !s.ok()) return ToGrpc(s);
  Finish(resp);
  return grpc::Status::OK;
}

grpc::Status ClusterService::MemberUpdate(grpc::ServerContext*, const etcdserverpb::MemberUpdateRequest* req,
                                          etcdserverpb::MemberUpdateResponse* resp) {
  if (auto f = ForwardToLeader(node_, *req, resp, &etcdserverpb::Cluster::Stub::MemberUpdate)) return *f;
  if (Status s = node_->UpdateMember(req->id(), Urls(req->peerurls())); !s.ok()) return ToGrpc(s);
  Finish(resp);
  return grpc::Status::OK;
}

grpc::Status ClusterService::MemberPromote(grpc::ServerContext*, const etcdserverpb::MemberPromoteRequest* req,
                                           etcdserverpb::MemberPromoteResponse* resp) {
  if (auto f = ForwardToLeader(node_, *req, resp, &etcdserverpb::Cluster::Stub::MemberPromote)) return *f;
  if (Status s = node_->PromoteMember(req->id()); !s.ok()) return ToGrpc(s);
  Finish(resp);
  return grpc::Status::OK;
}

}  // namespace etcfs::server
