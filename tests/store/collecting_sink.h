// A WatchSink for tests: collects updates, and can be told to refuse them
// like a full stream buffer.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "store/watch_hub.h"

namespace etcfs::store {

class CollectingSink : public WatchSink {
 public:
  bool Deliver(WatchUpdate&& u) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (refuse_) return false;
    if (u.canceled) {
      canceled_ = true;
      compact_revision_ = u.compact_revision;
    }
    if (u.events.empty() && !u.canceled) progress_.push_back(u.revision);
    for (size_t i = 0; i < u.events.size(); ++i) events_.push_back(u.EventAt(i));
    return true;
  }
  void Refuse(bool r) {
    std::lock_guard<std::mutex> lock(mu_);
    refuse_ = r;
  }
  std::vector<kv::Event> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_.size();
  }
  bool canceled() {
    std::lock_guard<std::mutex> lock(mu_);
    return canceled_;
  }
  int64_t compact_revision() {
    std::lock_guard<std::mutex> lock(mu_);
    return compact_revision_;
  }
  std::vector<int64_t> progress() {
    std::lock_guard<std::mutex> lock(mu_);
    return progress_;
  }
  // "P key=value@rev" or "D key@rev", joined by spaces.
  std::string Describe() {
    std::string out;
    for (const auto& e : events()) {
      if (!out.empty()) out += " ";
      if (e.type == kv::Event::Type::kPut) {
        out += "P " + e.kv.key + "=" + e.kv.value + "@" + std::to_string(e.kv.mod_revision);
      } else {
        out += "D " + e.kv.key + "@" + std::to_string(e.kv.mod_revision);
      }
    }
    return out;
  }

 private:
  std::mutex mu_;
  bool refuse_ = false;
  bool canceled_ = false;
  int64_t compact_revision_ = 0;
  std::vector<kv::Event> events_;
  std::vector<int64_t> progress_;
};

}  // namespace etcfs::store
