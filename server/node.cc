#include "server/node.h"

#include <filesystem>
#include <random>

#include <spdlog/spdlog.h>
#include <xxhash.h>

#include "server/convert.h"
#include "server/urls.h"
#include "store/apply_batch.h"

namespace etcfs::server {
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

// Committed entries queued for the apply thread before the Raft loop waits.
constexpr size_t kMaxQueuedApplyBytes = size_t{64} << 20;

Status Node::Init() {
  const std::string member_dir = options_.data_dir + "/member";
  const std::string wal_dir = options_.wal_dir.empty() ? member_dir + "/wal" : options_.wal_dir;
  while (session_ == 0) session_ = std::random_device()() ^ (uint64_t{std::random_device()()} << 32);

  background_ = std::make_unique<WorkerThread>("store-bg");
  store::StoreOptions so;
  so.dir = member_dir + "/store";
  so.background = background_.get();
  if (options_.quota_bytes > 0) so.quota_bytes = options_.quota_bytes;
  ETCFS_ASSIGN_OR_RETURN(store_, store::Store::Open(so));
  apply_queue_ = std::make_unique<ApplyQueue>(
      [this](const std::vector<consensus::Entry>& entries) { ApplyEntries(entries); }, kMaxQueuedApplyBytes);
  ETCFS_RETURN_IF_ERROR(applied_requests_.Load(*store_));
  {
    std::lock_guard<std::mutex> lock(applied_mu_);
    applied_ = store_->AppliedIndex().value();
  }

  MemberIdentity me;
  std::map<NodeId, std::string> peers;
  std::vector<NodeId> initial;
  ETCFS_RETURN_IF_ERROR(ResolveIdentity(wal_dir, &me, &peers, &initial));
  member_id_ = me.member_id;
  cluster_id_ = me.cluster_id;

  consensus::DriverOptions d;
  d.id = NodeId(member_id_);
  d.cluster_id = cluster_id_;
  d.wal_metadata = me.Encode();
  d.data_dir = member_dir;
  d.wal_dir = wal_dir;
  d.peers = peers;
  d.initial_members = initial;
  d.join_existing = options_.join_existing;
  d.listen_address = options_.listen_peer_address;
  d.applied = store_->AppliedIndex();
  d.tick = options_.heartbeat;
  d.election_ticks = static_cast<int>(options_.election_timeout / options_.heartbeat);
  d.snapshot_count = options_.snapshot_count;
  d.catch_up_entries = options_.snapshot_catch_up_entries;
  d.max_snapshots = options_.max_snapshots;
  d.max_wals = options_.max_wals;
  d.describe_cluster = [this] { return DescribeCluster(); };
  d.on_wal_sync = [this](std::chrono::duration<double> d) { metrics_.wal_fsync.Observe(d.count()); };
  d.on_peer_rtt = [this](NodeId peer, double seconds) { metrics_.ObservePeerRtt(peer.value(), seconds); };
  io_work_.emplace(io_.get_executor());
  LinearizableReadsOptions ro;
  ro.read_index = [this](std::string ctx) { driver_->ReadIndex(std::move(ctx)); };
  ro.ctx_prefix = std::to_string(member_id_) + "/";
  ro.retry = 2 * options_.heartbeat;
  ro.round_timeout = options_.request_timeout;
  reads_ = std::make_unique<LinearizableReads>(ro, store_->AppliedIndex().value());
  ETCFS_ASSIGN_OR_RETURN(driver_, consensus::Driver::Open(d, this, io_));
  io_thread_ = std::thread([this] { io_.run(); });
  raft_thread_ = std::thread([this] {
    driver_->Run();
    Status fatal = driver_->State().fatal;
    if (fatal.ok() && apply_failed_) fatal = apply_error_;
    if (!fatal.ok() && options_.on_fatal) options_.on_fatal(fatal);
  });
  publish_thread_ = std::thread([this] { PublishLoop(); });
  spdlog::info("etcfsd: member {:x} ({}) of cluster {:x} started; data in {}", member_id_,
               options_.name, cluster_id_, options_.data_dir);
  return Status::Ok();
}

Status Node::ResolveIdentity(const std::string& wal_dir, MemberIdentity* me,
                             std::map<NodeId, std::string>* peers, std::vector<NodeId>* initial) {
  const std::string& self_address = options_.initial_cluster.at(options_.name);
  consensus::WalOptions wo;
  wo.dir = wal_dir;
  if (consensus::Wal::Exists(wo)) {
    // A restart: the WAL says who this member is; --initial-cluster no longer counts.
    ETCFS_ASSIGN_OR_RETURN(std::string raw, consensus::Wal::ReadMetadata(wo));
    auto decoded = MemberIdentity::Decode(raw);
    if (!decoded.ok()) {
      return Status::FailedPrecondition("the WAL in " + wal_dir + " was not written by etcfsd (" +
                                        decoded.status().message() + "); point --data-dir at this member's own data");
    }
    *me = *decoded;
    if (me->name != options_.name) {
      return Status::FailedPrecondition("the data directory " + options_.data_dir + " belongs to member '" +
                                        me->name + "', not '" + options_.name + "'; start it with --name " +
                                        me->name + " or give this member its own --data-dir");
    }
    if (me->token != options_.cluster_token) {
      return Status::FailedPrecondition(
          "the data directory " + options_.data_dir + " belongs to a cluster with --initial-cluster-token '" +
          me->token + "', not '" + options_.cluster_token + "'; use that token or another --data-dir");
    }
    auto removed = store_->ListMetadata(RemovedKey(me->member_id));
    if (removed.ok() && !removed->empty()) {
      return Status::FailedPrecondition("member " + options_.name + " was removed from the cluster; remove " +
                                        options_.data_dir + " and add it again with etcdctl member add");
    }
    for (const auto& m : Members()) {
      if (m.peerurls_size() == 0) continue;
      auto hp = HostPort(m.peerurls(0));
      if (hp.ok()) (*peers)[NodeId(m.id())] = *hp;
    }
    if (!peers->count(NodeId(me->member_id))) (*peers)[NodeId(me->member_id)] = self_address;
    if (peers->size() == 1) {
      // Nothing applied yet: the log's bootstrap entries still name the others.
      for (const auto& [id, address] : InitialMembers(options_.initial_cluster, me->token)) {
        (*peers)[NodeId(id)] = address;
      }
    }
    return Status::Ok();
  }
  if (store_->AppliedIndex().value() > 0) {
    return Status::FailedPrecondition("the store in " + options_.data_dir +
                                      "/member/store has data but there is no WAL in " + wal_dir +
                                      "; restore the WAL or start this member with an empty --data-dir");
  }
  if (options_.join_existing) return DiscoverCluster(me, peers);

  for (const auto& [id, address] : InitialMembers(options_.initial_cluster, options_.cluster_token)) {
    (*peers)[NodeId(id)] = address;
    initial->push_back(NodeId(id));
  }
  *me = InitialIdentity(options_.name, options_.initial_cluster, options_.cluster_token);
  return Status::Ok();
}

Status Node::DiscoverCluster(MemberIdentity* me, std::map<NodeId, std::string>* peers) {
  const std::string self_url = PeerUrl(options_.initial_cluster.at(options_.name));
  std::string errors;
  for (const auto& [name, addr] : options_.initial_cluster) {
    if (name == options_.name) continue;
    auto info = consensus::Transport::QueryCluster(addr, std::chrono::seconds(2));
    etcdserverpb::MemberListResponse list;
    if (!info.ok() || !list.ParseFromString(*info)) {
      errors += "\n  " + name + " at " + addr + ": " + (info.ok() ? "an unreadable answer" : info.status().message());
      continue;
    }
    const etcdserverpb::Member* mine = nullptr;
    for (const auto& m : list.members()) {
      for (const auto& u : m.peerurls()) {
        if (u == self_url) mine = &m;
      }
      if (m.peerurls_size() > 0) {
        auto hp = HostPort(m.peerurls(0));
        if (hp.ok()) (*peers)[NodeId(m.id())] = *hp;
      }
    }
    if (mine == nullptr) {
      return Status::FailedPrecondition("the cluster has no member with peer URL " + self_url +
                                        "; add this member first: etcdctl member add " + options_.name +
                                        " --peer-urls=" + self_url);
    }
    me->member_id = mine->id();
    me->cluster_id = list.header().cluster_id();
    me->name = options_.name;
    me->token = options_.cluster_token;
    spdlog::info("etcfsd: joining cluster {:x} as member {:x}, with {} members", me->cluster_id, me->member_id,
                 list.members_size());
    return Status::Ok();
  }
  return Status::Unavailable("--initial-cluster-state existing, but no member of the cluster answered:" + errors +
                             "\nstart this member once the others are up, with --initial-cluster naming them");
}

std::string Node::DescribeCluster() const {
  etcdserverpb::MemberListResponse list;
  for (auto& m : Members()) *list.add_members() = std::move(m);
  FillHeader(list.mutable_header(), store_->CurrentRevision());
  return list.SerializeAsString();
}

Node::~Node() {
  stopping_ = true;
  if (publish_thread_.joinable()) publish_thread_.join();
  if (driver_) {
    driver_->Stop();
    if (raft_thread_.joinable()) raft_thread_.join();
    apply_queue_.reset();  // applies what Raft handed over
    driver_->transport().Stop();
  }
  reads_.reset();  // after the last apply, which reports to it; before the driver it asks
  io_work_.reset();
  io_.stop();
  if (io_thread_.joinable()) io_thread_.join();
  driver_.reset();
  store_.reset();
  background_.reset();
}

void Node::PublishLoop() {
  etcdserverpb::Member me;
  me.set_id(member_id_);
  me.set_name(options_.name);
  for (const auto& u : options_.advertise_client_urls) me.add_clienturls(u);
  auto published = [&] {
    auto rec = store_->ListMetadata(MemberKey(member_id_));
    etcdserverpb::Member m;
    return rec.ok() && !rec->empty() && m.ParseFromString(rec->front().second) && m.name() == me.name() &&
           std::equal(m.clienturls().begin(), m.clienturls().end(), me.clienturls().begin(), me.clienturls().end());
  };
  while (!stopping_ && !removed_) {
    if (published()) return;
    if (leader() != 0) {
      requestpb::Request req;
      *req.mutable_member_attributes() = me;
      if (Write(std::move(req)).ok() && published()) {
        spdlog::info("etcfsd: published member {:x} ({}) with client URLs to the cluster", member_id_, options_.name);
        return;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

bool Node::Published() const {
  auto rec = store_->ListMetadata(MemberKey(member_id_));
  etcdserverpb::Member m;
  return rec.ok() && !rec->empty() && m.ParseFromString(rec->front().second) && m.name() == options_.name;
}

std::vector<etcdserverpb::Member> Node::Members() const {
  std::vector<etcdserverpb::Member> out;
  auto records = store_->ListMetadata(kMemberPrefix);
  if (records.ok()) {
    for (const auto& [key, value] : *records) {
      etcdserverpb::Member m;
      if (m.ParseFromString(value)) out.push_back(std::move(m));
    }
  }
  return out;
}

Result<std::string> Node::LeaderClientAddress() const {
  const uint64_t lead = leader();
  if (lead == 0) return Status::Unavailable("etcdserver: no leader");
  for (const auto& m : Members()) {
    if (m.id() == lead && m.clienturls_size() > 0) return HostPort(m.clienturls(0));
  }
  return Status::Unavailable("etcdserver: leader changed");
}

Result<WriteResponse> Node::Write(requestpb::Request req, const WriteControl& control) {
  if (req.ByteSizeLong() > options_.max_request_bytes) {
    return Status::ResourceExhausted("etcdserver: request is too large");
  }
  req.set_time_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
  req.set_session(session_);
  auto waiter = std::make_shared<Waiter>();
  {
    std::lock_guard<std::mutex> lock(waiters_mu_);
    req.set_id(next_id_++);
    waiters_[req.id()] = waiter;
    req.set_first_outstanding(waiters_.begin()->first);
  }
  const uint64_t id = req.id();
  ++metrics_.proposals_pending;
  struct Pending {
    Node* node;
    uint64_t id;
    ~Pending() {
      --node->metrics_.proposals_pending;
      std::lock_guard<std::mutex> lock(node->waiters_mu_);
      node->waiters_.erase(id);
    }
  } pending{this, id};
  auto on_drop = [waiter](const Status& s) {
    std::lock_guard<std::mutex> lock(waiter->mu);
    waiter->dropped = s;
    waiter->cv.notify_all();
  };

  // A proposal can vanish without a word: forwarded to a leader that steps
  // down, or appended by one whose entries the next leader overwrites. So the
  // same request (same id) is proposed again every election timeout until it
  // is applied, and the apply path applies it once (AppliedRequests). A drop
  // (no leader yet) is retried after a heartbeat.
  const std::string data = req.SerializeAsString();
  const auto timeout = control.timeout.count() > 0 ? control.timeout : options_.request_timeout;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Waits until `until`, an answer, a drop (if `on_drop`) or the caller's cancel.
  auto wait = [&](std::unique_lock<std::mutex>& lock, std::chrono::steady_clock::time_point until,
                  bool on_drop) {
    for (;;) {
      auto slice = until;
      if (control.cancelled) slice = std::min(until, std::chrono::steady_clock::now() + std::chrono::milliseconds(20));
      if (waiter->cv.wait_until(lock, slice, [&] { return waiter->done || (on_drop && waiter->dropped.has_value()); })) {
        return;
      }
      if (slice == until || control.cancelled()) return;
    }
  };
  std::unique_lock<std::mutex> lock(waiter->mu);
  for (;;) {
    waiter->dropped.reset();
    lock.unlock();
    driver_->Propose(data, on_drop);
    lock.lock();
    wait(lock, std::min(deadline, std::chrono::steady_clock::now() + options_.election_timeout), true);
    if (waiter->done) return std::move(waiter->result);
    if (waiter->dropped && waiter->dropped->code() != StatusCode::kUnavailable) {
      ++metrics_.proposals_failed;
      return *waiter->dropped;
    }
    if (waiter->dropped) {
      wait(lock, std::min(deadline, std::chrono::steady_clock::now() + options_.heartbeat), false);
      if (waiter->done) return std::move(waiter->result);
    }
    if (control.cancelled && control.cancelled()) {
      ++metrics_.proposals_failed;
      return Status::Cancelled("the caller gave up waiting; the request may still be applied");
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    ++metrics_.proposals_retried;
  }
  ++metrics_.proposals_failed;
  return Status::Timeout(leader() == 0 ? "etcdserver: no leader" : "etcdserver: request timed out");
}

Status Node::CheckQuota(int64_t cost) {
  if (store_->QuotaAvailable(cost)) return Status::Ok();
  requestpb::Request alarm;
  alarm.mutable_alarm()->set_action(etcdserverpb::AlarmRequest::ACTIVATE);
  alarm.mutable_alarm()->set_memberid(member_id_);
  alarm.mutable_alarm()->set_alarm(etcdserverpb::NOSPACE);
  Write(alarm).status().IgnoreError();
  return Status::NoSpace("etcdserver: mvcc: database space exceeded");
}

void Node::SetLocalViewBarrier(std::function<void()> barrier) {
  std::lock_guard<std::mutex> lock(barrier_mu_);
  local_view_barrier_ = barrier ? std::make_shared<const std::function<void()>>(std::move(barrier)) : nullptr;
}

void Node::AwaitLocalViews() {
  std::shared_ptr<const std::function<void()>> barrier;
  {
    std::lock_guard<std::mutex> lock(barrier_mu_);
    barrier = local_view_barrier_;
  }
  if (barrier) (*barrier)();
}

Status Node::WaitLinearizable(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + std::min(timeout, options_.request_timeout);
  Status s = reads_->Wait(deadline);
  if (s.code() == StatusCode::kTimeout && leader() == 0) return Status::Timeout("etcdserver: no leader");
  return s;
}

Result<WriteResponse> Node::ApplyOne(store::ApplyBatch& batch, const requestpb::Request& req) {
  const store::ApplyContext ctx{req.time_ns()};
  switch (req.op_case()) {
    case requestpb::Request::kPut: {
      store::PutRequest p = FromPb(req.put());
      if (req.has_put_attr()) p.attr = FromPb(req.put_attr());
      ETCFS_ASSIGN_OR_RETURN(store::PutResponse r, batch.Put(p, ctx));
      return WriteResponse(std::move(r));
    }
    case requestpb::Request::kDeleteRange: {
      ETCFS_ASSIGN_OR_RETURN(store::DeleteRangeResponse r, batch.DeleteRange(FromPb(req.delete_range()), ctx));
      return WriteResponse(std::move(r));
    }
    case requestpb::Request::kTxn: {
      ETCFS_ASSIGN_OR_RETURN(store::TxnResponse r, batch.Txn(TxnFromRequest(req), ctx, options_.max_txn_ops));
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
    case requestpb::Request::kMemberUpdate: {
      const bool attributes = req.has_member_attributes();
      const auto& in = attributes ? req.member_attributes() : req.member_update();
      ETCFS_ASSIGN_OR_RETURN(auto rec, batch.GetMetadata(MemberKey(in.id())));
      etcdserverpb::Member m;
      if (!rec || !m.ParseFromString(*rec)) return Status::NotFound("etcdserver: member not found");
      if (attributes) {
        m.set_name(in.name());
        *m.mutable_clienturls() = in.clienturls();
      } else {
        *m.mutable_peerurls() = in.peerurls();
        if (in.id() != member_id_ && in.peerurls_size() > 0) {
          if (auto hp = HostPort(in.peerurls(0)); hp.ok()) {
            driver_->transport().RemovePeer(NodeId(in.id()));
            driver_->transport().AddPeer(NodeId(in.id()), *hp);
          }
        }
      }
      batch.PutMetadata(MemberKey(in.id()), m.SerializeAsString());
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
    auto r = ApplyOne(*batch, req);
    if (req.session() == session_) results.emplace_back(req.id(), std::move(r));
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
      driver_->Stop();
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
  reads_->OnApplied(last);
  {
    std::lock_guard<std::mutex> lock(applied_mu_);
    applied_ = std::max(applied_, last);
  }
  applied_cv_.notify_all();
}

void Node::ApplyConfChange(store::ApplyBatch& batch, const consensus::ConfChange& cc) {
  using Type = consensus::ConfChange::Type;
  const uint64_t id = cc.node.value();
  if (cc.type == Type::kRemoveNode) {
    batch.DeleteMetadata(MemberKey(id));
    batch.PutMetadata(RemovedKey(id), "");
    spdlog::info("etcfsd: member {:x} removed from the cluster", id);
    if (id == member_id_ && !removed_.exchange(true)) {
      spdlog::warn("etcfsd: this member ({:x}) was removed from the cluster; stopping", id);
      if (options_.on_removed) options_.on_removed();
    }
    return;
  }
  etcdserverpb::Member m;
  auto rec = batch.GetMetadata(MemberKey(id));
  if (rec.ok() && *rec && m.ParseFromString(**rec)) {
    // A learner promoted (kAddNode of a learner), or a replayed entry.
    m.set_islearner(cc.type == Type::kAddLearner);
  } else {
    m.set_id(id);
    if (!cc.context.empty()) m.add_peerurls(PeerUrl(cc.context));
    m.set_islearner(cc.type == Type::kAddLearner);
  }
  batch.PutMetadata(MemberKey(id), m.SerializeAsString());
  spdlog::info("etcfsd: member {:x} ({}) is in the cluster as a {}", id, cc.context,
               m.islearner() ? "learner" : "voter");
}

Status Node::WaitApplied(const std::function<bool()>& done) {
  std::unique_lock<std::mutex> lock(applied_mu_);
  if (!applied_cv_.wait_for(lock, options_.request_timeout, [&] { return done(); })) {
    return Status::Timeout("etcdserver: request timed out");
  }
  return Status::Ok();
}

Status Node::ProposeConfChange(const consensus::ConfChange& cc) {
  auto result = std::make_shared<std::optional<Status>>();
  driver_->ProposeConfChange(cc, [this, result](const Status& s) {
    {
      std::lock_guard<std::mutex> lock(applied_mu_);
      *result = s;
    }
    applied_cv_.notify_all();
  });
  // The Raft loop takes or refuses it at once.
  std::unique_lock<std::mutex> lock(applied_mu_);
  if (!applied_cv_.wait_for(lock, options_.request_timeout, [&] { return result->has_value(); })) {
    return Status::Timeout("etcdserver: request timed out");
  }
  if ((*result)->code() == StatusCode::kUnavailable) return Status::Unavailable("etcdserver: no leader");
  return **result;
}

namespace {

std::optional<etcdserverpb::Member> FindMember(const std::vector<etcdserverpb::Member>& members, uint64_t id) {
  for (const auto& m : members) {
    if (m.id() == id) return m;
  }
  return std::nullopt;
}

bool HasMember(const store::Store& store, uint64_t id, std::optional<bool> learner = std::nullopt) {
  auto rec = store.ListMetadata(MemberKey(id));
  etcdserverpb::Member m;
  if (!rec.ok() || rec->empty() || !m.ParseFromString(rec->front().second)) return false;
  return !learner || m.islearner() == *learner;
}

}  // namespace

int Node::ActiveVoters(uint64_t except) const {
  int active = 0;
  for (const auto& m : Members()) {
    if (m.islearner() || m.id() == except) continue;
    if (m.id() == member_id_ || driver_->transport().Stats(NodeId(m.id())).connected) ++active;
  }
  return active;
}

Status Node::MemberNotFound(uint64_t) const { return Status::NotFound("etcdserver: member not found"); }

bool Node::ConnectedToAll() const {
  for (const auto& m : Members()) {
    if (m.id() == member_id_) continue;
    const auto stats = driver_->transport().Stats(NodeId(m.id()));
    if (!stats.connected || stats.connected_for < std::chrono::seconds(5)) return false;
  }
  return true;
}

Result<etcdserverpb::Member> Node::AddMember(const std::vector<std::string>& peer_urls, bool learner) {
  if (peer_urls.empty()) return Status::InvalidArgument("member add needs at least one peer URL");
  std::vector<std::string> addresses;
  for (const auto& u : peer_urls) {
    ETCFS_ASSIGN_OR_RETURN(std::string hp, HostPort(u));
    addresses.push_back(hp);
  }
  const auto members = Members();
  int voters = 0, learners = 0;
  for (const auto& m : members) (m.islearner() ? learners : voters)++;
  // etcd's strict reconfiguration checks come first: a quorum of started
  // voters once the new one counts, and every member connected for 5 s.
  if (!learner && ActiveVoters(0) < (voters + 1) / 2 + 1) {
    return Status::Unavailable("etcdserver: re-configuration failed due to not enough started members");
  }
  if (!ConnectedToAll()) return Status::Unavailable("etcdserver: unhealthy cluster");
  for (const auto& m : members) {
    for (const auto& u : m.peerurls()) {
      if (std::find(peer_urls.begin(), peer_urls.end(), u) != peer_urls.end()) {
        return Status::FailedPrecondition("etcdserver: Peer URLs already exists");
      }
    }
  }
  if (learner && learners >= 1) return Status::FailedPrecondition("etcdserver: too many learner members in cluster");
  const uint64_t id = AddedMemberId(peer_urls, options_.cluster_token,
                                    std::chrono::system_clock::now().time_since_epoch().count());
  consensus::ConfChange cc{learner ? consensus::ConfChange::Type::kAddLearner : consensus::ConfChange::Type::kAddNode,
                           NodeId(id), addresses[0]};
  ETCFS_RETURN_IF_ERROR(ProposeConfChange(cc));
  ETCFS_RETURN_IF_ERROR(WaitApplied([&] { return HasMember(*store_, id); }));
  etcdserverpb::Member m;
  m.set_id(id);
  for (const auto& u : peer_urls) m.add_peerurls(u);
  m.set_islearner(learner);
  return m;
}

Status Node::RemoveMember(uint64_t id) {
  const auto members = Members();
  auto m = FindMember(members, id);
  if (!m) return MemberNotFound(id);
  if (!m->islearner()) {
    int voters = 0;
    for (const auto& x : members) voters += x.islearner() ? 0 : 1;
    if (ActiveVoters(id) < (voters - 1) / 2 + 1) return Status::Unavailable("etcdserver: unhealthy cluster");
  }
  ETCFS_RETURN_IF_ERROR(ProposeConfChange({consensus::ConfChange::Type::kRemoveNode, NodeId(id), ""}));
  return WaitApplied([&] { return !HasMember(*store_, id); });
}

Status Node::UpdateMember(uint64_t id, const std::vector<std::string>& peer_urls) {
  for (const auto& u : peer_urls) ETCFS_RETURN_IF_ERROR(HostPort(u).status());
  const auto members = Members();
  if (!FindMember(members, id)) return MemberNotFound(id);
  for (const auto& m : members) {
    if (m.id() == id) continue;
    for (const auto& u : m.peerurls()) {
      if (std::find(peer_urls.begin(), peer_urls.end(), u) != peer_urls.end()) {
        return Status::FailedPrecondition("etcdserver: Peer URLs already exists");
      }
    }
  }
  requestpb::Request req;
  req.mutable_member_update()->set_id(id);
  for (const auto& u : peer_urls) req.mutable_member_update()->add_peerurls(u);
  return Write(std::move(req)).status();
}

Status Node::PromoteMember(uint64_t id) {
  auto m = FindMember(Members(), id);
  if (!m) return MemberNotFound(id);
  if (!m->islearner()) return Status::FailedPrecondition("etcdserver: can only promote a learner member");
  Status s = ProposeConfChange({consensus::ConfChange::Type::kAddNode, NodeId(id), ""});
  if (s.code() == StatusCode::kFailedPrecondition && s.message().find("caught up") != std::string::npos) {
    return Status::FailedPrecondition("etcdserver: can only promote a learner member which is in sync with leader");
  }
  ETCFS_RETURN_IF_ERROR(s);
  return WaitApplied([&] { return HasMember(*store_, id, false); });
}

std::string Node::SnapshotData() {
  // The store itself is the snapshot's state: let it catch up with what Raft
  // applied, and make it durable before the driver lets go of the WAL behind it.
  apply_queue_->Drain();
  Status s = store_->Sync();
  if (!s.ok()) spdlog::error("etcfsd: syncing the store for a snapshot failed: {}", s.ToString());
  return std::to_string(store_->AppliedIndex().value());
}

// Images travel in one Raft message, which protobuf caps at 2 GiB.
constexpr size_t kMaxImageBytes = size_t{1900} << 20;

Result<std::string> Node::SnapshotImage(const consensus::Snapshot& snap) {
  std::string image;
  ETCFS_RETURN_IF_ERROR(store_->WriteImage([&](std::string_view chunk) {
    if (image.size() + chunk.size() > kMaxImageBytes) {
      return Status::ResourceExhausted("the store image exceeds " + std::to_string(kMaxImageBytes >> 20) +
                                       " MiB, the most one snapshot message carries; compact and "
                                       "defragment to shrink it");
    }
    image.append(chunk);
    return Status::Ok();
  }));
  return image;
}

Status Node::Restore(const consensus::Snapshot& snap) {
  apply_queue_->Drain();  // entries before the snapshot land first (and are then kept or replaced)
  store::StoreMeta meta;
  Status s = store::VerifyImage(snap.data, &meta);
  if (!s.ok()) {
    return Status::FailedPrecondition(
        "the store (applied index " + std::to_string(store_->AppliedIndex().value()) +
        ") is behind Raft snapshot " + std::to_string(snap.meta.index.value()) +
        " and has no image to restore from (" + s.message() +
        "); restore this member's data directory from a backup, or remove the member and add it anew");
  }
  if (meta.applied_index <= store_->AppliedIndex().value()) {
    spdlog::info("etcfsd: the store already holds applied index {}; keeping it over the snapshot's {}",
                 store_->AppliedIndex().value(), meta.applied_index);
    return Status::Ok();
  }
  ETCFS_RETURN_IF_ERROR(store_->InstallImage(snap.data));
  ETCFS_RETURN_IF_ERROR(applied_requests_.Load(*store_));
  reads_->OnApplied(meta.applied_index);
  {
    std::lock_guard<std::mutex> lock(applied_mu_);
    applied_ = std::max(applied_, meta.applied_index);
  }
  applied_cv_.notify_all();
  return Status::Ok();
}

void Node::OnReadState(const consensus::ReadState& rs) { reads_->OnReadState(rs.request_ctx, rs.index.value()); }

void Node::OnLeaderChange(NodeId leader, consensus::Term term) {
  if (leader.value() != 0 && leader.value() != leader_.load()) ++metrics_.leader_changes;
  leader_ = leader.value();
  term_ = term.value();
}

}  // namespace etcfs::server
