#include "server/watch_merge.h"

#include <unordered_map>
#include <utility>

namespace etcfs::server {

std::vector<bool> MergeWatchUpdates(const std::vector<store::WatchUpdate*>& updates, size_t byte_limit) {
  std::vector<bool> merged(updates.size(), false);
  std::unordered_map<int64_t, std::pair<store::WatchUpdate*, size_t>> open;  // watch -> (first update, bytes)
  for (size_t i = 0; i < updates.size(); ++i) {
    store::WatchUpdate* u = updates[i];
    if (u == nullptr) continue;
    if (u->canceled || u->events.empty()) {
      open.erase(u->tag);
      continue;
    }
    size_t bytes = 0;
    for (const auto& ev : u->events) bytes += ev->kv.key.size() + ev->kv.value.size() + 64;
    auto it = open.find(u->tag);
    if (it == open.end() || it->second.second + bytes > byte_limit) {
      open[u->tag] = {u, bytes};
      continue;
    }
    store::WatchUpdate& first = *it->second.first;
    for (auto& ev : u->events) first.events.push_back(std::move(ev));
    u->events.clear();
    first.revision = u->revision;
    it->second.second += bytes;
    merged[i] = true;
  }
  return merged;
}

}  // namespace etcfs::server
