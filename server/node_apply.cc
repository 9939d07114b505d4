// Node: applying committed entries. Each batch the Raft loop hands over is
// one store WriteBatch, with the applied index in it; this session's
// requests are answered once it is committed (Proposer::Resolve).
#include <spdlog/spdlog.h>

#include "server/request_convert.h"
#include "server/node.h"
#include "member/urls.h"

namespace etcfs::server {

Result<WriteResponse> Node::ApplyOne(store::ApplyBatch& batch, const requestpb::Request& req,
                                     ApplyEffects* effects) {
  const kv::ApplyContext ctx{req.time_ns()};
  switch (req.op_case()) {
    case requestpb::Request::kPut: {
      kv::PutRequest p = FromPb(req.put());
      if (req.has_put_attr()) p.attr = FromPb(req.put_attr());
      ETCFS_ASSIGN_OR_RETURN(kv::PutResponse r, batch.Put(p, ctx));
      return WriteResponse(std::move(r));
    }
    case requestpb::Request::kDeleteRange: {
      ETCFS_ASSIGN_OR_RETURN(kv::DeleteRangeResponse r, batch.DeleteRange(FromPb(req.delete_range()), ctx));
      return WriteResponse(std::move(r));
    }
    case requestpb::Request::kTxn: {
      ETCFS_ASSIGN_OR_RETURN(kv::TxnResponse r, batch.Txn(TxnFromRequest(req), ctx, options_.max_txn_ops));
      return WriteResponse(std::move(r));
    }
    case requestpb::Request::kCompaction: {
      ETCFS_RETURN_IF_ERROR(batch.Compact(req.compaction().revision()));
      return WriteResponse(std::monostate{});
    }
    case requestpb::Request::kLeaseGrant: {
      ETCFS_ASSIGN_OR_RETURN(kv::LeaseGrantResponse r,
                             batch.LeaseGrant({req.lease_grant().ttl(), req.lease_grant().id()}));
      return WriteResponse(r);
    }
    case requestpb::Request::kLeaseRevoke: {
      ETCFS_ASSIGN_OR_RETURN(kv::LeaseRevokeResponse r, batch.LeaseRevoke(req.lease_revoke().id(), ctx));
      return WriteResponse(r);
    }
    case requestpb::Request::kLeaseCheckpoint:
      ETCFS_RETURN_IF_ERROR(batch.LeaseCheckpoint(req.lease_checkpoint().id(), req.lease_checkpoint().remaining_ttl()));
      return WriteResponse(std::monostate{});
    case requestpb::Request::kAlarm: {
      const kv::AlarmMember a{req.alarm().memberid(), static_cast<kv::AlarmType>(req.alarm().alarm())};
      if (req.alarm().action() == etcdserverpb::AlarmRequest::ACTIVATE) return WriteResponse(batch.ActivateAlarm(a));
      if (req.alarm().action() == etcdserverpb::AlarmRequest::DEACTIVATE) return WriteResponse(batch.DeactivateAlarm(a));
      return WriteResponse(std::monostate{});
    }
    case requestpb::Request::kMemberAttributes:
    case requestpb::Request::kMemberUpdate: {
      const bool attributes = req.has_member_attributes();
      const auto& in = attributes ? req.member_attributes() : req.member_update();
      ETCFS_ASSIGN_OR_RETURN(auto rec, batch.GetMetadata(member::MemberKey(in.id())));
      etcdserverpb::Member m;
      if (!rec || !m.ParseFromString(*rec)) return Status::NotFound("etcdserver: member not found");
      if (attributes) {
        m.set_name(in.name());
        *m.mutable_clienturls() = in.clienturls();
      } else {
        *m.mutable_peerurls() = in.peerurls();
        if (in.id() != member_id_ && in.peerurls_size() > 0) {
          if (auto hp = member::UrlAddress(in.peerurls(0)); hp.ok()) effects->peer_addresses.emplace_back(in.id(), *hp);
        }
      }
      batch.PutMetadata(member::MemberKey(in.id()), m.SerializeAsString());
      return WriteResponse(std::monostate{});
    }
    default:
      return Status::InvalidArgument("an entry with no request in it");
  }
}

// etcd warns about applies slower than this (its warningApplyDuration).
constexpr std::chrono::milliseconds kSlowApply{100};

void Node::Apply(const std::vector<consensus::Entry>& entries) { apply_queue_->Push(entries); }

void Node::ApplyEntries(const std::vector<consensus::Entry>& entries) {
  if (apply_failed_) return;  // the node is stopping; nothing more may land on the store
  const auto start = std::chrono::steady_clock::now();
  const uint64_t store_applied = store_->AppliedIndex().value();
  std::vector<std::pair<uint64_t, Result<WriteResponse>>> results;
  ApplyEffects effects;
  auto batch = store_->BeginBatch();
  uint64_t last = 0;
  uint64_t last_term = 0;
  for (const auto& e : entries) {
    last = e.index.value();
    last_term = e.term.value();
    if (e.index.value() <= store_applied) continue;  // applied before a restart
    if (e.type == consensus::EntryType::kConfChange) {
      consensus::ConfChange cc;
      if (consensus::DecodeConfChange(e.data, &cc)) ApplyConfChange(*batch, cc);
      continue;
    }
    if (e.data.empty()) continue;
    requestpb::Request req;
    if (!req.ParseFromString(e.data)) {
      spdlog::error("etcfsd: entry {} is not a request; skipping it", e.index.value());
      continue;
    }
    if (applied_requests_.CheckAndRecord(req.session(), req.id(), req.first_outstanding(), e.index.value())) {
      ++metrics_.duplicates_skipped;  // a retried request whose first copy was applied
      continue;
    }
    auto r = ApplyOne(*batch, req, &effects);
    if (req.session() == proposer_->session()) results.emplace_back(req.id(), std::move(r));
  }
  if (last > store_applied) {
    applied_requests_.Flush(*batch);
    batch->SetApplied(RaftIndex(last), RaftTerm(last_term));
    const auto commit_start = std::chrono::steady_clock::now();
    Status s = batch->Commit();
    metrics_.backend_commit.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_start).count());
    if (!s.ok()) {
      spdlog::critical("etcfsd: cannot apply entries to the store: {}; stopping", s.ToString());
      apply_error_ = s;
      apply_failed_ = true;
      driver_->RequestStop();
      return;
    }
  }
  batch.reset();
  const auto took = std::chrono::steady_clock::now() - start;
  metrics_.apply.Observe(std::chrono::duration<double>(took).count());
  if (took > kSlowApply) {
    spdlog::warn("etcfsd: slow apply: {} entries took {} ms (expected under {} ms); check the disk and the store's size",
                 entries.size(), std::chrono::duration_cast<std::chrono::milliseconds>(took).count(), kSlowApply.count());
  }
  for (auto& [id, r] : results) proposer_->Resolve(id, std::move(r));
  for (auto& [id, address] : effects.peer_addresses) driver_->UpdatePeer(NodeId(id), std::move(address));
  NoteApplied(last);
}

