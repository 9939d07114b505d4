// Driver: runs one node's Raft core with its WAL, snapshot files and peer
// transport, for the server to build on. It owns the loop that ticks the core,
// feeds it messages and proposals, and handles each Ready in the order the
// Ready contract states: persist (snapshot file, WAL with one fdatasync),
// then send, then apply, then Advance. It takes snapshots every
// `snapshot_count` applied entries or `snapshot_bytes` logged, compacts the
// in-memory log (keeping some entries for slow followers) and purges old WAL
// segments and snapshot files.
//
// Snapshots to followers: the core's snapshot refers to the state machine's
// durable state; the driver's snapshot thread asks the state machine for a
// full image and ships that. A follower installs the image first, then
// records the snapshot (file and WAL marker) without it.
//
// Start-up: with no WAL, a new member either bootstraps the cluster (the
// initial members as committed configuration entries, as etcd does) or, when
// joining an existing cluster, starts empty and waits for the leader. With a
// WAL, it loads the newest snapshot, restores the state machine from it when
// the state machine is behind it, and replays the WAL after it.
//
// Threads: the driver owns two: the Raft loop, and the io thread on which the
// transport runs; Start starts them and Stop ends them, in that order of
// shutdown: the loop, then the connections, then the io thread. Propose,
// ProposeConfChange, ReadIndex, TransferLeader, UpdatePeer, RequestStop and
// State are thread-safe. StateMachine callbacks run on the Raft loop.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <asio.hpp>

#include "base/executor.h"
#include "consensus/raw_node.h"
#include "consensus/snapshotter.h"
#include "consensus/transport.h"
#include "consensus/wal.h"

namespace etcfs::consensus {

class StateMachine {
 public:
  virtual ~StateMachine() = default;
  // The committed entries, in order. After a restart, entries the state
  // machine had applied before may come again: skip those by index.
  // Configuration changes come too, after the driver applied them to Raft.
  virtual void Apply(const std::vector<Entry>& entries) = 0;
  // The state as of everything applied so far, made durable, for a snapshot.
  virtual std::string SnapshotData() = 0;
  // Replaces the state with the snapshot's: `snap.data` is what the leader's
  // SnapshotImage produced. It must be durable on return. Errors stop the node.
  virtual Status Restore(const Snapshot& snap) = 0;
  // The state to ship to a follower that needs `snap`: a full copy at least
  // as new as it, which the follower's Restore installs (entries it already
  // covers are then skipped by index). Called on the driver's snapshot
  // thread, not the Raft loop. By default the snapshot's own data.
  virtual Result<std::string> SnapshotImage(const Snapshot& snap) { return snap.data; }
  virtual void OnReadState(const ReadState& rs) {}
  virtual void OnLeaderChange(NodeId leader, Term term) {}
};

struct DriverOptions {
  NodeId id;
  uint64_t cluster_id = 0;
  // Written into a new WAL; an existing WAL must hold the same, or Open
  // refuses it as another member's. Default: empty.
  std::string wal_metadata;
  // Where the WAL (<data_dir>/wal unless wal_dir is set) and snapshot files
  // (<data_dir>/snap) live. Default: none.
  std::string data_dir;
  std::string wal_dir;
  // Every member's peer address, this node's included (it listens there
  // unless listen_address is set).
  std::map<NodeId, std::string> peers;
  std::string listen_address;
  // Voters of a new cluster, for bootstrap. Ignored once a WAL exists.
  std::vector<NodeId> initial_members;
  // Join an existing cluster (start empty) rather than bootstrap one.
  bool join_existing = false;
  // The state machine's own durable applied index at start. Default: 0.
  Index applied;
  // One tick (etcd's --heartbeat-interval). Default: 100 ms.
  std::chrono::milliseconds tick{100};
  // Election timeout in ticks (etcd's --election-timeout / heartbeat). Default: 10.
  int election_ticks = 10;
  // Applied entries between snapshots (etcd's --snapshot-count). Default: 100000.
  uint64_t snapshot_count = 100000;
  // Bytes of entries logged since the last snapshot that call for one however
  // few they are, so that the WAL kept and what a restart replays stay
  // bounded when entries are large. Default: 256 MiB.
  uint64_t snapshot_bytes = uint64_t{256} << 20;
  // Entries kept in memory behind a snapshot for slow followers: at most
  // this many, and at most a quarter of snapshot_bytes. Default: 5000.
  uint64_t catch_up_entries = 5000;
  size_t max_snapshots = 5;  // etcd's --max-snapshots
  size_t max_wals = 5;       // etcd's --max-wals
  // Per-message and flow-control limits (see Config). Defaults as Config's.
  uint64_t max_size_per_msg = 1 << 20;
  size_t max_inflight_msgs = 256;
  uint64_t seed = 0;
  // Answers a joining member's Transport::QueryCluster. Default: none.
  std::function<std::string()> describe_cluster;
  // Reported for etcd_disk_wal_fsync_duration_seconds. Default: none.
  std::function<void(std::chrono::duration<double>)> on_wal_sync;
  // Reported for etcd_network_peer_round_trip_time_seconds. Default: none.
  std::function<void(NodeId, double)> on_peer_rtt;
  // Called on the Raft loop's thread as the loop ends, with the reason it
  // stopped on its own (a disk error), or OK after a stop was asked for.
  // Default: none.
  std::function<void(const Status& fatal)> on_loop_end;
};

class Driver : public TransportHandler {
 public:
  // Opens or creates the node's state on disk and binds its peer listener.
  // Errors: IOError, Corruption (a damaged WAL), Unavailable (address in use).
  static Result<std::unique_ptr<Driver>> Open(DriverOptions options, StateMachine* sm);
  ~Driver() override;  // Stop()

