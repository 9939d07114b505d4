#include "consensus/driver.h"

#include <pthread.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "consensus/bootstrap.h"


namespace etcfs::consensus {
Result<std::unique_ptr<Driver>> Driver::Open(DriverOptions options, StateMachine* sm) {
  if (options.id == kNoNode) return Status::InvalidArgument("driver: a member id is required");
  if (options.data_dir.empty()) return Status::InvalidArgument("driver: a data directory is required");
  std::unique_ptr<Driver> d(new Driver(std::move(options), sm));
  ETCFS_RETURN_IF_ERROR(d->Init());
  return d;
}

Status Driver::Init() {
  WalOptions wal_options;
  wal_options.dir = options_.wal_dir.empty() ? options_.data_dir + "/wal" : options_.wal_dir;
  wal_options.on_sync = options_.on_wal_sync;
  snapshotter_ = std::make_unique<Snapshotter>(options_.data_dir + "/snap");
  const std::string& metadata = options_.wal_metadata;
  Index applied = options_.applied;

  if (!Wal::Exists(wal_options)) {
    ETCFS_ASSIGN_OR_RETURN(wal_, Wal::Create(wal_options, metadata));
    if (!options_.join_existing) {
      const BootstrapLog boot = MakeBootstrapLog(options_.initial_members, options_.peers);
      ETCFS_RETURN_IF_ERROR(wal_->Save(boot.hard_state, boot.entries, true));
      ETCFS_RETURN_IF_ERROR(storage_.Append(boot.entries));
      storage_.SetHardState(boot.hard_state);
      spdlog::info("raft: member {:x} bootstrapped a cluster of {} members", options_.id.value(),
                   boot.entries.size());
    } else {
      spdlog::info("raft: member {:x} starts empty, to join an existing cluster", options_.id.value());
    }
  } else {
    Snapshot snap;
    auto loaded = snapshotter_->LoadNewest();
    if (loaded.ok()) {
      snap = std::move(loaded).value();
    } else if (loaded.status().code() != StatusCode::kNotFound) {
      return loaded.status();
    }
    WalContents contents;
    ETCFS_ASSIGN_OR_RETURN(wal_, Wal::Open(wal_options, snap.meta.index, &contents));
    if (contents.metadata != metadata) {
      return Status::FailedPrecondition(
          "the WAL in " + wal_options.dir + " belongs to another member or cluster; "
          "start with the data directory of this member, or an empty one to join anew");
    }
    if (!snap.empty()) {
      ETCFS_RETURN_IF_ERROR(storage_.ApplySnapshot(snap));
      snapshot_index_ = snap.meta.index;
      conf_ = snap.meta.conf;
      if (snap.meta.index > applied) {
        ETCFS_RETURN_IF_ERROR(sm_->Restore(snap));
        applied = snap.meta.index;
      }
    }
    ETCFS_RETURN_IF_ERROR(storage_.Append(contents.entries));
    for (const Entry& e : contents.entries) logged_bytes_ += e.size();
    if (!contents.hard_state.empty()) storage_.SetHardState(contents.hard_state);
    spdlog::info("raft: member {:x} restarts at term {} commit {} with {} entries after snapshot {}",
                 options_.id.value(), contents.hard_state.term.value(),
                 contents.hard_state.commit.value(), contents.entries.size(),
                 snap.meta.index.value());
  }

  // Raft redelivers entries after the snapshot; the state machine skips
  // what it has already applied, and configuration changes reach Raft again.
  Config c;
  c.id = options_.id;
  c.election_tick = options_.election_ticks;
  c.heartbeat_tick = 1;
  c.storage = &storage_;
  c.applied = snapshot_index_;
  c.max_size_per_msg = options_.max_size_per_msg;
  c.max_inflight_msgs = options_.max_inflight_msgs;
  c.seed = options_.seed ^ static_cast<uint64_t>(
                               std::chrono::steady_clock::now().time_since_epoch().count());
  node_ = std::make_unique<RawNode>(c);

  TransportOptions t;
  t.self = options_.id;
  t.cluster_id = options_.cluster_id;
  auto self = options_.peers.find(options_.id);
  if (self == options_.peers.end()) {
    return Status::InvalidArgument("driver: no peer address for this member " +
                                   std::to_string(options_.id.value()));
  }
  t.listen_address = options_.listen_address.empty() ? self->second : options_.listen_address;
  t.peers = options_.peers;
  t.describe_cluster = options_.describe_cluster;
  t.on_rtt = options_.on_peer_rtt;
  transport_ = std::make_unique<Transport>(io_, t, this);
  snapshot_thread_ = std::make_unique<WorkerThread>("raft-snapshots");
  ETCFS_RETURN_IF_ERROR(transport_->Start());
  status_.id = options_.id;
  status_.snapshot_index = snapshot_index_;
  return Status::Ok();
}

Driver::~Driver() { Stop(); }

void Driver::Start() {
  io_work_.emplace(io_.get_executor());
  io_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "raft-io");
    io_.run();
  });
  raft_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "raft-loop");
    Run();
    if (options_.on_loop_end) options_.on_loop_end(State().fatal);
  });
}

