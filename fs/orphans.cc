#include "fs/orphans.h"

namespace etcfs::fs {

void Orphans::Keep(Ino ino, kv::KeyValue kv, bool buffer_due) {
  std::lock_guard<std::mutex> lock(mu_);
  files_.insert_or_assign(ino, Kept{std::move(kv), buffer_due});
}

std::optional<kv::KeyValue> Orphans::Get(Ino ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(ino);
  if (it == files_.end()) return std::nullopt;
  return it->second.kv;
}

bool Orphans::BufferDue(Ino ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(ino);
  return it != files_.end() && it->second.buffer_due;
}

void Orphans::AdoptBuffer(Ino ino, std::optional<std::string> buffered) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(ino);
  if (it == files_.end() || !it->second.buffer_due) return;
  it->second.buffer_due = false;
  if (buffered) it->second.kv.value = std::move(*buffered);
}

bool Orphans::Update(Ino ino, const std::function<void(kv::KeyValue&)>& change) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(ino);
  if (it == files_.end()) return false;
  change(it->second.kv);
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
