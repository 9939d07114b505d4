#include "server/watch_service.h"

#include "server/watch_stream.h"

namespace etcfs::server {

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* WatchService::Watch(grpc::CallbackServerContext*) {
  return WatchStream::Open(node_, &writer_);
}

}  // namespace etcfs::server
