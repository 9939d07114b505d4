#include "server/node.h"

#include <spdlog/spdlog.h>

#include "member/urls.h"

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

  member::MemberIdentity me;
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
  d.snapshot_bytes = options_.snapshot_bytes;
  d.catch_up_entries = options_.snapshot_catch_up_entries;
  d.max_snapshots = options_.max_snapshots;
  d.max_wals = options_.max_wals;
  d.describe_cluster = [this] { return DescribeCluster(); };
  d.on_wal_sync = [this](std::chrono::duration<double> d) { metrics_.wal_fsync.Observe(d.count()); };
  d.on_peer_rtt = [this](NodeId peer, double seconds) { metrics_.ObservePeerRtt(peer.value(), seconds); };
  d.on_loop_end = [this](const Status& fatal) {
    Status s = fatal;
    if (s.ok() && apply_failed_) s = apply_error_;
    if (!s.ok() && options_.on_fatal) options_.on_fatal(s);
  };
  ProposerOptions po;
  po.max_request_bytes = options_.max_request_bytes;
  po.request_timeout = options_.request_timeout;
  po.election_timeout = options_.election_timeout;
  po.heartbeat = options_.heartbeat;
  po.propose = [this](std::string data, std::function<void(const Status&)> on_drop) {
    driver_->Propose(std::move(data), std::move(on_drop));
  };
  po.has_leader = [this] { return leader() != 0; };
  proposer_ = std::make_unique<Proposer>(std::move(po), &metrics_);
  LinearizableReadsOptions ro;
  ro.read_index = [this](std::string ctx) { driver_->ReadIndex(std::move(ctx)); };
  ro.ctx_prefix = std::to_string(member_id_) + "/";
  ro.retry = 2 * options_.heartbeat;
  ro.round_timeout = options_.request_timeout;
  reads_ = std::make_unique<LinearizableReads>(ro, store_->AppliedIndex().value());
  ETCFS_ASSIGN_OR_RETURN(driver_, consensus::Driver::Open(d, this));
  driver_->Start();
  publish_thread_ = std::thread([this] { PublishLoop(); });
  spdlog::info("etcfsd: member {:x} ({}) of cluster {:x} started; data in {}", member_id_,
               options_.name, cluster_id_, options_.data_dir);
  return Status::Ok();
}

Node::~Node() {
  stopping_ = true;
  if (publish_thread_.joinable()) publish_thread_.join();
  if (driver_) driver_->Stop();  // the Raft loop, then the peer connections
  apply_queue_.reset();          // applies what Raft handed over
  proposer_.reset();             // after the last apply; fails what was not applied
  reads_.reset();                // after the last apply, which reports to it
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
    auto rec = store_->ListMetadata(member::MemberKey(member_id_));
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
  auto rec = store_->ListMetadata(member::MemberKey(member_id_));
  etcdserverpb::Member m;
  return rec.ok() && !rec->empty() && m.ParseFromString(rec->front().second) && m.name() == options_.name;
}

std::vector<etcdserverpb::Member> Node::Members() const {
  std::vector<etcdserverpb::Member> out;
  auto records = store_->ListMetadata(member::kMemberPrefix);
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
    if (m.id() == lead && m.clienturls_size() > 0) return member::UrlAddress(m.clienturls(0));
  }
  return Status::Unavailable("etcdserver: leader changed");
}

Result<WriteResponse> Node::Write(requestpb::Request req, const WriteControl& control) {
  return proposer_->Write(std::move(req), control);
}

void Node::Submit(requestpb::Request req, const WriteControl& control, Proposer::Done done) {
  proposer_->Submit(std::move(req), control, std::move(done));
}

namespace {

requestpb::Request NoSpaceAlarm(uint64_t member) {
  requestpb::Request alarm;
  alarm.mutable_alarm()->set_action(etcdserverpb::AlarmRequest::ACTIVATE);
  alarm.mutable_alarm()->set_memberid(member);
  alarm.mutable_alarm()->set_alarm(etcdserverpb::NOSPACE);
  return alarm;
}

Status NoSpace() { return Status::NoSpace("etcdserver: mvcc: database space exceeded"); }

}  // namespace

Status Node::CheckQuota(int64_t cost) {
  if (store_->QuotaAvailable(cost)) return Status::Ok();
  Write(NoSpaceAlarm(member_id_)).status().IgnoreError();
  return NoSpace();
}

bool Node::PassesQuota(int64_t cost, std::function<void(const Status&)> refused) {
  if (store_->QuotaAvailable(cost)) return true;
  // As etcd, the refusal follows the alarm, so that `alarm list` shows it.
  Submit(NoSpaceAlarm(member_id_), {},
         [refused = std::move(refused)](Result<WriteResponse>) { refused(NoSpace()); });
  return false;
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

void Node::AwaitLinearizable(std::function<void(Status)> done) {
  reads_->Await([this, done = std::move(done)](Status s) {
    if (s.code() == StatusCode::kTimeout && leader() == 0) s = Status::Timeout("etcdserver: no leader");
    done(std::move(s));
  });
}

bool Node::HasLocalViews() {
  std::lock_guard<std::mutex> lock(barrier_mu_);
  return local_view_barrier_ != nullptr;
}

Status Node::WaitLinearizable(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + std::min(timeout, options_.request_timeout);
  Status s = reads_->Wait(deadline);
  if (s.code() == StatusCode::kTimeout && leader() == 0) return Status::Timeout("etcdserver: no leader");
  return s;
}

void Node::OnReadState(const consensus::ReadState& rs) { reads_->OnReadState(rs.request_ctx, rs.index.value()); }

void Node::OnLeaderChange(NodeId leader, consensus::Term term) {
  if (leader.value() != 0 && leader.value() != leader_.load()) ++metrics_.leader_changes;
  leader_ = leader.value();
  term_ = term.value();
}

}  // namespace etcfs::server
