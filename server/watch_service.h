// The Watch service of etcd's v3 API: one bidirectional stream carries many
// watches. Creates, cancels and progress requests arrive on the stream;
// events reach the client in revision order, exactly once, fragmented when a
// response would pass the request size limit and the watch asked for it.
// The store's watch hub does the matching and catch-up; this class keeps the
// stream's own ids and a bounded queue between the hub and the socket.
#pragma once

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "server/node.h"

namespace etcfs::server {

class WatchService final : public etcdserverpb::Watch::Service {
 public:
  explicit WatchService(Node* node) : node_(node) {}
  grpc::Status Watch(grpc::ServerContext* ctx,
                     grpc::ServerReaderWriter<etcdserverpb::WatchResponse, etcdserverpb::WatchRequest>* stream) override;

 private:
  Node* node_;
};

}  // namespace etcfs::server
