#include "server/maintenance_service.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <spdlog/spdlog.h>

#include "member/etcd_backend.h"
#include "member/snapshot_file.h"
#include "server/grpc_status.h"

namespace etcfs::server {
namespace {

const char* AlarmName(kv::AlarmType t) {
  switch (t) {
    case kv::AlarmType::kNoSpace: return "NOSPACE";
    case kv::AlarmType::kCorrupt: return "CORRUPT";
    default: return "NONE";
  }
}

}  // namespace

grpc::Status MaintenanceService::Status(grpc::ServerContext*, const etcdserverpb::StatusRequest*,
                                        etcdserverpb::StatusResponse* resp) {
  store::Store& st = node_->store();
  const auto raft = node_->driver().State();
  node_->FillHeader(resp->mutable_header(), st.CurrentRevision());
  resp->set_version(kServerVersion);
  resp->set_dbsize(st.BackendSizeBytes());
  resp->set_dbsizeinuse(st.BackendSizeBytes());
  resp->set_leader(node_->leader());
  resp->set_raftindex(raft.commit.value());
  resp->set_raftterm(raft.term.value());
  resp->set_raftappliedindex(raft.applied.value());
  for (const auto& m : node_->Members()) {
    if (m.id() == node_->member_id()) resp->set_islearner(m.islearner());
  }
  for (const auto& a : st.Alarms()) {
    resp->add_errors(std::string("memberID:") + std::to_string(a.member_id) + " alarm:" + AlarmName(a.alarm) + " ");
  }
  return grpc::Status::OK;
}

grpc::Status MaintenanceService::Alarm(grpc::ServerContext*, const etcdserverpb::AlarmRequest* req,
                                       etcdserverpb::AlarmResponse* resp) {
  std::vector<kv::AlarmMember> alarms;
  if (req->action() == etcdserverpb::AlarmRequest::GET) {
    alarms = node_->store().Alarms();
  } else {
    requestpb::Request w;
    *w.mutable_alarm() = *req;
    auto r = node_->Write(std::move(w));
    if (!r.ok()) return ToGrpc(r.status());
    alarms = std::get<std::vector<kv::AlarmMember>>(*r);
  }
  for (const auto& a : alarms) {
    // etcd's GET filters by type when one is given (NONE: all).
    if (req->action() == etcdserverpb::AlarmRequest::GET && req->alarm() != etcdserverpb::NONE &&
        static_cast<int>(a.alarm) != req->alarm()) {
      continue;
    }
    auto* m = resp->add_alarms();
    m->set_memberid(a.member_id);
    m->set_alarm(static_cast<etcdserverpb::AlarmType>(a.alarm));
  }
  return grpc::Status::OK;  // etcd's alarm answers carry no header
}

grpc::Status MaintenanceService::Defragment(grpc::ServerContext*, const etcdserverpb::DefragmentRequest*,
                                            etcdserverpb::DefragmentResponse* resp) {
  etcfs::Status s = node_->store().Defragment();
  if (!s.ok()) return ToGrpc(s);
  node_->FillHeader(resp->mutable_header(), node_->store().CurrentRevision());
  return grpc::Status::OK;
}

grpc::Status MaintenanceService::HashKV(grpc::ServerContext*, const etcdserverpb::HashKVRequest* req,
                                        etcdserverpb::HashKVResponse* resp) {
  auto h = node_->store().HashKV(req->revision());
  if (!h.ok()) return ToGrpc(h.status());
  resp->set_hash(static_cast<uint32_t>(h->hash ^ (h->hash >> 32)));
  // etcd says -1 for "never compacted".
  resp->set_compact_revision(h->compact_revision == 0 ? -1 : h->compact_revision);
  node_->FillHeader(resp->mutable_header(), node_->store().CurrentRevision());
  return grpc::Status::OK;
}

grpc::Status MaintenanceService::Hash(grpc::ServerContext*, const etcdserverpb::HashRequest*,
                                      etcdserverpb::HashResponse* resp) {
  auto h = node_->store().Hash();
  if (!h.ok()) return ToGrpc(h.status());
  resp->set_hash(h->hash);
  node_->FillHeader(resp->mutable_header(), h->revision);
  return grpc::Status::OK;
}

grpc::Status MaintenanceService::Snapshot(grpc::ServerContext* ctx, const etcdserverpb::SnapshotRequest*,
                                          grpc::ServerWriter<etcdserverpb::SnapshotResponse>* writer) {
  const auto start = std::chrono::steady_clock::now();
  // etcd's snapshot is its backend's bbolt file and that file's SHA-256. Ours
  // is laid out as etcd's (member/etcd_backend.h) in a temporary file on the
  // data directory's disk, gone with this call, then streamed.
  std::string path = node_->options().data_dir + "/snapshot-XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd < 0) {
    return ToGrpc(etcfs::Status::IOError("cannot make the snapshot's temporary file in " + node_->options().data_dir +
                                         ": " + std::strerror(errno)));
  }
  unlink(path.c_str());
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  etcfs::Status s = member::WriteEtcdBackend(
      [this](const member::StoreRecordFn& fn) { return node_->store().ForEachRecord(fn); }, fd);
  struct stat st {};
  if (s.ok() && fstat(fd, &st) != 0) s = etcfs::Status::IOError(std::string("fstat: ") + std::strerror(errno));
  if (!s.ok()) {
    spdlog::warn("etcfsd: cannot build a snapshot: {}", s.ToString());
    return ToGrpc(s);
  }
  const int64_t size = st.st_size;
  int64_t sent = 0;
  member::SnapshotHasher hasher;
  std::string chunk;
  while (s.ok()) {
    chunk.resize(static_cast<size_t>(std::min<int64_t>(size - sent, int64_t{1} << 20)));
    if (!chunk.empty() && pread(fd, chunk.data(), chunk.size(), sent) != static_cast<ssize_t>(chunk.size())) {
      s = etcfs::Status::IOError(std::string("reading the snapshot's temporary file: ") + std::strerror(errno));
      break;
    }
    hasher.Update(chunk);
    sent += static_cast<int64_t>(chunk.size());
    const bool last = sent == size;
    if (last) chunk += hasher.Tail();  // the SHA-256, in the last message, as etcd sends it
    etcdserverpb::SnapshotResponse resp;
    node_->FillHeader(resp.mutable_header(), node_->store().CurrentRevision());
    resp.set_remaining_bytes(size - sent);
    resp.set_blob(chunk);
    if (ctx->IsCancelled() || !writer->Write(resp)) s = etcfs::Status::Cancelled("the client went away");
    if (last) break;
  }
  if (!s.ok()) {
    spdlog::warn("etcfsd: sending a snapshot failed after {} bytes: {}", sent, s.ToString());
    return ToGrpc(s);
  }
  spdlog::info("etcfsd: sent a snapshot of {} bytes in {} ms", sent,
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
  return grpc::Status::OK;
}

grpc::Status MaintenanceService::MoveLeader(grpc::ServerContext*, const etcdserverpb::MoveLeaderRequest* req,
                                            etcdserverpb::MoveLeaderResponse* resp) {
  if (node_->leader() != node_->member_id()) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "etcdserver: not leader");
  }
  node_->driver().TransferLeader(NodeId(req->targetid()));
  // As etcd: wait (a few election timeouts at most) for the target to lead.
  const auto deadline = std::chrono::steady_clock::now() + 5 * node_->options().election_timeout;
  while (node_->leader() != req->targetid()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "etcdserver: request timed out, leader transfer took too long");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  spdlog::info("etcfsd: leadership moved to {:x}", req->targetid());
  node_->FillHeader(resp->mutable_header(), node_->store().CurrentRevision());
  return grpc::Status::OK;
}

}  // namespace etcfs::server
