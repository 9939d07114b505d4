// The one place where our Status becomes a gRPC status, with the codes and
// messages etcd uses (etcd clients map them back to typed errors by message).
#pragma once

#include <grpcpp/grpcpp.h>

#include "base/status.h"

namespace etcfs::server {

grpc::Status ToGrpc(const Status& s);

}  // namespace etcfs::server
