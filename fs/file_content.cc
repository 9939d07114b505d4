// Filesystem: file content. One buffer per inode takes the writes of every
// descriptor; close or fsync commits it as one revision (CommitTxn), and a
// file created here lives only in its buffer until then.
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>
#include <spdlog/spdlog.h>

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "base/wall_clock.h"
#include "fs/filesystem.h"
#include "fs/tree_paths.h"

namespace etcfs::fs {

namespace {

// Room left in a request for everything but the value (key, framing).
constexpr size_t kRequestOverhead = 512;

}  // namespace

std::shared_ptr<Filesystem::Buffer> Filesystem::FindBuffer(Ino ino) {
  std::lock_guard<std::mutex> lock(buffers_mu_);
  auto it = buffers_.find(ino);
  return it == buffers_.end() ? nullptr : it->second;
}

std::shared_ptr<Filesystem::Buffer> Filesystem::LockedBufferOf(const Node& n, std::unique_lock<std::mutex>* lock) {
  for (;;) {
    std::shared_ptr<Buffer> b;
    {
      std::lock_guard<std::mutex> map_lock(buffers_mu_);
      auto& slot = buffers_[n.ino];
      if (!slot) {
        slot = std::make_shared<Buffer>();
        // The mirror's value now, not the node's: a commit may have landed since.
        if (auto kv = mirror_.Get(KeyOf(n))) slot->data = std::move(kv->value);
      }
      b = slot;
    }
    *lock = std::unique_lock<std::mutex>(b->mu);
    if (!b->detached) return b;
    lock->unlock();  // dropped meanwhile: take the one in the map
  }
}

void Filesystem::DropBuffer(Ino ino, const std::shared_ptr<Buffer>& b, const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(b->mu);
    if (b->dirty || b->pending_attr) return;
    b->detached = true;
  }
  std::lock_guard<std::mutex> lock(buffers_mu_);
  auto it = buffers_.find(ino);
  if (it != buffers_.end() && it->second == b) buffers_.erase(it);
  if (auto p = pending_.find(path); p != pending_.end() && p->second == ino) pending_.erase(p);
}

size_t Filesystem::ValueLimit(const std::string& key) const {
  const size_t max = backend_->limits().max_request_bytes;
  const size_t overhead = key.size() + kRequestOverhead;
  return max > overhead ? max - overhead : 0;
}

int Filesystem::Read(const Node& n, off_t offset, size_t size, std::string* out) {
  if (n.kind == Kind::kDirectory) return EISDIR;
  auto read = [&](const std::string& data) {
    if (offset >= static_cast<off_t>(data.size())) {
      out->clear();
    } else {
      out->assign(data, static_cast<size_t>(offset), size);
    }
  };
  if (auto b = FindBuffer(n.ino)) {
    std::lock_guard<std::mutex> lock(b->mu);
    read(b->data);
    return 0;
  }
  read(n.kv ? n.kv->value : std::string());
  return 0;
}

int Filesystem::Write(const Node& n, off_t offset, const char* data, size_t size) {
  if (n.kind != Kind::kFile) return EISDIR;
  const size_t limit = ValueLimit(KeyOf(n));
  if (offset < 0 || static_cast<size_t>(offset) + size > limit) {
    spdlog::info("fs: write to {} refused: the value would exceed {} bytes, the cluster's request "
                 "limit (--max-request-bytes)", KeyOf(n), limit);
    return EFBIG;
  }
  std::unique_lock<std::mutex> lock;
  auto b = LockedBufferOf(n, &lock);
  const size_t end = static_cast<size_t>(offset) + size;
  if (b->data.size() < end) b->data.resize(end);
  std::memcpy(b->data.data() + offset, data, size);
  b->dirty = true;
  return 0;
}

int Filesystem::Truncate(const Node& n, off_t size) {
  if (n.kind != Kind::kFile) return n.kind == Kind::kDirectory ? EISDIR : EINVAL;
  if (size < 0) return EINVAL;
  if (static_cast<size_t>(size) > ValueLimit(KeyOf(n))) return EFBIG;
  std::unique_lock<std::mutex> lock;
  auto b = LockedBufferOf(n, &lock);
  b->data.resize(static_cast<size_t>(size));
  b->dirty = true;
  return 0;
}

