#include "server/grpc_status.h"

namespace etcfs::server {

grpc::Status ToGrpc(const Status& s) {
  if (s.ok()) return grpc::Status::OK;
  switch (s.code()) {
    case StatusCode::kCompacted:
    case StatusCode::kFutureRevision:
      return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, s.message());
    case StatusCode::kInvalidArgument:
    case StatusCode::kResourceExhausted:  // "etcdserver: request is too large"
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, s.message());
    case StatusCode::kNotFound:
      // etcd: a missing lease is NotFound, a missing key (ignore_value) InvalidArgument.
      if (s.message() == "etcdserver: key not found") {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, s.message());
      }
      return grpc::Status(grpc::StatusCode::NOT_FOUND, s.message());
    case StatusCode::kAlreadyExists:
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, s.message());
    case StatusCode::kNoSpace:
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, s.message());
    case StatusCode::kUnavailable:
    case StatusCode::kTimeout:
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, s.message());
    case StatusCode::kFailedPrecondition:
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, s.message());
    case StatusCode::kCancelled:
      return grpc::Status(grpc::StatusCode::CANCELLED, s.message());
    default:
      return grpc::Status(grpc::StatusCode::INTERNAL, s.ToString());
  }
}

grpc::ServerUnaryReactor* Finished(grpc::CallbackServerContext* ctx, const grpc::Status& status) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

}  // namespace etcfs::server
