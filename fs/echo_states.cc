// The states a path passes through between a change made elsewhere and its
// echo (echo.h): hidden (created elsewhere, not yet shown, so that the echo's
// create raises IN_CREATE) and ghost (deleted or renamed elsewhere, found by
// the echo alone, so that its unlink, rmdir or rename has something to act
// on). Everyone else sees the mirror as it is, and a reader who looks a
// hidden path up first is shown it at once: reads come before events.
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>
#include <spdlog/spdlog.h>

#include <type_traits>

#include "fs/filesystem.h"
#include "fs/tree_paths.h"

namespace etcfs::fs {

namespace {

bool Below(const std::string& path, const std::string& dir) { return path.compare(0, dir.size(), dir) == 0; }

// Erases `path`, and for a directory everything below it, from a set or map
// ordered by path.
template <typename Container>
void ErasePath(Container* c, const std::string& path) {
  for (auto it = c->lower_bound(path); it != c->end();) {
    const std::string& key = [&]() -> const std::string& {
      if constexpr (std::is_same_v<Container, std::set<std::string>>) {
        return *it;
      } else {
        return it->first;
      }
    }();
    if (key != path && !(IsDirPath(path) && Below(key, path))) break;
    it = c->erase(it);
  }
}

}  // namespace

void Filesystem::EchoChange(const store::Event& e, const Mirror::Change& c) {
  const std::string path = e.kv.key.substr(options_.prefix.size());
  const int64_t revision = e.kv.mod_revision;
  const bool hide = options_.consistency == Consistency::kSerializable;
  std::lock_guard<std::mutex> lock(echo_mu_);
  if (e.type == store::Event::Type::kDelete) {
    if (c.deleted) {
      // Created and deleted before the echo got to it: nothing to show. (A
      // marker's directory may stay: dirs_removed says when it goes.)
      const bool shown = IsDirPath(path) ? echo_hidden_.count(path) == 0 : echo_hidden_.erase(path) == 0;
      if (shown && !IsDirPath(path)) {
        Ghost& ghost = echo_ghosts_[path];
        // A file that went before and kept its own number (SplitGhost) is
        // still the one the echo will unlink here, with its own value (an
        // open descriptor of it reads that); the one deleted now loses its
        // number.
        if (ghost.ino != 0) {
          inodes_.Detach(path);
        } else {
          ghost.kv = *c.previous;
        }
      }
      echo_plan_.Deleted(revision, path, *c.previous, shown);
    }
    for (const std::string& d : c.dirs_removed) {  // deepest first
      const std::string dir = d.substr(options_.prefix.size());
      const bool shown = echo_hidden_.erase(dir) == 0;
      if (shown) {
        echo_ghosts_[dir] = Ghost{dir == path ? c.previous : std::nullopt};
      }
      echo_plan_.DirRemoved(revision, dir, shown);
    }
    return;
  }
  for (auto it = c.dirs_created.rbegin(); it != c.dirs_created.rend(); ++it) {  // outermost first
    const std::string dir = it->substr(options_.prefix.size());
    if (hide) echo_hidden_.insert(dir);
    echo_plan_.DirCreated(revision, dir);
  }
  if (c.created && hide && !IsDirPath(path)) echo_hidden_.insert(path);
  echo_plan_.Put(revision, path, e.kv, c.created, c.value_changed, c.attr_changed);
}

void Filesystem::FlushEcho() {
  std::lock_guard<std::mutex> flush(echo_flush_mu_);
  std::vector<EchoPlan::Step> steps;
  {
    std::lock_guard<std::mutex> lock(echo_mu_);
    if (echo_plan_.empty()) return;
    steps = echo_plan_.Take();
  }
  for (const EchoPlan::Step& s : steps) echo_->Changed(s.path, s.what, s.to);
}

bool Filesystem::IsGhost(const std::string& path) const {
  std::lock_guard<std::mutex> lock(echo_mu_);
  return echo_ghosts_.count(path) > 0;
}

int Filesystem::GhostNode(const std::string& path, Node* out) {
  Ghost ghost;
  {
    std::lock_guard<std::mutex> lock(echo_mu_);
    auto it = echo_ghosts_.find(path);
    if (it == echo_ghosts_.end()) return ENOENT;
    ghost = it->second;
  }
  if (!IsDirPath(path)) return ghost.kv ? FileNode(path, out, &ghost) : ENOENT;
  Node n;
  n.path = path;
  n.kind = Kind::kDirectory;
  n.kv = std::move(ghost.kv);
  n.ino = inodes_.Assign(path);
  *out = std::move(n);
  return 0;
}

void Filesystem::SplitGhost(const std::string& path) {
  if (!echo_ || IsDirPath(path)) return;
  std::lock_guard<std::mutex> lock(echo_mu_);
  auto it = echo_ghosts_.find(path);
  if (it == echo_ghosts_.end() || it->second.ino != 0) return;
  it->second.ino = inodes_.Release(path);
}

void Filesystem::EraseGhosts(const std::string& path) {
  std::vector<std::string> detach;
  {
    std::lock_guard<std::mutex> lock(echo_mu_);
    for (auto it = echo_ghosts_.lower_bound(path); it != echo_ghosts_.end();) {
      if (it->first != path && !(IsDirPath(path) && Below(it->first, path))) break;
      if (it->second.ino == 0) detach.push_back(it->first);
      it = echo_ghosts_.erase(it);
    }
  }
  for (const std::string& p : detach) inodes_.Detach(p);
}

void Filesystem::EchoFailed(const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(echo_mu_);
    ErasePath(&echo_hidden_, path);
  }
  spdlog::debug("fs: showing {} without its inotify events (the echo could not replay it)", path);
  if (Ino ino = inodes_.Find(path)) invalidator_.Inode(ino);
  InvalidateNames(IsDirPath(path) ? path.substr(0, path.size() - 1) : path);
  EraseGhosts(path);
}

