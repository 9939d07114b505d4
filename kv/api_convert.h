// Conversions between etcd's v3 API messages (etcdserverpb, mvccpb) and the
// plain values of kv/types.h: one function per message, both ways where both
// are needed (the server reads requests and writes responses; the clients
// the other way round). File attributes never reach API messages.
#pragma once

#include "etcd/etcdserverpb/rpc.pb.h"
#include "kv/types.h"

namespace etcfs::kv {

RangeRequest FromPb(const etcdserverpb::RangeRequest& in);
PutRequest FromPb(const etcdserverpb::PutRequest& in);
DeleteRangeRequest FromPb(const etcdserverpb::DeleteRangeRequest& in);
TxnRequest FromPb(const etcdserverpb::TxnRequest& in);
Compare FromPb(const etcdserverpb::Compare& in);

void ToPb(const RangeRequest& in, etcdserverpb::RangeRequest* out);
void ToPb(const PutRequest& in, etcdserverpb::PutRequest* out);
void ToPb(const DeleteRangeRequest& in, etcdserverpb::DeleteRangeRequest* out);
void ToPb(const Compare& in, etcdserverpb::Compare* out);
void ToPb(const TxnRequest& in, etcdserverpb::TxnRequest* out);

void ToPb(const KeyValue& in, mvccpb::KeyValue* out);
void ToPb(const Event& in, mvccpb::Event* out);
void ToPb(const RangeResponse& in, etcdserverpb::RangeResponse* out);
void ToPb(const PutResponse& in, etcdserverpb::PutResponse* out);
void ToPb(const DeleteRangeResponse& in, etcdserverpb::DeleteRangeResponse* out);
void ToPb(const TxnResponse& in, etcdserverpb::TxnResponse* out);

// Responses read back (the client side). The header revision is the
// caller's to fill in where the plain type has one.
KeyValue FromPb(const mvccpb::KeyValue& in);
Event FromPb(const mvccpb::Event& in);
RangeResponse FromPb(const etcdserverpb::RangeResponse& in);
TxnResponse FromPb(const etcdserverpb::TxnResponse& in);

}  // namespace etcfs::kv
