// Progress: what the leader knows of one follower's log (match and next
// index, §5.3) and how it is replicating to it: probing one append at a time,
// streaming with a bounded window of in-flight appends, or waiting for a
// snapshot. ProgressTracker holds every member's progress, the configuration
// and the votes of an election, and does the quorum arithmetic.
// Pure; owned by one Raft instance.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>

#include "consensus/types.h"

namespace etcfs::consensus {

// The last indexes of appends sent and not yet acknowledged: flow control.
class Inflights {
 public:
  explicit Inflights(size_t capacity) : capacity_(capacity) {}
  bool Full() const { return q_.size() >= capacity_; }
  size_t size() const { return q_.size(); }
  void Add(Index last) { q_.push_back(last); }
  // Frees every append whose last index is <= to.
  void FreeLE(Index to) {
    while (!q_.empty() && q_.front() <= to) q_.pop_front();
  }
  void FreeFirstOne() {
    if (!q_.empty()) q_.pop_front();
  }
  void Reset() { q_.clear(); }

 private:
  size_t capacity_;
  std::deque<Index> q_;
};

struct Progress {
  enum class State { kProbe, kReplicate, kSnapshot };

  explicit Progress(size_t max_inflight) : inflights(max_inflight) {}

  Index match;
  Index next;
  State state = State::kProbe;
  Index pending_snapshot;      // kSnapshot: the snapshot's index
  bool recent_active = false;  // heard from it since the last CheckQuorum
  bool probe_sent = false;     // kProbe: one append is out; wait for an answer
  bool is_learner = false;
  Inflights inflights;

  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(Index snapshot_index);
  // An acknowledgement up to n. Returns whether it told us anything new.
  bool MaybeUpdate(Index n);
  void OptimisticUpdate(Index n) { next = n + 1; }
  // A rejection of the append at `rejected`; `hint` is where to try next.
  // Returns false for a stale rejection.
  bool MaybeDecrTo(Index rejected, Index hint);
  bool IsPaused() const;
};

const char* ProgressStateName(Progress::State s);

class ProgressTracker {
 public:
  explicit ProgressTracker(size_t max_inflight) : max_inflight_(max_inflight) {}

  // Replaces the configuration; new members start at next_index.
  void ApplyConf(const ConfState& conf, Index next_index);
  ConfState Conf() const;
  bool IsVoter(NodeId id) const { return voters_.count(id) > 0; }
  bool IsLearner(NodeId id) const { return learners_.count(id) > 0; }
  bool IsMember(NodeId id) const { return progress_.count(id) > 0; }
  const std::set<NodeId>& voters() const { return voters_; }

  Progress* Get(NodeId id);
  const std::map<NodeId, Progress>& all() const { return progress_; }
  std::map<NodeId, Progress>& all() { return progress_; }

  void AddVoter(NodeId id, Index next_index);
  void AddLearner(NodeId id, Index next_index);
  void Remove(NodeId id);

  // The largest index replicated on a quorum of voters (§5.3).
  Index Committed() const;
  // Whether a quorum of voters was recently active (CheckQuorum, §6.2).
  bool QuorumActive(NodeId self) const;

  enum class VoteResult { kPending, kWon, kLost };
  void ResetVotes() { votes_.clear(); }
  void RecordVote(NodeId id, bool granted);
  VoteResult TallyVotes() const;
  // Whether acks from `acks` make a quorum of voters.
  bool IsQuorum(const std::set<NodeId>& acks) const;

 private:
  size_t Quorum() const { return voters_.size() / 2 + 1; }

  size_t max_inflight_;
  std::set<NodeId> voters_;
  std::set<NodeId> learners_;
  std::map<NodeId, Progress> progress_;  // ordered: deterministic iteration
  std::map<NodeId, bool> votes_;
};

}  // namespace etcfs::consensus
