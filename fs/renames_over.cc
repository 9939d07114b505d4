#include "fs/renames_over.h"

#include <algorithm>
#include <functional>
#include <string>

namespace etcfs::fs {

namespace {

bool IsFileKey(const std::string& key) { return !key.empty() && key.back() != '/'; }

}  // namespace

RenamesOver::Fingerprint RenamesOver::Of(const kv::KeyValue& kv) {
  return Fingerprint{kv.attr, kv.lease, kv.value.size(), std::hash<std::string>{}(kv.value)};
}

bool RenamesOver::Replaced(const kv::Event& e, const Mirror::Change& c) {
  if (!IsFileKey(e.kv.key)) return false;
  const int64_t revision = e.kv.mod_revision;
  std::lock_guard<std::mutex> lock(mu_);
  if (revision != revision_) {
    revision_ = revision;
    deleted_.clear();
  }
  if (e.type == kv::Event::Type::kDelete) {
    if (c.deleted && c.previous) deleted_.push_back(Of(*c.previous));
    return false;
  }
  if (c.created || !c.previous || deleted_.empty()) return false;
  auto it = std::find(deleted_.begin(), deleted_.end(), Of(e.kv));
  if (it == deleted_.end()) return false;
  deleted_.erase(it);  // one put per deleted file
  return true;
}

}  // namespace etcfs::fs
