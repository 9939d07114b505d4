// The role-independent half of the core: construction, terms and roles,
// elections (§5.2), votes (§5.4.1), PreVote and ticks.
#include "consensus/raft.h"

#include <algorithm>

#include "base/check.h"

namespace etcfs::consensus {
namespace {
constexpr const char* kTransferContext = "transfer";
}

Status Config::Validate() const {
  if (id == kNoNode) return Status::InvalidArgument("raft: node id must not be 0");
  if (heartbeat_tick <= 0) return Status::InvalidArgument("raft: heartbeat tick must be positive");
  if (election_tick <= heartbeat_tick) {
    return Status::InvalidArgument("raft: election tick must be greater than heartbeat tick");
  }
  if (storage == nullptr) return Status::InvalidArgument("raft: storage is required");
  if (max_inflight_msgs == 0) return Status::InvalidArgument("raft: max inflight messages must be positive");
  return Status::Ok();
}

Raft::Raft(const Config& config)
    : id_(config.id),
      config_(config),
      log_(config.storage, config.max_committed_size_per_ready),
      tracker_(config.max_inflight_msgs),
      rng_(config.seed ^ (config.id.value() * 0x9e3779b97f4a7c15ULL)) {
  Status valid = config.Validate();
  ETCFS_CHECK(valid.ok(), "%s", valid.ToString().c_str());
  const HardState hs = config.storage->InitialHardState();
  tracker_.ApplyConf(config.storage->InitialConfState(), log_.LastIndex() + 1);
  if (!hs.empty()) {
    ETCFS_CHECK(hs.commit >= log_.committed() && hs.commit <= log_.LastIndex(),
                "hard state commit %llu out of [%llu, %llu]",
                static_cast<unsigned long long>(hs.commit.value()),
                static_cast<unsigned long long>(log_.committed().value()),
                static_cast<unsigned long long>(log_.LastIndex().value()));
    log_.CommitTo(hs.commit);
    term_ = hs.term;
    vote_ = hs.vote;
  }
  if (config.applied > Index(0)) log_.AppliedTo(config.applied);
  BecomeFollower(term_, kNoNode);
}

bool Raft::Promotable() const {
  return tracker_.IsVoter(id_) && !log_.UnstableSnapshot().has_value();
}

std::vector<Message> Raft::TakeMessages() {
  std::vector<Message> out;
  out.swap(msgs_);
  return out;
}

std::vector<ReadState> Raft::TakeReadStates() {
  std::vector<ReadState> out;
  out.swap(read_states_);
  return out;
}

void Raft::Send(Message m) {
  m.from = id_;
  // Votes carry the term they are for; forwarded proposals and reads travel
  // as local messages (term 0); everything else carries our term.
  if (m.type != MessageType::kVote && m.type != MessageType::kVoteResp &&
      m.type != MessageType::kPreVote && m.type != MessageType::kPreVoteResp &&
      m.type != MessageType::kProp && m.type != MessageType::kReadIndex) {
    m.term = term_;
  }
  msgs_.push_back(std::move(m));
}

void Raft::ResetRandomizedElectionTimeout() {
  randomized_election_timeout_ =
      config_.election_tick +
      static_cast<int>(std::uniform_int_distribution<int>(0, config_.election_tick - 1)(rng_));
}

void Raft::Reset(Term term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNoNode;
  }
  lead_ = kNoNode;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetRandomizedElectionTimeout();
  AbortLeaderTransfer();
  tracker_.ResetVotes();
  const Index last = log_.LastIndex();
  for (auto& [id, pr] : tracker_.all()) {
    const bool learner = pr.is_learner;
    pr = Progress(config_.max_inflight_msgs);
    pr.is_learner = learner;
    pr.next = last + 1;
    if (id == id_) pr.match = last;
  }
  pending_conf_index_ = Index(0);
  read_round_.reset();
  read_queue_.clear();
  reads_before_commit_.clear();
}

void Raft::BecomeFollower(Term term, NodeId lead) {
  Reset(term);
  lead_ = lead;
  state_ = StateType::kFollower;
}

