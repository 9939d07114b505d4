// The requests members replicate (etcfs/request.proto): an etcd API request
// as a Raft entry, with the file attributes of its puts, which etcd's
// messages cannot carry; and a watch's creation as the store's WatchRequest.
// The API's own conversions (kv/api_convert.h) are used here unqualified.
#pragma once

#include "etcfs/request.pb.h"
#include "kv/api_convert.h"
#include "store/watch_hub.h"

namespace etcfs::server {

using kv::FromPb;
using kv::ToPb;

kv::FileAttr FromPb(const requestpb::FileAttr& in);
void ToPb(const kv::FileAttr& in, requestpb::FileAttr* out);
// The txn of `in` with its puts' file attributes (txn_put_attrs) restored.
kv::TxnRequest TxnFromRequest(const requestpb::Request& in);
// A Raft request carrying `in`, its puts' file attributes included.
requestpb::Request TxnToRequest(const kv::TxnRequest& in);

store::WatchRequest FromPb(const etcdserverpb::WatchCreateRequest& in);

}  // namespace etcfs::server
