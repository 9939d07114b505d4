// The KV service of etcd's v3 API: ranges (linearizable by default, or
// serializable from the local store), and puts, deletes, transactions and
// compactions proposed through Raft and answered once applied here.
#pragma once

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "server/node.h"

namespace etcfs::server {

class KvService final : public etcdserverpb::KV::Service {
 public:
  explicit KvService(Node* node) : node_(node) {}

  grpc::Status Range(grpc::ServerContext*, const etcdserverpb::RangeRequest* req,
                     etcdserverpb::RangeResponse* resp) override;
  grpc::Status Put(grpc::ServerContext*, const etcdserverpb::PutRequest* req,
                   etcdserverpb::PutResponse* resp) override;
  grpc::Status DeleteRange(grpc::ServerContext*, const etcdserverpb::DeleteRangeRequest* req,
                           etcdserverpb::DeleteRangeResponse* resp) override;
  grpc::Status Txn(grpc::ServerContext*, const etcdserverpb::TxnRequest* req,
                   etcdserverpb::TxnResponse* resp) override;
  grpc::Status Compact(grpc::ServerContext*, const etcdserverpb::CompactionRequest* req,
                       etcdserverpb::CompactionResponse* resp) override;

 private:
  void FillHeader(etcdserverpb::ResponseHeader* h, int64_t revision) const;
  Node* node_;
};

}  // namespace etcfs::server
