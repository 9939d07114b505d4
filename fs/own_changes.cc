#include "fs/own_changes.h"

namespace etcfs::fs {

void OwnChanges::Begin(const std::vector<std::string>& keys) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& k : keys) ++in_flight_[k];
}

bool OwnChanges::Hold(const kv::Event& e, const Mirror::Change& c) {
  std::lock_guard<std::mutex> lock(mu_);
  if (in_flight_.find(e.kv.key) == in_flight_.end()) return false;
  // Most likely this mount's own change; End decides.
  held_[e.kv.key].emplace_back(e, c);
  return true;
}

std::vector<OwnChanges::Held> OwnChanges::End(const std::vector<std::string>& keys, int64_t revision) {
  std::vector<Held> others;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& k : keys) {
    if (revision > 0) made_[k].insert(revision);
    if (--in_flight_[k] > 0) continue;
    in_flight_.erase(k);
    std::set<int64_t> mine;
    if (auto it = made_.find(k); it != made_.end()) {
      mine = std::move(it->second);
      made_.erase(it);
    }
    auto held = held_.find(k);
    if (held == held_.end()) continue;
    for (auto& h : held->second) {
      if (!mine.count(h.first.kv.mod_revision)) others.push_back(std::move(h));
    }
    held_.erase(held);
  }
  return others;
}

}  // namespace etcfs::fs
