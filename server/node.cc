#include "server/node.h"

#include <filesystem>
#include <random>

#include <spdlog/spdlog.h>
#include <xxhash.h>

#include "server/convert.h"
#include "store/apply_batch.h"

namespace etcfs::server {
uint64_t MemberId(const std::string& name, const std::string& peer_address, const std::string& token) {
  const std::string seed = name + "\n" + peer_address + "\n" + token;
  uint64_t id = XXH3_64bits(seed.data(), seed.size());
  return id == 0 ? 1 : id;
}

void Node::FillHeader(etcdserverpb::ResponseHeader* h, int64_t revision) const {
  h->set_cluster_id(cluster_id_);
  h->set_member_id(member_id_);
  h->set_revision(revision);
  h->set_raft_term(term_.load());
}

Status NodeOptions::Validate() const {
  if (name.empty()) return Status::InvalidArgument("--name must not be empty");
  if (data_dir.empty()) return Status::InvalidArgument("--data-dir must not be empty");
  if (initial_cluster.find(name) == initial_cluster.end()) {
    return Status::InvalidArgument("--initial-cluster has no entry for this member's --name '" + name +
                                   "'; add " + name + "=<peer url> to it");
  }
  if (heartbeat.count() <= 0) return Status::InvalidArgument("--heartbeat-interval must be positive");
  if (election_timeout < 5 * heartbeat) {
    return Status::InvalidArgument("--election-timeout (" + std::to_string(election_timeout.count()) +
                                   " ms) must be at least 5 times --heartbeat-interval (" +
                                   std::to_string(heartbeat.count()) + " ms)");
  }
  if (max_txn_ops <= 0) return Status::InvalidArgument("--max-txn-ops must be positive");
  return Status::Ok();
}

Result<std::unique_ptr<Node>> Node::Start(NodeOptions options) {
  ETCFS_RETURN_IF_ERROR(options.Validate());
  std::unique_ptr<Node> node(new Node(std::move(options)));
  ETCFS_RETURN_IF_ERROR(node->Init());
  return node;
}

Status Node::Init() {
  const std::string member_dir = options_.data_dir + "/member";
  std::map<NodeId, std::string> peers;
  std::vector<uint64_t> ids;
  for (const auto& [name, addr] : options_.initial_cluster) {
    const uint64_t id = MemberId(name, addr, options_.cluster_token);
    peers[NodeId(id)] = addr;
    ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  std::string cluster_seed = options_.cluster_token;
  for (uint64_t id : ids) cluster_seed += ":" + std::to_string(id);
  cluster_id_ = XXH3_64bits(cluster_seed.data(), cluster_seed.size());
  member_id_ = MemberId(options_.name, options_.initial_cluster.at(options_.name), options_.cluster_token);
  next_id_ = std::random_device()() ^ (uint64_t{std::random_device()()} << 32);

  background_ = std::make_unique<WorkerThread>("store-bg");
  store::StoreOptions so;
  so.dir = member_dir + "/store";
  so.background = background_.get();
  if (options_.quota_bytes > 0) so.quota_bytes = options_.quota_bytes;
  ETCFS_ASSIGN_OR_RETURN(store_, store::Store::Open(so));
  {
    std::lock_guard<std::mutex> lock(reads_mu_);
    applied_ = store_->AppliedIndex().value();
  }

  consensus::DriverOptions d;
  d.id = NodeId(member_id_);
  d.cluster_id = cluster_id_;
  d.data_dir = member_dir;
  d.wal_dir = options_.wal_dir;
  d.peers = peers;
  for (const auto& [id, addr] : peers) d.initial_members.push_back(id);
  d.join_existing = options_.join_existing;
  d.listen_address = options_.listen_peer_address;
  d.applied = store_->AppliedIndex();
  d.tick = options_.heartbeat;
  d.election_ticks = static_cast<int>(options_.election_timeout / options_.heartbeat);
  d.snapshot_count = options_.snapshot_count;
  d.max_snapshots = options_.max_snapshots;
  d.max_wals = options_.max_wals;
  io_work_.emplace(io_.get_executor());
  ETCFS_ASSIGN_OR_RETURN(driver_, consensus::Driver::Open(d, this, io_));
  io_thread_ = std::thread([this] { io_.run(); });
  raft_thread_ = std::thread([this] { driver_->Run(); });
  publish_thread_ = std::thread([this] { PublishLoop(); });
  spdlog::info("etcfsd: member {:x} ({}) of cluster {:x} started; data in {}", member_id_,
               options_.name, cluster_id_, options_.data_dir);
  return Status::Ok();
}

Node::~Node() {
  stopping_ = true;
  if (publish_thread_.joinable()) publish_thread_.join();
  if (driver_) {
    driver_->Stop();
    if (raft_thread_.joinable()) raft_thread_.join();
    driver_->transport().Stop();
  }
  io_work_.reset();
  io_.stop();
  if (io_thread_.joinable()) io_thread_.join();
  driver_.reset();
  store_.reset();
  background_.reset();
}

namespace {

std::string MemberKey(uint64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "members/%016llx", static_cast<unsigned long long>(id));
  return buf;
}

}  // namespace

void Node::PublishLoop() {
  etcdserverpb::Member me;
  me.set_id(member_id_);
  me.set_name(options_.name);
  me.add_peerurls("http://" + options_.initial_cluster.at(options_.name));
  for (const auto& u : options_.advertise_client_urls) me.add_clienturls(u);
  while (!stopping_) {
    auto published = store_->ListMetadata(MemberKey(member_id_));
    if (published.ok() && !published->empty() && published->front().second == me.SerializeAsString()) return;
    if (leader() != 0) {
      requestpb::Request req;
      *req.mutable_member_attributes() = me;
      if (Write(std::move(req)).ok()) {
        spdlog::info("etcfsd: published member {:x} ({}) with client URLs to the cluster", member_id_, options_.name);
        return;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::vector<etcdserverpb::Member> Node::Members() const {
  std::map<uint64_t, etcdserverpb::Member> members;
  for (const auto& [name, addr] : options_.initial_cluster) {
    const uint64_t id = MemberId(name, addr, options_.cluster_token);
    members[id].set_id(id);
    members[id].add_peerurls("http://" + addr);  // not yet published: etcd shows no name
  }
  auto published = store_->ListMetadata("members/");
  if (published.ok()) {
    for (const auto& [key, value] : *published) {
      etcdserverpb::Member m;
      if (m.ParseFromString(value)) members[m.id()] = m;
    }
  }
  std::vector<etcdserverpb::Member> out;
  for (auto& [id, m] : members) out.push_back(std::move(m));
  return out;
}

Result<WriteResponse> Node::Write(requestpb::Request req) {
  if (req.ByteSizeLong() > options_.max_request_bytes) {
    return Status::ResourceExhausted("etcdserver: request is too large");
  }
  req.set_id(next_id_++);
  req.set_time_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
  auto waiter = std::make_shared<Waiter>();
  {
    std::lock_guard<std::mutex> lock(waiters_mu_);
    waiters_[req.id()] = waiter;
  }
  const uint64_t id = req.id();
  driver_->Propose(req.SerializeAsString(), [this, id](const Status& s) {
    std::shared_ptr<Waiter> w;
    {
      std::lock_guard<std::mutex> lock(waiters_mu_);
      auto it = waiters_.find(id);
      if (it == waiters_.end()) return;
      w = it->second;
      waiters_.erase(it);
    }
    std::lock_guard<std::mutex> lock(w->mu);
    w->result = s.code() == StatusCode::kUnavailable ? Status::Unavailable("etcdserver: no leader") : s;
    w->done = true;
    w->cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(waiter->mu);
  if (!waiter->cv.wait_for(lock, options_.request_timeout, [&] { return waiter->done; })) {
    std::lock_guard<std::mutex> wl(waiters_mu_);
    waiters_.erase(id);
    return Status::Timeout(leader() == 0 ? "etcdserver: no leader" : "etcdserver: request timed out");
  }
  return std::move(waiter->result);
}

Status Node::WaitLinearizable(std::chrono::milliseconds timeout) {
  std::string ctx;
  {
    std::lock_guard<std::mutex> lock(reads_mu_);
    ctx = std::to_string(member_id_) + "/" + std::to_string(++read_seq_);
  }
  driver_->ReadIndex(ctx);
  std::unique_lock<std::mutex> lock(reads_mu_);
  const bool ok = reads_cv_.wait_for(lock, std::min(timeout, options_.request_timeout), [&] {
    auto it = read_indexes_.find(ctx);
    return it != read_indexes_.end() && applied_ >= it->second;
  });
  read_indexes_.erase(ctx);
  if (!ok) {
    return Status::Timeout(leader() == 0 ? "etcdserver: no leader" : "etcdserver: request timed out");
  }
  return Status::Ok();
}

Result<WriteResponse> Node::ApplyOne(store::ApplyBatch& batch, const requestpb::Request& req) {
  const store::ApplyContext ctx{req.time_ns()};
  switch (req.op_case()) {
    case requestpb::Request::kPut: {
      store::PutRequest p = FromPb(req.put());
      if (req.has_put_attr()) {
        const auto& a = req.put_attr();
        p.attr = store::FileAttr{a.explicit_attrs(), a.mode(), a.uid(), a.gid(), a.mtime_ns(),
                                 static_cast<store::FileKind>(a.kind())};
      }
      ETCFS_ASSIGN_OR_RETURN(store::PutResponse r, batch.Put(p, ctx));
      return WriteResponse(std::move(r));
    }
    case requestpb::Request::kDeleteRange: {
      ETCFS_ASSIGN_OR_RETURN(store::DeleteRangeResponse r, batch.DeleteRange(FromPb(req.delete_range()), ctx));
      return WriteResponse(std::move(r));
    }
    case requestpb::Request::kTxn: {
      ETCFS_ASSIGN_OR_RETURN(store::TxnResponse r, batch.Txn(FromPb(req.txn()), ctx, options_.max_txn_ops));
      return WriteResponse(std::move(r));
    }
    case requestpb::Request::kCompaction: {
      ETCFS_RETURN_IF_ERROR(batch.Compact(req.compaction().revision()));
      return WriteResponse(std::monostate{});
    }
    case requestpb::Request::kLeaseGrant: {
      ETCFS_ASSIGN_OR_RETURN(store::LeaseGrantResponse r,
                             batch.LeaseGrant({req.lease_grant().ttl(), req.lease_grant().id()}));
      return WriteResponse(r);
    }
    case requestpb::Request::kLeaseRevoke: {
      ETCFS_ASSIGN_OR_RETURN(store::LeaseRevokeResponse r, batch.LeaseRevoke(req.lease_revoke().id(), ctx));
      return WriteResponse(r);
    }
    case requestpb::Request::kLeaseCheckpoint:
      ETCFS_RETURN_IF_ERROR(batch.LeaseCheckpoint(req.lease_checkpoint().id(), req.lease_checkpoint().remaining_ttl()));
      return WriteResponse(std::monostate{});
    case requestpb::Request::kAlarm: {
      const store::AlarmMember a{req.alarm().memberid(), static_cast<store::AlarmType>(req.alarm().alarm())};
      if (req.alarm().action() == etcdserverpb::AlarmRequest::ACTIVATE) return WriteResponse(batch.ActivateAlarm(a));
      if (req.alarm().action() == etcdserverpb::AlarmRequest::DEACTIVATE) return WriteResponse(batch.DeactivateAlarm(a));
      return WriteResponse(std::monostate{});
    }
    case requestpb::Request::kMemberAttributes:
      batch.PutMetadata(MemberKey(req.member_attributes().id()), req.member_attributes().SerializeAsString());
      return WriteResponse(std::monostate{});
    default:
      return Status::InvalidArgument("an entry with no request in it");
  }
}

void Node::Apply(const std::vector<consensus::Entry>& entries) {
  const uint64_t store_applied = store_->AppliedIndex().value();
  std::vector<std::pair<uint64_t, Result<WriteResponse>>> results;
  auto batch = store_->BeginBatch();
  uint64_t last = 0;
  uint64_t last_term = 0;
  for (const auto& e : entries) {
    last = e.index.value();
    last_term = e.term.value();
    if (e.index.value() <= store_applied) continue;  // applied before a restart
    if (e.type != consensus::EntryType::kNormal || e.data.empty()) continue;
    requestpb::Request req;
    if (!req.ParseFromString(e.data)) {
      spdlog::error("etcfsd: entry {} is not a request; skipping it", e.index.value());
      continue;
    }
    auto r = ApplyOne(*batch, req);
    results.emplace_back(req.id(), std::move(r));
  }
  if (last > store_applied) {
    batch->SetApplied(RaftIndex(last), RaftTerm(last_term));
    Status s = batch->Commit();
    if (!s.ok()) {
      spdlog::critical("etcfsd: cannot apply entries to the store: {}; stopping", s.ToString());
      driver_->Stop();
      return;
    }
  }
  batch.reset();
  for (auto& [id, r] : results) {
    std::shared_ptr<Waiter> w;
    {
      std::lock_guard<std::mutex> lock(waiters_mu_);
      auto it = waiters_.find(id);
      if (it == waiters_.end()) continue;  // proposed elsewhere, or gave up
      w = it->second;
      waiters_.erase(it);
    }
    std::lock_guard<std::mutex> lock(w->mu);
    w->result = std::move(r);
    w->done = true;
    w->cv.notify_all();
  }
  {
    std::lock_guard<std::mutex> lock(reads_mu_);
    applied_ = std::max(applied_, last);
  }
  reads_cv_.notify_all();
}

std::string Node::SnapshotData() {
  // The store itself is the snapshot's state; make it durable before the
  // driver lets go of the WAL behind it.
  Status s = store_->Sync();
  if (!s.ok()) spdlog::error("etcfsd: syncing the store for a snapshot failed: {}", s.ToString());
  return std::to_string(store_->AppliedIndex().value());
}

Status Node::Restore(const consensus::Snapshot& snap) {
  return Status::FailedPrecondition(
      "installing a store snapshot from the leader is not supported yet (snapshot at index " +
      std::to_string(snap.meta.index.value()) + ")");
}

void Node::OnReadState(const consensus::ReadState& rs) {
  {
    std::lock_guard<std::mutex> lock(reads_mu_);
    read_indexes_[rs.request_ctx] = rs.index.value();
  }
  reads_cv_.notify_all();
}

void Node::OnLeaderChange(NodeId leader, consensus::Term term) {
  leader_ = leader.value();
  term_ = term.value();
}

}  // namespace etcfs::server
