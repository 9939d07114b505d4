// Gateway: etcd 3.4's HTTP/JSON gateway on the client port. Each POST under
// /v3/ (and /v3beta/, which etcd 3.4 also answers) is one RPC of KV, Lease,
// Cluster, Maintenance or Auth: its body the request in protobuf's JSON
// mapping, its answer the response, or an error with the HTTP status etcd's
// gateway gives that gRPC code (gateway_json.h has the mapping). The streams
// (Watch, LeaseKeepAlive, Snapshot) take a body of JSON objects and answer
// one {"result":...} line per response, as etcd's do.
//
// The calls go through the gRPC server itself, on an in-process channel, as
// etcd's gateway dials its own server: every check a gRPC client meets
// applies here too. The Authorization header travels as etcd's token.
//
// Threads: handlers run on HttpConnections' threads and block on their call.
#pragma once

#include <grpcpp/generic/generic_stub.h>

#include <memory>

namespace grpc {
class Server;
}
namespace httplib {
class Server;
}

namespace etcfs::server::gateway {

// Registers the gateway's routes on `http`; calls go to `grpc`, which must
// outlive every request served.
void AddRoutes(httplib::Server& http, grpc::Server* grpc);

// The streams' routes (gateway_streams.cc), calling through `stub`.
void AddStreamRoutes(httplib::Server& http, std::shared_ptr<grpc::GenericStub> stub);

}  // namespace etcfs::server::gateway