  // Starts the io thread and the Raft loop.
  void Start();
  // Ends the Raft loop and waits for it, then closes every peer connection
  // and ends the io thread. No callback runs after it returns. Idempotent;
  // not from a StateMachine callback (RequestStop is).
  void Stop();
  // Asks the Raft loop to end, without waiting.
  void RequestStop();

  // Called on the Raft loop if the proposal is dropped (no leader, ...).
  using DropCallback = std::function<void(const Status&)>;
  void Propose(std::string data, DropCallback on_drop = nullptr);
  // `on_result` hears, on the Raft loop, OK once the core took the change
  // (appended, or forwarded to the leader) or why it was refused.
  void ProposeConfChange(ConfChange cc, DropCallback on_result = nullptr);
  void ReadIndex(std::string ctx);
  void TransferLeader(NodeId target);
  // A member's peer address changed (etcd's member update): the transport
  // reconnects there, on the io thread.
  void UpdatePeer(NodeId id, std::string address);
  // Starts an election now (tests and tools).
  void Campaign();

  struct NodeStatus {
    NodeId id;
    NodeId leader;
    Term term;
    Index commit;
    Index applied;
    StateType state = StateType::kFollower;
    uint64_t wal_syncs = 0;
    Index snapshot_index;
    Status fatal;  // set when a disk error stopped the node
  };
  NodeStatus State() const;
  Transport& transport() { return *transport_; }

  // TransportHandler (io thread): queued for the Raft loop.
  void OnMessage(Message m) override;
  void OnUnreachable(NodeId peer) override;
  void OnSnapshotSent(NodeId peer, bool ok) override;

 private:
  struct Proposal {
    Entry entry;
    DropCallback on_drop;
    bool report_ok = false;  // call on_drop with OK too (configuration changes)
  };
  struct Control {
    enum class Kind { kRead, kTransfer, kCampaign, kUnreachable, kSnapshotStatus } kind;
    std::string ctx;
    NodeId node;
    bool ok = false;
  };
  using Work = std::variant<Message, Proposal, Control>;

  Driver(DriverOptions options, StateMachine* sm) : options_(std::move(options)), sm_(sm) {}
  Status Init();
  // The Raft loop; returns once asked to stop, or on a fatal disk error.
  void Run();
  void Post(Work w);
  void Handle(Work& w);
  // Returns false on a fatal error (the node stops).
  bool HandleReady();
  // Installs a snapshot from the leader and records it. Raft loop.
  Status InstallSnapshot(const Snapshot& snap);
  // Sends `msgs` (emptied): snapshots through SendSnapshots, the rest now.
  void SendAll(std::vector<Message>* msgs);
  // Hands snapshot messages to the snapshot thread, which attaches the
  // state machine's image and sends them.
  void SendSnapshots(std::vector<Message>* msgs);
  Status MaybeSnapshot();
  void MaybeAdvanceTicks(std::chrono::steady_clock::time_point started);
  void Fail(const Status& s);

  DriverOptions options_;
  StateMachine* sm_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> io_work_;
  std::thread io_thread_;
  std::thread raft_thread_;
  std::atomic<bool> stopped_{false};
  MemoryStorage storage_;
  std::unique_ptr<Wal> wal_;
  std::unique_ptr<Snapshotter> snapshotter_;
  std::unique_ptr<RawNode> node_;
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<WorkerThread> snapshot_thread_;
  ConfState conf_;
  Index snapshot_index_;
  uint64_t logged_bytes_ = 0;    // entries' bytes in the WAL since the snapshot; the Raft loop's
  bool ticks_advanced_ = false;  // the Raft loop's

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Work> inbox_;  // guarded by mu_
  bool stopping_ = false;    // guarded by mu_
  NodeStatus status_;        // guarded by mu_
};

}  // namespace etcfs::consensus
