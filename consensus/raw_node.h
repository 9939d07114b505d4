// RawNode: the Raft core's interface to the code that runs it. The driver
// ticks it, steps messages into it, and repeatedly takes a Ready — the work
// the core needs done — does that work in the order below, then calls
// Advance. As etcd's RawNode.
//
// Threads: none; one caller at a time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "consensus/raft.h"

namespace etcfs::consensus {

struct Ready {
  // The volatile state, when it changed. Nothing to persist.
  std::optional<SoftState> soft_state;

  // 1. Persist these, all of them, before sending any message below:
  //    the HardState (term, vote, commit) when it changed, the snapshot when
  //    one arrived from the leader, and the entries to append (replacing any
  //    conflicting suffix of the stored log). `must_sync` says whether an
  //    fdatasync is needed (term, vote or entries changed); a commit index
  //    alone may be written lazily.
  std::optional<HardState> hard_state;
  std::optional<Snapshot> snapshot;
  std::vector<Entry> entries;
  bool must_sync = false;

  // 2. Then send these. (A vote sent before the vote is durable could be
  //    given twice after a crash; an append acknowledged before it is
  //    durable could be lost by a quorum.)
  //    One exception is allowed (Raft thesis §10.2.1): a leader may send its
  //    messages before its own entries are durable, writing its disk in
  //    parallel with its followers. This core counts the leader toward
  //    commitment at append time, so the driver must not step any message
  //    (a follower's acknowledgement) before this Ready is persisted: the
  //    count then only ever includes a durable copy. Driver and SimCluster
  //    step messages only between Readys, and do so for a node that is
  //    leader when it takes the Ready (what else it sends, a vote or an
  //    acknowledgement, still waits for the disk).
  std::vector<Message> messages;

  // 3. Then apply these, in order. They are committed: persisted on a quorum,
  //    and (by step 1) on this node.
  std::vector<Entry> committed_entries;

  // Reads that may be served once the application has applied up to their
  // index.
  std::vector<ReadState> read_states;

  bool empty() const {
    return !soft_state && !hard_state && !snapshot && entries.empty() && messages.empty() &&
           committed_entries.empty() && read_states.empty();
  }
};

class RawNode {
 public:
  explicit RawNode(const Config& config);

  void Tick() { raft_.Tick(); }
  // Starts an election now.
  void Campaign();
  // Errors: see Raft::Step.
  Status Propose(std::string data);
  Status ProposeConfChange(const ConfChange& cc);
  // Feeds a message from a peer. Local message types are refused.
  Status Step(Message m);
  // Asks for a linearizable read; a ReadState with `ctx` appears in a later
  // Ready once the leader has confirmed its leadership.
  Status ReadIndex(std::string ctx);
  // Asks the leader to hand leadership to `target`.
  void TransferLeader(NodeId target);
  // Applies a committed configuration change (call while applying it).
  ConfState ApplyConfChange(const ConfChange& cc) { return raft_.ApplyConfChange(cc); }
  // The transport could not deliver to `id` / a snapshot send finished.
  void ReportUnreachable(NodeId id);
  void ReportSnapshot(NodeId id, bool succeeded);

  bool HasReady() const;
  Ready GetReady();
  // Tells the core the Ready was handled (persisted, sent, applied).
  void Advance(const Ready& rd);

  const Raft& raft() const { return raft_; }
  Raft& raft() { return raft_; }

 private:
  Raft raft_;
  SoftState prev_soft_;
  HardState prev_hard_;
};

}  // namespace etcfs::consensus
