#define FUSE_USE_VERSION 314
#include "fs/filesystem.h"

#include <fuse_lowlevel.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/key_range.h"
#include "base/wall_clock.h"
#include "fs/path_codec.h"
#include "fs/tree_paths.h"

namespace etcfs::fs {

namespace {

// Long enough that the kernel asks again only after an invalidation.
constexpr double kCachedTimeout = 3600.0;

}  // namespace

Filesystem::Filesystem(KvBackend* backend, MountOptions options)
    : backend_(backend), options_(std::move(options)), mirror_(options_.prefix),
      mount_time_ns_(WallClockNs()),
      echo_plan_(options_.consistency == Consistency::kSerializable) {
  if (options_.notify) {
    // The echo's operations must find the kernel's caches already invalidated.
    echo_ = std::make_unique<Echo>([this] { invalidator_.Drain(std::chrono::seconds(1)); },
                                   [this](const std::string& path) { return VisiblePath(path); },
                                   [this](const std::string& path) { EchoFailed(path); });
  }
}

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
  if (echo_) FlushEcho();
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
  return FileNode(path, out);
}

int Filesystem::FileNode(const std::string& path, Node* out, const Ghost* ghost) {
  Node n;
  n.path = path;
  n.ino = ghost != nullptr && ghost->ino != 0 ? ghost->ino : inodes_.Assign(path);
  if (auto b = FindBuffer(n.ino)) {
    std::lock_guard<std::mutex> lock(b->mu);
    if (b->dirty || b->pending_attr) n.buffered_size = b->data.size();
    n.pending_attr = b->pending_attr;
  }
  // A commit updates the mirror before it leaves the buffer clean, so the
  // mirror read after the buffer is at least as new as the last commit. The
  // caller's earlier read may predate it, and its smaller size would shrink
  // the kernel's (an appender would then overwrite what was just committed).
  n.kv = ghost != nullptr ? ghost->kv : mirror_.Get(options_.prefix + path);
  if (!n.kv && !n.pending_attr) return ENOENT;
  n.kind = n.kv && n.kv->attr.kind == store::FileKind::kSymlink ? Kind::kSymlink : Kind::kFile;
  *out = std::move(n);
  return 0;
}

int Filesystem::GetNode(Ino ino, Node* out) {
  auto path = inodes_.Path(ino);
  if (!path && echo_) {  // a ghost's own number (SplitGhost)
    std::optional<std::string> ghost_path;
    {
      std::lock_guard<std::mutex> lock(echo_mu_);
      for (const auto& [p, ghost] : echo_ghosts_) {
        if (ghost.ino == ino) ghost_path = p;
      }
    }
    if (ghost_path) return GhostNode(*ghost_path, out);
  }
  if (!path) return ESTALE;
  const int err = NodeAt(*path, out);
  if (err != ENOENT || !echo_) return err;
  return GhostNode(*path, out);
}

int Filesystem::NodeToOpen(Ino ino, Node* out) {
  auto path = inodes_.Path(ino);
  if (!path) return ESTALE;
  const int err = NodeAt(*path, out);
  return err == ENOENT ? ESTALE : err;
}

int Filesystem::GetOpenedNode(Ino ino, int64_t create_revision, Node* out) {
  if (int err = GetNode(ino, out)) return err;
  if (create_revision == 0 || !out->kv || out->kv->create_revision == create_revision) return 0;
  if (inodes_.Path(ino)) return 0;  // the name's own file, written again since: what it holds now
  // A ghost's number: the descriptor opened the file that took the name.
  Node live;
  if (NodeAt(out->path, &live) != 0 || !live.kv || live.kv->create_revision != create_revision) return ESTALE;
  *out = std::move(live);
  return 0;
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
  // A file written here again elsewhere while the echo still holds the one
  // that went: the name now leads to a new file (SplitGhost). Not on GetNode:
  // a descriptor the kernel opened before keeps the number it had.
  auto file = [&](const std::string& path) {
    if (echo_ && IsGhost(path) && mirror_.Get(options_.prefix + path)) SplitGhost(path);
    return NodeAt(path, out);
  };
  // "a%" is the value of key "a" only while "a" is also a directory; "a" is
  // the directory when there is one, the file otherwise.
  if (self_value) return dir ? file(base) : ENOENT;
  if (dir) return NodeAt(base + "/", out);
  return IsDirPath(base) ? ENOENT : file(base);
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

  // Files created here and not yet committed are listed too (once).
  std::vector<std::string> pending;
  {
    std::lock_guard<std::mutex> lock(buffers_mu_);
    for (auto it = pending_.lower_bound(self.path);
         it != pending_.end() && it->first.compare(0, self.path.size(), self.path) == 0; ++it) {
      if (it->first.find('/', self.path.size()) == std::string::npos) pending.push_back(it->first);
    }
  }
  std::set<std::string> listed;  // only needed to skip pending files already listed
  std::vector<Mirror::Child> children = mirror_.List(options_.prefix + self.path);
  out->entries.reserve(children.size() + pending.size() + 2);
  for (Mirror::Child& c : children) {
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
      if (FileNode(self.path + c.component, &f) != 0) continue;
      if (!pending.empty()) listed.insert(f.path);
      out->entries.push_back({std::move(*name), std::move(f)});
    }
  }
  for (const std::string& path : pending) {
    if (listed.count(path)) continue;
    Node f;
    if (NodeAt(path, &f) != 0) continue;
    const std::string component = LastComponent(path);
    auto name = DirectoryExists(path + "/") ? SelfValueName(component) : EncodeName(component);
    if (name) out->entries.push_back({std::move(*name), std::move(f)});
  }
  if (echo_) {
    // What was created elsewhere appears with its echo (IN_CREATE), not before.
    std::lock_guard<std::mutex> lock(echo_mu_);
    if (!echo_hidden_.empty()) {
      std::erase_if(out->entries, [&](const DirEntry& e) { return echo_hidden_.count(e.node.path) > 0; });
    }
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
  constexpr auto kFailureHeld = std::chrono::milliseconds(500);
  {
    std::lock_guard<std::mutex> lock(confirm_mu_);
    if (confirm_errno_ != 0 && std::chrono::steady_clock::now() - confirm_failed_at_ < kFailureHeld) {
      return confirm_errno_;
    }
  }
  int err = 0;
  auto rev = backend_->LinearizableRevision(CallFor(req));
  if (!rev.ok()) {
    err = ErrnoOf(rev.status(), "linearizable read", options_.prefix);
  } else if (!mirror_.WaitFor(*rev, options_.commit_timeout)) {
    err = ETIMEDOUT;
  }
  if (err != 0 && err != EINTR) {
    std::lock_guard<std::mutex> lock(confirm_mu_);
    confirm_errno_ = err;
    confirm_failed_at_ = std::chrono::steady_clock::now();
  }
  return err;
}

double Filesystem::entry_timeout() const {
  return options_.consistency == Consistency::kLinearizable ? 0.0 : kCachedTimeout;
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

}  // namespace etcfs::fs
