#include "consensus/message_codec.h"

namespace etcfs::consensus {

void ToProto(const Message& m, raftpb::Message* out) {
  out->set_type(static_cast<uint32_t>(m.type));
  out->set_to(m.to.value());
  out->set_from(m.from.value());
  out->set_term(m.term.value());
  out->set_log_term(m.log_term.value());
  out->set_index(m.index.value());
  out->set_commit(m.commit.value());
  out->set_reject(m.reject);
  out->set_reject_hint(m.reject_hint.value());
  out->set_context(m.context);
  for (const auto& e : m.entries) {
    raftpb::Entry* pe = out->add_entries();
    pe->set_term(e.term.value());
    pe->set_index(e.index.value());
    pe->set_type(static_cast<uint32_t>(e.type));
    pe->set_data(e.data);
  }
  if (m.snapshot) {
    raftpb::Snapshot* ps = out->mutable_snapshot();
    ps->set_index(m.snapshot->meta.index.value());
    ps->set_term(m.snapshot->meta.term.value());
    for (NodeId v : m.snapshot->meta.conf.voters) ps->mutable_conf()->add_voters(v.value());
    for (NodeId l : m.snapshot->meta.conf.learners) ps->mutable_conf()->add_learners(l.value());
    ps->set_data(m.snapshot->data);
  }
}

Status FromProto(const raftpb::Message& in, Message* out) {
  if (in.type() > static_cast<uint32_t>(MessageType::kPreVoteResp)) {
    return Status::InvalidArgument("unknown raft message type " + std::to_string(in.type()));
  }
  const auto type = static_cast<MessageType>(in.type());
  if (IsLocalMessage(type)) {
    return Status::InvalidArgument(std::string("a peer sent the local message ") + MessageTypeName(type));
  }
  *out = Message{};
  out->type = type;
  out->to = NodeId(in.to());
  out->from = NodeId(in.from());
  out->term = Term(in.term());
  out->log_term = Term(in.log_term());
  out->index = Index(in.index());
  out->commit = Index(in.commit());
  out->reject = in.reject();
  out->reject_hint = Index(in.reject_hint());
  out->context = in.context();
  out->entries.reserve(in.entries_size());
  for (const auto& pe : in.entries()) {
    if (pe.type() > static_cast<uint32_t>(EntryType::kConfChange)) {
      return Status::InvalidArgument("unknown raft entry type " + std::to_string(pe.type()));
    }
    out->entries.push_back(
        Entry{Term(pe.term()), Index(pe.index()), static_cast<EntryType>(pe.type()), pe.data()});
  }
  if (type == MessageType::kSnap) {
    if (!in.has_snapshot()) return Status::InvalidArgument("MsgSnap without a snapshot");
    Snapshot s;
    s.meta.index = Index(in.snapshot().index());
    s.meta.term = Term(in.snapshot().term());
    for (uint64_t v : in.snapshot().conf().voters()) s.meta.conf.voters.push_back(NodeId(v));
    for (uint64_t l : in.snapshot().conf().learners()) s.meta.conf.learners.push_back(NodeId(l));
    s.data = in.snapshot().data();
    out->snapshot = std::move(s);
  }
  return Status::Ok();
}

}  // namespace etcfs::consensus