int Filesystem::ConfirmWritable(fuse_req_t req) {
  Status s = backend_->ConfirmWritable(CallFor(req));
  return s.ok() ? 0 : ErrnoOf(s, "starting a write (the cluster cannot commit now)", options_.prefix);
}

int Filesystem::Flush(fuse_req_t req, Ino ino) {
  if (auto b = FindBuffer(ino)) {
    bool dirty;
    {
      std::lock_guard<std::mutex> lock(b->mu);
      dirty = b->dirty || b->pending_attr.has_value();
    }
    if (dirty && mount_dev_ != 0 && HeldByCaller(fuse_req_ctx(req)->pid, ino)) return 0;
  }
  return Commit(req, ino);
}

// Whether process `tid` has a descriptor on inode `ino` of this mount. The
// descriptor being closed is gone from the table by the time FLUSH arrives.
bool Filesystem::HeldByCaller(pid_t tid, Ino ino) const {
  if (tid <= 0) return false;
  const std::string dir = "/proc/" + std::to_string(tid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return false;  // exiting: this close is the last
  bool held = false;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    struct stat st;
    // stat follows the descriptor's link to the open file itself.
    if (::fstatat(dirfd(d), e->d_name, &st, 0) == 0 && st.st_dev == mount_dev_ && st.st_ino == ino) {
      held = true;
      break;
    }
  }
  ::closedir(d);
  return held;
}

int Filesystem::Commit(fuse_req_t req, Ino ino) {
  std::shared_ptr<Buffer> b;
  std::unique_lock<std::mutex> lock;
  for (;;) {
    b = FindBuffer(ino);
    if (!b) return 0;
    lock = std::unique_lock<std::mutex>(b->mu);
    if (!b->detached) break;
    lock.unlock();
  }
  if (!b->dirty && !b->pending_attr) return 0;
  auto path = inodes_.Path(ino);
  if (!path) {  // deleted meanwhile: nothing to commit to
    b->dirty = false;
    b->pending_attr.reset();
    return 0;
  }
  const std::string key = options_.prefix + *path;
  store::PutRequest put;
  put.key = key;
  put.value = b->data;
  if (b->pending_attr) {
    put.attr = *b->pending_attr;
    put.attr->mtime_ns = 0;  // stamped by the entry, the same on every node
  } else if (auto kv = mirror_.Get(key); kv && kv->lease != 0) {
    put.ignore_lease = true;  // writing a leased key through a file keeps its lease
  }
  store::TxnRequest txn;
  txn.success.emplace_back(std::move(put));
  auto r = CommitTxn(req, txn, {key});
  if (!r.ok()) {
    // The close (or fsync) that failed says so; the file goes back to its
    // last committed value rather than failing every later close, readers'
    // included. (A later fsync cannot report this failure again, as with
    // a local filesystem after a write-back error.)
    const int err = ErrnoOf(r.status(), "commit", key);
    const bool was_pending = b->pending_attr.has_value();
    b->dirty = false;
    b->pending_attr.reset();
    lock.unlock();
    DropBuffer(ino, b, *path);
    invalidator_.Inode(ino);
    if (was_pending) InvalidateNames(*path);
    spdlog::warn("fs: what was written to {} is discarded; the file shows its last committed value", key);
    return err;
  }
  b->dirty = false;
  b->pending_attr.reset();
  lock.unlock();
  DropBuffer(ino, b, *path);
  return 0;
}

