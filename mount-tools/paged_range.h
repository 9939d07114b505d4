// Every key of a range at one revision, fetched in pages so that no message
// grows with the prefix (a request with its own limit or count_only is sent
// as it is). Each page waits for an endpoint up to `timeout`.
#pragma once

#include <etcd/etcdserverpb/rpc.grpc.pb.h>

#include <chrono>
#include <string_view>

#include "base/result.h"
#include "kv/types.h"

namespace etcfs::mount_tools {

// Errors: FromGrpc's, naming `what`.
Result<kv::RangeResponse> RangeInPages(etcdserverpb::KV::Stub* kv, kv::RangeRequest req,
                                          std::chrono::milliseconds timeout, std::string_view what);

}  // namespace etcfs::mount_tools
