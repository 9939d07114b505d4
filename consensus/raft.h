// Raft: the consensus core as a pure, deterministic state machine, in the
// style of etcd's raft library. It reads no clock (time is Tick()), opens no
// file or socket (messages go out through an outbox, the log through
// Storage and RawNode's Ready), and draws randomness only from a seeded RNG.
// Each role has its own step function; the paper's sections are cited where
// a rule comes from.
//
// Threads: none of its own; one caller at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "consensus/progress.h"
#include "consensus/raft_log.h"
#include "consensus/storage.h"
#include "consensus/types.h"

namespace etcfs::consensus {

struct Config {
  // This node's id; not 0. Default: none.
  NodeId id;
  // Ticks a follower waits without hearing from a leader before campaigning;
  // the actual timeout is randomized in [election_tick, 2*election_tick).
  // Default: 10.
  int election_tick = 10;
  // Ticks between a leader's heartbeats. Default: 1.
  int heartbeat_tick = 1;
  // The stable log. Must outlive the Raft instance. Default: none.
  const Storage* storage = nullptr;
  // The last index the application has applied (on restart). Default: 0.
  Index applied;
  // Bytes of entries in one append message (at least one entry is sent).
  // Default: 1 MiB.
  uint64_t max_size_per_msg = 1 << 20;
  // Bytes of committed entries handed out in one Ready. Default: 64 MiB.
  uint64_t max_committed_size_per_ready = 64 << 20;
  // Appends in flight to one follower while replicating. Default: 256.
  size_t max_inflight_msgs = 256;
  // A leader steps down when it has not heard from a quorum within an
  // election timeout (§6.2 of the Raft thesis). Default: true.
  bool check_quorum = true;
  // A node asks whether it could win before it disrupts the cluster with a
  // higher term (§9.6 of the Raft thesis). Default: true.
  bool pre_vote = true;
  // Seeds the election-timeout randomization. Default: 0.
  uint64_t seed = 0;

  Status Validate() const;
};

class Raft {
 public:
  // Errors are reported at construction through ok()/status(): see Validate.
  explicit Raft(const Config& config);

  // Advances logical time by one tick.
  void Tick();
  // Feeds a message (from a peer, or a local one such as kHup or kProp).
  // Errors: Unavailable for a proposal or read that was dropped (no leader,
  // leadership transfer under way, not a member), FailedPrecondition for a
  // configuration change while one is pending or a learner not caught up.
  Status Step(Message m);

  // Applies a committed configuration change; returns the new configuration.
  ConfState ApplyConfChange(const ConfChange& cc);

  // ---- state for RawNode and tests ----
  NodeId id() const { return id_; }
  Term term() const { return term_; }
  NodeId vote() const { return vote_; }
  NodeId lead() const { return lead_; }
  StateType state() const { return state_; }
  HardState hard_state() const { return HardState{term_, vote_, log_.committed()}; }
  SoftState soft_state() const { return SoftState{lead_, state_}; }
  RaftLog& log() { return log_; }
  const RaftLog& log() const { return log_; }
  ProgressTracker& tracker() { return tracker_; }
  const ProgressTracker& tracker() const { return tracker_; }
  NodeId lead_transferee() const { return lead_transferee_; }
  // Whether this node may campaign: a voter with no snapshot pending.
  bool Promotable() const;

  // Starts a heartbeat round for the reads queued since the last one, if none
  // is in flight: all reads that arrive between two Readys share a round.
  void FlushReadRound();
  bool HasReadsToFlush() const { return !read_round_ && !read_queue_.empty(); }

  std::vector<Message> TakeMessages();
  std::vector<ReadState> TakeReadStates();
  bool HasMessages() const { return !msgs_.empty(); }
  bool HasReadStates() const { return !read_states_.empty(); }

 private:
  enum class CampaignType { kPreElection, kElection, kTransfer };

  // roles (raft.cc)
  void Reset(Term term);
  void BecomeFollower(Term term, NodeId lead);
  void BecomePreCandidate();
  void BecomeCandidate();
  void BecomeLeader();
  void Hup(CampaignType type);
  void Campaign(CampaignType type);
  ProgressTracker::VoteResult Poll(NodeId id, bool granted);
  void TickElection();
  void TickHeartbeat();
  bool PastElectionTimeout() const { return election_elapsed_ >= randomized_election_timeout_; }
  void ResetRandomizedElectionTimeout();
  void HandleVoteRequest(const Message& m);
  void Send(Message m);

  // leader (raft_leader.cc)
  Status StepLeader(Message& m);
  Status ProposeAsLeader(Message& m);
  void SendAppend(NodeId to) { MaybeSendAppend(to, true); }
  bool MaybeSendAppend(NodeId to, bool send_if_empty);
  void SendHeartbeat(NodeId to, const std::string& ctx);
  void BcastAppend();
  void BcastHeartbeat(const std::string& ctx);
  bool MaybeCommit();
  void AppendEntries(std::vector<Entry> entries);
  void HandleAppendResponse(const Message& m, Progress* pr);
  void HandleHeartbeatResponse(const Message& m, Progress* pr);
  void SendTimeoutNow(NodeId to);
  void AbortLeaderTransfer() { lead_transferee_ = kNoNode; }
  // Linearizable reads (§6.4): rounds of heartbeats confirm leadership.
  void HandleReadIndex(Message m);
  void StartReadRound();
  void AnswerRead(const Message& req, Index index);
  void ReleasePendingReads();
  bool CommittedEntryInCurrentTerm() const;

  // follower and candidates (raft_follower.cc)
  Status StepFollower(Message& m);
  Status StepCandidate(Message& m);
  void HandleAppendEntries(const Message& m);
  void HandleHeartbeat(const Message& m);
  void HandleSnapshot(const Message& m);
  bool Restore(const Snapshot& snap);

  NodeId id_;
  Config config_;
  Term term_;
  NodeId vote_;
  RaftLog log_;
  ProgressTracker tracker_;
  StateType state_ = StateType::kFollower;
  NodeId lead_;
  NodeId lead_transferee_;
  // A configuration change may be proposed only when it is applied past this.
  Index pending_conf_index_;
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;
  std::mt19937_64 rng_;
  std::vector<Message> msgs_;
  std::vector<ReadState> read_states_;

  struct ReadRound {
    uint64_t id;
    Index index;
    std::set<NodeId> acks;
    std::vector<Message> requests;
  };
  std::optional<ReadRound> read_round_;       // the round in flight
  std::vector<Message> read_queue_;           // waiting for the next round
  std::vector<Message> reads_before_commit_;  // waiting for this term's first commit
  uint64_t read_round_seq_ = 0;
};

}  // namespace etcfs::consensus
