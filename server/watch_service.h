// The Watch service of etcd's v3 API on gRPC's callback API: each call is a
// WatchStream (watch_stream.h), and one WatchWriter encodes for all of them.
// The stream's messages travel as raw bytes, so that the writer can send an
// event's encoding to many watchers without encoding it for each.
#pragma once

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "server/node.h"
#include "server/watch_writer.h"

namespace etcfs::server {

class WatchService final : public etcdserverpb::Watch::WithRawCallbackMethod_Watch<etcdserverpb::Watch::Service> {
 public:
  explicit WatchService(Node* node) : node_(node) {}
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Watch(grpc::CallbackServerContext* ctx) override;

 private:
  Node* node_;
  WatchWriter writer_;
};

}  // namespace etcfs::server
