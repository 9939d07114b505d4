// WatchEncoder: WatchResponses as the bytes a stream sends. An event going
// to many watchers is encoded once (per round of a writer), and so is the
// header of a revision; a response carrying events is written straight into
// the one slice gRPC sends, field by field in field-number order, which is
// exactly what protobuf would have written.
//
// Threads: one writer's; not thread-safe.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include <grpcpp/support/byte_buffer.h>

#include "etcd/etcdserverpb/rpc.pb.h"
#include "store/watch_hub.h"

namespace etcfs::server {

class WatchEncoder {
 public:
  // The mvccpb.Event bytes of `ev`, with its prev_kv or without; kept for
  // the encoder's life.
  const std::string& EventBytes(const store::SharedEvent& ev, bool prev_kv);
  // The ResponseHeader bytes for `revision`, which `fill` gives on first use;
  // kept for the encoder's life.
  const std::string& HeaderBytes(int64_t revision,
                                 const std::function<void(etcdserverpb::ResponseHeader*)>& fill);
  // A response of watch `watch_id` with `header` (HeaderBytes), the fragment
  // flag and `events` (EventBytes).
  static grpc::ByteBuffer Encode(const std::string& header, int64_t watch_id, bool fragment,
                                 const std::vector<const std::string*>& events);
  // Any other response.
  static grpc::ByteBuffer Encode(const etcdserverpb::WatchResponse& resp);

 private:
  struct Encoded {
    std::string with_prev, without_prev;
    bool has_with = false, has_without = false;
  };
  std::unordered_map<const kv::Event*, Encoded> cache_;
  std::vector<store::SharedEvent> pinned_;  // the cache's keys stay valid while it lives
  std::unordered_map<int64_t, std::string> headers_;
};

}  // namespace etcfs::server
