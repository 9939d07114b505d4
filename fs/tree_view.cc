#include "fs/tree_view.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "fs/path_codec.h"
#include "fs/tree_paths.h"

namespace etcfs::fs {

TreeView::TreeView(const MountOptions& options, const Mirror* mirror, InodeTable* inodes,
                   const WriteBuffers* buffers, Orphans* orphans, EchoState* echo, int64_t mount_time_ns)
    : options_(options), mirror_(mirror), inodes_(inodes), buffers_(buffers), orphans_(orphans), echo_(echo),
      mount_time_ns_(mount_time_ns) {}

bool TreeView::DirectoryExists(const std::string& dir_path) const {
  if (dir_path.empty()) return true;
  return mirror_->HasKeysUnder(options_.prefix + dir_path) || buffers_->HasPendingUnder(dir_path);
}

int TreeView::At(const std::string& path, Node* out) {
  if (!IsDirPath(path)) return FileAt(path, out);
  if (!DirectoryExists(path)) return ENOENT;
  Node n;
  n.path = path;
  n.kind = Kind::kDirectory;
  n.kv = mirror_->Get(options_.prefix + path);
  n.ino = path.empty() ? kRootIno : inodes_->Assign(path);
  *out = std::move(n);
  return 0;
}

int TreeView::FileAt(const std::string& path, Node* out, const EchoState::Ghost* ghost) {
  Node n;
  n.path = path;
  n.ghost = ghost != nullptr && ghost->ino != 0;
  n.ino = n.ghost ? ghost->ino : inodes_->Assign(path);
  const WriteBuffers::Shown shown = buffers_->ShownOf(n.ino);
  n.buffered_size = shown.size;
  n.pending_attr = shown.pending_attr;
  // A commit updates the mirror before it leaves the buffer clean, so the
  // mirror read after the buffer is at least as new as the last commit. The
  // caller's earlier read may predate it, and its smaller size would shrink
  // the kernel's (an appender would then overwrite what was just committed).
  n.kv = ghost != nullptr ? ghost->kv : mirror_->Get(options_.prefix + path);
  if (!n.kv && !n.pending_attr) return ENOENT;
  n.kind = n.kv && n.kv->attr.kind == kv::FileKind::kSymlink ? Kind::kSymlink : Kind::kFile;
  *out = std::move(n);
  return 0;
}

int TreeView::GhostAt(const std::string& path, Node* out) {
  if (echo_ == nullptr) return ENOENT;
  std::optional<EchoState::Ghost> ghost = echo_->GhostAt(path);
  if (!ghost) return ENOENT;
  if (!IsDirPath(path)) {
    if (!ghost->kv) return ENOENT;
    if (int err = FileAt(path, out, &*ghost)) return err;
    out->ghost = true;
    return 0;
  }
  Node n;
  n.path = path;
  n.kind = Kind::kDirectory;
  n.kv = std::move(ghost->kv);
  n.ino = inodes_->Assign(path);
  n.ghost = true;
  *out = std::move(n);
  return 0;
}

int TreeView::Get(Ino ino, Node* out) {
  auto path = inodes_->Path(ino);
  if (!path && echo_ != nullptr) {  // a ghost's own number (EchoState::Split)
    if (auto ghost_path = echo_->GhostPathOf(ino)) return GhostAt(*ghost_path, out);
  }
  if (!path) {
    if (orphans_->BufferDue(ino)) {  // replaced elsewhere while written here
      std::optional<std::string> buffered;
      if (auto b = buffers_->Find(ino)) {
        std::lock_guard<std::mutex> lock(b->mu);
        if (b->dirty) buffered = b->data;
      }
      orphans_->AdoptBuffer(ino, std::move(buffered));
    }
    if (auto kept = orphans_->Get(ino)) {  // unlinked or replaced, still open
      Node n;
      n.ino = ino;
      n.kind = kept->attr.kind == kv::FileKind::kSymlink ? Kind::kSymlink : Kind::kFile;
      n.kv = std::move(kept);
      n.orphan = true;
      *out = std::move(n);
      return 0;
    }
    return ESTALE;
  }
  const int err = At(*path, out);
  if (err != ENOENT || echo_ == nullptr) return err;
  return GhostAt(*path, out);
}

int TreeView::ToOpen(Ino ino, Node* out) {
  auto path = inodes_->Path(ino);
  if (!path) return ESTALE;
  const int err = At(*path, out);
  return err == ENOENT ? ESTALE : err;
}

int TreeView::Opened(Ino ino, int64_t create_revision, Node* out) {
  if (int err = Get(ino, out)) return err;
  if (out->orphan) return 0;  // the very file its descriptors opened
  if (create_revision == 0 || !out->kv || out->kv->create_revision == create_revision) return 0;
  // The name's own number, but the file the descriptor opened was replaced
  // since (renamed over, or deleted and created again): reading on would
  // give the start of one file and the rest of the other, a value nobody
  // wrote (fault harness, file clients). Its content is gone: ESTALE.
  if (inodes_->Path(ino)) return ESTALE;
  // A ghost's number: the descriptor opened the file that took the name.
  Node live;
  if (At(out->path, &live) != 0 || !live.kv || live.kv->create_revision != create_revision) return ESTALE;
  *out = std::move(live);
  return 0;
}

int TreeView::Resolve(Ino parent, const char* name, bool for_create, std::string* path, bool* self_value) {
  auto parent_path = inodes_->Path(parent);
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

int TreeView::Child(Ino parent, const char* name, Node* out) {
  std::string base;
  bool self_value = false;
  if (int err = Resolve(parent, name, false, &base, &self_value)) return err;
  const bool dir = DirectoryExists(base + "/");
  auto file = [&](const std::string& path) {
    if (echo_ != nullptr && echo_->IsGhost(path) && mirror_->Get(options_.prefix + path)) echo_->Split(path);
    return At(path, out);
  };
  if (self_value) return dir ? file(base) : ENOENT;
  if (dir) return At(base + "/", out);
  return IsDirPath(base) ? ENOENT : file(base);
}

int TreeView::Lookup(const Caller& c, Ino parent, const char* name, Node* out) {
  if (echo_ == nullptr) return Child(parent, name, out);
  if (c.echo) {
    // What the echo is about to unlink, remove or rename away comes first.
    std::string base;
    bool self_value = false;
    if (Resolve(parent, name, false, &base, &self_value) == 0) {
      if (!self_value && GhostAt(base + "/", out) == 0) return 0;
      if (GhostAt(base, out) == 0) return 0;
    }
  }
  if (int err = Child(parent, name, out)) return err;
  if (!echo_->IsHidden(out->path)) return 0;
  if (c.echo) return ENOENT;  // the echo must create it, for IN_CREATE
  // Someone looks for it before its echo: reads come first. Shown now; the
  // echo then finds it there (a file's value still raises IN_MODIFY and
  // IN_CLOSE_WRITE).
  echo_->Unhide(out->path);
  return 0;
}

bool TreeView::AwaitsEcho(Ino parent, const char* name) {
  if (echo_ == nullptr) return false;
  std::string base;
  bool self_value = false;
  if (Resolve(parent, name, false, &base, &self_value) != 0) return false;
  return echo_->IsGhost(base) || (!self_value && echo_->IsGhost(base + "/"));
}

int TreeView::List(Ino ino, DirSnapshot* out) {
  Node self;
  if (int err = Get(ino, &self)) return err;
  if (self.kind != Kind::kDirectory) return ENOTDIR;
  out->entries.push_back({".", self});
  Node parent = self;
  if (!self.path.empty()) At(ParentPath(self.path), &parent);
  out->entries.push_back({"..", parent});

  // Files created here and not yet committed are listed too (once).
  const std::vector<std::string> pending = buffers_->PendingIn(self.path);
  std::set<std::string> listed;  // only needed to skip pending files already listed
  std::vector<Mirror::Child> children = mirror_->List(options_.prefix + self.path);
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
      d.kv = mirror_->Get(options_.prefix + d.path);
      d.ino = inodes_->Assign(d.path);
      out->entries.push_back({std::move(*name), std::move(d)});
    }
    if (c.file) {
      auto name = c.directory ? SelfValueName(c.component) : EncodeName(c.component);
      if (!name) {
        NoteNameTooLong(c.file->key);
        continue;
      }
      Node f;
      if (FileAt(self.path + c.component, &f) != 0) continue;
      if (!pending.empty()) listed.insert(f.path);
      out->entries.push_back({std::move(*name), std::move(f)});
    }
  }
  for (const std::string& path : pending) {
    if (listed.count(path)) continue;
    Node f;
    if (At(path, &f) != 0) continue;
    const std::string component = LastComponent(path);
    auto name = DirectoryExists(path + "/") ? SelfValueName(component) : EncodeName(component);
    if (name) out->entries.push_back({std::move(*name), std::move(f)});
  }
  // What was created elsewhere appears with its echo (IN_CREATE), not before.
  if (echo_ != nullptr) echo_->DropHidden(&out->entries);
  return 0;
}

