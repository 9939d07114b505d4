// The Maintenance service of etcd's v3 API: status, alarms (NOSPACE raised
// and disarmed through Raft), defragmentation, the key-space and backend hashes, and moving
// the leadership, and the snapshot stream (a store image, store/image.h;
// etcdctl snapshot save writes it to a file as it comes).
#pragma once

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "server/node.h"
#include "server/version.h"

namespace etcfs::server {

class MaintenanceService final : public etcdserverpb::Maintenance::Service {
 public:
  explicit MaintenanceService(Node* node) : node_(node) {}

  grpc::Status Status(grpc::ServerContext*, const etcdserverpb::StatusRequest*,
                      etcdserverpb::StatusResponse* resp) override;
  grpc::Status Alarm(grpc::ServerContext*, const etcdserverpb::AlarmRequest* req,
                     etcdserverpb::AlarmResponse* resp) override;
  grpc::Status Defragment(grpc::ServerContext*, const etcdserverpb::DefragmentRequest*,
                          etcdserverpb::DefragmentResponse* resp) override;
  grpc::Status HashKV(grpc::ServerContext*, const etcdserverpb::HashKVRequest* req,
                      etcdserverpb::HashKVResponse* resp) override;
  grpc::Status Hash(grpc::ServerContext*, const etcdserverpb::HashRequest*,
                    etcdserverpb::HashResponse* resp) override;
  grpc::Status Snapshot(grpc::ServerContext* ctx, const etcdserverpb::SnapshotRequest*,
                        grpc::ServerWriter<etcdserverpb::SnapshotResponse>* writer) override;
  grpc::Status MoveLeader(grpc::ServerContext*, const etcdserverpb::MoveLeaderRequest* req,
                          etcdserverpb::MoveLeaderResponse* resp) override;

 private:
  Node* node_;
};

}  // namespace etcfs::server