void Node::NoteApplied(uint64_t applied) {
  reads_->OnApplied(applied);
  {
    std::lock_guard<std::mutex> lock(applied_mu_);
    applied_ = std::max(applied_, applied);
  }
  applied_cv_.notify_all();
}

void Node::ApplyConfChange(store::ApplyBatch& batch, const consensus::ConfChange& cc) {
  using Type = consensus::ConfChange::Type;
  const uint64_t id = cc.node.value();
  if (cc.type == Type::kRemoveNode) {
    batch.DeleteMetadata(member::MemberKey(id));
    batch.PutMetadata(member::RemovedKey(id), "");
    spdlog::info("etcfsd: member {:x} removed from the cluster", id);
    if (id == member_id_ && !removed_.exchange(true)) {
      spdlog::warn("etcfsd: this member ({:x}) was removed from the cluster; stopping", id);
      if (options_.on_removed) options_.on_removed();
    }
    return;
  }
  etcdserverpb::Member m;
  auto rec = batch.GetMetadata(member::MemberKey(id));
  if (rec.ok() && *rec && m.ParseFromString(**rec)) {
    // A learner promoted (kAddNode of a learner), or a replayed entry.
    m.set_islearner(cc.type == Type::kAddLearner);
  } else {
    m.set_id(id);
    if (!cc.context.empty()) m.add_peerurls(member::PeerUrl(cc.context));
    m.set_islearner(cc.type == Type::kAddLearner);
  }
  batch.PutMetadata(member::MemberKey(id), m.SerializeAsString());
  spdlog::info("etcfsd: member {:x} ({}) is in the cluster as a {}", id, cc.context,
               m.islearner() ? "learner" : "voter");
}

}  // namespace etcfs::server
