#include "consensus/raft_log.h"

#include <algorithm>

#include "base/check.h"

namespace etcfs::consensus {

RaftLog::RaftLog(const Storage* storage, uint64_t max_next_committed_bytes)
    : storage_(storage), max_next_committed_bytes_(max_next_committed_bytes) {
  const Index first = storage_->FirstIndex();
  unstable_offset_ = storage_->LastIndex() + 1;
  committed_ = first - 1;
  applied_ = first - 1;
}

Index RaftLog::FirstIndex() const {
  if (unstable_snapshot_) return unstable_snapshot_->meta.index + 1;
  return storage_->FirstIndex();
}

Index RaftLog::LastIndex() const {
  if (!unstable_entries_.empty()) return unstable_offset_ + (unstable_entries_.size() - 1);
  if (unstable_snapshot_) return unstable_snapshot_->meta.index;
  return storage_->LastIndex();
}

Term RaftLog::LastTerm() const { return TermOf(LastIndex()); }

Term RaftLog::TermOf(Index i) const {
  if (i < FirstIndex() - 1 || i > LastIndex()) return Term(0);
  if (unstable_snapshot_ && i == unstable_snapshot_->meta.index) return unstable_snapshot_->meta.term;
  if (i >= unstable_offset_ && !unstable_entries_.empty()) {
    return unstable_entries_[i - unstable_offset_].term;
  }
  auto t = storage_->TermAt(i);
  return t.ok() ? *t : Term(0);
}

bool RaftLog::MatchTerm(Index i, Term t) const {
  if (i < FirstIndex() - 1 || i > LastIndex()) return false;
  return TermOf(i) == t;
}

bool RaftLog::IsUpToDate(Index last_index, Term last_term) const {
  const Term my_term = LastTerm();
  return last_term > my_term || (last_term == my_term && last_index >= LastIndex());
}

std::optional<Index> RaftLog::FindConflict(const std::vector<Entry>& entries) const {
  for (const auto& e : entries) {
    if (!MatchTerm(e.index, e.term)) return e.index;
  }
  return std::nullopt;
}

std::optional<Index> RaftLog::MaybeAppend(Index prev_index, Term prev_term, Index committed,
                                          const std::vector<Entry>& entries) {
  if (!MatchTerm(prev_index, prev_term)) return std::nullopt;
  const Index last_new = prev_index + entries.size();
  if (auto conflict = FindConflict(entries)) {
    ETCFS_CHECK(*conflict > committed_, "entry %llu conflicts with committed entry (committed %llu)",
                static_cast<unsigned long long>(conflict->value()),
                static_cast<unsigned long long>(committed_.value()));
    const size_t from = *conflict - (prev_index + 1);
    TruncateAndAppend(std::vector<Entry>(entries.begin() + static_cast<long>(from), entries.end()));
  }
  CommitTo(std::min(committed, last_new));
  return last_new;
}

Index RaftLog::Append(const std::vector<Entry>& entries) {
  if (entries.empty()) return LastIndex();
  ETCFS_CHECK(entries[0].index > committed_, "appending over committed entries");
  TruncateAndAppend(entries);
  return LastIndex();
}

void RaftLog::TruncateAndAppend(const std::vector<Entry>& entries) {
  const Index after = entries[0].index;
  if (after == unstable_offset_ + unstable_entries_.size()) {
    unstable_entries_.insert(unstable_entries_.end(), entries.begin(), entries.end());
  } else if (after <= unstable_offset_) {
    // Replaces the whole unstable tail (and, once persisted, the stable suffix).
    unstable_offset_ = after;
    unstable_entries_ = entries;
  } else {
    unstable_entries_.resize(after - unstable_offset_);
    unstable_entries_.insert(unstable_entries_.end(), entries.begin(), entries.end());
  }
}

Index RaftLog::FindConflictByTerm(Index index, Term term) const {
  if (index > LastIndex()) return index;
  for (;;) {
    Term t = TermOf(index);
    if (t <= term || index == Index(0)) return index;
    // Unknown (compacted) terms read as 0 and stop the walk.
    index = index - 1;
  }
}

Result<std::vector<Entry>> RaftLog::Slice(Index lo, Index hi, uint64_t max_bytes) const {
  if (lo >= hi) return std::vector<Entry>();
  if (lo < FirstIndex()) return Status::Compacted("raft log compacted");
  ETCFS_CHECK(hi <= LastIndex() + 1, "slice past the end of the log");
  std::vector<Entry> out;
  if (lo < unstable_offset_) {
    auto stored = storage_->Entries(lo, std::min(hi, unstable_offset_), max_bytes);
    if (!stored.ok()) return stored.status();
    out = std::move(stored).value();
    // Storage stopped early for the size limit: that is all for now.
    if (out.size() < std::min(hi, unstable_offset_) - lo) return out;
  }
  uint64_t size = 0;
  for (const auto& e : out) size += e.size();
  for (Index i = std::max(lo, unstable_offset_); i < hi; ++i) {
    const Entry& e = unstable_entries_[i - unstable_offset_];
    size += e.size();
    if (!out.empty() && size > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

bool RaftLog::HasNextCommittedEntries() const {
  return committed_ + 1 > std::max(applied_ + 1, FirstIndex());
}

std::vector<Entry> RaftLog::NextCommittedEntries() const {
  const Index off = std::max(applied_ + 1, FirstIndex());
  if (committed_ + 1 <= off) return {};
  auto r = Slice(off, committed_ + 1, max_next_committed_bytes_);
  ETCFS_CHECK(r.ok(), "committed entries unavailable: %s", r.status().ToString().c_str());
  return std::move(r).value();
}

Snapshot RaftLog::GetSnapshot() const {
  if (unstable_snapshot_) return *unstable_snapshot_;
  return storage_->GetSnapshot();
}

bool RaftLog::MaybeCommit(Index max_index, Term term) {
  if (max_index > committed_ && TermOf(max_index) == term) {
    CommitTo(max_index);
    return true;
  }
  return false;
}

void RaftLog::CommitTo(Index i) {
  if (committed_ >= i) return;
  ETCFS_CHECK(i <= LastIndex(), "commit index %llu past the last index %llu",
              static_cast<unsigned long long>(i.value()),
              static_cast<unsigned long long>(LastIndex().value()));
  committed_ = i;
}

void RaftLog::AppliedTo(Index i) {
  if (i == Index(0)) return;
  ETCFS_CHECK(i <= committed_ && i >= applied_, "applied index %llu out of [%llu, %llu]",
              static_cast<unsigned long long>(i.value()),
              static_cast<unsigned long long>(applied_.value()),
              static_cast<unsigned long long>(committed_.value()));
  applied_ = i;
}

void RaftLog::StableTo(Index i, Term t) {
  if (i < unstable_offset_ || unstable_entries_.empty()) return;
  if (i >= unstable_offset_ + unstable_entries_.size()) return;
  // Only if the entry is still the one that was persisted (not replaced since).
  if (unstable_entries_[i - unstable_offset_].term != t) return;
  unstable_entries_.erase(unstable_entries_.begin(),
                          unstable_entries_.begin() + static_cast<long>(i - unstable_offset_ + 1));
  unstable_offset_ = i + 1;
}

void RaftLog::StableSnapTo(Index i) {
  if (unstable_snapshot_ && unstable_snapshot_->meta.index == i) unstable_snapshot_.reset();
}

void RaftLog::Restore(const Snapshot& snap) {
  committed_ = snap.meta.index;
  unstable_offset_ = snap.meta.index + 1;
  unstable_entries_.clear();
  unstable_snapshot_ = snap;
}

}  // namespace etcfs::consensus
