// SimCluster: Raft nodes in one process on a deterministic, seeded network
// that can drop, delay, duplicate and reorder messages, partition nodes, and
// crash and restart them (losing all they had not persisted). Used by the
// scenario tests (with the faults off) and by the randomized simulation.
//
// A node's MemoryStorage is its disk: a Ready's entries and HardState are
// written there before its messages are released, as the Ready contract
// asks, except a leader's, sent first as Driver sends them; `crash_unpersisted`
// may crash a leader right then, its messages out and its entries not written.
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "consensus/raw_node.h"

namespace etcfs::consensus {

struct SimNode {
  NodeId id;
  std::unique_ptr<MemoryStorage> storage;  // survives crashes
  std::unique_ptr<RawNode> node;           // null while crashed
  std::vector<Entry> applied;              // the state machine (survives crashes)
  Index applied_index;
  ConfState conf;                          // as applied
  std::vector<ReadState> read_states;      // every ReadState its Readys carried
  bool removed = false;

  bool up() const { return node != nullptr; }
  Raft& raft() { return node->raft(); }
};

class SimCluster {
 public:
  struct Options {
    int election_tick = 10;
    int heartbeat_tick = 1;
    bool pre_vote = true;
    bool check_quorum = true;
    uint64_t seed = 1;
    size_t max_inflight = 8;
    uint64_t max_size_per_msg = 4096;
  };

  SimCluster(int voters, Options opts, int learners = 0) : opts_(opts), rng_(opts.seed) {
    ConfState conf;
    for (int i = 1; i <= voters; ++i) conf.voters.push_back(NodeId(i));
    for (int i = voters + 1; i <= voters + learners; ++i) conf.learners.push_back(NodeId(i));
    for (int i = 1; i <= voters + learners; ++i) AddNode(NodeId(i), conf);
  }

  // Creates a node. An initial member's disk is bootstrapped as etcd does
  // it: the initial configuration as committed ConfChange entries at the
  // head of the log (so that a member joining later learns it by replaying
  // the log). A node that joins later (empty `conf`) starts with nothing.
  void AddNode(NodeId id, const ConfState& conf) {
    auto& n = nodes_[id];
    n.id = id;
    n.storage = std::make_unique<MemoryStorage>();
    if (!conf.voters.empty()) {
      Snapshot boot;
      boot.meta.conf = conf;
      n.storage->ApplySnapshot(boot).IgnoreError();
      std::vector<Entry> entries;
      auto add = [&](ConfChange::Type t, NodeId who) {
        entries.push_back(Entry{Term(1), Index(entries.size() + 1), EntryType::kConfChange,
                                EncodeConfChange(ConfChange{t, who, ""})});
      };
      for (NodeId v : conf.voters) add(ConfChange::Type::kAddNode, v);
      for (NodeId l : conf.learners) add(ConfChange::Type::kAddLearner, l);
      n.storage->Append(entries).IgnoreError();
      n.storage->SetHardState(HardState{Term(1), kNoNode, Index(entries.size())});
      n.applied_index = Index(entries.size());
    }
    n.conf = conf;
    Start(n);
  }

  SimNode& node(uint64_t id) { return nodes_.at(NodeId(id)); }
  std::map<NodeId, SimNode>& nodes() { return nodes_; }

  // ---- faults ----
  void Isolate(uint64_t id) {
    for (auto& [other, n] : nodes_) {
      if (other != NodeId(id)) Cut(NodeId(id), other);
    }
  }
  void Cut(NodeId a, NodeId b) {
    cut_.insert({a, b});
    cut_.insert({b, a});
  }
  // Splits the cluster into two sides.
  void Partition(const std::set<NodeId>& side) {
    for (auto& [a, na] : nodes_) {
      for (auto& [b, nb] : nodes_) {
        if (side.count(a) != side.count(b)) cut_.insert({a, b});
      }
    }
  }
  void Heal() { cut_.clear(); }
  void SetDropPercent(int p) { drop_percent_ = p; }
  void SetDuplicatePercent(int p) { dup_percent_ = p; }
  // Messages wait a random number of delivery rounds in [0, max_delay].
  void SetMaxDelay(int rounds) { max_delay_ = rounds; }
  bool Connected(NodeId a, NodeId b) const { return !cut_.count({a, b}); }