int Filesystem::LookupFor(fuse_req_t req, Ino parent, const char* name, Node* out) {
  if (!echo_) return LookupChild(parent, name, out);
  const bool echo = IsEcho(req);
  if (echo) {
    // What the echo is about to unlink, remove or rename away comes first.
    std::string base;
    bool self_value = false;
    if (ResolveChild(parent, name, false, &base, &self_value) == 0) {
      if (!self_value && GhostNode(base + "/", out) == 0) return 0;
      if (GhostNode(base, out) == 0) return 0;
    }
  }
  if (int err = LookupChild(parent, name, out)) return err;
  std::lock_guard<std::mutex> lock(echo_mu_);
  if (echo_hidden_.count(out->path) == 0) return 0;
  if (echo) return ENOENT;  // the echo must create it, for IN_CREATE
  // Someone looks for it before its echo: reads come first. Shown now; the
  // echo then finds it there (a file's value still raises IN_MODIFY and
  // IN_CLOSE_WRITE).
  echo_hidden_.erase(out->path);
  return 0;
}

int Filesystem::EchoReveal(Ino parent, const char* name, bool dir, Node* out) {
  std::string base;
  bool self_value = false;
  if (int err = ResolveChild(parent, name, false, &base, &self_value)) return err;
  const std::string path = dir ? base + "/" : base;
  {
    std::lock_guard<std::mutex> lock(echo_mu_);
    if (echo_hidden_.erase(path) == 0) return EEXIST;
  }
  return NodeAt(path, out);
}

int Filesystem::EchoRetire(Ino parent, const char* name, bool dir) {
  std::string base;
  bool self_value = false;
  if (int err = ResolveChild(parent, name, false, &base, &self_value)) return err;
  const std::string path = dir ? base + "/" : base;
  if (!IsGhost(path)) return ENOENT;
  EraseGhosts(path);
  return 0;
}

int Filesystem::EchoRename(Ino parent, const char* name, Ino new_parent, const char* new_name) {
  std::string from, to;
  bool self_value = false;
  if (int err = ResolveChild(parent, name, false, &from, &self_value)) return err;
  if (int err = ResolveChild(new_parent, new_name, false, &to, &self_value)) return err;
  Ino split = 0;  // the file's own number, when a new file took `from` over
  {
    std::lock_guard<std::mutex> lock(echo_mu_);
    if (echo_ghosts_.count(from + "/") > 0) {
      from += "/";
      to += "/";
    } else if (auto it = echo_ghosts_.find(from); it != echo_ghosts_.end()) {
      split = it->second.ino;
    } else {
      return ENOENT;
    }
    ErasePath(&echo_ghosts_, from);
    ErasePath(&echo_hidden_, to);
  }
  // The kernel moved its inodes: so do the numbers. A file `to` showed
  // keeps standing for it: someone may have opened it after the key took
  // the renamed value, before this echo (InodeTable::Alias).
  const Ino displaced = IsDirPath(to) ? 0 : inodes_.Find(to);
  if (split != 0) {
    inodes_.Bind(to, split);
  } else {
    inodes_.Rename(from, to);
  }
  if (displaced != 0) inodes_.Alias(displaced, to);
  return 0;
}

}  // namespace etcfs::fs
