// Node: one etcfs cluster member. It joins the Raft driver (consensus/) and
// the MVCC store (store/): client writes are proposed as Raft entries and
// answered once applied on this node; each Ready's committed entries are
// applied to the store as one batch; linearizable reads wait for a ReadIndex
// round and for the store to catch up to it.
//
// Its methods live in files of one concept each: node.cc (start, stop, the
// member list, publishing), node_identity.cc (who this member is, and the
// bootstrap of a new or joined cluster), proposer.h (proposing and waiting),
// node_apply.cc (applying committed entries), node_membership.cc (member
// add, remove, update, promote) and node_snapshots.cc (Raft snapshots).
//
// Threads: the node starts and owns its threads (the driver's Raft loop and
// peer io, apply, store background work). Write, WaitLinearizable and the
// accessors are thread-safe; StateMachine callbacks run on the Raft loop,
// which hands committed entries to the apply thread (ApplyQueue).
#pragma once

#include <chrono>
#include <functional>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>

#include "base/executor.h"
#include "consensus/driver.h"
#include "etcfs/request.pb.h"
#include "server/applied_requests.h"
#include "server/apply_queue.h"
#include "server/linearizable_reads.h"
#include "member/membership.h"
#include "server/metrics.h"
#include "server/proposer.h"
#include "store/apply_batch.h"
#include "store/store.h"

namespace etcfs::server {

struct NodeOptions {
  // etcd's --name. Default: "default".
  std::string name = "default";
  // etcd's --data-dir; the store, WAL and snapshots live under <dir>/member.
  // Default: "default.etcfs".
  std::string data_dir = "default.etcfs";
  // etcd's --wal-dir. Default: <data-dir>/member/wal.
  std::string wal_dir;
  // etcd's --initial-cluster, as name -> peer address (host:port).
  // Default: this member alone on 127.0.0.1:2380.
  std::map<std::string, std::string> initial_cluster = {{"default", "127.0.0.1:2380"}};
  // etcd's --advertise-client-urls, published to the cluster. Default:
  // http://localhost:2379.
  std::vector<std::string> advertise_client_urls = {"http://localhost:2379"};
  // etcd's --listen-peer-urls, as host:port. Default: this member's
  // --initial-cluster address.
  std::string listen_peer_address;
  // etcd's --initial-cluster-state existing: join rather than bootstrap.
  bool join_existing = false;
  // etcd's --initial-cluster-token. Default: "etcd-cluster".
  std::string cluster_token = "etcd-cluster";
  // etcd's --heartbeat-interval and --election-timeout. Defaults: 100 ms, 1000 ms.
  std::chrono::milliseconds heartbeat{100};
  std::chrono::milliseconds election_timeout{1000};
  // etcd's --snapshot-count, --max-snapshots, --max-wals.
  uint64_t snapshot_count = 100000;
  // Bytes logged since the last snapshot that call for one however few
  // entries they hold (--snapshot-bytes). Default: 256 MiB.
  uint64_t snapshot_bytes = uint64_t{256} << 20;
  // Entries kept behind a snapshot for followers that lag a little (etcd
  // 3.5's --experimental-snapshot-catchup-entries). Default: 5000.
  uint64_t snapshot_catch_up_entries = 5000;
  size_t max_snapshots = 5;
  size_t max_wals = 5;
  // etcd's --quota-backend-bytes (0: 2 GiB), --max-txn-ops, --max-request-bytes.
  int64_t quota_bytes = 0;
  int max_txn_ops = 128;
  size_t max_request_bytes = 1536 * 1024;
  // How long a write waits to be applied before failing with "request timed out".
  std::chrono::milliseconds request_timeout{7000};
  // Called once, on the Raft thread, when a disk error (a full disk, a
  // failing device) stopped this member: it can no longer persist or apply,
  // so etcfsd exits, as etcd does, rather than serve a replica that no
  // longer moves. Default: none.
  std::function<void(const Status&)> on_fatal;
  // Called (from the apply path; must not block) once this member has been
  // removed from the cluster. Default: none.
  std::function<void()> on_removed;

  Status Validate() const;
};

class Node : public consensus::StateMachine {
 public:
  // Opens the member's data (or creates it) and starts serving peers.
  // Errors: InvalidArgument (options), Unavailable (address or directory in
  // use), FailedPrecondition (a data dir of another member), Corruption, IOError.
  static Result<std::unique_ptr<Node>> Start(NodeOptions options);
  ~Node() override;

  // Proposes `req` and waits until this node applied it. Errors: the
  // store's (compacted, no space, ...), Unavailable (no leader), Timeout.
  Result<WriteResponse> Write(requestpb::Request req, const WriteControl& control = {});
  // Write without waiting: `done` hears the outcome exactly once, on the
  // apply thread once applied here, or on the proposer's thread when it
  // failed (Proposer::Submit). It must not block.
  void Submit(requestpb::Request req, const WriteControl& control, Proposer::Done done);
  // etcd's quota check before a write that adds `cost` bytes: past the
  // quota, raises the NOSPACE alarm through Raft and fails with NoSpace.
  // Waits for the alarm: for callers with a thread to spare.
  Status CheckQuota(int64_t cost);
  // The same without waiting: true when `cost` fits; otherwise the alarm
  // is proposed and `refused` hears NoSpace once it was applied (or failed).
  bool PassesQuota(int64_t cost, std::function<void(const Status&)> refused);
  // Waits until this node's store reflects every write committed before the
  // call (ReadIndex), for at most `timeout` (and never past request_timeout).
  // Errors: Unavailable (no leader), Timeout.
  Status WaitLinearizable(std::chrono::milliseconds timeout = std::chrono::milliseconds::max());
  // WaitLinearizable without waiting: `done` runs once the ReadIndex round
  // ends (on its thread), with its outcome. It must not block.
  void AwaitLinearizable(std::function<void(Status)> done);
  // Whether API writes must wait for this member's mount (AwaitLocalViews).
  bool HasLocalViews();

