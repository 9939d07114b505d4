// Node: Raft snapshots. The store itself is the snapshot's state: a
// snapshot makes it durable, a follower far behind receives the leader's
// store image and installs it.
#include <spdlog/spdlog.h>

#include "server/node.h"

namespace etcfs::server {

std::string Node::SnapshotData() {
  // The store itself is the snapshot's state: let it catch up with what Raft
  // applied, and make it durable before the driver lets go of the WAL behind it.
  apply_queue_->Drain();
  Status s = store_->Sync();
  if (!s.ok()) spdlog::error("etcfsd: syncing the store for a snapshot failed: {}", s.ToString());
  return std::to_string(store_->AppliedIndex().value());
}

// Images travel in one Raft message, which protobuf caps at 2 GiB.
constexpr size_t kMaxImageBytes = size_t{1900} << 20;

Result<std::string> Node::SnapshotImage(const consensus::Snapshot& snap) {
  std::string image;
  ETCFS_RETURN_IF_ERROR(store_->WriteImage([&](std::string_view chunk) {
    if (image.size() + chunk.size() > kMaxImageBytes) {
      return Status::ResourceExhausted("the store image exceeds " + std::to_string(kMaxImageBytes >> 20) +
                                       " MiB, the most one snapshot message carries; compact and "
                                       "defragment to shrink it");
    }
    image.append(chunk);
    return Status::Ok();
  }));
  return image;
}

Status Node::Restore(const consensus::Snapshot& snap) {
  apply_queue_->Drain();  // entries before the snapshot land first (and are then kept or replaced)
  store::StoreMeta meta;
  Status s = store::VerifyImage(snap.data, &meta);
  if (!s.ok()) {
    return Status::FailedPrecondition(
        "the store (applied index " + std::to_string(store_->AppliedIndex().value()) +
        ") is behind Raft snapshot " + std::to_string(snap.meta.index.value()) +
        " and has no image to restore from (" + s.message() +
        "); restore this member's data directory from a backup, or remove the member and add it anew");
  }
  if (meta.applied_index <= store_->AppliedIndex().value()) {
    spdlog::info("etcfsd: the store already holds applied index {}; keeping it over the snapshot's {}",
                 store_->AppliedIndex().value(), meta.applied_index);
    return Status::Ok();
  }
  ETCFS_RETURN_IF_ERROR(store_->InstallImage(snap.data));
  ETCFS_RETURN_IF_ERROR(applied_requests_.Load(*store_));
  NoteApplied(meta.applied_index);
  return Status::Ok();
}

}  // namespace etcfs::server
