#include "fs/orphans.h"

namespace etcfs::fs {

void Orphans::Keep(Ino ino, kv::KeyValue kv) {
  std::lock_guard<std::mutex> lock(mu_);
  files_.insert_or_assign(ino, std::move(kv));
}

std::optional<kv::KeyValue> Orphans::Get(Ino ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(ino);
  if (it == files_.end()) return std::nullopt;
  return it->second;
}

bool Orphans::Update(Ino ino, const std::function<void(kv::KeyValue&)>& change) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(ino);
  if (it == files_.end()) return false;
  change(it->second);
  return true;
}

void Orphans::Forget(Ino ino) {
  std::lock_guard<std::mutex> lock(mu_);
  files_.erase(ino);
}

size_t Orphans::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return files_.size();
}

}  // namespace etcfs::fs
