#include "member/restore.h"

#include <filesystem>
#include <fstream>
#include <cerrno>
#include <cstring>
#include <iterator>

#include "base/executor.h"
#include "base/file_system.h"
#include "consensus/bootstrap.h"
#include "consensus/wal.h"
#include "etcd/etcdserverpb/rpc.pb.h"
#include "member/membership.h"
#include "member/snapshot_file.h"
#include "store/apply_batch.h"
#include "store/store.h"

namespace etcfs::member {
namespace {

namespace fsys = std::filesystem;

Status MustNotExist(const std::string& dir, const char* what) {
  std::error_code ec;
  if (fsys::exists(dir, ec)) {
    return Status::AlreadyExists("the " + std::string(what) + " " + dir +
                                 " exists; restore into a new directory, or remove it first");
  }
  return Status::Ok();
}

// The store image of a snapshot file, with its checks.
Result<std::string> ImageOf(const RestoreOptions& o, std::string_view file, store::StoreMeta* meta) {
  auto image = StoreImageOfSnapshotFile(file, o.skip_hash_check);
  if (!image.ok()) return Status::Corruption(o.snapshot_file + " cannot be restored: " + image.status().message());
  if (Status s = store::VerifyImage(*image, meta); !s.ok()) {
    return Status::Corruption(o.snapshot_file + " cannot be restored: " + s.message());
  }
  return image;
}

// The snapshot's state with the new cluster's member list, at applied index 0
// so that the bootstrap log in the WAL is applied over it.
Status WriteStore(const std::string& dir, std::string_view image, const RestoreOptions& o) {
  WorkerThread background("restore-bg");
  store::StoreOptions so;
  so.dir = dir;
  so.background = &background;
  ETCFS_ASSIGN_OR_RETURN(auto store, store::Store::Open(so));
  ETCFS_RETURN_IF_ERROR(store->InstallImage(image));
  auto batch = store->BeginBatch();
  for (std::string_view prefix : {kMemberPrefix, kRemovedPrefix}) {
    ETCFS_ASSIGN_OR_RETURN(auto records, store->ListMetadata(prefix));
    for (const auto& [key, value] : records) batch->DeleteMetadata(key);
  }
  for (const auto& [name, address] : o.initial_cluster) {
    etcdserverpb::Member m;
    m.set_id(InitialMemberId(name, address, o.cluster_token));
    m.set_name(name);
    m.add_peerurls(PeerUrl(address));
    batch->PutMetadata(MemberKey(m.id()), m.SerializeAsString());
  }
  batch->SetApplied(RaftIndex(0), RaftTerm(0));
  ETCFS_RETURN_IF_ERROR(batch->Commit());
  return store->Sync();
}

Status WriteWal(const std::string& dir, const MemberIdentity& me, const RestoreOptions& o) {
  std::vector<NodeId> ids;
  std::map<NodeId, std::string> peers;
  for (const auto& [id, address] : InitialMembers(o.initial_cluster, o.cluster_token)) {
    ids.push_back(NodeId(id));
    peers[NodeId(id)] = address;
  }
  const consensus::BootstrapLog boot = consensus::MakeBootstrapLog(ids, peers);
  consensus::WalOptions wo;
  wo.dir = dir;
  ETCFS_ASSIGN_OR_RETURN(auto wal, consensus::Wal::Create(wo, me.Encode()));
  return wal->Save(boot.hard_state, boot.entries, true);
}

Status Rename(const std::string& from, const std::string& to) {
  std::error_code ec;
  fsys::rename(from, to, ec);
  if (ec) return Status::IOError("renaming " + from + " to " + to + ": " + ec.message());
  const fsys::path parent = fsys::absolute(to).parent_path();
  return PosixFileSystem()->SyncDir(parent.string());
}

}  // namespace

Result<RestoreSummary> RestoreMember(const RestoreOptions& o, const RestoreProgress& progress) {
  if (o.name.empty()) return Status::InvalidArgument("--name must not be empty");
  if (!o.initial_cluster.count(o.name)) {
    return Status::InvalidArgument("--initial-cluster has no entry for --name '" + o.name +
                                   "'; name this member there, e.g. " + o.name + "=http://127.0.0.1:2380");
  }
  if (o.data_dir.empty()) return Status::InvalidArgument("--data-dir must not be empty");
  ETCFS_RETURN_IF_ERROR(MustNotExist(o.data_dir, "data directory"));
  if (!o.wal_dir.empty()) ETCFS_RETURN_IF_ERROR(MustNotExist(o.wal_dir, "WAL directory"));

  progress("reading " + o.snapshot_file);
  std::ifstream in(o.snapshot_file, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + o.snapshot_file + ": " + std::strerror(errno));
  const std::string file((std::istreambuf_iterator<char>(in)), {});
  if (in.bad()) return Status::IOError("reading " + o.snapshot_file + " failed: " + std::strerror(errno));
  store::StoreMeta meta;
  ETCFS_ASSIGN_OR_RETURN(std::string image, ImageOf(o, file, &meta));

  // Whatever an interrupted restore left is incomplete by construction.
  const std::string staging = o.data_dir + ".restoring";
  const std::string wal_staging = o.wal_dir.empty() ? staging + "/member/wal" : o.wal_dir + ".restoring";
  std::error_code ec;
  fsys::remove_all(staging, ec);
  if (!o.wal_dir.empty()) fsys::remove_all(wal_staging, ec);

  progress("writing the store: revision " + std::to_string(meta.revision) + ", " +
           std::to_string(meta.key_count) + " keys");
  ETCFS_RETURN_IF_ERROR(WriteStore(staging + "/member/store", image, o));
  progress("writing the WAL of member " + o.name);
  const MemberIdentity me = InitialIdentity(o.name, o.initial_cluster, o.cluster_token);
  ETCFS_RETURN_IF_ERROR(WriteWal(wal_staging, me, o));
  if (!o.wal_dir.empty()) ETCFS_RETURN_IF_ERROR(Rename(wal_staging, o.wal_dir));
  ETCFS_RETURN_IF_ERROR(Rename(staging, o.data_dir));  // the restore's commit point

  RestoreSummary summary;
  summary.revision = meta.revision;
  summary.keys = meta.key_count;
  summary.member_id = me.member_id;
  summary.cluster_id = me.cluster_id;
  return summary;
}

}  // namespace etcfs::member