  // This node's mount caches what it shows in the kernel; `barrier` waits
  // (bounded) until the changes applied so far are invalidated there. The
  // API answers a write only after it, so that a read through the mount
  // after the answer sees the write. Empty: no barrier.
  void SetLocalViewBarrier(std::function<void()> barrier);
  void AwaitLocalViews();

  // Fills an etcd response header: cluster, member, `revision`, Raft term.
  void FillHeader(etcdserverpb::ResponseHeader* h, int64_t revision) const;

  store::Store& store() { return *store_; }
  uint64_t cluster_id() const { return cluster_id_; }
  uint64_t member_id() const { return member_id_; }
  uint64_t raft_term() const { return term_.load(); }
  uint64_t leader() const { return leader_.load(); }
  consensus::Driver& driver() { return *driver_; }
  // Whether this member's name and client URLs are in the member list
  // (etcd's "published"): it has joined and is ready to serve.
  bool Published() const;
  // The members, by id: the replicated member list.
  std::vector<etcdserverpb::Member> Members() const;
  // host:port of the leader's first client URL, to forward requests that
  // only the leader can answer. Errors: Unavailable (no leader, or it has
  // not published its URLs yet).
  Result<std::string> LeaderClientAddress() const;

  // Membership changes, on the leader (callers forward to it). Each waits
  // until the change is applied on this member. Errors carry etcd's
  // messages: member not found, Peer URLs already exists, unhealthy cluster...
  Result<etcdserverpb::Member> AddMember(const std::vector<std::string>& peer_urls, bool learner);
  Status RemoveMember(uint64_t id);
  Status UpdateMember(uint64_t id, const std::vector<std::string>& peer_urls);
  Status PromoteMember(uint64_t id);
  const NodeOptions& options() const { return options_; }
  NodeMetrics& metrics() { return metrics_; }

  // consensus::StateMachine (the Raft loop)
  void Apply(const std::vector<consensus::Entry>& entries) override;
  std::string SnapshotData() override;
  Status Restore(const consensus::Snapshot& snap) override;
  Result<std::string> SnapshotImage(const consensus::Snapshot& snap) override;
  void OnReadState(const consensus::ReadState& rs) override;
  void OnLeaderChange(NodeId leader, consensus::Term term) override;

 private:
  // What applying a batch asks of the member beyond the store: peers whose
  // address changed (the transport reconnects there, off the apply path).
  struct ApplyEffects {
    std::vector<std::pair<uint64_t, std::string>> peer_addresses;
  };

  explicit Node(NodeOptions options) : options_(std::move(options)) {}
  Status Init();
  // Who this member is and who its peers are: from its WAL on a restart,
  // from --initial-cluster for a new cluster, from the cluster it joins.
  Status ResolveIdentity(const std::string& wal_dir, member::MemberIdentity* me,
                         std::map<NodeId, std::string>* peers, std::vector<NodeId>* initial);
  Status DiscoverCluster(member::MemberIdentity* me, std::map<NodeId, std::string>* peers);
  // The answer to a joining member's QueryCluster (the peer io thread).
  std::string DescribeCluster() const;
  // Proposes this member's attributes until they are applied (etcd's publish).
  void PublishLoop();

  // Applies committed entries to the store as one batch (the apply thread).
  void ApplyEntries(const std::vector<consensus::Entry>& entries);
  Result<WriteResponse> ApplyOne(store::ApplyBatch& batch, const requestpb::Request& req, ApplyEffects* effects);
  void ApplyConfChange(store::ApplyBatch& batch, const consensus::ConfChange& cc);
  // The apply position moved to `applied`.
  void NoteApplied(uint64_t applied);

  // Waits until `done` holds after an apply, for at most request_timeout.
  Status WaitApplied(const std::function<bool()>& done);
  Status ProposeConfChange(const consensus::ConfChange& cc);
  // Voters (not learners) that this member hears from, itself included.
  int ActiveVoters(uint64_t except) const;
  // Whether every other member has been connected for etcd's health
  // interval (5 s): etcd's strict check before adding a member.
  bool ConnectedToAll() const;
  // etcd's answer for an id that is not a member: removed, or never was.
  Status MemberNotFound(uint64_t id) const;

  NodeOptions options_;
  NodeMetrics metrics_;
  uint64_t cluster_id_ = 0;
  uint64_t member_id_ = 0;
  std::unique_ptr<WorkerThread> background_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ApplyQueue> apply_queue_;
  std::atomic<bool> apply_failed_{false};
  Status apply_error_;  // why the apply stopped; written before apply_failed_
  std::unique_ptr<consensus::Driver> driver_;
  std::unique_ptr<Proposer> proposer_;
  std::thread publish_thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> term_{0};
  std::atomic<uint64_t> leader_{0};
  std::atomic<bool> removed_{false};

  AppliedRequests applied_requests_;  // the apply thread's

  std::unique_ptr<LinearizableReads> reads_;

  // Applied index progress, for membership changes waiting to be applied.
  std::mutex applied_mu_;
  std::condition_variable applied_cv_;
  uint64_t applied_ = 0;  // guarded by applied_mu_

  std::mutex barrier_mu_;
  std::shared_ptr<const std::function<void()>> local_view_barrier_;  // guarded by barrier_mu_
};

}  // namespace etcfs::server