void Raft::BecomePreCandidate() {
  ETCFS_CHECK(state_ != StateType::kLeader, "leader cannot become pre-candidate");
  // PreVote changes neither term nor vote (§9.6 of the thesis).
  tracker_.ResetVotes();
  lead_ = kNoNode;
  state_ = StateType::kPreCandidate;
}

void Raft::BecomeCandidate() {
  ETCFS_CHECK(state_ != StateType::kLeader, "leader cannot become candidate");
  Reset(term_ + 1);
  vote_ = id_;
  state_ = StateType::kCandidate;
}

void Raft::BecomeLeader() {
  ETCFS_CHECK(state_ != StateType::kFollower, "follower cannot become leader directly");
  Reset(term_);
  lead_ = id_;
  state_ = StateType::kLeader;
  if (Progress* self = tracker_.Get(id_)) self->BecomeReplicate();
  // No configuration change until this term has committed what came before:
  // the log may still hold an unapplied one.
  pending_conf_index_ = log_.LastIndex();
  // §5.4.2 / §8: an empty entry of the new term commits the earlier ones.
  AppendEntries({Entry{}});
}

void Raft::Hup(CampaignType type) {
  if (state_ == StateType::kLeader) return;
  if (!Promotable()) return;
  // A configuration change committed but not applied might remove us or
  // change the quorum: wait for it.
  if (log_.committed() > log_.applied()) {
    auto ents = log_.Slice(log_.applied() + 1, log_.committed() + 1, UINT64_MAX);
    if (ents.ok()) {
      for (const auto& e : *ents) {
        if (e.type == EntryType::kConfChange) return;
      }
    }
  }
  Campaign(type);
}

void Raft::Campaign(CampaignType type) {
  Term term;
  MessageType vote_type;
  if (type == CampaignType::kPreElection) {
    BecomePreCandidate();
    vote_type = MessageType::kPreVote;
    term = term_ + 1;  // the term we would campaign in; ours stays
  } else {
    BecomeCandidate();
    vote_type = MessageType::kVote;
    term = term_;
  }
  if (Poll(id_, true) == ProgressTracker::VoteResult::kWon) {
    // A single voter wins at once.
    if (type == CampaignType::kPreElection) {
      Campaign(CampaignType::kElection);
    } else {
      BecomeLeader();
    }
    return;
  }
  for (NodeId id : tracker_.voters()) {
    if (id == id_) continue;
    Message m;
    m.type = vote_type;
    m.to = id;
    m.term = term;
    m.index = log_.LastIndex();
    m.log_term = log_.LastTerm();
    if (type == CampaignType::kTransfer) m.context = kTransferContext;
    Send(std::move(m));
  }
}

ProgressTracker::VoteResult Raft::Poll(NodeId id, bool granted) {
  tracker_.RecordVote(id, granted);
  return tracker_.TallyVotes();
}

void Raft::Tick() {
  if (state_ == StateType::kLeader) {
    TickHeartbeat();
  } else {
    TickElection();
  }
}

void Raft::TickElection() {
  ++election_elapsed_;
  if (Promotable() && PastElectionTimeout()) {
    election_elapsed_ = 0;
    Message m;
    m.type = MessageType::kHup;
    m.from = id_;
    Step(std::move(m)).IgnoreError();
  }
}

void Raft::TickHeartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= config_.election_tick) {
    election_elapsed_ = 0;
    if (config_.check_quorum) {
      Message m;
      m.type = MessageType::kCheckQuorum;
      m.from = id_;
      Step(std::move(m)).IgnoreError();
    }
    // A transfer that did not finish within an election timeout is abandoned.
    if (state_ == StateType::kLeader) AbortLeaderTransfer();
  }
  if (state_ != StateType::kLeader) return;
  if (heartbeat_elapsed_ >= config_.heartbeat_tick) {
    heartbeat_elapsed_ = 0;
    Message m;
    m.type = MessageType::kBeat;
    m.from = id_;
    Step(std::move(m)).IgnoreError();
  }
}

