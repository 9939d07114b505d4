// RaftLog: the core's view of the log — the stable prefix in Storage, and an
// unstable tail (entries and perhaps a snapshot) that the application has not
// yet persisted. Tracks the commit index and the applied index.
// Pure; owned by one Raft instance.
#pragma once

#include <optional>
#include <vector>

#include "consensus/storage.h"

namespace etcfs::consensus {

class RaftLog {
 public:
  RaftLog(const Storage* storage, uint64_t max_next_committed_bytes);

  Index FirstIndex() const;
  Index LastIndex() const;
  Term LastTerm() const;
  // The term of entry i, or 0 when it is unknown (compacted or past the end).
  Term TermOf(Index i) const;
  bool MatchTerm(Index i, Term t) const;
  // §5.4.1: a candidate's log is at least as up-to-date as ours.
  bool IsUpToDate(Index last_index, Term last_term) const;

  // Appends `entries` that follow (prev_index, prev_term) from a leader if our
  // log matches there (§5.3); returns the new last index, or nullopt when the
  // log does not match. Advances commit to min(committed, new last).
  std::optional<Index> MaybeAppend(Index prev_index, Term prev_term, Index committed,
                                   const std::vector<Entry>& entries);
  // Appends at the end (the leader's own proposals). Returns the new last index.
  Index Append(const std::vector<Entry>& entries);

  // For a rejected append at `index` with our conflicting `term`: the largest
  // index <= index whose term is <= term (etcd's findConflictByTerm), so the
  // leader can skip a whole term per round trip.
  Index FindConflictByTerm(Index index, Term term) const;

  // Entries in [lo, hi) up to max_bytes (at least one). Errors: Compacted.
  Result<std::vector<Entry>> Slice(Index lo, Index hi, uint64_t max_bytes) const;

  std::vector<Entry> UnstableEntries() const { return unstable_entries_; }
  const std::optional<Snapshot>& UnstableSnapshot() const { return unstable_snapshot_; }
  bool HasNextCommittedEntries() const;
  std::vector<Entry> NextCommittedEntries() const;
  Snapshot GetSnapshot() const;

  Index committed() const { return committed_; }
  Index applied() const { return applied_; }
  // Commits up to max_index if that entry is from `term` (§5.4.2).
  bool MaybeCommit(Index max_index, Term term);
  void CommitTo(Index i);
  void AppliedTo(Index i);
  // The application persisted entries up to (i, t) / the snapshot at i.
  void StableTo(Index i, Term t);
  void StableSnapTo(Index i);
  // Replaces the log with a snapshot received from the leader.
  void Restore(const Snapshot& snap);

 private:
  std::optional<Index> FindConflict(const std::vector<Entry>& entries) const;
  void TruncateAndAppend(const std::vector<Entry>& entries);
  Index UnstableOffset() const { return unstable_offset_; }

  const Storage* storage_;
  uint64_t max_next_committed_bytes_;
  std::optional<Snapshot> unstable_snapshot_;
  std::vector<Entry> unstable_entries_;  // entries from unstable_offset_ on
  Index unstable_offset_;
  Index committed_;
  Index applied_;
};

}  // namespace etcfs::consensus
