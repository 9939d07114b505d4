// Filesystem: every change a mount makes goes through CommitTxn, and a
// file's buffer through Commit (close, fsync, and the changes that need the
// file committed first).
#include <spdlog/spdlog.h>

#include "fs/errno_of.h"
#include "fs/filesystem.h"

namespace etcfs::fs {

namespace {

// Room left in a request for everything but the value (key, framing).
constexpr size_t kRequestOverhead = 512;

// Whether a successful transaction made a revision of its own. One that
// deleted nothing answers with the current revision, someone else's, whose
// events this mount must still invalidate and echo.
bool Wrote(const kv::TxnResponse& r) {
  for (const auto& op : r.responses) {
    if (const auto* d = std::get_if<kv::DeleteRangeResponse>(&op); d == nullptr || d->deleted > 0) return true;
  }
  return false;
}

}  // namespace

size_t Filesystem::ValueLimit(const std::string& key) const {
  const size_t max = backend_->limits().max_request_bytes;
  const size_t overhead = key.size() + kRequestOverhead;
  return max > overhead ? max - overhead : 0;
}

int Filesystem::ConfirmWritable(const Caller& c) {
  Status s = backend_->ConfirmWritable(CallOf(c, options_.commit_timeout));
  return s.ok() ? 0 : ErrnoOf(s, "starting a write (the cluster cannot commit now)", options_.prefix);
}

Result<kv::TxnResponse> Filesystem::CommitTxn(const Caller& c, const kv::TxnRequest& txn,
                                                 const std::vector<std::string>& keys) {
  own_.Begin(keys);
  auto r = backend_->Txn(txn, CallOf(c, options_.commit_timeout));
  if (r.ok() && !mirror_.WaitFor(r->revision, options_.commit_timeout)) {
    r = Status::Timeout("committed at revision " + std::to_string(r->revision) +
                        " but not yet seen by this mount's watch");
  }
  const int64_t made = r.ok() && r->succeeded && Wrote(*r) ? r->revision : 0;
  // Events of these keys that no commit of this mount made (another node's,
  // or all of them when the commit failed) still need their invalidations,
  // and their echo.
  const std::vector<OwnChanges::Held> others = own_.End(keys, made);
  for (const auto& [e, change] : others) Invalidate(e, change);
  if (!others.empty()) FlushEcho();
  if (r.ok()) {
    ++stats_.commits;
  } else {
    ++stats_.commit_failures;
  }
  return r;
}

std::optional<kv::KeyValue> Filesystem::OpenCopyOf(const Node& n) {
  if (n.kind == Kind::kDirectory || inodes_.lookups(n.ino) == 0) return std::nullopt;
  kv::KeyValue copy = n.kv ? *n.kv : kv::KeyValue{};
  if (n.pending_attr) copy.attr = *n.pending_attr;
  if (auto b = buffers_.Find(n.ino)) {
    std::lock_guard<std::mutex> lock(b->mu);
    copy.value = b->data;
  }
  return copy;
}

int Filesystem::Commit(const Caller& c, Ino ino) {
  std::unique_lock<std::mutex> lock;
  std::shared_ptr<WriteBuffers::Buffer> b = buffers_.Lock(ino, &lock);
  if (!b || !b->changed()) return 0;
  auto path = inodes_.Path(ino);
  if (!path) {  // deleted meanwhile: nothing to commit to
    b->dirty = false;
    b->pending_attr.reset();
    return 0;
  }
  const std::string key = options_.prefix + *path;
  kv::PutRequest put;
  put.key = key;
  put.value = b->data;
  if (b->pending_attr) {
    put.attr = *b->pending_attr;
    put.attr->mtime_ns = 0;  // stamped by the entry, the same on every node
  } else if (auto kv = mirror_.Get(key); kv && kv->lease != 0) {
    put.ignore_lease = true;  // writing a leased key through a file keeps its lease
  }
  kv::TxnRequest txn;
  txn.success.emplace_back(std::move(put));
  auto r = CommitTxn(c, txn, {key});
  const bool was_pending = b->pending_attr.has_value();
  b->dirty = false;
  b->pending_attr.reset();
  lock.unlock();
  buffers_.Drop(ino, b, *path);
  if (r.ok()) return 0;
  // The close (or fsync) that failed says so; the file goes back to its
  // last committed value rather than failing every later close, readers'
  // included. (A later fsync cannot report this failure again, as with a
  // local filesystem after a write-back error.)
  const int err = ErrnoOf(r.status(), "commit", key);
  invalidator_.Inode(ino);
  if (was_pending) InvalidateNames(*path);
  spdlog::warn("fs: what was written to {} is discarded; the file shows its last committed value", key);
  return err;
}

}  // namespace etcfs::fs
