// ReferenceModel: the store's semantics in the plainest form we could write
// them, in memory: every version of every key in a vector. The model test and
// the crash test compare the real store against it.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "store/range.h"
#include "kv/types.h"

namespace etcfs::store {

class ReferenceModel {
 public:
  struct Version {
    int64_t main;
    bool tombstone;
    kv::KeyValue kv;
  };

  int64_t revision() const { return rev_; }
  int64_t compact_revision() const { return compact_; }
  const std::vector<kv::Event>& events() const { return events_; }
  int64_t key_count() const {
    int64_t n = 0;
    for (const auto& [k, h] : history_) n += !h.back().tombstone;
    return n;
  }

  std::optional<kv::KeyValue> Live(const std::string& key) const {
    auto it = history_.find(key);
    if (it == history_.end() || it->second.back().tombstone) return std::nullopt;
    return it->second.back().kv;
  }

  std::optional<kv::KeyValue> At(const std::string& key, int64_t rev) const {
    auto it = history_.find(key);
    if (it == history_.end()) return std::nullopt;
    const Version* found = nullptr;
    for (const auto& v : it->second) {
      if (v.main <= rev) found = &v;
    }
    if (found == nullptr || found->tombstone) return std::nullopt;
    return found->kv;
  }

  // Keys visible at `rev` in [key, end), in key order.
  std::vector<kv::KeyValue> Range(const std::string& key, const std::string& end, int64_t rev) const {
    std::vector<kv::KeyValue> out;
    KeyInterval interval{key, end};
    for (const auto& [k, h] : history_) {
      if (!interval.Contains(k)) continue;
      if (auto kv = At(k, rev)) out.push_back(*kv);
    }
    return out;
  }

  bool LeaseExists(int64_t id) const { return leases_.count(id) > 0; }

  // --- writes; `main` is the revision of the request being applied ---

  void Put(const std::string& key, const std::string& value, int64_t lease, int64_t time_ns,
           int64_t main) {
    auto prev = Live(key);
    kv::KeyValue kv;
    kv.key = key;
    kv.value = value;
    kv.lease = lease;
    kv.mod_revision = main;
    kv.create_revision = prev ? prev->create_revision : main;
    kv.version = prev ? prev->version + 1 : 1;
    kv.attr = prev ? prev->attr : kv::FileAttr{};
    kv.attr.mtime_ns = time_ns;
    kv.ctime_ns = time_ns;
    if (prev && prev->lease != 0) leases_[prev->lease].erase(key);
    if (lease != 0) leases_[lease].insert(key);
    history_[key].push_back({main, false, kv});
    events_.push_back(kv::Event{kv::Event::Type::kPut, kv, prev});
  }

  int64_t DeleteRange(const std::string& key, const std::string& end, int64_t main, int64_t time_ns) {
    std::vector<kv::KeyValue> doomed;
    KeyInterval interval{key, end};
    for (const auto& [k, h] : history_) {
      if (interval.Contains(k) && !h.back().tombstone) doomed.push_back(h.back().kv);
    }
    for (const auto& prev : doomed) DeleteOne(prev, main, time_ns);
    return static_cast<int64_t>(doomed.size());
  }

  void Grant(int64_t id) { leases_[id]; }

  // Deletes the lease's keys in sorted order; returns how many.
  int64_t Revoke(int64_t id, int64_t main, int64_t time_ns) {
    std::set<std::string> keys = leases_[id];
    for (const auto& k : keys) DeleteOne(*Live(k), main, time_ns);
    leases_.erase(id);
    return static_cast<int64_t>(keys.size());
  }

  void FinishRequest(bool changed) {
    if (changed) ++rev_;
  }
  void Compact(int64_t rev) {
    compact_ = rev;
    compactions_.insert(rev);
  }
  // Every revision compaction was asked at: a delete there is dropped, as in etcd.
  const std::set<int64_t>& compactions() const { return compactions_; }

 private:
  void DeleteOne(const kv::KeyValue& prev, int64_t main, int64_t time_ns) {
    if (prev.lease != 0) leases_[prev.lease].erase(prev.key);
    kv::KeyValue t;
    t.key = prev.key;
    t.mod_revision = main;
    t.ctime_ns = time_ns;  // when it was deleted
    history_[prev.key].push_back({main, true, t});
    events_.push_back(kv::Event{kv::Event::Type::kDelete, t, prev});
  }

  std::map<std::string, std::vector<Version>> history_;
  std::map<int64_t, std::set<std::string>> leases_;
  std::vector<kv::Event> events_;
  int64_t rev_ = 1;
  int64_t compact_ = 0;
  std::set<int64_t> compactions_;
};

}  // namespace etcfs::store
