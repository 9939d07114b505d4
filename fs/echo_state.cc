#include "fs/echo_state.h"

#include <cerrno>
#include <type_traits>

#include "fs/tree_paths.h"

namespace etcfs::fs {

namespace {

// Erases `path`, and for a directory everything below it, from a set or map
// ordered by path.
template <typename Container>
void ErasePath(Container* c, const std::string& path) {
  for (auto it = c->lower_bound(path); it != c->end();) {
    const std::string* key;
    if constexpr (std::is_same_v<Container, std::set<std::string>>) {
      key = &*it;
    } else {
      key = &it->first;
    }
    if (!AtOrBelow(*key, path)) break;
    it = c->erase(it);
  }
}

}  // namespace

EchoState::EchoState(std::string prefix, bool hide_creates, InodeTable* inodes)
    : prefix_(std::move(prefix)), hide_creates_(hide_creates), inodes_(inodes), plan_(hide_creates) {}

void EchoState::Note(const kv::Event& e, const Mirror::Change& c) {
  const std::string path = e.kv.key.substr(prefix_.size());
  const int64_t revision = e.kv.mod_revision;
  std::lock_guard<std::mutex> lock(mu_);
  if (e.type == kv::Event::Type::kDelete) {
    if (c.deleted) {
      // Created and deleted before the echo got to it: nothing to show. (A
      // marker's directory may stay: dirs_removed says when it goes.)
      const bool shown = IsDirPath(path) ? hidden_.count(path) == 0 : hidden_.erase(path) == 0;
      if (shown && !IsDirPath(path)) {
        Ghost& ghost = ghosts_[path];
        // A file that went before and kept its own number (Split) is still
        // the one the echo will unlink here, with its own value (an open
        // descriptor of it reads that); the one deleted now loses its number.
        if (ghost.ino != 0) {
          inodes_->Detach(path);
        } else {
          ghost.kv = *c.previous;
        }
      }
      plan_.Deleted(revision, path, *c.previous, shown);
    }
    for (const std::string& d : c.dirs_removed) {  // deepest first
      const std::string dir = d.substr(prefix_.size());
      const bool shown = hidden_.erase(dir) == 0;
      if (shown) ghosts_[dir] = Ghost{dir == path ? c.previous : std::nullopt};
      plan_.DirRemoved(revision, dir, shown);
    }
    return;
  }
  for (auto it = c.dirs_created.rbegin(); it != c.dirs_created.rend(); ++it) {  // outermost first
    const std::string dir = it->substr(prefix_.size());
    if (hide_creates_) hidden_.insert(dir);
    plan_.DirCreated(revision, dir);
  }
  if (c.created && hide_creates_ && !IsDirPath(path)) hidden_.insert(path);
  plan_.Put(revision, path, e.kv, c.created, c.value_changed, c.attr_changed);
}

std::vector<EchoPlan::Step> EchoState::TakeSteps() {
  std::lock_guard<std::mutex> lock(mu_);
  if (plan_.empty()) return {};
  return plan_.Take();
}

bool EchoState::IsGhost(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  return ghosts_.count(path) > 0;
}

std::optional<EchoState::Ghost> EchoState::GhostAt(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ghosts_.find(path);
  if (it == ghosts_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> EchoState::GhostPathOf(Ino ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [path, ghost] : ghosts_) {
    if (ghost.ino == ino) return path;
  }
  return std::nullopt;
}

void EchoState::Split(const std::string& path) {
  if (IsDirPath(path)) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ghosts_.find(path);
  if (it == ghosts_.end() || it->second.ino != 0) return;
  it->second.ino = inodes_->Release(path);
}

bool EchoState::IsHidden(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  return hidden_.count(path) > 0;
}

void EchoState::Unhide(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  hidden_.erase(path);
}

void EchoState::DropHidden(std::vector<DirEntry>* entries) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (hidden_.empty()) return;
  std::erase_if(*entries, [&](const DirEntry& e) { return hidden_.count(e.node.path) > 0; });
}

void EchoState::UnhideAll(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  ErasePath(&hidden_, path);
}

void EchoState::ForgetGhosts(const std::string& path) {
  std::vector<std::string> named;
  std::vector<Ino> apart;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = ghosts_.lower_bound(path); it != ghosts_.end() && AtOrBelow(it->first, path);) {
      if (it->second.ino == 0) {
        named.push_back(it->first);
      } else {
        apart.push_back(it->second.ino);
      }
      it = ghosts_.erase(it);
    }
  }
  for (const std::string& p : named) inodes_->Detach(p);
  for (Ino ino : apart) inodes_->Retire(ino);
}

int EchoState::Reveal(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  return hidden_.erase(path) > 0 ? 0 : EEXIST;
}

int EchoState::Retire(const std::string& path) {
  if (!IsGhost(path)) return ENOENT;
  ForgetGhosts(path);
  return 0;
}

int EchoState::Move(const std::string& from_name, const std::string& to_name) {
  std::string from = from_name, to = to_name;
  Ino split = 0;  // the file's own number, when a new file took `from` over
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ghosts_.count(from + "/") > 0) {
      from += "/";
      to += "/";
    } else if (auto it = ghosts_.find(from); it != ghosts_.end()) {
      split = it->second.ino;
    } else {
      return ENOENT;
    }
    ErasePath(&ghosts_, from);
    ErasePath(&hidden_, to);
  }
  // The kernel moved its inodes: so do the numbers. A file `to` showed
  // keeps standing for it: someone may have opened it after the key took
  // the renamed value, before this echo (InodeTable::Alias).
  const Ino displaced = IsDirPath(to) ? 0 : inodes_->Find(to);
  if (split != 0) {
    inodes_->Bind(to, split);
  } else {
    inodes_->Rename(from, to);
  }
  if (displaced != 0 && displaced != split) inodes_->Alias(displaced, to);
  return 0;
}

}  // namespace etcfs::fs
