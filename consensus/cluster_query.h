// QueryCluster: what a member about to join an existing cluster asks before
// it starts: it knows neither its own id nor the cluster's, so it asks a
// member's peer port (a Hello of stream CLUSTER), and that member answers
// with its description of the cluster (TransportOptions::describe_cluster),
// then closes.
#pragma once

#include <chrono>
#include <string>

#include "base/result.h"

namespace etcfs::consensus {

// Asks the member listening at `address` (host:port). Blocking. Errors:
// Unavailable (unreachable, refused, or no answer within `timeout`),
// InvalidArgument (a malformed address).
Result<std::string> QueryCluster(const std::string& address, std::chrono::milliseconds timeout);

}  // namespace etcfs::consensus