void TreeView::NoteNameTooLong(const std::string& key) {
  std::lock_guard<std::mutex> lock(long_names_mu_);
  ++names_too_long_;
  // One line per key, not one per listing.
  if (long_names_logged_.size() < 1000 && long_names_logged_.insert(key).second) {
    spdlog::warn("fs: key {} is not shown: a path component is longer than {} bytes; it stays "
                 "reachable through the etcd API", key, kMaxNameBytes);
  }
}

uint64_t TreeView::names_too_long() const {
  std::lock_guard<std::mutex> lock(long_names_mu_);
  return names_too_long_;
}

namespace {

timespec TimespecOf(int64_t ns) {
  timespec t;
  t.tv_sec = ns / 1000000000;
  t.tv_nsec = ns % 1000000000;
  if (t.tv_nsec < 0) {
    t.tv_sec -= 1;
    t.tv_nsec += 1000000000;
  }
  return t;
}

// The file type bits of what a key that is not a directory or symlink is.
mode_t FileTypeBits(kv::FileKind kind) {
  switch (kind) {
    case kv::FileKind::kFifo: return S_IFIFO;
    case kv::FileKind::kSocket: return S_IFSOCK;
    case kv::FileKind::kCharDevice: return S_IFCHR;
    case kv::FileKind::kBlockDevice: return S_IFBLK;
    default: return S_IFREG;
  }
}

}  // namespace

