#include "server/kv_service.h"

#include <spdlog/spdlog.h>

#include "server/request_convert.h"
#include "server/grpc_status.h"
#include "store/validation.h"

namespace etcfs::server {
namespace {

// Requests slower than this are logged, as etcd does.
constexpr auto kSlowRequest = std::chrono::milliseconds(100);

class SlowLog {
 public:
  explicit SlowLog(const char* what) : what_(what), start_(std::chrono::steady_clock::now()) {}
  ~SlowLog() {
    const auto took = std::chrono::steady_clock::now() - start_;
    if (took > kSlowRequest) {
      spdlog::warn("etcfsd: slow request: {} took {} ms (expected under {} ms)", what_,
                   std::chrono::duration_cast<std::chrono::milliseconds>(took).count(),
                   kSlowRequest.count());
    }
  }

 private:
  const char* what_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

void KvService::FillHeader(etcdserverpb::ResponseHeader* h, int64_t revision) const {
  node_->FillHeader(h, revision);
}

grpc::Status KvService::Range(grpc::ServerContext* ctx, const etcdserverpb::RangeRequest* req,
                              etcdserverpb::RangeResponse* resp) {
  SlowLog slow("range");
  if (!req->serializable()) {
    // No point waiting past the client's own deadline.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        ctx->deadline() - std::chrono::system_clock::now());
    Status s = node_->WaitLinearizable(std::max(left, std::chrono::milliseconds(0)));
    if (!s.ok()) return ToGrpc(s);
  }
  auto r = node_->store().Range(FromPb(*req));
  if (!r.ok()) return ToGrpc(r.status());
  ToPb(*r, resp);
  FillHeader(resp->mutable_header(), r->revision);
  return grpc::Status::OK;
}

grpc::Status KvService::Put(grpc::ServerContext*, const etcdserverpb::PutRequest* req,
                            etcdserverpb::PutResponse* resp) {
  SlowLog slow("put");
  Status valid = store::ValidatePut(FromPb(*req));
  if (!valid.ok()) return ToGrpc(valid);
  // As etcd: past the quota, raise the NOSPACE alarm and refuse.
  Status quota = node_->CheckQuota(static_cast<int64_t>(req->key().size() + req->value().size()));
  if (!quota.ok()) return ToGrpc(quota);
  requestpb::Request w;
  *w.mutable_put() = *req;
  auto r = node_->Write(std::move(w));
  if (!r.ok()) return ToGrpc(r.status());
  node_->AwaitLocalViews();
  const auto& put = std::get<kv::PutResponse>(*r);
  ToPb(put, resp);
  FillHeader(resp->mutable_header(), put.revision);
  return grpc::Status::OK;
}

grpc::Status KvService::DeleteRange(grpc::ServerContext*, const etcdserverpb::DeleteRangeRequest* req,
                                    etcdserverpb::DeleteRangeResponse* resp) {
  SlowLog slow("delete range");
  Status valid = store::ValidateDeleteRange(FromPb(*req));
  if (!valid.ok()) return ToGrpc(valid);
  requestpb::Request w;
  *w.mutable_delete_range() = *req;
  auto r = node_->Write(std::move(w));
  if (!r.ok()) return ToGrpc(r.status());
  node_->AwaitLocalViews();
  const auto& del = std::get<kv::DeleteRangeResponse>(*r);
  ToPb(del, resp);
  FillHeader(resp->mutable_header(), del.revision);
  return grpc::Status::OK;
}

grpc::Status KvService::Txn(grpc::ServerContext*, const etcdserverpb::TxnRequest* req,
                            etcdserverpb::TxnResponse* resp) {
  SlowLog slow("txn");
  const kv::TxnRequest txn_req = FromPb(*req);
  Status valid = store::ValidateTxn(txn_req, node_->options().max_txn_ops);
  if (!valid.ok()) return ToGrpc(valid);
  if (int64_t cost = store::PutBytes(txn_req); cost > 0) {
    Status quota = node_->CheckQuota(cost);
    if (!quota.ok()) return ToGrpc(quota);
  }
  requestpb::Request w;
  *w.mutable_txn() = *req;
  auto r = node_->Write(std::move(w));
  if (!r.ok()) return ToGrpc(r.status());
  node_->AwaitLocalViews();
  const auto& txn = std::get<kv::TxnResponse>(*r);
  ToPb(txn, resp);
  FillHeader(resp->mutable_header(), txn.revision);
  // Sub-responses carry headers too in etcd.
  for (auto& op : *resp->mutable_responses()) {
    if (op.has_response_range()) FillHeader(op.mutable_response_range()->mutable_header(), txn.revision);
    if (op.has_response_put()) FillHeader(op.mutable_response_put()->mutable_header(), txn.revision);
    if (op.has_response_delete_range()) FillHeader(op.mutable_response_delete_range()->mutable_header(), txn.revision);
  }
  return grpc::Status::OK;
}

grpc::Status KvService::Compact(grpc::ServerContext*, const etcdserverpb::CompactionRequest* req,
                                etcdserverpb::CompactionResponse* resp) {
  SlowLog slow("compact");
  requestpb::Request w;
  *w.mutable_compaction() = *req;
  auto r = node_->Write(std::move(w));
  if (!r.ok()) return ToGrpc(r.status());
  if (req->physical()) {
    Status s = node_->store().WaitForCompaction();
    if (!s.ok()) return ToGrpc(s);
  }
  FillHeader(resp->mutable_header(), node_->store().CurrentRevision());
  return grpc::Status::OK;
}

}  // namespace etcfs::server
