#include "consensus/storage.h"

namespace etcfs::consensus {

MemoryStorage::MemoryStorage() : ents_(1) {}

HardState MemoryStorage::InitialHardState() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hard_state_;
}

ConfState MemoryStorage::InitialConfState() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_.meta.conf;
}

Result<std::vector<Entry>> MemoryStorage::Entries(Index lo, Index hi, uint64_t max_bytes) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (lo <= ents_[0].index) return Status::Compacted("raft log compacted below the requested index");
  if (hi > LastLocked() + 1) return Status::Unavailable("raft log entries past the last index");
  std::vector<Entry> out;
  uint64_t size = 0;
  const uint64_t offset = ents_[0].index.value();
  for (Index i = lo; i < hi; ++i) {
    const Entry& e = ents_[i.value() - offset];
    size += e.size();
    if (!out.empty() && size > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

Result<Term> MemoryStorage::TermAt(Index i) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (i < ents_[0].index) return Status::Compacted("raft log compacted below the requested index");
  if (i > LastLocked()) return Status::Unavailable("raft log index past the last entry");
  return ents_[i.value() - ents_[0].index.value()].term;
}

Index MemoryStorage::FirstIndex() const {
  std::lock_guard<std::mutex> lock(mu_);
  return FirstLocked();
}

Index MemoryStorage::LastIndex() const {
  std::lock_guard<std::mutex> lock(mu_);
  return LastLocked();
}

Snapshot MemoryStorage::GetSnapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_;
}

void MemoryStorage::SetHardState(const HardState& hs) {
  std::lock_guard<std::mutex> lock(mu_);
  hard_state_ = hs;
}

Status MemoryStorage::ApplySnapshot(const Snapshot& snap) {
  std::lock_guard<std::mutex> lock(mu_);
  if (snap.meta.index <= snapshot_.meta.index && !snapshot_.empty()) {
    return Status::FailedPrecondition("snapshot is older than the one held");
  }
  snapshot_ = snap;
  ents_.assign(1, Entry{snap.meta.term, snap.meta.index, EntryType::kNormal, {}});
  return Status::Ok();
}

Result<Snapshot> MemoryStorage::CreateSnapshot(Index i, const ConfState& conf, std::string data) {
  std::lock_guard<std::mutex> lock(mu_);
  if (i <= snapshot_.meta.index) return Status::FailedPrecondition("snapshot index is not newer");
  if (i > LastLocked()) return Status::Unavailable("snapshot index past the last entry");
  snapshot_.meta.index = i;
  snapshot_.meta.term = ents_[i.value() - ents_[0].index.value()].term;
  snapshot_.meta.conf = conf;
  snapshot_.data = std::move(data);
  return snapshot_;
}

Status MemoryStorage::Compact(Index compact) {
  std::lock_guard<std::mutex> lock(mu_);
  if (compact <= ents_[0].index) return Status::Compacted("already compacted");
  if (compact > LastLocked()) return Status::Unavailable("compact index past the last entry");
  const size_t i = compact.value() - ents_[0].index.value();
  std::vector<Entry> rest;
  rest.reserve(ents_.size() - i);
  rest.push_back(Entry{ents_[i].term, ents_[i].index, EntryType::kNormal, {}});
  rest.insert(rest.end(), ents_.begin() + static_cast<long>(i) + 1, ents_.end());
  ents_ = std::move(rest);
  return Status::Ok();
}

Index MemoryStorage::TailStart(Index hi, uint64_t max_bytes) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Index first = FirstLocked();
  if (hi > LastLocked()) hi = LastLocked();
  if (hi < first) return first;
  const uint64_t offset = ents_[0].index.value();
  uint64_t size = ents_[hi.value() - offset].size();
  Index i = hi;
  while (i > first) {
    size += ents_[i.value() - 1 - offset].size();
    if (size > max_bytes) break;
    i = i - 1;
  }
  return i;
}

Status MemoryStorage::Append(const std::vector<Entry>& entries) {
  if (entries.empty()) return Status::Ok();
  std::lock_guard<std::mutex> lock(mu_);
  const Index first = FirstLocked();
  const Index last = entries.back().index;
  if (last < first) return Status::Ok();  // all compacted already
  size_t skip = 0;
  if (first > entries[0].index) skip = first - entries[0].index;  // drop the compacted prefix
  const Index start = entries[skip].index;
  const uint64_t offset = start - ents_[0].index;
  if (offset > ents_.size()) {
    return Status::Internal("raft log gap: appending index " + std::to_string(start.value()) +
                            " after " + std::to_string(LastLocked().value()));
  }
  ents_.resize(offset);  // truncate the conflicting suffix, if any
  ents_.insert(ents_.end(), entries.begin() + static_cast<long>(skip), entries.end());
  return Status::Ok();
}

}  // namespace etcfs::consensus
