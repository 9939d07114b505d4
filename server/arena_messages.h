// ArenaMessages: a unary call's request and response on one protobuf arena,
// for gRPC's callback API (SetMessageAllocatorFor_*). A response of many
// messages (a range of a million keys) is then built without a heap
// allocation per key and freed at once when the call ends; a small call's
// messages fit the arena's first block, inside the holder itself.
//
// Threads: thread-safe (each call its own holder).
#pragma once

#include <google/protobuf/arena.h>
#include <grpcpp/support/message_allocator.h>

namespace etcfs::server {

template <typename Request, typename Response>
class ArenaMessages final : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override { return new Holder; }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() : arena_(Options(first_block_)) {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    static google::protobuf::ArenaOptions Options(char (&block)[1024]) {
      google::protobuf::ArenaOptions o;
      o.initial_block = block;
      o.initial_block_size = sizeof(block);
      return o;
    }
    alignas(8) char first_block_[1024];
    google::protobuf::Arena arena_;  // after first_block_, which it uses
  };
};

}  // namespace etcfs::server
