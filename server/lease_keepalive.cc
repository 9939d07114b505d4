#include "server/lease_keepalive.h"

#include "server/grpc_status.h"

namespace etcfs::server {

void KeepAliveStream::OnReadDone(bool ok) {
  if (!ok) {
    Finish(grpc::Status::OK);  // the client closed its side
    return;
  }
  const int64_t id = request_.id();
  auto ttl = lessor_->Renew(id);
  if (!ttl.ok() && ttl.status().code() == StatusCode::kFailedPrecondition) {
    // A follower: the leader renews it. Nothing else happens on this stream
    // until the answer came, so `this` is still there.
    leader_->Renew(id, [this, id](Result<int64_t> forwarded) { Answer(id, forwarded); });
    return;
  }
  Answer(id, ttl);
}

void KeepAliveStream::Answer(int64_t id, const Result<int64_t>& ttl) {
  if (!ttl.ok()) {
    Finish(ToGrpc(ttl.status()));
    return;
  }
  response_.Clear();
  response_.set_id(id);
  response_.set_ttl(*ttl);
  node_->FillHeader(response_.mutable_header(), node_->store().CurrentRevision());
  StartWrite(&response_);
}

void KeepAliveStream::OnWriteDone(bool ok) {
  if (!ok) {
    Finish(grpc::Status::OK);  // the client went away
    return;
  }
  StartRead(&request_);
}

}  // namespace etcfs::server
