#include "server/watch_queue.h"

#include <utility>

namespace etcfs::server {

namespace {

size_t Bytes(const store::WatchUpdate& u) {
  size_t bytes = 0;
  for (const auto& ev : u.events) bytes += ev->kv.key.size() + ev->kv.value.size() + 64;
  return bytes;
}

}  // namespace

bool WatchQueue::PushUpdate(store::WatchUpdate&& u) {
  if (!u.canceled && (items_.size() >= max_items_ || events_ + u.events.size() > max_events_)) return false;
  events_ += u.events.size();
  if (u.canceled || u.events.empty()) {
    open_.erase(u.tag);
    items_.push_back(Item{std::move(u), {}});
    return true;
  }
  const size_t bytes = Bytes(u);
  auto it = open_.find(u.tag);
  store::WatchUpdate* first =
      it != open_.end() && it->second.round == round_ ? &*items_[it->second.index].update : nullptr;
  // The same tag may name a newer watch after a cancel: only the same hub
  // watch joins.
  if (first != nullptr && first->id == u.id && it->second.bytes + bytes <= byte_limit_) {
    for (auto& ev : u.events) first->events.push_back(std::move(ev));
    first->revision = u.revision;
    it->second.bytes += bytes;
    return true;
  }
  open_[u.tag] = Open{round_, items_.size(), bytes};
  items_.push_back(Item{std::move(u), {}});
  return true;
}

void WatchQueue::PushResponse(etcdserverpb::WatchResponse r) { items_.push_back(Item{std::nullopt, std::move(r)}); }

std::deque<WatchQueue::Item> WatchQueue::Take() {
  std::deque<Item> taken;
  taken.swap(items_);
  ++round_;
  events_ = 0;
  return taken;
}

void WatchQueue::Clear() {
  Take();
  open_.clear();
}

}  // namespace etcfs::server