int Filesystem::CreatePending(Ino parent, const char* name, mode_t mode, uid_t uid, gid_t gid, Node* out) {
  std::string path;
  bool self_value = false;
  if (int err = ResolveChild(parent, name, true, &path, &self_value)) return err;
  if (IsDirPath(path)) return EINVAL;  // "%" can only be a directory
  Node existing;
  if (LookupChild(parent, name, &existing) == 0) return EEXIST;
  if (self_value && !DirectoryExists(path + "/")) return EINVAL;  // "a%" names the value of directory a
  store::FileAttr attr;
  attr.explicit_attrs = true;
  attr.mode = mode & 07777;
  attr.uid = uid;
  attr.gid = gid;
  attr.mtime_ns = WallClockNs();
  attr.kind = store::FileKind::kFile;
  SplitGhost(path);
  const Ino ino = inodes_.Assign(path);
  {
    std::lock_guard<std::mutex> lock(buffers_mu_);
    auto b = std::make_shared<Buffer>();
    b->pending_attr = attr;
    buffers_[ino] = b;
    pending_[path] = ino;
  }
  return NodeAt(path, out);
}


// Every change goes through here.

CallOptions Filesystem::CallFor(fuse_req_t req) const {
  CallOptions call;
  call.timeout = options_.commit_timeout;
  if (req != nullptr) call.cancelled = [req] { return fuse_req_interrupted(req) != 0; };
  return call;
}

namespace {

// Whether a successful transaction made a revision of its own. One that
// deleted nothing answers with the current revision, someone else's, whose
// events this mount must still invalidate and echo.
bool Wrote(const store::TxnResponse& r) {
  for (const auto& op : r.responses) {
    if (const auto* d = std::get_if<store::DeleteRangeResponse>(&op); d == nullptr || d->deleted > 0) return true;
  }
  return false;
}

}  // namespace

Result<store::TxnResponse> Filesystem::CommitTxn(fuse_req_t req, const store::TxnRequest& txn,
                                                 const std::vector<std::string>& keys) {
  {
    std::lock_guard<std::mutex> lock(own_mu_);
    for (const auto& k : keys) ++own_keys_[k];
  }
  auto r = backend_->Txn(txn, CallFor(req));
  if (r.ok() && !mirror_.WaitFor(r->revision, options_.commit_timeout)) {
    r = Status::Timeout("committed at revision " + std::to_string(r->revision) +
                        " but not yet seen by this mount's watch");
  }
  std::vector<std::pair<store::Event, Mirror::Change>> replay;
  {
    std::lock_guard<std::mutex> lock(own_mu_);
    for (const auto& k : keys) {
      if (r.ok() && r->succeeded && Wrote(*r)) own_revisions_[k].insert(r->revision);
      if (--own_keys_[k] > 0) continue;
      own_keys_.erase(k);
      std::set<int64_t> mine;
      if (auto it = own_revisions_.find(k); it != own_revisions_.end()) {
        mine = std::move(it->second);
        own_revisions_.erase(it);
      }
      auto seen = own_seen_.find(k);
      if (seen == own_seen_.end()) continue;
      // Events of this key that no commit of this mount made (another
      // node's, or all of them when the commit failed) still need their
      // invalidations, and their echo.
      for (auto& ec : seen->second) {
        if (!mine.count(ec.first.kv.mod_revision)) replay.push_back(std::move(ec));
      }
      own_seen_.erase(seen);
    }
  }
  for (const auto& [e, c] : replay) Invalidate(e, c);
  if (echo_ && !replay.empty()) FlushEcho();
  if (r.ok()) {
    ++stats_.commits;
  } else {
    ++stats_.commit_failures;
  }
  return r;
}

int Filesystem::ErrnoOf(const Status& s, std::string_view doing, std::string_view key) {
  int err = EIO;
  switch (s.code()) {
    case StatusCode::kNoSpace: err = ENOSPC; break;
    case StatusCode::kResourceExhausted: err = EFBIG; break;
    case StatusCode::kUnavailable:
    case StatusCode::kTimeout: err = ETIMEDOUT; break;
    case StatusCode::kCancelled: err = EINTR; break;
    case StatusCode::kInvalidArgument: err = EINVAL; break;
    case StatusCode::kNotFound: err = ENOENT; break;
    default: break;
  }
  spdlog::warn("fs: {} of {} failed ({}): {}", doing, key, std::strerror(err), s.ToString());
  return err;
}

}  // namespace etcfs::fs