  void Crash(uint64_t id) {
    SimNode& n = node(id);
    n.node.reset();
    // In-flight messages to or from it are lost with it.
    std::erase_if(in_flight_, [&](const Flight& f) { return f.m.to == n.id || f.m.from == n.id; });
  }
  void Restart(uint64_t id) {
    SimNode& n = node(id);
    if (!n.up()) Start(n);
  }

  // ---- driving ----
  // Lets every node handle its Ready (persist, queue messages, apply).
  void ProcessAll() {
    for (auto& [id, n] : nodes_) Process(n);
  }

  // Delivers in-flight messages whose delay has passed; each delivery may
  // produce more. One "round".
  void DeliverRound() {
    // The transport reports how each snapshot send went.
    std::vector<std::tuple<NodeId, NodeId, bool>> reports;
    reports.swap(snapshot_reports_);
    for (auto& [from, to, ok] : reports) {
      auto it = nodes_.find(from);
      if (it != nodes_.end() && it->second.up()) it->second.node->ReportSnapshot(to, ok);
    }
    std::vector<Message> due;
    std::vector<Flight> keep;
    for (auto& f : in_flight_) {
      if (f.delay-- <= 0) {
        due.push_back(std::move(f.m));
      } else {
        keep.push_back(std::move(f));
      }
    }
    in_flight_ = std::move(keep);
    if (max_delay_ > 0) std::shuffle(due.begin(), due.end(), rng_);  // reordering
    for (auto& m : due) {
      auto it = nodes_.find(m.to);
      if (it == nodes_.end() || !it->second.up()) continue;
      it->second.node->Step(std::move(m)).IgnoreError();
    }
    ProcessAll();
  }

  // Delivers until the network is quiet (or `max_rounds` pass).
  void Stabilize(int max_rounds = 1000) {
    ProcessAll();
    for (int i = 0; i < max_rounds && !in_flight_.empty(); ++i) DeliverRound();
  }

  void TickAll() {
    for (auto& [id, n] : nodes_) {
      if (n.up()) n.node->Tick();
    }
    ProcessAll();
  }

  // Makes `id` campaign now, as a leadership transfer does (skipping
  // PreVote and the other nodes' leader lease), then lets the cluster settle.
  void Elect(uint64_t id) {
    SimNode& n = node(id);
    if (n.raft().state() == StateType::kFollower) {
      Message m;
      m.type = MessageType::kTimeoutNow;
      m.from = n.id;
      m.to = n.id;
      m.term = n.raft().term();
      n.node->Step(std::move(m)).IgnoreError();
    } else {
      n.node->Campaign();
    }
    Stabilize();
  }

  // The leader of the highest term among nodes that are up, if any.
  SimNode* Leader() {
    SimNode* best = nullptr;
    for (auto& [id, n] : nodes_) {
      if (n.up() && n.raft().state() == StateType::kLeader &&
          (best == nullptr || n.raft().term() > best->raft().term())) {
        best = &n;
      }
    }
    return best;
  }

  size_t in_flight() const { return in_flight_.size(); }
  // Counts messages of a type sent since the last reset.
  std::map<MessageType, int>& sent_counts() { return sent_counts_; }

  // Called for each message a node sends, before the network sees it;
  // return false to drop it. For scenario tests.
  std::function<bool(const Message&)> filter;
  // Called for each committed entry a node applies.
  std::function<void(SimNode&, const Entry&)> on_apply;
  // Asked after a leader sent a Ready's messages and before it writes that
  // Ready's entries; true crashes it there.
  std::function<bool(SimNode&)> crash_unpersisted;

  const Options& options() const { return opts_; }
  std::mt19937_64& rng() { return rng_; }

 private:
  struct Flight {
    Message m;
    int delay;
  };

  void Start(SimNode& n) {
    Config c;
    c.id = n.id;
    c.election_tick = opts_.election_tick;
    c.heartbeat_tick = opts_.heartbeat_tick;
    c.storage = n.storage.get();
    c.applied = n.applied_index;
    c.pre_vote = opts_.pre_vote;
    c.check_quorum = opts_.check_quorum;
    c.max_inflight_msgs = opts_.max_inflight;
    c.max_size_per_msg = opts_.max_size_per_msg;
    c.seed = opts_.seed * 1000003 + (restarts_++);
    n.node = std::make_unique<RawNode>(c);
  }