void Driver::Stop() {
  if (stopped_.exchange(true)) return;
  RequestStop();
  if (raft_thread_.joinable()) raft_thread_.join();
  snapshot_thread_.reset();  // finishes an image being sent
  // The transport closes its connections on the io thread: one runs for
  // that even if the driver never started.
  if (!io_thread_.joinable()) io_thread_ = std::thread([this] { io_.run(); });
  if (transport_) transport_->Stop();
  io_work_.reset();
  io_.stop();
  io_thread_.join();
}

void Driver::UpdatePeer(NodeId id, std::string address) {
  asio::post(io_, [this, id, address = std::move(address)] {
    transport_->RemovePeer(id);
    transport_->AddPeer(id, address);
  });
}

void Driver::Post(Work w) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    inbox_.push_back(std::move(w));
  }
  cv_.notify_one();
}

void Driver::Propose(std::string data, DropCallback on_drop) {
  Post(Proposal{Entry{Term(0), Index(0), EntryType::kNormal, std::move(data)}, std::move(on_drop)});
}

void Driver::ProposeConfChange(ConfChange cc, DropCallback on_result) {
  Post(Proposal{Entry{Term(0), Index(0), EntryType::kConfChange, EncodeConfChange(cc)}, std::move(on_result), true});
}

void Driver::ReadIndex(std::string ctx) { Post(Control{Control::Kind::kRead, std::move(ctx), {}, false}); }
void Driver::TransferLeader(NodeId target) { Post(Control{Control::Kind::kTransfer, "", target, false}); }
void Driver::Campaign() { Post(Control{Control::Kind::kCampaign, "", {}, false}); }
void Driver::OnMessage(Message m) { Post(std::move(m)); }
void Driver::OnUnreachable(NodeId peer) { Post(Control{Control::Kind::kUnreachable, "", peer, false}); }
void Driver::OnSnapshotSent(NodeId peer, bool ok) {
  Post(Control{Control::Kind::kSnapshotStatus, "", peer, ok});
}

void Driver::RequestStop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
}

Driver::NodeStatus Driver::State() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

void Driver::Fail(const Status& s) {
  spdlog::critical("raft: member {:x} stops: {}", options_.id.value(), s.ToString());
  std::lock_guard<std::mutex> lock(mu_);
  status_.fatal = s;
  stopping_ = true;
}

void Driver::Handle(Work& w) {
  if (auto* m = std::get_if<Message>(&w)) {
    node_->Step(std::move(*m)).IgnoreError();  // a stale or unknown message is no error
  } else if (auto* p = std::get_if<Proposal>(&w)) {
    Status s;
    if (p->entry.type == EntryType::kConfChange) {
      ConfChange cc;
      DecodeConfChange(p->entry.data, &cc);
      s = node_->ProposeConfChange(cc);
    } else {
      s = node_->Propose(std::move(p->entry.data));
    }
    if ((!s.ok() || p->report_ok) && p->on_drop) p->on_drop(s);
  } else {
    auto& c = std::get<Control>(w);
    switch (c.kind) {
      case Control::Kind::kRead:
        node_->ReadIndex(std::move(c.ctx)).IgnoreError();  // no leader: the reader times out and retries
        break;
      case Control::Kind::kTransfer:
        node_->TransferLeader(c.node);
        break;
      case Control::Kind::kCampaign:
        node_->Campaign();
        break;
      case Control::Kind::kUnreachable:
        node_->ReportUnreachable(c.node);
        break;
      case Control::Kind::kSnapshotStatus:
        node_->ReportSnapshot(c.node, c.ok);
        break;
    }
  }
}

// As etcd's initial election tick advance: once a peer answers, skip all but
// two ticks of the first election timeout, so that a restarted cluster elects
// a leader in a few ticks rather than a full timeout. PreVote keeps this from
// disturbing a cluster that has a leader. Gives up after etcd's 5 s.
// A member alone, once its configuration says it is the only voter,
// campaigns at once: there is no one to wait for, and Raft still refuses
// while a configuration change waits to be applied.
void Driver::MaybeAdvanceTicks(std::chrono::steady_clock::time_point started) {
  if (ticks_advanced_) return;
  const bool waited_enough = std::chrono::steady_clock::now() - started >= std::chrono::seconds(5);
  if (options_.peers.size() <= 1) {
    const Raft& r = node_->raft();
    if (r.lead() != kNoNode || waited_enough) {
      ticks_advanced_ = true;
      return;
    }
    const auto& voters = r.tracker().voters();
    if (voters.size() == 1 && voters.count(options_.id) > 0) node_->Campaign();
    return;
  }
  bool peer_up = false;
  for (const auto& [id, address] : options_.peers) {
    if (id != options_.id && transport_->Stats(id).connected) peer_up = true;
  }
  if (!peer_up && !waited_enough) return;
  ticks_advanced_ = true;
  if (!peer_up) return;
  for (int i = 0; i < options_.election_ticks - 2; ++i) node_->Tick();
}

