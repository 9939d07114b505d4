// Scenario tests of the Raft core, one behaviour each, citing the paper
// ("In Search of an Understandable Consensus Algorithm", extended version)
// and Ongaro's thesis where the rule comes from.
#include <gtest/gtest.h>

#include "tests/consensus/sim_cluster.h"

namespace etcfs::consensus {
namespace {

SimCluster::Options Quiet() {
  SimCluster::Options o;
  o.seed = 7;
  return o;
}

int CountLeaders(SimCluster& c) {
  int n = 0;
  for (auto& [id, node] : c.nodes()) n += node.up() && node.raft().state() == StateType::kLeader;
  return n;
}

std::string Applied(const SimNode& n) {
  std::string out;
  for (const auto& e : n.applied) out += (out.empty() ? "" : ",") + e.data;
  return out;
}

TEST(RaftElection, ALeaderIsElectedWithinTicks_5_2) {
  SimCluster c(3, Quiet());
  for (int i = 0; i < 100 && CountLeaders(c) == 0; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  ASSERT_EQ(1, CountLeaders(c));
  SimNode* leader = c.Leader();
  for (auto& [id, n] : c.nodes()) {
    EXPECT_EQ(leader->raft().term(), n.raft().term());
    EXPECT_EQ(leader->id, n.raft().lead());
  }
}

TEST(RaftElection, ASingleNodeElectsItself) {
  SimCluster c(1, Quiet());
  c.Elect(1);
  EXPECT_EQ(StateType::kLeader, c.node(1).raft().state());
  ASSERT_TRUE(c.node(1).node->Propose("x").ok());
  c.Stabilize();
  EXPECT_EQ("x", Applied(c.node(1)));
}

TEST(RaftElection, AVoteGoesOnlyToAnUpToDateLog_5_4_1) {
  SimCluster c(3, Quiet());
  c.Elect(1);
  c.Isolate(3);
  ASSERT_TRUE(c.node(1).node->Propose("a").ok());
  c.Stabilize();
  c.Heal();
  c.Crash(1);
  // 3 missed "a": node 2 must refuse it, so 3 cannot win.
  c.Elect(3);
  EXPECT_NE(StateType::kLeader, c.node(3).raft().state());
  c.Elect(2);
  EXPECT_EQ(StateType::kLeader, c.node(2).raft().state());
}

// Figure 8: a leader must not commit an entry of an earlier term by counting
// replicas, even once a majority holds it; it commits with an entry of its
// own term.
TEST(RaftCommit, OnlyEntriesOfTheCurrentTermCommitByCounting_5_4_2) {
  MemoryStorage storage;
  Snapshot boot;
  boot.meta.conf.voters = {NodeId(1), NodeId(2), NodeId(3)};
  ASSERT_TRUE(storage.ApplySnapshot(boot).ok());
  ASSERT_TRUE(storage.Append({Entry{Term(1), Index(1)}, Entry{Term(2), Index(2), EntryType::kNormal, "old"}}).ok());
  storage.SetHardState(HardState{Term(2), kNoNode, Index(0)});
  Config cfg;
  cfg.id = NodeId(1);
  cfg.storage = &storage;
  cfg.pre_vote = false;
  RawNode node(cfg);
  node.Campaign();  // term 3
  Message vote;
  vote.type = MessageType::kVoteResp;
  vote.from = NodeId(2);
  vote.to = NodeId(1);
  vote.term = Term(3);
  ASSERT_TRUE(node.Step(vote).ok());
  ASSERT_EQ(StateType::kLeader, node.raft().state());
  ASSERT_EQ(Index(3), node.raft().log().LastIndex());  // the term-3 no-op

  // Node 2 acknowledges up to 2: entry 2 (term 2) is now on a majority.
  Message ack;
  ack.type = MessageType::kAppResp;
  ack.from = NodeId(2);
  ack.to = NodeId(1);
  ack.term = Term(3);
  ack.index = Index(2);
  ASSERT_TRUE(node.Step(ack).ok());
  EXPECT_EQ(Index(0), node.raft().log().committed()) << "an old-term entry committed by counting";

  // Once the term-3 entry is on a majority, both commit.
  ack.index = Index(3);
  ASSERT_TRUE(node.Step(ack).ok());
  EXPECT_EQ(Index(3), node.raft().log().committed());
}

TEST(RaftPreVote, APartitionedNodeReturningDoesNotDisruptTheCluster_9_6) {
  SimCluster c(3, Quiet());
  c.Elect(1);
  const Term term = c.node(1).raft().term();
  c.Isolate(3);
  for (int i = 0; i < 100; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_EQ(term, c.node(3).raft().term()) << "pre-votes must not raise the term";
  c.Heal();
  for (int i = 0; i < 5; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_EQ(StateType::kLeader, c.node(1).raft().state());
  EXPECT_EQ(term, c.node(1).raft().term());
  EXPECT_EQ(NodeId(1), c.node(3).raft().lead());
}

TEST(RaftPreVote, WithoutPreVoteTheReturningNodeWouldDisrupt) {
  SimCluster::Options o = Quiet();
  o.pre_vote = false;
  o.check_quorum = false;
  SimCluster c(3, o);
  c.Elect(1);
  const Term term = c.node(1).raft().term();
  c.Isolate(3);
  for (int i = 0; i < 100; ++i) c.TickAll();
  EXPECT_GT(c.node(3).raft().term(), term);  // the contrast that PreVote removes
}

TEST(RaftCheckQuorum, ALeaderCutOffFromAQuorumStepsDown_6_2) {
  SimCluster c(3, Quiet());
  c.Elect(1);
  c.Isolate(1);
  for (int i = 0; i < 2 * c.options().election_tick; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_NE(StateType::kLeader, c.node(1).raft().state());
  // The majority side has a leader of its own.
  SimNode* leader = c.Leader();
  ASSERT_NE(nullptr, leader);
  EXPECT_NE(NodeId(1), leader->id);
}

TEST(RaftLearner, ALearnerNeverVotesAndIsNeverCounted) {
  SimCluster c(2, Quiet(), /*learners=*/1);
  c.Elect(1);
  c.Cut(NodeId(1), NodeId(2));
  const Index committed = c.node(1).raft().log().committed();
  ASSERT_TRUE(c.node(1).node->Propose("x").ok());
  c.Stabilize();
  // The learner has it, but only the voters count: 1 of 2 is no majority.
  EXPECT_EQ(c.node(1).raft().log().LastIndex(), c.node(3).raft().log().LastIndex());
  EXPECT_EQ(committed, c.node(1).raft().log().committed());
  // Left alone, a learner never campaigns.
  c.Isolate(3);
  const Term term = c.node(3).raft().term();
  for (int i = 0; i < 100; ++i) c.node(3).node->Tick();
  c.Stabilize();
  EXPECT_EQ(StateType::kFollower, c.node(3).raft().state());
  EXPECT_EQ(term, c.node(3).raft().term());
}

TEST(RaftTransfer, TransferHandsLeadershipToACaughtUpFollower_3_10) {
  SimCluster c(3, Quiet());
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.node(1).node->Propose("p" + std::to_string(i)).ok());
  c.Stabilize();
  c.Heal();
  // 3 is behind; the leader catches it up before TimeoutNow.
  c.node(1).node->TransferLeader(NodeId(3));
  c.Stabilize();
  EXPECT_EQ(StateType::kLeader, c.node(3).raft().state());
  EXPECT_EQ("p0,p1,p2,p3,p4", Applied(c.node(3)));
  EXPECT_EQ(NodeId(3), c.node(1).raft().lead());
}

TEST(RaftTransfer, ProposalsAreDroppedDuringATransfer) {
  SimCluster c(3, Quiet());
  c.Elect(1);
  c.Isolate(2);
  c.node(1).node->TransferLeader(NodeId(2));  // cannot complete while cut off
  c.Stabilize();
  Status s = c.node(1).node->Propose("x");
  EXPECT_EQ(StatusCode::kUnavailable, s.code());
  EXPECT_NE(std::string::npos, s.message().find("transfer"));
}

TEST(RaftProposal, AFollowerForwardsProposalsToTheLeader) {
  SimCluster c(3, Quiet());
  c.Elect(1);
  ASSERT_TRUE(c.node(2).node->Propose("via-2").ok());
  c.Stabilize();
  for (auto& [id, n] : c.nodes()) EXPECT_EQ("via-2", Applied(n));
}

TEST(RaftProposal, WithoutALeaderAProposalIsDroppedWithAReason) {
  SimCluster c(3, Quiet());
  Status s = c.node(1).node->Propose("x");
  EXPECT_EQ(StatusCode::kUnavailable, s.code());
  EXPECT_NE(std::string::npos, s.message().find("no leader"));
}

TEST(RaftReadIndex, ManyReadsShareOneHeartbeatRound_6_4) {
  SimCluster c(3, Quiet());
  c.Elect(1);
  c.sent_counts().clear();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.node(1).node->ReadIndex("r" + std::to_string(i)).ok());
  c.Stabilize();
  EXPECT_EQ(2, c.sent_counts()[MessageType::kHeartbeat]) << "one round, to two followers";
  ASSERT_EQ(5u, c.node(1).read_states.size());
  for (const auto& rs : c.node(1).read_states) EXPECT_EQ(c.node(1).raft().log().committed(), rs.index);
}

TEST(RaftReadIndex, TheLeaderAnswersAfterConfirmingLeadership) {
  SimCluster c(3, Quiet());
  c.Elect(1);
  ASSERT_TRUE(c.node(1).node->Propose("x").ok());
  c.Stabilize();
  c.Isolate(1);
  ASSERT_TRUE(c.node(1).node->ReadIndex("req").ok());
  c.Stabilize();
  EXPECT_TRUE(c.node(1).read_states.empty()) << "answered without a quorum's heartbeat acks";
  c.Heal();
  c.TickAll();  // the next heartbeat round carries no read context; reads wait for theirs
  ASSERT_TRUE(c.node(1).node->ReadIndex("req2").ok());
  c.Stabilize();
  ASSERT_FALSE(c.node(1).read_states.empty());
  EXPECT_EQ("req", c.node(1).read_states.front().request_ctx);
  EXPECT_EQ(c.node(1).raft().log().committed(), c.node(1).read_states.front().index);
}

TEST(RaftReadIndex, AFollowerAsksTheLeader) {
  SimCluster c(3, Quiet());
  c.Elect(1);
  c.Stabilize();
  ASSERT_TRUE(c.node(2).node->ReadIndex("f").ok());
  c.Stabilize();
  ASSERT_EQ(1u, c.node(2).read_states.size());
  EXPECT_EQ("f", c.node(2).read_states[0].request_ctx);
  EXPECT_EQ(c.node(1).raft().log().committed(), c.node(2).read_states[0].index);
}

TEST(RaftReadIndex, AStaleLeadersReadIndexNeverAnswers_6_4) {
  SimCluster::Options o = Quiet();
  o.check_quorum = false;  // keep the old leader believing it leads
  SimCluster c(3, o);
  c.Elect(1);
  c.Partition({NodeId(1)});
  c.Elect(2);
  ASSERT_EQ(StateType::kLeader, c.node(2).raft().state());
  ASSERT_EQ(StateType::kLeader, c.node(1).raft().state());  // stale, unaware
  ASSERT_TRUE(c.node(1).node->ReadIndex("stale").ok());
  for (int i = 0; i < 5; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_TRUE(c.node(1).read_states.empty()) << "a stale leader answered a read";
  c.Heal();
  for (int i = 0; i < 5; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_TRUE(c.node(1).read_states.empty());
  EXPECT_NE(StateType::kLeader, c.node(1).raft().state());
}

TEST(RaftSnapshot, AFollowerBehindTheCompactedLogGetsASnapshot_7) {
  SimCluster c(3, Quiet());
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(c.node(1).node->Propose("e" + std::to_string(i)).ok());
  c.Stabilize();
  SimNode& leader = c.node(1);
  auto snap = leader.storage->CreateSnapshot(leader.applied_index, leader.conf, SnapshotData(leader));
  ASSERT_TRUE(snap.ok());
  ASSERT_TRUE(leader.storage->Compact(leader.applied_index).ok());
  c.Heal();
  c.sent_counts().clear();
  for (int i = 0; i < 10; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_GE(c.sent_counts()[MessageType::kSnap], 1);
  EXPECT_EQ(Applied(leader), Applied(c.node(3)));
  ASSERT_TRUE(c.node(1).node->Propose("after").ok());
  c.Stabilize();
  EXPECT_EQ(Applied(leader), Applied(c.node(3)));
}

TEST(RaftMembership, AddALearnerPromoteItThenRemoveAVoter_4_1) {
  SimCluster c(3, Quiet());
  c.Elect(1);
  ASSERT_TRUE(c.node(1).node->Propose("before").ok());
  c.Stabilize();
  c.AddNode(NodeId(4), ConfState{});
  ASSERT_TRUE(c.node(1).node->ProposeConfChange({ConfChange::Type::kAddLearner, NodeId(4), ""}).ok());
  for (int i = 0; i < 5; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_EQ("before", Applied(c.node(4)));
  EXPECT_EQ(std::vector<NodeId>{NodeId(4)}, c.node(4).conf.learners);

  ASSERT_TRUE(c.node(1).node->ProposeConfChange({ConfChange::Type::kAddNode, NodeId(4), ""}).ok());
  c.Stabilize();
  for (auto& [id, n] : c.nodes()) {
    EXPECT_EQ(4u, n.conf.voters.size()) << id.value();
    EXPECT_TRUE(n.conf.learners.empty());
  }
  ASSERT_TRUE(c.node(1).node->ProposeConfChange({ConfChange::Type::kRemoveNode, NodeId(3), ""}).ok());
  c.Stabilize();
  EXPECT_EQ(3u, c.node(1).conf.voters.size());
  c.Crash(3);
  ASSERT_TRUE(c.node(1).node->Propose("after").ok());
  c.Stabilize();
  EXPECT_EQ("before,after", Applied(c.node(4)));
}

TEST(RaftMembership, OneChangeAtATime) {
  SimCluster c(3, Quiet());
  c.Elect(1);
  c.Isolate(2);
  c.Isolate(3);  // nothing commits
  ASSERT_TRUE(c.node(1).node->ProposeConfChange({ConfChange::Type::kAddLearner, NodeId(4), ""}).ok());
  Status s = c.node(1).node->ProposeConfChange({ConfChange::Type::kAddLearner, NodeId(5), ""});
  EXPECT_EQ(StatusCode::kFailedPrecondition, s.code());
}

TEST(RaftMembership, ALearnerThatHasNotCaughtUpIsNotPromoted) {
  SimCluster c(3, Quiet(), 1);
  c.Elect(1);
  c.Isolate(4);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.node(1).node->Propose("x").ok());
  c.Stabilize();
  Status s = c.node(1).node->ProposeConfChange({ConfChange::Type::kAddNode, NodeId(4), ""});
  EXPECT_EQ(StatusCode::kFailedPrecondition, s.code());
  EXPECT_NE(std::string::npos, s.message().find("not caught up"));
}

TEST(RaftReplication, FastBacktrackingSkipsConflictingTerms) {
  SimCluster c(3, Quiet());
  c.Elect(1);
  // Leader 1 appends many entries that only it holds, then loses leadership.
  c.Isolate(1);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(c.node(1).node->Propose("lost").ok());
  c.ProcessAll();
  c.Heal();
  c.Isolate(1);
  c.Elect(2);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.node(2).node->Propose("kept").ok());
  c.Stabilize();
  c.Heal();
  c.sent_counts().clear();
  for (int i = 0; i < 3; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_EQ(Applied(c.node(2)), Applied(c.node(1)));
  // A one-by-one probe would need ~50 rejected appends.
  EXPECT_LT(c.sent_counts()[MessageType::kApp], 20);
}

}  // namespace
}  // namespace etcfs::consensus