  void Process(SimNode& n) {
    while (n.up() && n.node->HasReady()) {
      Ready rd = n.node->GetReady();
      // 0. a leader sends first (Ready, step 2)
      if (n.raft().state() == StateType::kLeader) {
        for (auto& m : rd.messages) Enqueue(std::move(m));
        rd.messages.clear();
        if (!rd.entries.empty() && crash_unpersisted && crash_unpersisted(n)) {
          n.node.reset();  // what it sent stays in flight
          return;
        }
      }
      // 1. persist
      if (rd.snapshot) {
        n.storage->ApplySnapshot(*rd.snapshot).IgnoreError();
      }
      n.storage->Append(rd.entries).IgnoreError();
      if (rd.hard_state) n.storage->SetHardState(*rd.hard_state);
      // 2. send
      for (auto& m : rd.messages) Enqueue(std::move(m));
      for (auto& rs : rd.read_states) n.read_states.push_back(rs);
      // 3. apply
      if (rd.snapshot && rd.snapshot->meta.index > n.applied_index) {
        // The snapshot's data is the list of applied entries' data.
        n.applied_index = rd.snapshot->meta.index;
        n.conf = rd.snapshot->meta.conf;
        n.applied.clear();
        std::string_view d = rd.snapshot->data;
        while (!d.empty()) {
          size_t nl = d.find('\n');
          Entry e;
          e.data.assign(d.substr(0, nl));
          n.applied.push_back(e);
          d.remove_prefix(nl == std::string_view::npos ? d.size() : nl + 1);
        }
      }
      for (const auto& e : rd.committed_entries) {
        if (e.index <= n.applied_index) continue;
        if (e.type == EntryType::kConfChange) {
          ConfChange cc;
          if (DecodeConfChange(e.data, &cc)) {
            n.conf = n.node->ApplyConfChange(cc);
            if (cc.type == ConfChange::Type::kRemoveNode && cc.node == n.id) n.removed = true;
          }
        } else if (!e.data.empty()) {
          n.applied.push_back(e);
        }
        n.applied_index = e.index;
        if (on_apply) on_apply(n, e);
      }
      n.node->Advance(rd);
    }
  }

  void Enqueue(Message m) {
    ++sent_counts_[m.type];
    const bool snap = m.type == MessageType::kSnap;
    auto lost = [&] {
      if (snap) snapshot_reports_.emplace_back(m.from, m.to, false);
    };
    if (filter && !filter(m)) return lost();
    if (cut_.count({m.from, m.to})) return lost();
    std::uniform_int_distribution<int> pct(0, 99);
    if (drop_percent_ > 0 && pct(rng_) < drop_percent_) return lost();
    if (snap) snapshot_reports_.emplace_back(m.from, m.to, true);
    const int copies = (dup_percent_ > 0 && pct(rng_) < dup_percent_) ? 2 : 1;
    for (int i = 0; i < copies; ++i) {
      int delay = max_delay_ > 0 ? std::uniform_int_distribution<int>(0, max_delay_)(rng_) : 0;
      in_flight_.push_back(Flight{m, delay});
    }
  }

  Options opts_;
  std::mt19937_64 rng_;
  std::map<NodeId, SimNode> nodes_;
  std::vector<Flight> in_flight_;
  std::set<std::pair<NodeId, NodeId>> cut_;
  int drop_percent_ = 0;
  int dup_percent_ = 0;
  int max_delay_ = 0;
  uint64_t restarts_ = 0;
  std::map<MessageType, int> sent_counts_;
  std::vector<std::tuple<NodeId, NodeId, bool>> snapshot_reports_;
};

// The data of every applied normal entry, joined by '\n': the simulated
// state machine's snapshot.
inline std::string SnapshotData(const SimNode& n) {
  std::string out;
  for (const auto& e : n.applied) out += e.data + "\n";
  if (!out.empty()) out.pop_back();
  return out;
}

}  // namespace etcfs::consensus
