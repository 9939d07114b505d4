#include "fs/write_buffers.h"

#include "fs/tree_paths.h"

namespace etcfs::fs {

WriteBuffers::Shown WriteBuffers::ShownOf(Ino ino) const {
  Shown shown;
  if (auto b = Find(ino)) {
    std::lock_guard<std::mutex> lock(b->mu);
    if (b->changed()) shown.size = b->data.size();
    shown.pending_attr = b->pending_attr;
  }
  return shown;
}

std::shared_ptr<WriteBuffers::Buffer> WriteBuffers::Find(Ino ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buffers_.find(ino);
  return it == buffers_.end() ? nullptr : it->second;
}

std::shared_ptr<WriteBuffers::Buffer> WriteBuffers::Open(Ino ino, const std::function<std::string()>& committed,
                                                         std::unique_lock<std::mutex>* lock) {
  for (;;) {
    std::shared_ptr<Buffer> b;
    {
      std::lock_guard<std::mutex> map_lock(mu_);
      auto& slot = buffers_[ino];
      if (!slot) {
        slot = std::make_shared<Buffer>();
        slot->data = committed();
      }
      b = slot;
    }
    *lock = std::unique_lock<std::mutex>(b->mu);
    if (!b->detached) return b;
    lock->unlock();  // dropped meanwhile: take the one in the table
  }
}

std::shared_ptr<WriteBuffers::Buffer> WriteBuffers::Lock(Ino ino, std::unique_lock<std::mutex>* lock) {
  for (;;) {
    std::shared_ptr<Buffer> b = Find(ino);
    if (!b) return nullptr;
    *lock = std::unique_lock<std::mutex>(b->mu);
    if (!b->detached) return b;
    lock->unlock();
  }
}

void WriteBuffers::Drop(Ino ino, const std::shared_ptr<Buffer>& b, const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(b->mu);
    if (b->changed()) return;
    b->detached = true;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buffers_.find(ino);
  if (it != buffers_.end() && it->second == b) buffers_.erase(it);
  if (auto p = pending_.find(path); p != pending_.end() && p->second == ino) pending_.erase(p);
}

void WriteBuffers::Discard(Ino ino, const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = buffers_.find(ino); it != buffers_.end()) {
    std::lock_guard<std::mutex> block(it->second->mu);
    it->second->detached = true;
    it->second->dirty = false;
    it->second->pending_attr.reset();
    buffers_.erase(it);
  }
  if (auto p = pending_.find(path); p != pending_.end() && p->second == ino) pending_.erase(p);
}

void WriteBuffers::AddPending(const std::string& path, Ino ino, const kv::FileAttr& attr) {
  auto b = std::make_shared<Buffer>();
  b->pending_attr = attr;
  std::lock_guard<std::mutex> lock(mu_);
  buffers_[ino] = std::move(b);
  pending_[path] = ino;
}

bool WriteBuffers::HasPendingUnder(std::string_view dir) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pending_.lower_bound(dir);
  return it != pending_.end() && AtOrBelow(it->first, dir);
}

std::vector<std::string> WriteBuffers::PendingIn(std::string_view dir) const {
  std::vector<std::string> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = pending_.lower_bound(dir); it != pending_.end() && AtOrBelow(it->first, dir); ++it) {
    if (it->first.find('/', dir.size()) == std::string::npos) out.push_back(it->first);
  }
  return out;
}

std::vector<Ino> WriteBuffers::PendingUnder(std::string_view dir) const {
  std::vector<Ino> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = pending_.lower_bound(dir); it != pending_.end() && AtOrBelow(it->first, dir); ++it) {
    out.push_back(it->second);
  }
  return out;
}

void WriteBuffers::MovePending(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, Ino>> moved;
  for (auto it = pending_.lower_bound(from); it != pending_.end() && AtOrBelow(it->first, from);) {
    moved.emplace_back(to + it->first.substr(from.size()), it->second);
    it = pending_.erase(it);
  }
  for (auto& [path, ino] : moved) pending_[path] = ino;
}

}  // namespace etcfs::fs
