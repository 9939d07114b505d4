// Storage: the stable part of the Raft log as the core reads it, and
// MemoryStorage, the implementation the driver fills from the WAL and keeps
// in step with it. As in etcd's raft: the application appends to storage
// what Ready() hands it (after persisting), and the core reads it back.
#pragma once

#include <mutex>
#include <vector>

#include "base/result.h"
#include "consensus/types.h"

namespace etcfs::consensus {

class Storage {
 public:
  virtual ~Storage() = default;
  virtual HardState InitialHardState() const = 0;
  virtual ConfState InitialConfState() const = 0;
  // Entries in [lo, hi), stopping before max_bytes but returning at least one.
  // Errors: Compacted (lo is at or below the snapshot), Unavailable (hi is
  // past the last entry + 1).
  virtual Result<std::vector<Entry>> Entries(Index lo, Index hi, uint64_t max_bytes) const = 0;
  // The term of entry i; i may be the snapshot's index.
  // Errors: Compacted (i below the snapshot), Unavailable (i past the end).
  virtual Result<Term> TermAt(Index i) const = 0;
  // The first index that Entries can return (the snapshot's index + 1).
  virtual Index FirstIndex() const = 0;
  virtual Index LastIndex() const = 0;
  virtual Snapshot GetSnapshot() const = 0;
};

// Thread-safe.
class MemoryStorage final : public Storage {
 public:
  MemoryStorage();

  HardState InitialHardState() const override;
  ConfState InitialConfState() const override;
  Result<std::vector<Entry>> Entries(Index lo, Index hi, uint64_t max_bytes) const override;
  Result<Term> TermAt(Index i) const override;
  Index FirstIndex() const override;
  Index LastIndex() const override;
  Snapshot GetSnapshot() const override;

  void SetHardState(const HardState& hs);
  // Replaces everything with the snapshot. Errors: FailedPrecondition when
  // the snapshot is older than the one held.
  Status ApplySnapshot(const Snapshot& snap);
  // Records a snapshot of the state at index i (<= last) and returns it.
  Result<Snapshot> CreateSnapshot(Index i, const ConfState& conf, std::string data);
  // Discards entries before `compact` (which must be <= last).
  Status Compact(Index compact);
  // The first index i <= `hi` such that the entries from i to `hi` hold at
  // most `max_bytes` (at least `hi` itself), or the first index held.
  Index TailStart(Index hi, uint64_t max_bytes) const;
  // Appends entries, replacing any conflicting suffix.
  Status Append(const std::vector<Entry>& entries);

 private:
  Index FirstLocked() const { return ents_[0].index + 1; }
  Index LastLocked() const { return ents_[0].index + (ents_.size() - 1); }

  mutable std::mutex mu_;
  HardState hard_state_;  // guarded by mu_
  Snapshot snapshot_;     // guarded by mu_
  // ents_[0] is a dummy at the snapshot's index and term. Guarded by mu_.
  std::vector<Entry> ents_;
};

}  // namespace etcfs::consensus
