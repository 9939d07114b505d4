#include "fs/inode_table.h"

#include <iterator>

namespace etcfs::fs {

InodeTable::InodeTable() {
  by_path_[""] = kRootIno;
  by_ino_[kRootIno] = "";
}

Ino InodeTable::Assign(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = by_path_.try_emplace(path, 0);
  if (inserted) {
    it->second = next_++;
    by_ino_[it->second] = path;
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
  if (auto it = by_ino_.find(ino); it != by_ino_.end()) return it->second;
  if (auto it = aliases_.find(ino); it != aliases_.end()) return it->second;
  return std::nullopt;
}

void InodeTable::Rename(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  // Collect first: the target range may overlap nothing, but moving entries
  // while iterating one map is not allowed.
  std::vector<std::pair<std::string, Ino>> moved;
  DropAliasesLocked(from);
  const bool dir = !from.empty() && from.back() == '/';
  for (auto it = by_path_.lower_bound(from); it != by_path_.end();) {
    const bool match = dir ? it->first.compare(0, from.size(), from) == 0 : it->first == from;
    if (!match) break;
    moved.emplace_back(to + it->first.substr(from.size()), it->second);
    it = by_path_.erase(it);
  }
  // Whatever `to` named before is replaced (rename onto an existing file).
  if (auto it = by_path_.find(to); it != by_path_.end()) {
    by_ino_.erase(it->second);
    by_path_.erase(it);
  }
  for (auto& [path, ino] : moved) {
    if (auto it = by_path_.find(path); it != by_path_.end()) by_ino_.erase(it->second);
    by_path_[path] = ino;
    by_ino_[ino] = path;
  }
}

void InodeTable::Detach(std::string_view path) { Release(path); }

Ino InodeTable::Release(std::string_view path) {
  std::lock_guard<std::mutex> lock(mu_);
  DropAliasesLocked(path);
  auto it = by_path_.find(path);
  if (it == by_path_.end() || it->second == kRootIno) return 0;
  const Ino ino = it->second;
  by_ino_.erase(ino);
  by_path_.erase(it);
  return ino;
}

void InodeTable::Bind(const std::string& path, Ino ino) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = by_path_.try_emplace(path, ino);
  if (!inserted) {
    by_ino_.erase(it->second);
    it->second = ino;
  }
  by_ino_[ino] = path;
}

void InodeTable::Alias(Ino ino, const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (by_ino_.count(ino) == 0) aliases_[ino] = path;
}

void InodeTable::DropAliasesLocked(std::string_view path) {
  const bool dir = !path.empty() && path.back() == '/';
  for (auto it = aliases_.begin(); it != aliases_.end();) {
    const bool below = dir ? it->second.compare(0, path.size(), path) == 0 : it->second == path;
    it = below ? aliases_.erase(it) : std::next(it);
  }
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
  return by_path_.size();
}

}  // namespace etcfs::fs
