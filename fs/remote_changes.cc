// How changes made elsewhere reach this mount: exact invalidations of what
// the kernel caches, and (-o notify=on) their echo, which makes the kernel
// raise the inotify events a local change would (echo.h).
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "fs/filesystem.h"
#include "fs/path_codec.h"
#include "fs/tree_paths.h"

namespace etcfs::fs {

void Filesystem::Attached(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) mount_dev_ = st.st_dev;
  if (echo_) echo_->Start(dir);
}

void Filesystem::StopEcho() {
  if (!echo_) return;
  echo_->Stop();
  spdlog::info("fs: {} changes made elsewhere replayed for inotify ({} could not be)", echo_->replayed(),
               echo_->failed());
}

bool Filesystem::AwaitInvalidations(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!invalidator_.Drain(timeout)) return false;
  if (!echo_) return true;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return echo_->Drain(std::max(left, std::chrono::milliseconds(0)));
}

bool Filesystem::IsEcho(fuse_req_t req) const { return echo_ && echo_->IsEcho(fuse_req_ctx(req)->pid); }

void Filesystem::Invalidate(const store::Event& e, const Mirror::Change& c) {
  const std::string path = e.kv.key.substr(options_.prefix.size());
  if (path.empty()) {  // the root's own marker: its attributes
    invalidator_.Inode(kRootIno);
    return;
  }
  const bool ghost = echo_ && EchoChange(e, c);
  if (Ino ino = inodes_.Find(path)) invalidator_.Inode(ino);
  if (!IsDirPath(path) && (c.created || c.deleted)) InvalidateNames(path);
  if (!IsDirPath(path) && c.deleted && !ghost) inodes_.Detach(path);
  for (const auto* dirs : {&c.dirs_created, &c.dirs_removed}) {
    for (const std::string& d : *dirs) {
      const std::string dpath = d.substr(options_.prefix.size());
      if (Ino ino = inodes_.Find(dpath)) invalidator_.Inode(ino);
      InvalidateNames(dpath);
    }
  }
  for (const std::string& d : c.dirs_removed) inodes_.Detach(d.substr(options_.prefix.size()));
}

bool Filesystem::EchoChange(const store::Event& e, const Mirror::Change& c) {
  const std::string path = e.kv.key.substr(options_.prefix.size());
  if (IsDirPath(path)) return false;
  if (e.type == store::Event::Type::kDelete) {
    if (!c.deleted || !c.previous || c.previous->attr.kind != store::FileKind::kFile) return false;
    {
      std::lock_guard<std::mutex> lock(echo_mu_);
      // Created and deleted before the echo got to it: nothing to show.
      if (echo_hidden_.erase(path) > 0) return false;
      echo_ghosts_[path] = *c.previous;
    }
    echo_->Changed(path, Echo::kDelete);
    return true;
  }
  if (e.kv.attr.kind != store::FileKind::kFile) return false;
  if (c.created) {
    if (options_.consistency == Consistency::kLinearizable) {
      // Reads must see it at once: no hiding, so no IN_CREATE, but its value
      // still raises IN_MODIFY and IN_CLOSE_WRITE.
      echo_->Changed(path, Echo::kContent);
      return false;
    }
    {
      std::lock_guard<std::mutex> lock(echo_mu_);
      echo_hidden_.insert(path);
    }
    echo_->Changed(path, Echo::kCreate);
    return false;
  }
  if (c.value_changed) {
    echo_->Changed(path, Echo::kContent);  // a new value raises no IN_ATTRIB locally either
  } else if (c.attr_changed) {
    echo_->Changed(path, Echo::kAttributes);
  }
  return false;
}

void Filesystem::EchoFailed(const std::string& path) {
  bool ghost;
  {
    std::lock_guard<std::mutex> lock(echo_mu_);
    echo_hidden_.erase(path);
    ghost = echo_ghosts_.erase(path) > 0;
  }
  spdlog::debug("fs: showing {} without its inotify events (the echo could not replay it)", path);
  if (Ino ino = inodes_.Find(path)) invalidator_.Inode(ino);
  InvalidateNames(path);
  if (ghost) inodes_.Detach(path);
}

int Filesystem::LookupFor(fuse_req_t req, Ino parent, const char* name, Node* out) {
  const int err = LookupChild(parent, name, out);
  if (!echo_) return err;
  if (err == 0) {
    if (IsDirPath(out->path)) return 0;
    const bool echo = IsEcho(req);
    std::lock_guard<std::mutex> lock(echo_mu_);
    if (echo_hidden_.count(out->path) == 0) return 0;
    if (echo) return ENOENT;  // the echo must create it, for IN_CREATE
    // Someone looks for it before its echo: reads come first. Shown now; the
    // echo then finds it there and raises IN_MODIFY, IN_CLOSE_WRITE only.
    echo_hidden_.erase(out->path);
    return 0;
  }
  if (err != ENOENT || !IsEcho(req)) return err;
  std::string base;
  bool self_value = false;
  if (ResolveChild(parent, name, false, &base, &self_value) != 0) return err;
  std::optional<store::KeyValue> ghost;
  {
    std::lock_guard<std::mutex> lock(echo_mu_);
    if (auto it = echo_ghosts_.find(base); it != echo_ghosts_.end()) ghost = it->second;
  }
  return ghost ? FileNode(base, out, &*ghost) : err;
}

int Filesystem::EchoCreate(Ino parent, const char* name, Node* out) {
  std::string base;
  bool self_value = false;
  if (int err = ResolveChild(parent, name, false, &base, &self_value)) return err;
  {
    std::lock_guard<std::mutex> lock(echo_mu_);
    if (echo_hidden_.erase(base) == 0) return EEXIST;
  }
  return NodeAt(base, out);
}

int Filesystem::EchoUnlink(Ino parent, const char* name) {
  std::string base;
  bool self_value = false;
  if (int err = ResolveChild(parent, name, false, &base, &self_value)) return err;
  {
    std::lock_guard<std::mutex> lock(echo_mu_);
    if (echo_ghosts_.erase(base) == 0) return ENOENT;
  }
  inodes_.Detach(base);
  return 0;
}

std::optional<std::string> Filesystem::VisiblePath(const std::string& path) const {
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
    if (slash == std::string::npos) return out;
    out += '/';
    start = slash + 1;
  }
}

void Filesystem::InvalidateNames(const std::string& path) {
  const Ino parent = inodes_.Find(ParentPath(path));
  if (parent == 0) return;  // the kernel cannot have cached names in a directory it never saw
  const std::string component = LastComponent(path);
  if (auto name = EncodeName(component)) invalidator_.Entry(parent, std::move(*name));
  if (auto name = SelfValueName(component)) invalidator_.Entry(parent, std::move(*name));
  invalidator_.Inode(parent);  // its listing
}

}  // namespace etcfs::fs
