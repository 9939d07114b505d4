// WatchEncoder: WatchResponses as the bytes a stream sends. An event going
// to many watchers is encoded once (per round of a writer) and its bytes are
// shared by every response that carries it: the response's own fields come
// first, and each event follows as an `events` field, which is what protobuf
// would have written.
//
// Threads: one writer's; not thread-safe.
#pragma once

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
  // `head` (everything but events) followed by `events` (EventBytes).
  static grpc::ByteBuffer Encode(const etcdserverpb::WatchResponse& head, const std::vector<const std::string*>& events);
  // A response without events.
  static grpc::ByteBuffer Encode(const etcdserverpb::WatchResponse& resp);

 private:
  struct Encoded {
    std::string with_prev, without_prev;
    bool has_with = false, has_without = false;
  };
  std::unordered_map<const kv::Event*, Encoded> cache_;
  std::vector<store::SharedEvent> pinned_;  // the cache's keys stay valid while it lives
};

}  // namespace etcfs::server
