// The KV service of etcd's v3 API: ranges (linearizable by default, or
// serializable from the local store), and puts, deletes, transactions and
// compactions proposed through Raft and answered once applied here.
//
// On gRPC's callback API: no call holds a thread while it waits. A write is
// proposed and its handler returns; the response is built and sent from
// where the entry is applied (the apply thread), or from the proposer's
// thread when the write failed. A linearizable range runs when its ReadIndex
// round completes, on that round's thread. What may block (this member's
// mount catching up before an API write is answered, a physical compaction)
// finishes on a thread of the service's own.
//
// Threads: handlers run on gRPC's threads and never block for long.
#pragma once

#include <chrono>
#include <memory>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "server/arena_messages.h"
#include "server/node.h"
#include "server/reply_finisher.h"

namespace etcfs::server {

class KvService final : public etcdserverpb::KV::CallbackService {
 public:
  explicit KvService(Node* node);

  grpc::ServerUnaryReactor* Range(grpc::CallbackServerContext* ctx, const etcdserverpb::RangeRequest* req,
                                  etcdserverpb::RangeResponse* resp) override;
  grpc::ServerUnaryReactor* Put(grpc::CallbackServerContext* ctx, const etcdserverpb::PutRequest* req,
                                etcdserverpb::PutResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteRange(grpc::CallbackServerContext* ctx, const etcdserverpb::DeleteRangeRequest* req,
                                        etcdserverpb::DeleteRangeResponse* resp) override;
  grpc::ServerUnaryReactor* Txn(grpc::CallbackServerContext* ctx, const etcdserverpb::TxnRequest* req,
                                etcdserverpb::TxnResponse* resp) override;
  grpc::ServerUnaryReactor* Compact(grpc::CallbackServerContext* ctx, const etcdserverpb::CompactionRequest* req,
                                    etcdserverpb::CompactionResponse* resp) override;

 private:
  using Clock = std::chrono::steady_clock;
  // Proposes `w`; once applied, `respond` fills the response from what it
  // produced and the call finishes (after this member's mount shows it).
  void Write(grpc::ServerUnaryReactor* reactor, requestpb::Request w, const char* what,
             std::function<void(WriteResponse&)> respond);
  void FillHeader(etcdserverpb::ResponseHeader* h, int64_t revision) const;

  Node* node_;
  // The messages of ranges, puts, deletes and transactions, on arenas; they
  // live as long as the service, which outlives the server.
  ArenaMessages<etcdserverpb::RangeRequest, etcdserverpb::RangeResponse> range_messages_;
  ArenaMessages<etcdserverpb::PutRequest, etcdserverpb::PutResponse> put_messages_;
  ArenaMessages<etcdserverpb::DeleteRangeRequest, etcdserverpb::DeleteRangeResponse> delete_messages_;
  ArenaMessages<etcdserverpb::TxnRequest, etcdserverpb::TxnResponse> txn_messages_;
  // Where calls that must wait finish (declared last: destroyed first,
  // running what is queued).
  ReplyFinisher finisher_;
};

}  // namespace etcfs::server
