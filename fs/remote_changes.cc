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
  if (echo_) EchoChange(e, c);
  // A path the echo has yet to retire keeps its number: the echo's unlink,
  // rmdir or rename still names it, and a rename carries it on.
  auto detach = [&](const std::string& p) {
    if (!echo_ || !IsGhost(p)) inodes_.Detach(p);
  };
  if (Ino ino = inodes_.Find(path)) invalidator_.Inode(ino);
  if (!IsDirPath(path) && (c.created || c.deleted)) InvalidateNames(path);
  if (!IsDirPath(path) && c.deleted) detach(path);
  for (const auto* dirs : {&c.dirs_created, &c.dirs_removed}) {
    for (const std::string& d : *dirs) {
      const std::string dpath = d.substr(options_.prefix.size());
      if (Ino ino = inodes_.Find(dpath)) invalidator_.Inode(ino);
      InvalidateNames(dpath);
    }
  }
  for (const std::string& d : c.dirs_removed) detach(d.substr(options_.prefix.size()));
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
    if (slash == std::string::npos || slash + 1 == path.size()) return out;  // a directory's ends in '/'
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
