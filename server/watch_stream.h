// WatchStream: one Watch stream of etcd's v3 API on gRPC's callback API. It
// carries many watches: creates, cancels and progress requests arrive on it;
// events reach the client in revision order, exactly once, fragmented when a
// response would pass the request size limit and the watch asked for it.
//
// The hub delivers updates here on the apply path; they only queue (a watch's
// updates joining while the stream drains, watch_queue.h), and the stream
// asks the WatchWriter to encode them on its thread (sharing each event's
// bytes among the responses that carry it) once what it encoded before is
// nearly out. A full queue refuses the update, and the hub replays it from
// history later: a slow watcher never stalls the apply path. Writes go out
// one at a time, as the callback API requires, the queued ones marked so that
// gRPC packs them together.
//
// Lifetime: gRPC owns the reactor until OnDone; the writer may hold it a
// little longer (shared), but never touches gRPC after OnDone.
//
// Threads: Deliver on the apply path (the hub's lock held); reactions on
// gRPC's threads; EncodeQueued and Send on the writer's thread.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/proto_utils.h>

#include "etcd/etcdserverpb/rpc.pb.h"
#include "server/node.h"
#include "server/watch_encoder.h"
#include "server/watch_queue.h"
#include "store/watch_hub.h"

namespace etcfs::server {

class WatchWriter;

class WatchStream final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>,
                          public store::WatchSink,
                          public std::enable_shared_from_this<WatchStream> {
 public:
  // A stream for one call; it lives until gRPC is done with it.
  static WatchStream* Open(Node* node, WatchWriter* writer);

  // store::WatchSink: never blocks.
  bool Deliver(store::WatchUpdate&& update) override;

  // gRPC's reactions.
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone() override;

  // The writer: encodes what was queued since the last call, then sends it.
  std::vector<grpc::ByteBuffer> EncodeQueued(WatchEncoder* encoder);
  void Send(std::vector<grpc::ByteBuffer> responses);

 private:
  WatchStream(Node* node, WatchWriter* writer);
  void Handle(const etcdserverpb::WatchRequest& req);
  void Create(const etcdserverpb::WatchCreateRequest& req);
  void Cancel(int64_t id);
  void Progress();
  void CancelAll();
  void Respond(etcdserverpb::WatchResponse resp);
  // REQUIRES: mu_. Asks the writer to encode what is queued, unless it was
  // asked already or more than the write in flight is still to go out: what
  // arrives meanwhile joins the queue, to go out in fewer responses.
  void Schedule();
  // REQUIRES: mu_. Finishes the call once the client closed its side and no
  // write is in flight. Returns whether Finish is to be called (unlocked).
  bool ShouldFinish();
  // A hub update as responses (several when fragmenting); none when the
  // watch is no longer this stream's.
  void EncodeUpdate(store::WatchUpdate& u, WatchEncoder* encoder, std::vector<grpc::ByteBuffer>* out);
  void Header(etcdserverpb::ResponseHeader* h, int64_t revision) { node_->FillHeader(h, revision); }

  Node* const node_;
  WatchWriter* const writer_;
  std::shared_ptr<WatchStream> self_;  // held for gRPC until OnDone
  grpc::ByteBuffer request_;           // the read in flight

  std::mutex mu_;
  WatchQueue queue_;                       // guarded by mu_
  bool scheduled_ = false;                 // the writer will take the queue; guarded by mu_
  std::deque<grpc::ByteBuffer> out_;       // encoded, front in flight when writing_; guarded by mu_
  bool writing_ = false;                   // guarded by mu_
  bool reads_done_ = false;                // the client closed its side; guarded by mu_
  bool finished_ = false;                  // guarded by mu_
  bool done_ = false;                      // gRPC is done with the call; guarded by mu_
  int64_t next_id_ = 0;                    // guarded by mu_
  std::map<int64_t, store::WatchId> ids_;  // stream id -> hub id; guarded by mu_
  std::map<int64_t, bool> fragment_;       // guarded by mu_
};

}  // namespace etcfs::server
