#include "server/kv_service.h"

#include <spdlog/spdlog.h>

#include "server/grpc_status.h"
#include "server/request_convert.h"
#include "store/validation.h"

namespace etcfs::server {
namespace {

// Requests slower than this are logged, as etcd does.
constexpr auto kSlowRequest = std::chrono::milliseconds(100);

// Logs a request that took longer than kSlowRequest, once it is answered.
class SlowLog {
 public:
  explicit SlowLog(const char* what) : what_(what), start_(std::chrono::steady_clock::now()) {}
  void Answered() const {
    const auto took = std::chrono::steady_clock::now() - start_;
    if (took > kSlowRequest) {
      spdlog::warn("etcfsd: slow request: {} took {} ms (expected under {} ms)", what_,
                   std::chrono::duration_cast<std::chrono::milliseconds>(took).count(), kSlowRequest.count());
    }
  }

 private:
  const char* what_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

KvService::KvService(Node* node) : node_(node), finisher_(node) {
  SetMessageAllocatorFor_Range(&range_messages_);
  SetMessageAllocatorFor_Put(&put_messages_);
  SetMessageAllocatorFor_DeleteRange(&delete_messages_);
  SetMessageAllocatorFor_Txn(&txn_messages_);
}

void KvService::FillHeader(etcdserverpb::ResponseHeader* h, int64_t revision) const {
  node_->FillHeader(h, revision);
}

void KvService::Write(grpc::ServerUnaryReactor* reactor, requestpb::Request w, const char* what,
                      std::function<void(WriteResponse&)> respond) {
  node_->Submit(std::move(w), {},
                [this, reactor, slow = SlowLog(what), respond = std::move(respond)](Result<WriteResponse> r) mutable {
                  if (!r.ok()) {
                    slow.Answered();
                    reactor->Finish(ToGrpc(r.status()));
                    return;
                  }
                  // This may run later, on the finisher: it owns what it needs.
                  finisher_.AfterLocalViews([reactor, slow, respond = std::move(respond),
                                             response = std::move(*r)]() mutable {
                    respond(response);
                    slow.Answered();
                    reactor->Finish(grpc::Status::OK);
                  });
                });
}

grpc::ServerUnaryReactor* KvService::Range(grpc::CallbackServerContext* ctx, const etcdserverpb::RangeRequest* req,
                                           etcdserverpb::RangeResponse* resp) {
  auto evaluate = [this, req, resp]() -> grpc::Status {
    auto r = node_->store().Range(FromPb(*req));
    if (!r.ok()) return ToGrpc(r.status());
    ToPb(*r, resp);
    FillHeader(resp->mutable_header(), r->revision);
    return grpc::Status::OK;
  };
  if (req->serializable()) {
    const SlowLog slow("range");
    auto* reactor = Finished(ctx, evaluate());
    slow.Answered();
    return reactor;
  }
  auto* reactor = ctx->DefaultReactor();
  node_->AwaitLinearizable([reactor, evaluate, slow = SlowLog("range")](Status s) {
    reactor->Finish(s.ok() ? evaluate() : ToGrpc(s));
    slow.Answered();
  });
  return reactor;
}

grpc::ServerUnaryReactor* KvService::Put(grpc::CallbackServerContext* ctx, const etcdserverpb::PutRequest* req,
                                         etcdserverpb::PutResponse* resp) {
  if (Status valid = store::ValidatePut(FromPb(*req)); !valid.ok()) return Finished(ctx, ToGrpc(valid));
  // As etcd: past the quota, raise the NOSPACE alarm and refuse (without
  // holding this thread while the alarm goes through Raft).
  auto* reactor = ctx->DefaultReactor();
  auto refuse = [reactor](const Status& s) { reactor->Finish(ToGrpc(s)); };
  if (!node_->PassesQuota(static_cast<int64_t>(req->key().size() + req->value().size()), refuse)) return reactor;
  requestpb::Request w;
  *w.mutable_put() = *req;
  Write(reactor, std::move(w), "put", [this, resp](WriteResponse& r) {
    const auto& put = std::get<kv::PutResponse>(r);
    ToPb(put, resp);
    FillHeader(resp->mutable_header(), put.revision);
  });
  return reactor;
}

grpc::ServerUnaryReactor* KvService::DeleteRange(grpc::CallbackServerContext* ctx,
                                                 const etcdserverpb::DeleteRangeRequest* req,
                                                 etcdserverpb::DeleteRangeResponse* resp) {
  if (Status valid = store::ValidateDeleteRange(FromPb(*req)); !valid.ok()) return Finished(ctx, ToGrpc(valid));
  requestpb::Request w;
  *w.mutable_delete_range() = *req;
  auto* reactor = ctx->DefaultReactor();
  Write(reactor, std::move(w), "delete range", [this, resp](WriteResponse& r) {
    const auto& del = std::get<kv::DeleteRangeResponse>(r);
    ToPb(del, resp);
    FillHeader(resp->mutable_header(), del.revision);
  });
  return reactor;
}

grpc::ServerUnaryReactor* KvService::Txn(grpc::CallbackServerContext* ctx, const etcdserverpb::TxnRequest* req,
                                         etcdserverpb::TxnResponse* resp) {
  const kv::TxnRequest txn_req = FromPb(*req);
  if (Status valid = store::ValidateTxn(txn_req, node_->options().max_txn_ops); !valid.ok()) {
    return Finished(ctx, ToGrpc(valid));
  }
  auto* reactor = ctx->DefaultReactor();
  if (int64_t cost = store::PutBytes(txn_req); cost > 0) {
    if (!node_->PassesQuota(cost, [reactor](const Status& s) { reactor->Finish(ToGrpc(s)); })) return reactor;
  }
  requestpb::Request w;
  *w.mutable_txn() = *req;
  Write(reactor, std::move(w), "txn", [this, resp](WriteResponse& r) {
    const auto& txn = std::get<kv::TxnResponse>(r);
    ToPb(txn, resp);
    FillHeader(resp->mutable_header(), txn.revision);
  });
  return reactor;
}

grpc::ServerUnaryReactor* KvService::Compact(grpc::CallbackServerContext* ctx,
                                             const etcdserverpb::CompactionRequest* req,
                                             etcdserverpb::CompactionResponse* resp) {
  requestpb::Request w;
  *w.mutable_compaction() = *req;
  auto* reactor = ctx->DefaultReactor();
  const bool physical = req->physical();
  node_->Submit(std::move(w), {}, [this, reactor, resp, physical, slow = SlowLog("compact")](Result<WriteResponse> r) {
    if (!r.ok()) {
      reactor->Finish(ToGrpc(r.status()));
      return;
    }
    // A physical compaction is answered once the store has done it: off the apply thread.
    finisher_.Post([this, reactor, resp, physical, slow] {
      if (physical) {
        if (Status s = node_->store().WaitForCompaction(); !s.ok()) {
          reactor->Finish(ToGrpc(s));
          return;
        }
      }
      FillHeader(resp->mutable_header(), node_->store().CurrentRevision());
      slow.Answered();
      reactor->Finish(grpc::Status::OK);
    });
  });
  return reactor;
}

}  // namespace etcfs::server
