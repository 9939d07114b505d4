#include "server/gateway.h"

#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <future>
#include <utility>

#include "etcd/etcdserverpb/rpc.pb.h"
#include "server/gateway_json.h"

namespace etcfs::server::gateway {
namespace {

namespace pb = google::protobuf;

// etcd 3.4's gateway paths (its rpc.proto's google.api.http options) and the
// RPC each calls. Streams are in gateway_streams.cc.
constexpr std::pair<const char*, const char*> kUnaryRoutes[] = {
    {"kv/range", "etcdserverpb.KV.Range"},
    {"kv/put", "etcdserverpb.KV.Put"},
    {"kv/deleterange", "etcdserverpb.KV.DeleteRange"},
    {"kv/txn", "etcdserverpb.KV.Txn"},
    {"kv/compaction", "etcdserverpb.KV.Compact"},
    {"lease/grant", "etcdserverpb.Lease.LeaseGrant"},
    {"lease/revoke", "etcdserverpb.Lease.LeaseRevoke"},
    {"kv/lease/revoke", "etcdserverpb.Lease.LeaseRevoke"},
    {"lease/timetolive", "etcdserverpb.Lease.LeaseTimeToLive"},
    {"kv/lease/timetolive", "etcdserverpb.Lease.LeaseTimeToLive"},
    {"lease/leases", "etcdserverpb.Lease.LeaseLeases"},
    {"kv/lease/leases", "etcdserverpb.Lease.LeaseLeases"},
    {"cluster/member/add", "etcdserverpb.Cluster.MemberAdd"},
    {"cluster/member/remove", "etcdserverpb.Cluster.MemberRemove"},
    {"cluster/member/update", "etcdserverpb.Cluster.MemberUpdate"},
    {"cluster/member/list", "etcdserverpb.Cluster.MemberList"},
    {"cluster/member/promote", "etcdserverpb.Cluster.MemberPromote"},
    {"maintenance/alarm", "etcdserverpb.Maintenance.Alarm"},
    {"maintenance/status", "etcdserverpb.Maintenance.Status"},
    {"maintenance/defragment", "etcdserverpb.Maintenance.Defragment"},
    // etcd's proto gives Hash and HashKV this one path; the gateway took Hash.
    {"maintenance/hash", "etcdserverpb.Maintenance.Hash"},
    {"maintenance/transfer-leadership", "etcdserverpb.Maintenance.MoveLeader"},
    {"auth/enable", "etcdserverpb.Auth.AuthEnable"},
    {"auth/disable", "etcdserverpb.Auth.AuthDisable"},
    {"auth/authenticate", "etcdserverpb.Auth.Authenticate"},
    {"auth/user/add", "etcdserverpb.Auth.UserAdd"},
    {"auth/user/get", "etcdserverpb.Auth.UserGet"},
    {"auth/user/list", "etcdserverpb.Auth.UserList"},
    {"auth/user/delete", "etcdserverpb.Auth.UserDelete"},
    {"auth/user/changepw", "etcdserverpb.Auth.UserChangePassword"},
    {"auth/user/grant", "etcdserverpb.Auth.UserGrantRole"},
    {"auth/user/revoke", "etcdserverpb.Auth.UserRevokeRole"},
    {"auth/role/add", "etcdserverpb.Auth.RoleAdd"},
    {"auth/role/get", "etcdserverpb.Auth.RoleGet"},
    {"auth/role/list", "etcdserverpb.Auth.RoleList"},
    {"auth/role/delete", "etcdserverpb.Auth.RoleDelete"},
    {"auth/role/grant", "etcdserverpb.Auth.RoleGrantPermission"},
    {"auth/role/revoke", "etcdserverpb.Auth.RoleRevokePermission"},
};

// One unary call through the in-process channel, waited for.
grpc::Status Call(grpc::GenericStub& stub, const pb::MethodDescriptor& method, const httplib::Request& req,
                  std::string* json_out) {
  auto request = NewMessage(method.input_type());
  if (grpc::Status parsed = ParseJson(req.body, request.get()); !parsed.ok()) return parsed;
  grpc::ByteBuffer request_buffer = ToBuffer(*request);
  grpc::ByteBuffer response_buffer;
  grpc::ClientContext ctx;
  if (req.has_header("Authorization")) ctx.AddMetadata("authorization", req.get_header_value("Authorization"));
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, WireName(method), grpc::StubOptions(), &request_buffer, &response_buffer,
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  if (grpc::Status called = done.get_future().get(); !called.ok()) return called;
  auto response = NewMessage(method.output_type());
  if (grpc::Status read = FromBuffer(response_buffer, response.get()); !read.ok()) return read;
  *json_out = PrintJson(*response);
  return grpc::Status::OK;
}

// Another method on a gateway path: as etcd's mux answers.
void MethodNotAllowed(const httplib::Request&, httplib::Response& res) {
  res.status = 405;
  res.set_content("Method Not Allowed\n", "text/plain; charset=utf-8");
}

}  // namespace

void AddRoutes(httplib::Server& http, grpc::Server* grpc) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  auto stub = std::make_shared<grpc::GenericStub>(grpc->InProcessChannel(args));
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  etcdserverpb::RangeRequest::descriptor();  // links rpc.proto's descriptors in
  for (const auto& [path, rpc] : kUnaryRoutes) {
    const pb::MethodDescriptor* method = pool->FindMethodByName(rpc);
    if (method == nullptr) continue;  // not in our rpc.proto
    auto handler = [stub, method](const httplib::Request& req, httplib::Response& res) {
      std::string json;
      grpc::Status status = Call(*stub, *method, req, &json);
      if (status.ok()) {
        res.set_content(json, "application/json");
      } else {
        res.status = HttpStatus(status.error_code());
        res.set_content(ErrorBody(status), "application/json");
      }
    };
    for (const char* version : {"/v3/", "/v3beta/"}) {
      http.Post(version + std::string(path), handler);
      http.Get(version + std::string(path), MethodNotAllowed);
    }
  }
  AddStreamRoutes(http, stub);
}

}  // namespace etcfs::server::gateway
