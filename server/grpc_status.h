// The one place where our Status becomes a gRPC status, with the codes and
// messages etcd uses (etcd clients map them back to typed errors by message).
#pragma once

#include <grpcpp/grpcpp.h>

#include "base/status.h"

namespace etcfs::server {

grpc::Status ToGrpc(const Status& s);

// A unary call of the callback API answered at once with `status`.
grpc::ServerUnaryReactor* Finished(grpc::CallbackServerContext* ctx, const grpc::Status& status);

}  // namespace etcfs::server
