#include "fs/inode_table.h"

#include "fs/tree_paths.h"

namespace etcfs::fs {

InodeTable::InodeTable() {
  by_path_[""] = kRootIno;
  inodes_[kRootIno] = Inode{"", State::kNamed, 1};
}

Ino InodeTable::Assign(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = by_path_.try_emplace(path, 0);
  if (inserted) {
    it->second = next_++;
    inodes_[it->second] = Inode{path, State::kNamed, 0};
  }
  return it->second;
}

Ino InodeTable::Find(std::string_view path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_path_.find(path);
  return it == by_path_.end() ? 0 : it->second;
}

std::optional<std::string> InodeTable::Path(Ino ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = inodes_.find(ino);
  if (it == inodes_.end() || it->second.state == State::kApart) return std::nullopt;
  return it->second.path;
}

void InodeTable::Unname(Ino ino, bool keep) {
  auto it = inodes_.find(ino);
  if (it == inodes_.end()) return;
  if (it->second.lookups == 0 && !keep) {
    inodes_.erase(it);
    return;
  }
  it->second.state = State::kApart;
  it->second.path.clear();
}

void InodeTable::DropAliases(std::string_view path) {
  std::vector<Ino> dropped;
  for (const auto& [ino, inode] : inodes_) {
    if (inode.state == State::kAlias && AtOrBelow(inode.path, path)) dropped.push_back(ino);
  }
  for (Ino ino : dropped) Unname(ino, false);
}

void InodeTable::Rename(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  DropAliases(from);
  // Collected first: moving entries while iterating one map is not allowed.
  std::vector<std::pair<std::string, Ino>> moved;
  for (auto it = by_path_.lower_bound(from); it != by_path_.end() && AtOrBelow(it->first, from);) {
    moved.emplace_back(to + it->first.substr(from.size()), it->second);
    it = by_path_.erase(it);
  }
  // Whatever `to` named before is replaced (rename onto an existing file).
  if (auto it = by_path_.find(to); it != by_path_.end()) {
    const Ino old = it->second;
    by_path_.erase(it);
    Unname(old, false);
  }
  for (auto& [path, ino] : moved) {
    if (auto it = by_path_.find(path); it != by_path_.end()) {
      const Ino old = it->second;
      by_path_.erase(it);
      Unname(old, false);
    }
    by_path_[path] = ino;
    inodes_[ino].path = path;
  }
}

void InodeTable::Detach(std::string_view path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (path.empty()) return;  // the root stays
  DropAliases(path);
  auto it = by_path_.find(path);
  if (it == by_path_.end() || it->second == kRootIno) return;
  const Ino ino = it->second;
  by_path_.erase(it);
  Unname(ino, false);
}

Ino InodeTable::Release(std::string_view path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (path.empty()) return 0;
  DropAliases(path);
  auto it = by_path_.find(path);
  if (it == by_path_.end() || it->second == kRootIno) return 0;
  const Ino ino = it->second;
  by_path_.erase(it);
  Unname(ino, true);
  return ino;
}

void InodeTable::Bind(const std::string& path, Ino ino) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = by_path_.try_emplace(path, ino);
  if (!inserted && it->second != ino) {
    const Ino old = it->second;
    it->second = ino;
    Unname(old, false);
  }
  Inode& inode = inodes_[ino];
  inode.path = path;
  inode.state = State::kNamed;
}

void InodeTable::Retire(Ino ino) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = inodes_.find(ino);
  if (it != inodes_.end() && it->second.state == State::kApart && it->second.lookups == 0) inodes_.erase(it);
}

void InodeTable::Alias(Ino ino, const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = inodes_.try_emplace(ino, Inode{path, State::kAlias, 0});
  if (inserted || it->second.state == State::kNamed) return;  // new, or a path carries it
  it->second.path = path;
  it->second.state = State::kAlias;
}

Ino InodeTable::Ref(Ino ino, const std::string& path, bool held_apart) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = inodes_.find(ino); it != inodes_.end()) {
    ++it->second.lookups;
    return ino;
  }
  if (held_apart) {  // its holder (a ghost) still answers for it
    inodes_[ino] = Inode{"", State::kApart, 1};
    return ino;
  }
  // Forgotten between the resolution and this reply: the path's number now.
  auto [it, inserted] = by_path_.try_emplace(path, ino);
  Inode& inode = inodes_[it->second];
  if (inserted) inode = Inode{path, State::kNamed, 0};
  ++inode.lookups;
  return it->second;
}

void InodeTable::Forget(Ino ino, uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = inodes_.find(ino);
  if (it == inodes_.end() || ino == kRootIno) return;
  Inode& inode = it->second;
  inode.lookups = n >= inode.lookups ? 0 : inode.lookups - n;
  if (inode.lookups > 0) return;
  if (inode.state == State::kNamed) {
    auto p = by_path_.find(inode.path);
    if (p != by_path_.end() && p->second == ino) by_path_.erase(p);
  }
  inodes_.erase(it);
}

uint64_t InodeTable::lookups(Ino ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = inodes_.find(ino);
  return it == inodes_.end() ? 0 : it->second.lookups;
}

std::vector<std::string> InodeTable::Paths() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  out.reserve(by_path_.size());
  for (const auto& [path, ino] : by_path_) out.push_back(path);
  return out;
}

size_t InodeTable::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return inodes_.size();
}

}  // namespace etcfs::fs