void Driver::Run() {
  const auto started = std::chrono::steady_clock::now();
  auto next_tick = started + options_.tick;
  for (;;) {
    std::vector<Work> work;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_until(lock, next_tick, [this] { return stopping_ || !inbox_.empty(); });
      if (stopping_) return;
      work.swap(inbox_);
    }
    for (auto& w : work) Handle(w);
    MaybeAdvanceTicks(started);
    const auto now = std::chrono::steady_clock::now();
    while (now >= next_tick) {
      node_->Tick();
      next_tick += options_.tick;
    }
    if (!HandleReady()) return;
  }
}

bool Driver::HandleReady() {
  using Clock = std::chrono::steady_clock;
  while (node_->HasReady()) {
    Ready rd = node_->GetReady();
    Status s;
    // A leader's messages (appends, heartbeats) go out before its own
    // fdatasync, so that its disk and its followers' work in parallel
    // (Raft thesis §10.2.1, as etcd does). Safe because this thread steps
    // no acknowledgement until this Ready is persisted (Ready, step 2). A
    // node that is not the leader (now) may be sending a vote or an
    // acknowledgement: those wait for the disk.
    const auto t_send = Clock::now();
    if (node_->raft().state() == StateType::kLeader) SendAll(&rd.messages);
    const auto t0 = Clock::now();
    // 1. Persist: a snapshot file before the WAL marker that refers to it,
    //    then the HardState and entries with one fdatasync.
    if (rd.snapshot) {
      s = InstallSnapshot(*rd.snapshot);
      if (!s.ok()) {
        Fail(s);
        return false;
      }
    }
    s = wal_->Save(rd.hard_state.value_or(HardState{}), rd.entries, rd.must_sync);
    if (!s.ok()) {
      Fail(Status(s.code(), "cannot write the WAL: " + s.message()));
      return false;
    }
    if (rd.hard_state) storage_.SetHardState(*rd.hard_state);
    for (const Entry& e : rd.entries) logged_bytes_ += e.size();
    s = storage_.Append(rd.entries);
    if (!s.ok()) {
      Fail(s);
      return false;
    }
    const auto t1 = Clock::now();
    // 2. Send (what a leader did not send already).
    SendAll(&rd.messages);
    const auto t2 = Clock::now();
    // 3. Apply.
    for (const auto& e : rd.committed_entries) {
      if (e.type != EntryType::kConfChange) continue;
      ConfChange cc;
      if (!DecodeConfChange(e.data, &cc)) continue;
      conf_ = node_->ApplyConfChange(cc);
      if (cc.type == ConfChange::Type::kRemoveNode) {
        transport_->RemovePeer(cc.node);
      } else if (!cc.context.empty()) {
        transport_->AddPeer(cc.node, cc.context);
      }
    }
    if (!rd.committed_entries.empty()) sm_->Apply(rd.committed_entries);
    const auto t3 = Clock::now();
    for (const auto& r : rd.read_states) sm_->OnReadState(r);
    if (rd.soft_state) {
      const Term term = node_->raft().term();
      spdlog::info("raft: member {:x} sees leader {:x} at term {} (it is {})", options_.id.value(),
                   rd.soft_state->lead.value(), term.value(), StateTypeName(rd.soft_state->state));
      sm_->OnLeaderChange(rd.soft_state->lead, term);
    }
    node_->Advance(rd);
    {
      std::lock_guard<std::mutex> lock(mu_);
      const Raft& r = node_->raft();
      status_.leader = r.lead();
      status_.term = r.term();
      status_.commit = r.log().committed();
      status_.applied = r.log().applied();
      status_.state = r.state();
      status_.wal_syncs = wal_->syncs();
      status_.snapshot_index = snapshot_index_;
    }
    s = MaybeSnapshot();
    if (!s.ok()) {
      Fail(s);
      return false;
    }
    // As etcd's "failed to send out heartbeat on time": a Ready that takes
    // two ticks delays heartbeats enough to risk elections.
    const auto took = Clock::now() - t_send;
    if (took > 2 * options_.tick) {
      auto ms = [](Clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
      spdlog::warn("raft: member {:x} took {} ms over one Ready (persist {} ms for {} entries, send {} ms, "
                   "apply {} ms for {} entries), more than two heartbeat intervals; check the disk and the "
                   "size of requests",
                   options_.id.value(), ms(took), ms(t1 - t0), rd.entries.size(), ms(t2 - t1 + t0 - t_send), ms(t3 - t2),
                   rd.committed_entries.size());
    }
  }
  return true;
}

Status Driver::InstallSnapshot(const Snapshot& snap) {
  // The state machine's copy first: once the snapshot is recorded, the WAL
  // and log no longer hold what it replaces. A crash in between leaves a
  // state machine ahead of the log, which skips entries it already has.
  const auto start = std::chrono::steady_clock::now();
  ETCFS_RETURN_IF_ERROR(sm_->Restore(snap));
  Snapshot recorded{snap.meta, sm_->SnapshotData()};
  ETCFS_RETURN_IF_ERROR(snapshotter_->Save(recorded));
  ETCFS_RETURN_IF_ERROR(wal_->SaveSnapshotMarker(snap.meta.index, snap.meta.term));
  ETCFS_RETURN_IF_ERROR(storage_.ApplySnapshot(recorded));
  snapshot_index_ = snap.meta.index;
  conf_ = snap.meta.conf;
  logged_bytes_ = 0;
  spdlog::info("raft: member {:x} installed a snapshot at index {} from the leader ({} bytes, {} ms)",
               options_.id.value(), snapshot_index_.value(), snap.data.size(),
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
                   .count());
  return Status::Ok();
}

void Driver::SendAll(std::vector<Message>* msgs) {
  SendSnapshots(msgs);
  if (!msgs->empty()) transport_->Send(std::move(*msgs));
  msgs->clear();
}

void Driver::SendSnapshots(std::vector<Message>* msgs) {
  auto snaps = std::stable_partition(msgs->begin(), msgs->end(),
                                     [](const Message& m) { return m.type != MessageType::kSnap; });
  for (auto it = snaps; it != msgs->end(); ++it) {
    snapshot_thread_->Post([this, m = std::move(*it)]() mutable {
      const auto start = std::chrono::steady_clock::now();
      auto image = sm_->SnapshotImage(*m.snapshot);
      if (!image.ok()) {
        spdlog::error("raft: cannot build a snapshot for member {:x}: {}", m.to.value(),
                      image.status().ToString());
        OnSnapshotSent(m.to, false);
        return;
      }
      m.snapshot->data = std::move(image).value();
      spdlog::info("raft: sending member {:x} a snapshot at index {} ({} bytes, built in {} ms)",
                   m.to.value(), m.snapshot->meta.index.value(), m.snapshot->data.size(),
                   std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - start).count());
      std::vector<Message> one;
      one.push_back(std::move(m));
      transport_->Send(std::move(one));
    });
  }
  msgs->erase(snaps, msgs->end());
}

