// Conversions between etcd's v3 API messages (etcdserverpb, mvccpb) and the
// store's types. One function per message, both ways where both are needed.
// File attributes never reach API messages.
#pragma once

#include "etcd/etcdserverpb/rpc.pb.h"
#include "etcfs/request.pb.h"
#include "store/types.h"
#include "store/watch_hub.h"

namespace etcfs::server {

store::RangeRequest FromPb(const etcdserverpb::RangeRequest& in);
store::PutRequest FromPb(const etcdserverpb::PutRequest& in);
store::DeleteRangeRequest FromPb(const etcdserverpb::DeleteRangeRequest& in);
store::TxnRequest FromPb(const etcdserverpb::TxnRequest& in);
store::Compare FromPb(const etcdserverpb::Compare& in);
store::WatchRequest FromPb(const etcdserverpb::WatchCreateRequest& in);

store::FileAttr FromPb(const requestpb::FileAttr& in);
// The txn of `in` with its puts' file attributes (txn_put_attrs) restored.
store::TxnRequest TxnFromRequest(const requestpb::Request& in);

void ToPb(const store::RangeRequest& in, etcdserverpb::RangeRequest* out);
void ToPb(const store::PutRequest& in, etcdserverpb::PutRequest* out);
void ToPb(const store::DeleteRangeRequest& in, etcdserverpb::DeleteRangeRequest* out);
void ToPb(const store::Compare& in, etcdserverpb::Compare* out);
void ToPb(const store::TxnRequest& in, etcdserverpb::TxnRequest* out);
void ToPb(const store::FileAttr& in, requestpb::FileAttr* out);
// A Raft request carrying `in`, its puts' file attributes included.
requestpb::Request TxnToRequest(const store::TxnRequest& in);

void ToPb(const store::KeyValue& in, mvccpb::KeyValue* out);
void ToPb(const store::Event& in, mvccpb::Event* out);
void ToPb(const store::RangeResponse& in, etcdserverpb::RangeResponse* out);
void ToPb(const store::PutResponse& in, etcdserverpb::PutResponse* out);
void ToPb(const store::DeleteRangeResponse& in, etcdserverpb::DeleteRangeResponse* out);
void ToPb(const store::TxnResponse& in, etcdserverpb::TxnResponse* out);

// Responses read back (the client side: mount-tools' remote backend). The
// header revision is the caller's to fill in where the store type has one.
store::KeyValue FromPb(const mvccpb::KeyValue& in);
store::Event FromPb(const mvccpb::Event& in);
store::RangeResponse FromPb(const etcdserverpb::RangeResponse& in);
store::TxnResponse FromPb(const etcdserverpb::TxnResponse& in);

}  // namespace etcfs::server
