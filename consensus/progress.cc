#include "consensus/progress.h"

#include <algorithm>
#include <vector>

namespace etcfs::consensus {

const char* ProgressStateName(Progress::State s) {
  switch (s) {
    case Progress::State::kProbe: return "probe";
    case Progress::State::kReplicate: return "replicate";
    case Progress::State::kSnapshot: return "snapshot";
  }
  return "unknown";
}

void Progress::BecomeProbe() {
  // After a snapshot, continue right after it; otherwise after what matched.
  if (state == State::kSnapshot) {
    next = std::max(match + 1, pending_snapshot + 1);
  } else {
    next = match + 1;
  }
  state = State::kProbe;
  probe_sent = false;
  pending_snapshot = Index(0);
  inflights.Reset();
}

void Progress::BecomeReplicate() {
  state = State::kReplicate;
  probe_sent = false;
  pending_snapshot = Index(0);
  inflights.Reset();
  next = match + 1;
}

void Progress::BecomeSnapshot(Index snapshot_index) {
  state = State::kSnapshot;
  probe_sent = false;
  inflights.Reset();
  pending_snapshot = snapshot_index;
}

bool Progress::MaybeUpdate(Index n) {
  bool updated = false;
  if (match < n) {
    match = n;
    updated = true;
    probe_sent = false;
  }
  next = std::max(next, n + 1);
  return updated;
}

bool Progress::MaybeDecrTo(Index rejected, Index hint) {
  if (state == State::kReplicate) {
    // Stale if we already know it has rejected..match.
    if (rejected <= match) return false;
    next = match + 1;
    return true;
  }
  // Probing: only the answer to the last probe counts.
  if (next - 1 != rejected) return false;
  next = std::max(std::min(rejected, hint + 1), Index(1));
  probe_sent = false;
  return true;
}

bool Progress::IsPaused() const {
  switch (state) {
    case State::kProbe: return probe_sent;
    case State::kReplicate: return inflights.Full();
    case State::kSnapshot: return true;
  }
  return true;
}

void ProgressTracker::ApplyConf(const ConfState& conf, Index next_index) {
  voters_.clear();
  learners_.clear();
  progress_.clear();
  for (NodeId id : conf.voters) AddVoter(id, next_index);
  for (NodeId id : conf.learners) AddLearner(id, next_index);
}

ConfState ProgressTracker::Conf() const {
  return ConfState{std::vector<NodeId>(voters_.begin(), voters_.end()),
                   std::vector<NodeId>(learners_.begin(), learners_.end())};
}

Progress* ProgressTracker::Get(NodeId id) {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

void ProgressTracker::AddVoter(NodeId id, Index next_index) {
  learners_.erase(id);
  voters_.insert(id);
  auto [it, inserted] = progress_.try_emplace(id, max_inflight_);
  if (inserted) {
    it->second.next = next_index;
    // A member just added counts as active, so that the leader does not
    // step down before it has had a chance to answer.
    it->second.recent_active = true;
  }
  it->second.is_learner = false;
}

void ProgressTracker::AddLearner(NodeId id, Index next_index) {
  if (voters_.count(id)) return;  // no demotion of a voter
  learners_.insert(id);
  auto [it, inserted] = progress_.try_emplace(id, max_inflight_);
  if (inserted) {
    it->second.next = next_index;
    it->second.recent_active = true;
  }
  it->second.is_learner = true;
}

void ProgressTracker::Remove(NodeId id) {
  voters_.erase(id);
  learners_.erase(id);
  progress_.erase(id);
  votes_.erase(id);
}

Index ProgressTracker::Committed() const {
  if (voters_.empty()) return Index(0);
  std::vector<Index> matched;
  matched.reserve(voters_.size());
  for (NodeId id : voters_) {
    auto it = progress_.find(id);
    matched.push_back(it == progress_.end() ? Index(0) : it->second.match);
  }
  std::sort(matched.begin(), matched.end(), std::greater<Index>());
  return matched[Quorum() - 1];
}

bool ProgressTracker::QuorumActive(NodeId self) const {
  size_t active = 0;
  for (NodeId id : voters_) {
    auto it = progress_.find(id);
    if (id == self || (it != progress_.end() && it->second.recent_active)) ++active;
  }
  return active >= Quorum();
}

void ProgressTracker::RecordVote(NodeId id, bool granted) { votes_.try_emplace(id, granted); }

ProgressTracker::VoteResult ProgressTracker::TallyVotes() const {
  size_t granted = 0, rejected = 0;
  for (NodeId id : voters_) {
    auto it = votes_.find(id);
    if (it == votes_.end()) continue;
    (it->second ? granted : rejected)++;
  }
  if (granted >= Quorum()) return VoteResult::kWon;
  if (rejected > voters_.size() - Quorum()) return VoteResult::kLost;
  return VoteResult::kPending;
}

bool ProgressTracker::IsQuorum(const std::set<NodeId>& acks) const {
  size_t n = 0;
  for (NodeId id : voters_) n += acks.count(id);
  return n >= Quorum();
}

}  // namespace etcfs::consensus
