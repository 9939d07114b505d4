// Three raft_node processes on loopback with real WALs and real fdatasync:
// kill -9 the leader; the others elect a new one that commits; the old
// leader restarts and catches up, by snapshot because it is far behind the
// compacted log; all three end with the same state.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <sstream>

#include "tests/support/child_process.h"
#include "tests/support/free_port.h"
#include "tests/support/temp_dir.h"

namespace etcfs::consensus {
namespace {

class ProcessCluster {
 public:
  ProcessCluster() {
    for (int id = 1; id <= 3; ++id) {
      if (!peers_.empty()) peers_ += ",";
      peers_ += std::to_string(id) + "=127.0.0.1:" + std::to_string(testing::FreePort());
    }
  }
  void Start(int id) {
    // 20 ms ticks, a snapshot every 50 entries, 10 entries kept behind it.
    nodes_[id] = std::make_unique<testing::ChildProcess>(std::vector<std::string>{
        RAFT_NODE_PATH, std::to_string(id), dir_.Sub("node" + std::to_string(id)), peers_, "20", "50", "10"});
  }
  void Kill(int id) { nodes_[id]->Kill(); }
  testing::ChildProcess& node(int id) { return *nodes_[id]; }

  // The leader that the running nodes agree on, with its term.
  std::pair<int, int> WaitForLeader(int not_this = 0, double seconds = 20) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      std::map<int, int> votes;  // leader -> nodes that see it (at their latest report)
      int term = 0;
      for (auto& [id, n] : nodes_) {
        if (!n->running()) continue;
        auto lines = n->Lines();
        for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
          int l, t;
          if (std::sscanf(it->c_str(), "leader %d %d", &l, &t) == 2) {
            if (l != 0) {
              ++votes[l];
              term = std::max(term, t);
            }
            break;
          }
        }
      }
      for (auto [leader, count] : votes) {
        if (count >= 2 && leader != not_this && nodes_[leader]->running()) return {leader, term};
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return {0, 0};
  }

  bool WaitApplied(int id, const std::string& data, double seconds = 30) {
    return !node(id).WaitForLine([&](const std::string& l) {
                    return l.size() > data.size() && l.rfind("applied ", 0) == 0 &&
                           l.compare(l.size() - data.size(), data.size(), data) == 0 &&
                           l[l.size() - data.size() - 1] == ' ';
                  }, seconds).empty();
  }

  std::string State(int id) {
    node(id).WriteLine("dump");
    std::string line = node(id).WaitForLine([](const std::string& l) { return l.rfind("state ", 0) == 0; }, 10);
    return line;
  }

 private:
  testing::TempDir dir_;
  std::string peers_;
  std::map<int, std::unique_ptr<testing::ChildProcess>> nodes_;
};

TEST(RaftCluster, ANewLeaderCommitsAfterTheOldIsKilledAndTheOldCatchesUpBySnapshot) {
  ProcessCluster c;
  for (int id = 1; id <= 3; ++id) c.Start(id);
  auto [leader, term] = c.WaitForLeader();
  ASSERT_NE(0, leader) << "no leader elected";
  for (int i = 1; i <= 20; ++i) c.node(leader).WriteLine("propose a" + std::to_string(i));
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(c.WaitApplied(id, "a20")) << "node " << id;

  c.Kill(leader);  // kill -9
  auto [next, next_term] = c.WaitForLeader(leader);
  ASSERT_NE(0, next) << "no new leader after killing " << leader;
  EXPECT_GT(next_term, term);
  // Far more than the 10 entries kept behind each snapshot.
  for (int i = 1; i <= 150; ++i) c.node(next).WriteLine("propose b" + std::to_string(i));
  for (int id = 1; id <= 3; ++id) {
    if (id != leader) {
      ASSERT_TRUE(c.WaitApplied(id, "b150")) << "node " << id;
    }
  }

  c.Start(leader);
  ASSERT_FALSE(c.node(leader).WaitForLine([](const std::string& l) { return l.rfind("restored ", 0) == 0; }, 30).empty())
      << "the old leader did not receive a snapshot";
  c.node(next).WriteLine("propose final");
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(c.WaitApplied(id, "final")) << "node " << id;
  const std::string state = c.State(next);
  ASSERT_FALSE(state.empty());
  for (int id = 1; id <= 3; ++id) EXPECT_EQ(state, c.State(id)) << "node " << id;
}

}  // namespace
}  // namespace etcfs::consensus