void Raft::HandleVoteRequest(const Message& m) {
  // §5.2, §5.4.1: one vote per term, only for a log at least as up-to-date.
  // A pre-vote for a future term is granted without changing anything.
  const bool can_vote = vote_ == m.from || (vote_ == kNoNode && lead_ == kNoNode) ||
                        (m.type == MessageType::kPreVote && m.term > term_);
  Message resp;
  resp.to = m.from;
  resp.type = m.type == MessageType::kVote ? MessageType::kVoteResp : MessageType::kPreVoteResp;
  if (can_vote && log_.IsUpToDate(m.index, m.log_term)) {
    // The response carries the request's term so that the candidate counts it
    // (for a pre-vote our own term may be lower).
    resp.term = m.term;
    if (m.type == MessageType::kVote) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    resp.term = term_;
    resp.reject = true;
  }
  Send(std::move(resp));
}

Status Raft::Step(Message m) {
  // Terms first (§5.1): a higher term makes us a follower; a lower one is stale.
  if (m.term == Term(0)) {
    // local message
  } else if (m.term > term_) {
    if (m.type == MessageType::kVote || m.type == MessageType::kPreVote) {
      const bool force = m.context == kTransferContext;
      const bool in_lease =
          config_.check_quorum && lead_ != kNoNode && election_elapsed_ < config_.election_tick;
      if (!force && in_lease) {
        // We heard from a leader within the minimum election timeout: a
        // removed or partitioned server must not disrupt it (§4.2.3).
        return Status::Ok();
      }
    }
    if (m.type == MessageType::kPreVote) {
      // Never change our term for a pre-vote.
    } else if (m.type == MessageType::kPreVoteResp && !m.reject) {
      // The term is bumped only when the real campaign starts.
    } else if (m.type == MessageType::kApp || m.type == MessageType::kHeartbeat ||
               m.type == MessageType::kSnap) {
      BecomeFollower(m.term, m.from);
    } else {
      BecomeFollower(m.term, kNoNode);
    }
  } else if (m.term < term_) {
    if ((config_.check_quorum || config_.pre_vote) &&
        (m.type == MessageType::kHeartbeat || m.type == MessageType::kApp)) {
      // A stale leader that we ignore would never learn of the new term;
      // answering lets it step down (and keeps PreVote from wedging).
      Message resp;
      resp.type = MessageType::kAppResp;
      resp.to = m.from;
      Send(std::move(resp));
    } else if (m.type == MessageType::kPreVote) {
      Message resp;
      resp.type = MessageType::kPreVoteResp;
      resp.to = m.from;
      resp.term = term_;
      resp.reject = true;
      Send(std::move(resp));
    }
    return Status::Ok();
  }

  switch (m.type) {
    case MessageType::kHup:
      Hup(config_.pre_vote ? CampaignType::kPreElection : CampaignType::kElection);
      return Status::Ok();
    case MessageType::kVote:
    case MessageType::kPreVote:
      HandleVoteRequest(m);
      return Status::Ok();
    default:
      break;
  }
  switch (state_) {
    case StateType::kLeader: return StepLeader(m);
    case StateType::kFollower: return StepFollower(m);
    case StateType::kCandidate:
    case StateType::kPreCandidate: return StepCandidate(m);
  }
  return Status::Ok();
}

ConfState Raft::ApplyConfChange(const ConfChange& cc) {
  const Index next = log_.LastIndex() + 1;
  switch (cc.type) {
    case ConfChange::Type::kAddNode:
      tracker_.AddVoter(cc.node, next);
      break;
    case ConfChange::Type::kAddLearner:
      tracker_.AddLearner(cc.node, next);
      break;
    case ConfChange::Type::kRemoveNode:
      tracker_.Remove(cc.node);
      if (cc.node == lead_transferee_) AbortLeaderTransfer();
      break;
  }
  if (state_ == StateType::kLeader) {
    if (Progress* self = tracker_.Get(id_)) self->match = log_.LastIndex();
    // The quorum changed: something may be committed now.
    if (tracker_.voters().empty()) return tracker_.Conf();
    if (MaybeCommit()) BcastAppend();
  }
  return tracker_.Conf();
}

}  // namespace etcfs::consensus
