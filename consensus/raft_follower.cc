// Followers and candidates: accepting appends (§5.3), heartbeats and
// snapshots (§7), forwarding proposals and reads to the leader, counting
// votes (§5.2), and campaigning at once on TimeoutNow.
#include <algorithm>

#include "consensus/raft.h"

namespace etcfs::consensus {

Status Raft::StepFollower(Message& m) {
  switch (m.type) {
    case MessageType::kProp:
      if (lead_ == kNoNode) return Status::Unavailable("raft: proposal dropped: no leader");
      m.to = lead_;
      Send(std::move(m));
      return Status::Ok();
    case MessageType::kApp:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleAppendEntries(m);
      return Status::Ok();
    case MessageType::kHeartbeat:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleHeartbeat(m);
      return Status::Ok();
    case MessageType::kSnap:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleSnapshot(m);
      return Status::Ok();
    case MessageType::kTransferLeader:
      if (lead_ == kNoNode) return Status::Unavailable("raft: transfer dropped: no leader");
      m.to = lead_;
      Send(std::move(m));
      return Status::Ok();
    case MessageType::kTimeoutNow:
      // The leader chose us: campaign now, skipping PreVote, and ask voters
      // to ignore their leader lease for this election.
      Hup(CampaignType::kTransfer);
      return Status::Ok();
    case MessageType::kReadIndex:
      if (lead_ == kNoNode) return Status::Unavailable("raft: read dropped: no leader");
      m.to = lead_;
      Send(std::move(m));
      return Status::Ok();
    case MessageType::kReadIndexResp:
      read_states_.push_back(ReadState{m.index, m.context});
      return Status::Ok();
    default:
      return Status::Ok();
  }
}

Status Raft::StepCandidate(Message& m) {
  const MessageType my_resp =
      state_ == StateType::kPreCandidate ? MessageType::kPreVoteResp : MessageType::kVoteResp;
  switch (m.type) {
    case MessageType::kProp:
      return Status::Unavailable("raft: proposal dropped: no leader (election in progress)");
    case MessageType::kReadIndex:
      return Status::Unavailable("raft: read dropped: no leader (election in progress)");
    case MessageType::kTransferLeader:
      return Status::Unavailable("raft: transfer dropped: no leader (election in progress)");
    case MessageType::kApp:
      BecomeFollower(m.term, m.from);  // someone won this term
      HandleAppendEntries(m);
      return Status::Ok();
    case MessageType::kHeartbeat:
      BecomeFollower(m.term, m.from);
      HandleHeartbeat(m);
      return Status::Ok();
    case MessageType::kSnap:
      BecomeFollower(m.term, m.from);
      HandleSnapshot(m);
      return Status::Ok();
    default:
      break;
  }
  if (m.type == my_resp) {
    switch (Poll(m.from, !m.reject)) {
      case ProgressTracker::VoteResult::kWon:
        if (state_ == StateType::kPreCandidate) {
          Campaign(CampaignType::kElection);
        } else {
          BecomeLeader();
          BcastAppend();
        }
        break;
      case ProgressTracker::VoteResult::kLost:
        // A pre-vote loss must not raise our term; a real one stays in it.
        BecomeFollower(term_, kNoNode);
        break;
      case ProgressTracker::VoteResult::kPending:
        break;
    }
  }
  return Status::Ok();
}

void Raft::HandleAppendEntries(const Message& m) {
  Message resp;
  resp.type = MessageType::kAppResp;
  resp.to = m.from;
  if (m.index < log_.committed()) {
    resp.index = log_.committed();
    Send(std::move(resp));
    return;
  }
  if (auto last_new = log_.MaybeAppend(m.index, m.log_term, m.commit, m.entries)) {
    resp.index = *last_new;
    Send(std::move(resp));
    return;
  }
  // §5.3 with fast backtracking: tell the leader where our log could match,
  // the last index at or below its probe whose term is <= the probe's term.
  Index hint = std::min(m.index, log_.LastIndex());
  hint = log_.FindConflictByTerm(hint, m.log_term);
  resp.reject = true;
  resp.index = m.index;
  resp.reject_hint = hint;
  resp.log_term = log_.TermOf(hint);
  Send(std::move(resp));
}

void Raft::HandleHeartbeat(const Message& m) {
  log_.CommitTo(std::min(m.commit, log_.LastIndex()));
  Message resp;
  resp.type = MessageType::kHeartbeatResp;
  resp.to = m.from;
  resp.context = m.context;
  Send(std::move(resp));
}

void Raft::HandleSnapshot(const Message& m) {
  Message resp;
  resp.type = MessageType::kAppResp;
  resp.to = m.from;
  if (m.snapshot && Restore(*m.snapshot)) {
    resp.index = log_.LastIndex();
  } else {
    resp.index = log_.committed();
  }
  Send(std::move(resp));
}

bool Raft::Restore(const Snapshot& snap) {
  if (snap.meta.index <= log_.committed()) return false;
  if (log_.MatchTerm(snap.meta.index, snap.meta.term)) {
    // We hold everything it covers: just move the commit index (§7).
    log_.CommitTo(snap.meta.index);
    return false;
  }
  log_.Restore(snap);
  tracker_.ApplyConf(snap.meta.conf, log_.LastIndex() + 1);
  return true;
}

}  // namespace etcfs::consensus
