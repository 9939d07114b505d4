// The client side of etcd's v3 API that etcfsctl and mount.etcfs share: one
// gRPC channel over a cluster's endpoints, failing over from one to the
// next; retries of calls safe to repeat; etcd's errors as our Status.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "base/result.h"
#include "base/status.h"

namespace etcfs::client {

// One channel over every endpoint (resolved now): gRPC's pick_first uses the
// first that answers and moves to the next when it fails.
Result<std::shared_ptr<grpc::Channel>> DialEndpoints(const std::vector<std::string>& endpoints);

// Runs `call` again while it fails UNAVAILABLE and `deadline` leaves time:
// an endpoint that dies under a call fails it so, and the channel moves to
// the next. Only for calls safe to repeat (a status, a read). `stop` (if
// given) ends the retries early. Each call sets its own deadline.
grpc::Status RetryUnavailable(std::chrono::system_clock::time_point deadline,
                              const std::function<grpc::Status()>& call,
                              const std::function<bool()>& stop = nullptr);

// Our Status for a failed call, with etcd's error kinds (etcd sends them as
// gRPC codes and messages); `what` names the call in the message.
Status FromGrpc(const grpc::Status& s, std::string_view what);

}  // namespace etcfs::client
