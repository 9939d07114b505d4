// The values the Raft core consumes and produces: log entries, the persistent
// HardState, cluster configurations, snapshots' metadata and messages. Plain
// values, as in etcd's raftpb; the WAL and the transport encode them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/strong_int.h"

namespace etcfs::consensus {

using Index = RaftIndex;
using Term = RaftTerm;
inline constexpr NodeId kNoNode{};

enum class EntryType : uint8_t {
  kNormal = 0,      // application data (empty: the new leader's no-op)
  kConfChange = 1,  // data is an encoded ConfChange
};

struct Entry {
  Term term;
  Index index;
  EntryType type = EntryType::kNormal;
  std::string data;
  bool operator==(const Entry&) const = default;
  // Bytes counted against size limits (as etcd: the payload).
  size_t size() const { return data.size() + 16; }
};

// What must be on stable storage before any message that depends on it is
// sent (Raft paper, Figure 2: currentTerm, votedFor; plus the commit index).
struct HardState {
  Term term;
  NodeId vote;
  Index commit;
  bool operator==(const HardState&) const = default;
  bool empty() const { return *this == HardState{}; }
};

// The members of the cluster: voters decide elections and commitment;
// learners receive the log and never vote nor count (etcd's learners).
struct ConfState {
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;
  bool operator==(const ConfState&) const = default;
};

// One server at a time (Raft thesis §4.1). Promoting a learner is kAddNode
// of a node that is a learner.
struct ConfChange {
  enum class Type : uint8_t { kAddNode = 0, kRemoveNode = 1, kAddLearner = 2 };
  Type type = Type::kAddNode;
  NodeId node;
  std::string context;  // for the application (e.g. the member's URLs)
  bool operator==(const ConfChange&) const = default;
};
std::string EncodeConfChange(const ConfChange& cc);
bool DecodeConfChange(const std::string& data, ConfChange* cc);

struct SnapshotMeta {
  Index index;  // the last entry the snapshot covers
  Term term;    // that entry's term
  ConfState conf;
  bool operator==(const SnapshotMeta&) const = default;
};

// A snapshot as the core sees it: metadata plus opaque bytes that the
// application interprets (the server puts a reference to checkpoint files
// here, shipped on their own stream).
struct Snapshot {
  SnapshotMeta meta;
  std::string data;
  bool empty() const { return meta.index == Index(0); }
  bool operator==(const Snapshot&) const = default;
};

enum class MessageType : uint8_t {
  kHup = 0,             // local: start an election
  kBeat = 1,            // local: leader sends heartbeats
  kProp = 2,            // a proposal (local, or forwarded to the leader)
  kApp = 3,             // AppendEntries
  kAppResp = 4,
  kVote = 5,            // RequestVote
  kVoteResp = 6,
  kSnap = 7,            // InstallSnapshot
  kHeartbeat = 8,
  kHeartbeatResp = 9,
  kUnreachable = 10,    // local: the transport could not reach `from`
  kSnapStatus = 11,     // local: how sending a snapshot went (reject = failed)
  kCheckQuorum = 12,    // local: leader checks it heard from a quorum
  kTransferLeader = 13, // local or forwarded: hand leadership to `from`
  kTimeoutNow = 14,     // leader to transfer target: campaign now
  kReadIndex = 15,      // local or forwarded: a linearizable read
  kReadIndexResp = 16,
  kPreVote = 17,
  kPreVoteResp = 18,
};
const char* MessageTypeName(MessageType t);
bool IsLocalMessage(MessageType t);
bool IsResponseMessage(MessageType t);

struct Message {
  MessageType type = MessageType::kHup;
  NodeId to;
  NodeId from;
  Term term;
  Term log_term;  // kApp: term of the entry at index; votes: last log term
  Index index;    // kApp: the entry before `entries`; votes: last log index
  std::vector<Entry> entries;
  Index commit;
  bool reject = false;
  Index reject_hint;  // kAppResp with reject: the follower's hint for a retry
  std::optional<Snapshot> snapshot;
  std::string context;  // kReadIndex: the request; campaigns: "transfer"
  bool operator==(const Message&) const = default;
};

enum class StateType : uint8_t { kFollower = 0, kCandidate = 1, kLeader = 2, kPreCandidate = 3 };
const char* StateTypeName(StateType s);

// Volatile state worth reporting (not persisted).
struct SoftState {
  NodeId lead;
  StateType state = StateType::kFollower;
  bool operator==(const SoftState&) const = default;
};

// A linearizable read that may proceed once the application has applied up
// to `index`.
struct ReadState {
  Index index;
  std::string request_ctx;
  bool operator==(const ReadState&) const = default;
};

}  // namespace etcfs::consensus