kv::FileAttr TreeView::AttributesOf(const Node& n) const {
  if (n.pending_attr) return *n.pending_attr;
  if (n.kv && n.kv->attr.explicit_attrs) return n.kv->attr;
  kv::FileAttr a;
  a.mode = n.kind == Kind::kDirectory ? options_.DirMode() : options_.mode;
  if (n.kind == Kind::kSymlink) a.mode = 0777;
  a.uid = options_.uid;
  a.gid = options_.gid;
  // A key with no known modification time (restored from etcd's snapshot)
  // shows the mount's start, as a directory does.
  a.mtime_ns = n.kv && n.kv->attr.mtime_ns != 0 ? n.kv->attr.mtime_ns : mount_time_ns_;
  a.kind = n.kind == Kind::kDirectory || !n.kv ? kv::FileKind::kDirectory : n.kv->attr.kind;
  return a;
}

void TreeView::FillStat(const Node& n, struct stat* st) const {
  std::memset(st, 0, sizeof(*st));
  const kv::FileAttr a = AttributesOf(n);
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
      st->st_mode = FileTypeBits(a.kind) | (a.mode & 07777);
      st->st_nlink = n.orphan ? 0 : 1;  // unlinked, still open
      st->st_rdev = a.rdev;
      st->st_size = static_cast<off_t>(n.buffered_size ? *n.buffered_size : (n.kv ? n.kv->value.size() : 0));
      break;
  }
  st->st_blocks = (st->st_size + 511) / 512;
  st->st_mtim = TimespecOf(a.mtime_ns);
  // Unset (never set, or written before they were kept): the mtime.
  const bool atime_set = a.atime_ns != 0 && a.atime_ns != kv::kAtimeOfEntry;
  st->st_atim = TimespecOf(atime_set ? a.atime_ns : a.mtime_ns);
  int64_t ctime = n.pending_attr || !n.kv || n.kv->ctime_ns == 0 ? a.mtime_ns : n.kv->ctime_ns;
  if (n.kind == Kind::kDirectory) {
    // Its entries changed: created, removed or renamed (no write of its own).
    const int64_t changed = mirror_->DirChangedNs(options_.prefix + n.path);
    if (changed > a.mtime_ns) st->st_mtim = TimespecOf(changed);
    ctime = std::max(ctime, changed);
  }
  st->st_ctim = TimespecOf(ctime);
}

std::optional<std::string> TreeView::VisiblePath(const std::string& path) const {
  std::string out;
  size_t start = 0;
  for (;;) {
    const size_t slash = path.find('/', start);
    const std::string_view component = std::string_view(path).substr(start, slash - start);
    std::optional<std::string> name;
    if (slash == std::string::npos) {
      // The value of a key that is also a directory is the file "name%".
      name = DirectoryExists(path + "/") ? SelfValueName(component) : EncodeName(component);
    } else {
      name = EncodeName(component);
    }
    if (!name) return std::nullopt;
    out += *name;
    if (slash == std::string::npos || slash + 1 == path.size()) return out;  // a directory's ends in '/'
    out += '/';
    start = slash + 1;
  }
}

}  // namespace etcfs::fs