Status Driver::MaybeSnapshot() {
  const Index applied = node_->raft().log().applied();
  if (applied <= snapshot_index_) return Status::Ok();
  const bool by_count = applied - snapshot_index_ >= options_.snapshot_count;
  const bool by_size = logged_bytes_ >= options_.snapshot_bytes;
  if (!by_count && !by_size) return Status::Ok();
  ETCFS_ASSIGN_OR_RETURN(Snapshot snap, storage_.CreateSnapshot(applied, conf_, sm_->SnapshotData()));
  ETCFS_RETURN_IF_ERROR(snapshotter_->Save(snap));
  ETCFS_RETURN_IF_ERROR(wal_->SaveSnapshotMarker(snap.meta.index, snap.meta.term));
  snapshot_index_ = applied;
  logged_bytes_ = 0;
  // Keep some entries so that a follower a little behind catches up from the
  // log rather than needing the whole snapshot; large ones only up to a
  // quarter of the size that calls for a snapshot.
  Index compact = storage_.TailStart(applied, options_.snapshot_bytes / 4);
  if (applied.value() > options_.catch_up_entries) compact = std::max(compact, applied - options_.catch_up_entries);
  if (compact > storage_.FirstIndex()) storage_.Compact(compact).IgnoreError();
  ETCFS_ASSIGN_OR_RETURN(int wals, wal_->Purge(snap.meta.index, options_.max_wals));
  ETCFS_ASSIGN_OR_RETURN(int snaps, snapshotter_->Purge(options_.max_snapshots));
  spdlog::info("raft: member {:x} saved a snapshot at index {} after {} (purged {} WAL segments, {} snapshots)",
               options_.id.value(), applied.value(), by_count ? "its entry count" : "its log size", wals, snaps);
  return Status::Ok();
}

}  // namespace etcfs::consensus
