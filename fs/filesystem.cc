#define FUSE_USE_VERSION 314
#include "fs/filesystem.h"

#include <fuse_lowlevel.h>
#include <linux/fs.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/key_range.h"
#include "fs/path_codec.h"

namespace etcfs::fs {

namespace {

// Long enough that the kernel asks again only after an invalidation.
constexpr double kCachedTimeout = 3600.0;
// Room left in a request for everything but the value (key, framing).
constexpr size_t kRequestOverhead = 512;
// A rename whose compare failed because the mirror lagged is tried again.
constexpr int kRenameAttempts = 5;

bool IsDirPath(const std::string& path) { return path.empty() || path.back() == '/'; }

// "a/b" -> "a/", "a/b/" -> "a/", "a" -> "".
std::string ParentPath(const std::string& path) {
  std::string_view p = path;
  if (!p.empty() && p.back() == '/') p.remove_suffix(1);
  const size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(p.substr(0, slash + 1));
}

// "a/b" -> "b", "a/b/" -> "b".
std::string LastComponent(const std::string& path) {
  std::string_view p = path;
  if (!p.empty() && p.back() == '/') p.remove_suffix(1);
  const size_t slash = p.rfind('/');
  return std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

store::PutRequest PutOf(std::string key, std::string value, std::optional<store::FileAttr> attr) {
  store::PutRequest p;
  p.key = std::move(key);
  p.value = std::move(value);
  p.attr = std::move(attr);
  return p;
}

// A compare that holds while `key` does not exist.
store::Compare Absent(const std::string& key) {
  store::Compare c;
  c.result = store::Compare::Result::kEqual;
  c.target = store::Compare::Target::kVersion;
  c.key = key;
  c.number = 0;
  return c;
}

}  // namespace

Filesystem::Filesystem(KvBackend* backend, MountOptions options)
    : backend_(backend), options_(std::move(options)), mirror_(options_.prefix), mount_time_ns_(NowNs()) {}

Filesystem::~Filesystem() { Stop(); }

Status Filesystem::Start() {
  store::RangeRequest range;
  range.key = options_.prefix;
  range.range_end = PrefixEnd(options_.prefix);
  ETCFS_ASSIGN_OR_RETURN(store::RangeResponse r, backend_->Range(range));
  const size_t n = r.kvs.size();
  mirror_.Reset(std::move(r.kvs), r.revision);
  ETCFS_ASSIGN_OR_RETURN(watch_, backend_->Watch(options_.prefix, r.revision + 1,
                                                 [this](WatchUpdate u) { OnWatch(std::move(u)); }));
  spdlog::info("fs: prefix {} loaded: {} keys at revision {}", options_.prefix, n, r.revision);
  return Status::Ok();
}

void Filesystem::SetSession(fuse_session* session) { invalidator_.SetSession(session); }

void Filesystem::Stop() {
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    stopping_ = true;
    watch_.reset();
  }
  if (resync_thread_.joinable()) resync_thread_.join();
  invalidator_.SetSession(nullptr);
}

// ---------------------------------------------------------------------------
// Keeping up with the data

void Filesystem::OnWatch(WatchUpdate update) {
  if (update.compacted != 0) {
    // The watch cannot go on (its history was compacted): range again, from
    // another thread, since this one is the watch's own.
    std::lock_guard<std::mutex> lock(watch_mu_);
    if (stopping_ || resync_pending_) return;
    resync_pending_ = true;
    if (resync_thread_.joinable()) resync_thread_.detach();
    resync_thread_ = std::thread([this] { Resync(); });
    return;
  }
  mirror_.Apply(update.events, update.revision, [this](const store::Event& e, const Mirror::Change& c) {
    {
      std::lock_guard<std::mutex> lock(own_mu_);
      auto it = own_keys_.find(e.kv.key);
      if (it != own_keys_.end()) {
        // Most likely this mount's own change: the kernel already shows it.
        // Decided when the commit returns (CommitTxn).
        own_seen_[e.kv.key].emplace_back(e, c);
        return;
      }
    }
    Invalidate(e, c);
  });
}

void Filesystem::Resync() {
  std::lock_guard<std::mutex> lock(watch_mu_);
  resync_pending_ = false;
  if (stopping_) return;
  watch_.reset();
  ++stats_.resyncs;
  spdlog::warn("fs: the watch on {} fell behind compaction; loading the prefix again", options_.prefix);
  for (int attempt = 0; !stopping_; ++attempt) {
    store::RangeRequest range;
    range.key = options_.prefix;
    range.range_end = PrefixEnd(options_.prefix);
    auto r = backend_->Range(range);
    if (r.ok()) {
      const int64_t rev = r->revision;
      mirror_.Reset(std::move(r->kvs), rev);
      for (const std::string& path : inodes_.Paths()) {
        if (Ino ino = inodes_.Find(path)) invalidator_.Inode(ino);
        if (!path.empty()) InvalidateNames(path);
      }
      auto w = backend_->Watch(options_.prefix, rev + 1, [this](WatchUpdate u) { OnWatch(std::move(u)); });
      if (w.ok()) {
        watch_ = std::move(*w);
        return;
      }
      spdlog::warn("fs: watching {} again failed: {}", options_.prefix, w.status().ToString());
    } else if (attempt % 10 == 0) {
      spdlog::warn("fs: loading {} again failed: {} (reads show the last known data)", options_.prefix,
                   r.status().ToString());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

void Filesystem::Invalidate(const store::Event& e, const Mirror::Change& c) {
  const std::string path = e.kv.key.substr(options_.prefix.size());
  if (path.empty()) {  // the root's own marker: its attributes
    invalidator_.Inode(kRootIno);
    return;
  }
  if (Ino ino = inodes_.Find(path)) invalidator_.Inode(ino);
  if (!IsDirPath(path) && (c.created || c.deleted)) InvalidateNames(path);
  if (!IsDirPath(path) && c.deleted) inodes_.Detach(path);
  for (const auto* dirs : {&c.dirs_created, &c.dirs_removed}) {
    for (const std::string& d : *dirs) {
      const std::string dpath = d.substr(options_.prefix.size());
      if (Ino ino = inodes_.Find(dpath)) invalidator_.Inode(ino);
      InvalidateNames(dpath);
    }
  }
  for (const std::string& d : c.dirs_removed) inodes_.Detach(d.substr(options_.prefix.size()));
}

void Filesystem::InvalidateNames(const std::string& path) {
  const Ino parent = inodes_.Find(ParentPath(path));
  if (parent == 0) return;  // the kernel cannot have cached names in a directory it never saw
  const std::string component = LastComponent(path);
  if (auto name = EncodeName(component)) invalidator_.Entry(parent, std::move(*name));
  if (auto name = SelfValueName(component)) invalidator_.Entry(parent, std::move(*name));
  invalidator_.Inode(parent);  // its listing
}

// ---------------------------------------------------------------------------
// Lookups

bool Filesystem::DirectoryExists(const std::string& dir_path) const {
  if (dir_path.empty()) return true;
  return mirror_.HasKeysUnder(options_.prefix + dir_path) || HasPendingUnder(dir_path);
}

bool Filesystem::HasPendingUnder(const std::string& dir_path) const {
  std::lock_guard<std::mutex> lock(buffers_mu_);
  auto it = pending_.lower_bound(dir_path);
  return it != pending_.end() && it->first.compare(0, dir_path.size(), dir_path) == 0;
}

int Filesystem::NodeAt(const std::string& path, Node* out) {
  Node n;
  n.path = path;
  if (IsDirPath(path)) {
    if (!DirectoryExists(path)) return ENOENT;
    n.kind = Kind::kDirectory;
    n.kv = mirror_.Get(options_.prefix + path);
    n.ino = path.empty() ? kRootIno : inodes_.Assign(path);
    *out = std::move(n);
    return 0;
  }
  n.kv = mirror_.Get(options_.prefix + path);
  n.ino = inodes_.Assign(path);
  if (auto b = FindBuffer(n.ino)) {
    std::lock_guard<std::mutex> lock(b->mu);
    if (b->dirty || b->pending_attr) n.buffered_size = b->data.size();
    n.pending_attr = b->pending_attr;
  }
  if (!n.kv && !n.pending_attr) return ENOENT;
  n.kind = n.kv && n.kv->attr.kind == store::FileKind::kSymlink ? Kind::kSymlink : Kind::kFile;
  *out = std::move(n);
  return 0;
}

int Filesystem::GetNode(Ino ino, Node* out) {
  auto path = inodes_.Path(ino);
  if (!path) return ESTALE;
  return NodeAt(*path, out);
}

int Filesystem::ResolveChild(Ino parent, const char* name, bool for_create, std::string* path,
                             bool* self_value) {
  auto parent_path = inodes_.Path(parent);
  if (!parent_path) return ESTALE;
  if (!IsDirPath(*parent_path)) return ENOTDIR;
  if (std::strlen(name) > kMaxNameBytes) return ENAMETOOLONG;
  auto decoded = DecodeName(name);
  // An empty component ("%") names a directory only: as a file, its key
  // would end in '/', a directory marker.
  if (!decoded || (decoded->component.empty() && decoded->self_value)) return for_create ? EINVAL : ENOENT;
  *path = *parent_path + decoded->component;
  *self_value = decoded->self_value;
  return 0;
}

int Filesystem::LookupChild(Ino parent, const char* name, Node* out) {
  std::string base;
  bool self_value = false;
  if (int err = ResolveChild(parent, name, false, &base, &self_value)) return err;
  const bool dir = DirectoryExists(base + "/");
  // "a%" is the value of key "a" only while "a" is also a directory; "a" is
  // the directory when there is one, the file otherwise.
  if (self_value) return dir ? NodeAt(base, out) : ENOENT;
  if (dir) return NodeAt(base + "/", out);
  return IsDirPath(base) ? ENOENT : NodeAt(base, out);
}

store::FileAttr Filesystem::AttributesOf(const Node& n) const {
  if (n.pending_attr) return *n.pending_attr;
  if (n.kv && n.kv->attr.explicit_attrs) return n.kv->attr;
  store::FileAttr a;
  a.mode = n.kind == Kind::kDirectory ? options_.DirMode() : options_.mode;
  if (n.kind == Kind::kSymlink) a.mode = 0777;
  a.uid = options_.uid;
  a.gid = options_.gid;
  a.mtime_ns = n.kv ? n.kv->attr.mtime_ns : mount_time_ns_;
  a.kind = n.kv ? n.kv->attr.kind : store::FileKind::kDirectory;
  return a;
}

void Filesystem::FillStat(const Node& n, struct stat* st) const {
  std::memset(st, 0, sizeof(*st));
  const store::FileAttr a = AttributesOf(n);
  st->st_ino = n.ino;
  st->st_uid = a.uid;
  st->st_gid = a.gid;
  st->st_blksize = 4096;
  switch (n.kind) {
    case Kind::kDirectory:
      st->st_mode = S_IFDIR | (a.mode & 07777);
      st->st_nlink = 1;  // "unknown", as btrfs and most FUSE filesystems say
      st->st_size = 4096;
      break;
    case Kind::kSymlink:
      st->st_mode = S_IFLNK | 0777;
      st->st_nlink = 1;
      st->st_size = static_cast<off_t>(n.kv->value.size());
      break;
    case Kind::kFile:
      st->st_mode = S_IFREG | (a.mode & 07777);
      st->st_nlink = 1;
      st->st_size = static_cast<off_t>(n.buffered_size ? *n.buffered_size : (n.kv ? n.kv->value.size() : 0));
      break;
  }
  st->st_blocks = (st->st_size + 511) / 512;
  st->st_mtim.tv_sec = a.mtime_ns / 1000000000;
  st->st_mtim.tv_nsec = a.mtime_ns % 1000000000;
  st->st_atim = st->st_mtim;
  st->st_ctim = st->st_mtim;
}

int Filesystem::ListDirectory(Ino ino, DirSnapshot* out) {
  Node self;
  if (int err = GetNode(ino, &self)) return err;
  if (self.kind != Kind::kDirectory) return ENOTDIR;
  out->entries.push_back({".", self});
  Node parent = self;
  if (!self.path.empty()) NodeAt(ParentPath(self.path), &parent);
  out->entries.push_back({"..", parent});

  std::set<std::string> listed;
  for (Mirror::Child& c : mirror_.List(options_.prefix + self.path)) {
    if (c.directory) {
      auto name = EncodeName(c.component);
      if (!name) {
        NoteNameTooLong(options_.prefix + self.path + c.component + "/");
        continue;
      }
      Node d;
      d.path = self.path + c.component + "/";
      d.kind = Kind::kDirectory;
      d.kv = mirror_.Get(options_.prefix + d.path);
      d.ino = inodes_.Assign(d.path);
      out->entries.push_back({std::move(*name), std::move(d)});
    }
    if (c.file) {
      auto name = c.directory ? SelfValueName(c.component) : EncodeName(c.component);
      if (!name) {
        NoteNameTooLong(c.file->key);
        continue;
      }
      Node f;
      if (NodeAt(self.path + c.component, &f) != 0) continue;
      listed.insert(f.path);
      out->entries.push_back({std::move(*name), std::move(f)});
    }
  }
  // Files created here and not yet committed.
  std::vector<std::string> pending;
  {
    std::lock_guard<std::mutex> lock(buffers_mu_);
    for (auto it = pending_.lower_bound(self.path);
         it != pending_.end() && it->first.compare(0, self.path.size(), self.path) == 0; ++it) {
      if (it->first.find('/', self.path.size()) == std::string::npos && !listed.count(it->first)) {
        pending.push_back(it->first);
      }
    }
  }
  for (const std::string& path : pending) {
    Node f;
    if (NodeAt(path, &f) != 0) continue;
    const std::string component = LastComponent(path);
    auto name = DirectoryExists(path + "/") ? SelfValueName(component) : EncodeName(component);
    if (name) out->entries.push_back({std::move(*name), std::move(f)});
  }
  return 0;
}

void Filesystem::NoteNameTooLong(const std::string& key) {
  ++stats_.names_too_long;
  std::lock_guard<std::mutex> lock(buffers_mu_);
  // One line per key, not one per listing.
  if (long_names_logged_.size() < 1000 && long_names_logged_.insert(key).second) {
    spdlog::warn("fs: key {} is not shown: a path component is longer than {} bytes; it stays "
                 "reachable through the etcd API", key, kMaxNameBytes);
  }
}

int Filesystem::ConfirmRead(fuse_req_t req) {
  if (options_.consistency != Consistency::kLinearizable) return 0;
  auto rev = backend_->LinearizableRevision(CallFor(req));
  if (!rev.ok()) return ErrnoOf(rev.status(), "linearizable read", options_.prefix);
  if (!mirror_.WaitFor(*rev, options_.commit_timeout)) return ETIMEDOUT;
  return 0;
}

double Filesystem::entry_timeout() const {
  return options_.consistency == Consistency::kLinearizable ? 0.0 : kCachedTimeout;
}

// ---------------------------------------------------------------------------
// File content

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
  store::PutRequest put = PutOf(key, b->data, std::nullopt);
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
  attr.mtime_ns = NowNs();
  attr.kind = store::FileKind::kFile;
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

// ---------------------------------------------------------------------------
// Changes committed at once

CallOptions Filesystem::CallFor(fuse_req_t req) const {
  CallOptions call;
  call.timeout = options_.commit_timeout;
  if (req != nullptr) call.cancelled = [req] { return fuse_req_interrupted(req) != 0; };
  return call;
}

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
      if (--own_keys_[k] > 0) continue;
      own_keys_.erase(k);
      auto seen = own_seen_.find(k);
      if (seen == own_seen_.end()) continue;
      // Events of this key that were not this commit's (another writer's, or
      // all of them when the commit failed) still need their invalidations.
      for (auto& ec : seen->second) {
        if (!r.ok() || !r->succeeded || ec.first.kv.mod_revision != r->revision) replay.push_back(std::move(ec));
      }
      own_seen_.erase(seen);
    }
  }
  for (const auto& [e, c] : replay) Invalidate(e, c);
  if (r.ok()) {
    ++stats_.commits;
  } else {
    ++stats_.commit_failures;
  }
  return r;
}

BackendUsage Filesystem::Usage() {
  auto u = backend_->Usage();
  std::lock_guard<std::mutex> lock(usage_mu_);
  if (u.ok()) {
    last_usage_ = *u;
  } else if (last_usage_.quota_bytes == 0) {
    last_usage_.quota_bytes = backend_->limits().quota_bytes;
  }
  return last_usage_;
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

int Filesystem::MakeDirectory(fuse_req_t req, Ino parent, const char* name, mode_t mode, Node* out) {
  std::string path;
  bool self_value = false;
  if (int err = ResolveChild(parent, name, true, &path, &self_value)) return err;
  if (self_value) return EINVAL;  // "a%" is a file name (the value of a)
  Node existing;
  if (LookupChild(parent, name, &existing) == 0) return EEXIST;
  Node p;
  if (int err = GetNode(parent, &p)) return err;
  const fuse_ctx* ctx = fuse_req_ctx(req);
  store::FileAttr attr;
  attr.explicit_attrs = true;
  attr.mode = mode & 07777;
  attr.uid = ctx->uid;
  attr.gid = ctx->gid;
  attr.kind = store::FileKind::kDirectory;
  const store::FileAttr parent_attr = AttributesOf(p);
  if (parent_attr.mode & S_ISGID) {  // as on a local filesystem: the group and the bit carry down
    attr.gid = parent_attr.gid;
    attr.mode |= S_ISGID;
  }
  const std::string marker = options_.prefix + path + "/";
  store::TxnRequest txn;
  txn.compare.push_back(Absent(marker));
  txn.success.emplace_back(PutOf(marker, "", attr));
  auto r = CommitTxn(req, txn, {marker});
  if (!r.ok()) return ErrnoOf(r.status(), "mkdir", marker);
  if (!r->succeeded) return EEXIST;
  return NodeAt(path + "/", out);
}

int Filesystem::MakeFileNow(fuse_req_t req, Ino parent, const char* name, mode_t mode, Node* out) {
  Node n;
  const fuse_ctx* ctx = fuse_req_ctx(req);
  if (int err = CreatePending(parent, name, mode, ctx->uid, ctx->gid, &n)) return err;
  if (int err = Commit(req, n.ino)) {
    std::lock_guard<std::mutex> lock(buffers_mu_);
    buffers_.erase(n.ino);
    pending_.erase(n.path);
    return err;
  }
  return NodeAt(n.path, out);
}

int Filesystem::MakeSymlink(fuse_req_t req, Ino parent, const char* name, const char* target, Node* out) {
  std::string path;
  bool self_value = false;
  if (int err = ResolveChild(parent, name, true, &path, &self_value)) return err;
  if (IsDirPath(path)) return EINVAL;
  Node existing;
  if (LookupChild(parent, name, &existing) == 0) return EEXIST;
  if (self_value && !DirectoryExists(path + "/")) return EINVAL;
  const fuse_ctx* ctx = fuse_req_ctx(req);
  store::FileAttr attr;
  attr.explicit_attrs = true;
  attr.mode = 0777;
  attr.uid = ctx->uid;
  attr.gid = ctx->gid;
  attr.kind = store::FileKind::kSymlink;
  const std::string key = options_.prefix + path;
  store::TxnRequest txn;
  txn.compare.push_back(Absent(key));
  txn.success.emplace_back(PutOf(key, target, attr));
  auto r = CommitTxn(req, txn, {key});
  if (!r.ok()) return ErrnoOf(r.status(), "symlink", key);
  if (!r->succeeded) return EEXIST;
  return NodeAt(path, out);
}

int Filesystem::Unlink(fuse_req_t req, Ino parent, const char* name) {
  Node n;
  if (int err = LookupChild(parent, name, &n)) return err;
  if (n.kind == Kind::kDirectory) return EISDIR;
  {
    // A descriptor still open on it writes nowhere from now on.
    std::lock_guard<std::mutex> lock(buffers_mu_);
    if (auto it = buffers_.find(n.ino); it != buffers_.end()) {
      std::lock_guard<std::mutex> block(it->second->mu);
      it->second->detached = true;
      it->second->dirty = false;
      it->second->pending_attr.reset();
      buffers_.erase(it);
    }
    pending_.erase(n.path);
  }
  if (n.kv) {
    store::TxnRequest txn;
    txn.success.emplace_back(store::DeleteRangeRequest{KeyOf(n), "", false});
    auto r = CommitTxn(req, txn, {KeyOf(n)});
    if (!r.ok()) return ErrnoOf(r.status(), "unlink", KeyOf(n));
  }
  inodes_.Detach(n.path);
  return 0;
}

int Filesystem::RemoveDirectory(fuse_req_t req, Ino parent, const char* name) {
  Node n;
  if (int err = LookupChild(parent, name, &n)) return err;
  if (n.kind != Kind::kDirectory) return ENOTDIR;
  const std::string marker = KeyOf(n);
  if (HasPendingUnder(n.path) || mirror_.CountKeysUnder(marker, 2) > (n.kv ? 1u : 0u)) return ENOTEMPTY;
  // Nothing but the marker may lie under it when the delete applies.
  store::Compare empty;
  empty.key = marker + std::string(1, '\0');
  empty.range_end = PrefixEnd(marker);
  empty.target = store::Compare::Target::kVersion;
  empty.number = 0;
  store::TxnRequest txn;
  txn.compare.push_back(empty);
  txn.success.emplace_back(store::DeleteRangeRequest{marker, "", false});
  auto r = CommitTxn(req, txn, {marker});
  if (!r.ok()) return ErrnoOf(r.status(), "rmdir", marker);
  if (!r->succeeded) return ENOTEMPTY;
  inodes_.Detach(n.path);
  return 0;
}

int Filesystem::Rename(fuse_req_t req, Ino parent, const char* name, Ino new_parent, const char* new_name,
                       unsigned int flags) {
  if (flags & ~static_cast<unsigned int>(RENAME_NOREPLACE)) return EINVAL;  // RENAME_EXCHANGE, WHITEOUT
  for (int attempt = 1;; ++attempt) {
    Node src;
    if (int err = LookupChild(parent, name, &src)) return err;
    std::string base;
    bool self_value = false;
    if (int err = ResolveChild(new_parent, new_name, true, &base, &self_value)) return err;
    Node dst;
    const bool exists = LookupChild(new_parent, new_name, &dst) == 0;
    if (exists && (flags & RENAME_NOREPLACE)) return EEXIST;
    if (exists && dst.ino == src.ino) return 0;

    store::TxnRequest txn;
    std::vector<std::string> keys;
    std::string dst_path;
    if (src.kind == Kind::kDirectory) {
      if (self_value) return EINVAL;
      dst_path = base + "/";
      if (dst_path.compare(0, src.path.size(), src.path) == 0) return EINVAL;  // into itself
      if (exists) {
        if (dst.kind != Kind::kDirectory) return ENOTDIR;
        if (HasPendingUnder(dst.path) || mirror_.CountKeysUnder(KeyOf(dst), 2) > (dst.kv ? 1u : 0u)) {
          return ENOTEMPTY;
        }
      }
      if (HasPendingUnder(src.path)) {
        // Files still being written below move with their numbers; commit
        // them first so the keys move together.
        std::vector<Ino> inos;
        {
          std::lock_guard<std::mutex> lock(buffers_mu_);
          for (auto it = pending_.lower_bound(src.path);
               it != pending_.end() && it->first.compare(0, src.path.size(), src.path) == 0; ++it) {
            inos.push_back(it->second);
          }
        }
        for (Ino ino : inos) {
          if (int err = Commit(req, ino)) return err;
        }
      }
      const std::string from = KeyOf(src);
      const std::vector<store::KeyValue> kvs = mirror_.KeysUnder(from);
      const size_t ops = kvs.size() + 1 + (exists && dst.kv ? 1 : 0);
      if (ops > static_cast<size_t>(backend_->limits().max_txn_ops)) {
        spdlog::info("fs: rename of {} ({} keys) needs {} operations, more than --max-txn-ops {}; "
                     "answering EXDEV so that mv copies instead", from, kvs.size(), ops,
                     backend_->limits().max_txn_ops);
        return EXDEV;
      }
      // Nothing under the source changed since the mirror's revision.
      store::Compare unchanged;
      unchanged.result = store::Compare::Result::kLess;
      unchanged.target = store::Compare::Target::kMod;
      unchanged.key = from;
      unchanged.range_end = PrefixEnd(from);
      unchanged.number = mirror_.revision() + 1;
      txn.compare.push_back(unchanged);
      txn.success.emplace_back(store::DeleteRangeRequest{from, PrefixEnd(from), false});
      if (exists && dst.kv) {
        txn.success.emplace_back(store::DeleteRangeRequest{KeyOf(dst), "", false});
        keys.push_back(KeyOf(dst));
      }
      const std::string to = options_.prefix + dst_path;
      for (const store::KeyValue& kv : kvs) {
        store::PutRequest put = PutOf(to + kv.key.substr(from.size()), kv.value, kv.attr);
        put.lease = kv.lease;
        keys.push_back(kv.key);
        keys.push_back(put.key);
        txn.success.emplace_back(std::move(put));
      }
    } else {
      if (IsDirPath(base)) return EINVAL;
      if (exists && dst.kind == Kind::kDirectory) return EISDIR;
      if (!self_value && DirectoryExists(base + "/")) return EISDIR;
      if (self_value && !DirectoryExists(base + "/")) return EINVAL;
      dst_path = base;
      if (src.buffered_size || src.pending_attr) {
        // Written and not yet closed (or never committed): commit first.
        if (int err = Commit(req, src.ino)) return err;
        if (int err = NodeAt(src.path, &src)) return err;
      }
      const std::string from = KeyOf(src);
      const std::string to = options_.prefix + dst_path;
      store::Compare unchanged;
      unchanged.target = store::Compare::Target::kMod;
      unchanged.key = from;
      unchanged.number = src.kv->mod_revision;
      txn.compare.push_back(unchanged);
      txn.success.emplace_back(store::DeleteRangeRequest{from, "", false});
      store::PutRequest put = PutOf(to, src.kv->value, src.kv->attr);
      put.lease = src.kv->lease;
      txn.success.emplace_back(std::move(put));
      keys = {from, to};
    }
    auto r = CommitTxn(req, txn, keys);
    if (!r.ok()) return ErrnoOf(r.status(), "rename", KeyOf(src));
    if (r->succeeded) {
      inodes_.Rename(src.path, dst_path);
      std::lock_guard<std::mutex> lock(buffers_mu_);
      std::vector<std::pair<std::string, Ino>> moved;
      for (auto it = pending_.lower_bound(src.path);
           it != pending_.end() && it->first.compare(0, src.path.size(), src.path) == 0;) {
        moved.emplace_back(dst_path + it->first.substr(src.path.size()), it->second);
        it = pending_.erase(it);
      }
      for (auto& [path, ino] : moved) pending_[path] = ino;
      return 0;
    }
    // Someone changed the source meanwhile, or the mirror lagged: look again.
    if (attempt == kRenameAttempts) {
      spdlog::warn("fs: rename of {} kept racing with other writers; giving up with EBUSY", KeyOf(src));
      return EBUSY;
    }
    mirror_.WaitFor(r->revision, options_.commit_timeout);
  }
}

int Filesystem::SetAttributes(fuse_req_t req, const Node& n, const store::FileAttr& attr) {
  if (n.pending_attr) {
    if (auto b = FindBuffer(n.ino)) {
      std::lock_guard<std::mutex> lock(b->mu);
      if (b->pending_attr) {
        b->pending_attr = attr;
        return 0;
      }
    }
  }
  const std::string key = KeyOf(n);
  // The key keeps its value and lease; a directory without a marker gets one.
  store::PutRequest put = PutOf(key, "", attr);
  put.ignore_value = n.kv.has_value();
  put.ignore_lease = n.kv.has_value();
  store::TxnRequest txn;
  txn.success.emplace_back(std::move(put));
  auto r = CommitTxn(req, txn, {key});
  if (!r.ok()) return ErrnoOf(r.status(), "setattr", key);
  return 0;
}

}  // namespace etcfs::fs
