#include "consensus/raw_node.h"

namespace etcfs::consensus {

RawNode::RawNode(const Config& config) : raft_(config) {
  prev_soft_ = raft_.soft_state();
  prev_hard_ = raft_.hard_state();
}

void RawNode::Campaign() {
  Message m;
  m.type = MessageType::kHup;
  m.from = raft_.id();
  raft_.Step(std::move(m)).IgnoreError();
}

Status RawNode::Propose(std::string data) {
  Message m;
  m.type = MessageType::kProp;
  m.from = raft_.id();
  m.entries.push_back(Entry{Term(0), Index(0), EntryType::kNormal, std::move(data)});
  return raft_.Step(std::move(m));
}

Status RawNode::ProposeConfChange(const ConfChange& cc) {
  Message m;
  m.type = MessageType::kProp;
  m.from = raft_.id();
  m.entries.push_back(Entry{Term(0), Index(0), EntryType::kConfChange, EncodeConfChange(cc)});
  return raft_.Step(std::move(m));
}

Status RawNode::Step(Message m) {
  if (IsLocalMessage(m.type)) {
    return Status::InvalidArgument(std::string("raft: ") + MessageTypeName(m.type) +
                                   " is local and cannot come from a peer");
  }
  if (IsResponseMessage(m.type) && raft_.tracker().Get(m.from) == nullptr &&
      raft_.state() == StateType::kLeader) {
    return Status::Ok();  // from a node no longer in the configuration
  }
  return raft_.Step(std::move(m));
}

Status RawNode::ReadIndex(std::string ctx) {
  Message m;
  m.type = MessageType::kReadIndex;
  m.from = raft_.id();
  m.context = std::move(ctx);
  return raft_.Step(std::move(m));
}

void RawNode::TransferLeader(NodeId target) {
  Message m;
  m.type = MessageType::kTransferLeader;
  m.from = target;
  m.term = raft_.term();
  raft_.Step(std::move(m)).IgnoreError();
}

void RawNode::ReportUnreachable(NodeId id) {
  Message m;
  m.type = MessageType::kUnreachable;
  m.from = id;
  raft_.Step(std::move(m)).IgnoreError();
}

void RawNode::ReportSnapshot(NodeId id, bool succeeded) {
  Message m;
  m.type = MessageType::kSnapStatus;
  m.from = id;
  m.reject = !succeeded;
  raft_.Step(std::move(m)).IgnoreError();
}

bool RawNode::HasReady() const {
  const RaftLog& log = raft_.log();
  return raft_.soft_state() != prev_soft_ || raft_.hard_state() != prev_hard_ ||
         log.UnstableSnapshot().has_value() || !log.UnstableEntries().empty() ||
         raft_.HasMessages() || log.HasNextCommittedEntries() || raft_.HasReadStates() ||
         (raft_.state() == StateType::kLeader && raft_.HasReadsToFlush());
}

Ready RawNode::GetReady() {
  raft_.FlushReadRound();
  Ready rd;
  RaftLog& log = raft_.log();
  rd.entries = log.UnstableEntries();
  rd.committed_entries = log.NextCommittedEntries();
  rd.messages = raft_.TakeMessages();
  if (raft_.soft_state() != prev_soft_) rd.soft_state = raft_.soft_state();
  const HardState hs = raft_.hard_state();
  if (hs != prev_hard_) rd.hard_state = hs;
  rd.snapshot = log.UnstableSnapshot();
  rd.read_states = raft_.TakeReadStates();
  rd.must_sync = !rd.entries.empty() ||
                 (rd.hard_state && (hs.term != prev_hard_.term || hs.vote != prev_hard_.vote));
  return rd;
}

void RawNode::Advance(const Ready& rd) {
  if (rd.soft_state) prev_soft_ = *rd.soft_state;
  if (rd.hard_state) prev_hard_ = *rd.hard_state;
  RaftLog& log = raft_.log();
  if (!rd.entries.empty()) log.StableTo(rd.entries.back().index, rd.entries.back().term);
  if (rd.snapshot) {
    log.StableSnapTo(rd.snapshot->meta.index);
    // The application installed it: its state is the snapshot's.
    if (rd.snapshot->meta.index > log.applied()) log.AppliedTo(rd.snapshot->meta.index);
  }
  if (!rd.committed_entries.empty()) log.AppliedTo(rd.committed_entries.back().index);
}

}  // namespace etcfs::consensus
