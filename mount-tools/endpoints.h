// Endpoints: what a remote mount's source names ("ENDPOINTS:/PREFIX") and the
// gRPC channel that reaches them, failing over from one to the next.
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

namespace etcfs::mount_tools {

struct MountSource {
  std::vector<std::string> endpoints;  // host:port, as given (scheme removed)
  std::string prefix = "/";            // ends with '/'
};

// "10.0.0.1:2379,10.0.0.2:2379:/app/" or "http://etcd:2379" (prefix "/").
// The prefix is what follows the last ":/" that does not start "://"; it
// must end with '/' (one is added to a prefix given without).
Result<MountSource> ParseMountSource(std::string_view spec);

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

}  // namespace etcfs::mount_tools
