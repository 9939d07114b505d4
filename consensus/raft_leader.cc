// The leader: proposals, log replication with flow control (§5.3),
// commitment (§5.4.2), heartbeats, CheckQuorum, linearizable reads (§6.4)
// and leadership transfer (§3.10 of the thesis).
#include <algorithm>

#include "base/check.h"
#include "consensus/raft.h"

namespace etcfs::consensus {
namespace {

std::string RoundContext(uint64_t id) {
  std::string ctx(8, '\0');
  for (int i = 0; i < 8; ++i) ctx[i] = static_cast<char>(id >> (56 - 8 * i));
  return ctx;
}

}  // namespace

void Raft::AppendEntries(std::vector<Entry> entries) {
  Index li = log_.LastIndex();
  for (auto& e : entries) {
    ++li;
    e.term = term_;
    e.index = li;
  }
  li = log_.Append(entries);
  // The leader counts itself: no follower's acknowledgement of these entries
  // is stepped before the Ready carrying them is persisted (Ready, step 2).
  if (Progress* self = tracker_.Get(id_)) self->MaybeUpdate(li);
  MaybeCommit();
}

bool Raft::MaybeCommit() {
  // §5.4.2: only entries of the current term are committed by counting
  // replicas; earlier ones are committed with them.
  const bool committed = log_.MaybeCommit(tracker_.Committed(), term_);
  if (committed) ReleasePendingReads();
  return committed;
}

bool Raft::MaybeSendAppend(NodeId to, bool send_if_empty) {
  Progress* pr = tracker_.Get(to);
  if (pr == nullptr || pr->IsPaused()) return false;
  Message m;
  m.to = to;
  const Term prev_term = log_.TermOf(pr->next - 1);
  auto entries = log_.Slice(pr->next, log_.LastIndex() + 1, config_.max_size_per_msg);
  if (entries.ok() && entries->empty() && !send_if_empty) return false;

  if ((prev_term == Term(0) && pr->next - 1 != Index(0)) || !entries.ok()) {
    // The follower needs entries we have compacted: send the snapshot, but
    // only to a follower that answers (it is large).
    if (!pr->recent_active) return false;
    Snapshot snap = log_.GetSnapshot();
    ETCFS_CHECK(!snap.empty(), "need a snapshot for node %llu but have none",
                static_cast<unsigned long long>(to.value()));
    m.type = MessageType::kSnap;
    m.snapshot = std::move(snap);
    pr->BecomeSnapshot(m.snapshot->meta.index);
    Send(std::move(m));
    return true;
  }
  m.type = MessageType::kApp;
  m.index = pr->next - 1;
  m.log_term = prev_term;
  m.entries = std::move(entries).value();
  m.commit = log_.committed();
  if (!m.entries.empty()) {
    const Index last = m.entries.back().index;
    switch (pr->state) {
      case Progress::State::kReplicate:
        // Pipelining: assume it will be accepted and keep sending.
        pr->OptimisticUpdate(last);
        pr->inflights.Add(last);
        break;
      case Progress::State::kProbe:
        pr->probe_sent = true;
        break;
      case Progress::State::kSnapshot:
        ETCFS_CHECK(false, "sending entries to a node waiting for a snapshot");
    }
  }
  Send(std::move(m));
  return true;
}

void Raft::SendHeartbeat(NodeId to, const std::string& ctx) {
  Progress* pr = tracker_.Get(to);
  Message m;
  m.type = MessageType::kHeartbeat;
  m.to = to;
  // Never tell a follower to commit past what it is known to hold.
  m.commit = std::min(pr->match, log_.committed());
  m.context = ctx;
  Send(std::move(m));
}

void Raft::BcastAppend() {
  for (const auto& [id, pr] : tracker_.all()) {
    if (id != id_) SendAppend(id);
  }
}

void Raft::BcastHeartbeat(const std::string& ctx) {
  for (const auto& [id, pr] : tracker_.all()) {
    if (id != id_) SendHeartbeat(id, ctx);
  }
}

void Raft::SendTimeoutNow(NodeId to) {
  Message m;
  m.type = MessageType::kTimeoutNow;
  m.to = to;
  Send(std::move(m));
}

Status Raft::ProposeAsLeader(Message& m) {
  ETCFS_CHECK(!m.entries.empty(), "empty proposal");
  if (!tracker_.IsMember(id_)) {
    return Status::Unavailable("raft: proposal dropped: this node was removed from the cluster");
  }
  if (lead_transferee_ != kNoNode) {
    return Status::Unavailable("raft: proposal dropped: leadership transfer in progress");
  }
  for (auto& e : m.entries) {
    if (e.type != EntryType::kConfChange) continue;
    if (pending_conf_index_ > log_.applied()) {
      return Status::FailedPrecondition(
          "raft: a configuration change is already in progress; retry once it is applied");
    }
    ConfChange cc;
    if (!DecodeConfChange(e.data, &cc)) {
      return Status::InvalidArgument("raft: undecodable configuration change");
    }
    if (cc.type == ConfChange::Type::kAddNode && tracker_.IsLearner(cc.node)) {
      const Progress* pr = tracker_.Get(cc.node);
      if (pr->match < log_.committed()) {
        return Status::FailedPrecondition(
            "raft: learner " + std::to_string(cc.node.value()) + " has not caught up (at " +
            std::to_string(pr->match.value()) + " of " + std::to_string(log_.committed().value()) +
            "); promote it once it has");
      }
    }
    if (cc.type == ConfChange::Type::kAddLearner && tracker_.IsVoter(cc.node)) {
      return Status::InvalidArgument("raft: a voter cannot be turned into a learner");
    }
    pending_conf_index_ = log_.LastIndex() + 1;
  }
  AppendEntries(std::move(m.entries));
  BcastAppend();
  return Status::Ok();
}

Status Raft::StepLeader(Message& m) {
  switch (m.type) {
    case MessageType::kBeat:
      // A read round in flight rides along, so a lost heartbeat is retried.
      BcastHeartbeat(read_round_ ? RoundContext(read_round_->id) : std::string());
      return Status::Ok();
    case MessageType::kCheckQuorum:
      // §6.2 of the thesis: a leader that cannot reach a quorum steps down,
      // so that clients find the real leader and stale reads stop.
      if (!tracker_.QuorumActive(id_)) BecomeFollower(term_, kNoNode);
      for (auto& [id, pr] : tracker_.all()) {
        if (id != id_) pr.recent_active = false;
      }
      return Status::Ok();
    case MessageType::kProp:
      return ProposeAsLeader(m);
    case MessageType::kReadIndex:
      HandleReadIndex(std::move(m));
      return Status::Ok();
    case MessageType::kTransferLeader: {
      const NodeId target = m.from;
      if (tracker_.IsLearner(target)) return Status::InvalidArgument("raft: cannot transfer leadership to a learner");
      if (!tracker_.IsMember(target)) return Status::InvalidArgument("raft: transfer target is not a member");
      if (target == id_ || target == lead_transferee_) return Status::Ok();
      lead_transferee_ = target;
      election_elapsed_ = 0;  // the transfer must finish within an election timeout
      const Progress* pr = tracker_.Get(target);
      if (pr->match == log_.LastIndex()) {
        SendTimeoutNow(target);
      } else {
        SendAppend(target);  // catch it up first; TimeoutNow follows its ack
      }
      return Status::Ok();
    }
    default:
      break;
  }

  Progress* pr = tracker_.Get(m.from);
  if (pr == nullptr) return Status::Ok();  // not (any more) a member
  switch (m.type) {
    case MessageType::kAppResp:
      HandleAppendResponse(m, pr);
      break;
    case MessageType::kHeartbeatResp:
      HandleHeartbeatResponse(m, pr);
      break;
    case MessageType::kSnapStatus:
      if (pr->state == Progress::State::kSnapshot) {
        if (m.reject) pr->pending_snapshot = Index(0);
        pr->BecomeProbe();
        // Wait for the follower's answer (or a heartbeat) before probing.
        pr->probe_sent = true;
      }
      break;
    case MessageType::kUnreachable:
      if (pr->state == Progress::State::kReplicate) pr->BecomeProbe();
      break;
    default:
      break;
  }
  return Status::Ok();
}

void Raft::HandleAppendResponse(const Message& m, Progress* pr) {
  pr->recent_active = true;
  if (m.reject) {
    // Fast backtracking: skip a whole conflicting term per round trip.
    Index next_probe = m.reject_hint;
    if (m.log_term > Term(0)) next_probe = log_.FindConflictByTerm(m.reject_hint, m.log_term);
    if (pr->MaybeDecrTo(m.index, next_probe)) {
      if (pr->state == Progress::State::kReplicate) pr->BecomeProbe();
      SendAppend(m.from);
    }
    return;
  }
  const bool was_paused = pr->IsPaused();
  if (!pr->MaybeUpdate(m.index)) {
    // Nothing new, but a probe's answer unblocks the next probe.
    if (was_paused && pr->state == Progress::State::kProbe) SendAppend(m.from);
    return;
  }
  switch (pr->state) {
    case Progress::State::kProbe:
      pr->BecomeReplicate();
      break;
    case Progress::State::kSnapshot:
      if (pr->match >= pr->pending_snapshot) {
        pr->BecomeProbe();
        pr->BecomeReplicate();
      }
      break;
    case Progress::State::kReplicate:
      pr->inflights.FreeLE(m.index);
      break;
  }
  if (MaybeCommit()) {
    BcastAppend();
  } else if (was_paused) {
    SendAppend(m.from);
  }
  // Fill the window while there is more to send.
  while (MaybeSendAppend(m.from, false)) {
  }
  if (m.from == lead_transferee_ && pr->match == log_.LastIndex()) SendTimeoutNow(m.from);
}

void Raft::HandleHeartbeatResponse(const Message& m, Progress* pr) {
  pr->recent_active = true;
  pr->probe_sent = false;
  if (pr->state == Progress::State::kReplicate && pr->inflights.Full()) pr->inflights.FreeFirstOne();
  if (pr->match < log_.LastIndex()) SendAppend(m.from);

  if (read_round_ && !m.context.empty() && m.context == RoundContext(read_round_->id)) {
    read_round_->acks.insert(m.from);
    if (tracker_.IsQuorum(read_round_->acks)) {
      ReadRound done = std::move(*read_round_);
      read_round_.reset();
      for (const auto& req : done.requests) AnswerRead(req, done.index);
    }
  }
}

bool Raft::CommittedEntryInCurrentTerm() const {
  return log_.TermOf(log_.committed()) == term_;
}

void Raft::HandleReadIndex(Message m) {
  if (tracker_.voters().size() == 1 && tracker_.IsVoter(id_)) {
    // A single voter is its own quorum.
    AnswerRead(m, log_.committed());
    return;
  }
  if (!CommittedEntryInCurrentTerm()) {
    // §6.4: the leader's commit index is only known to be current once it
    // has committed an entry of its term.
    reads_before_commit_.push_back(std::move(m));
    return;
  }
  read_queue_.push_back(std::move(m));  // FlushReadRound starts the round
}

void Raft::FlushReadRound() {
  if (state_ == StateType::kLeader && HasReadsToFlush()) StartReadRound();
}

void Raft::StartReadRound() {
  // Every read queued so far shares this round. Reads that arrive while it
  // is in flight wait for the next: an acknowledgement must be sent after
  // the read arrived to prove we were still leader then.
  ReadRound round;
  round.id = ++read_round_seq_;
  round.index = log_.committed();
  round.acks.insert(id_);
  round.requests.swap(read_queue_);
  read_round_ = std::move(round);
  BcastHeartbeat(RoundContext(read_round_->id));
}

void Raft::ReleasePendingReads() {
  if (reads_before_commit_.empty() || !CommittedEntryInCurrentTerm()) return;
  std::vector<Message> pending;
  pending.swap(reads_before_commit_);
  for (auto& m : pending) HandleReadIndex(std::move(m));
}

void Raft::AnswerRead(const Message& req, Index index) {
  if (req.from == id_ || req.from == kNoNode) {
    read_states_.push_back(ReadState{index, req.context});
    return;
  }
  Message resp;
  resp.type = MessageType::kReadIndexResp;
  resp.to = req.from;
  resp.index = index;
  resp.context = req.context;
  Send(std::move(resp));
}

}  // namespace etcfs::consensus
