// raft_node: one Raft member as a process, for the multi-process test and
// the benchmark. Its state machine is the list of applied entries.
//   raft_node ID DATA_DIR PEERS [TICK_MS SNAPSHOT_COUNT CATCH_UP]
//   PEERS: 1=127.0.0.1:7001,2=127.0.0.1:7002,...
// stdin:  "propose DATA", "campaign", "dump", "quit"
// stdout: "leader ID TERM", "applied INDEX DATA", "restored INDEX", "state DATA,DATA,..."
#include <atomic>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "consensus/driver.h"

namespace etcfs::consensus {
namespace {

class ListStateMachine : public StateMachine {
 public:
  void Apply(const std::vector<Entry>& entries) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : entries) {
      if (e.index <= applied_) continue;  // applied before a restart
      applied_ = e.index;
      if (e.type != EntryType::kNormal || e.data.empty()) continue;
      list_.push_back(e.data);
      std::printf("applied %llu %s\n", static_cast<unsigned long long>(e.index.value()), e.data.c_str());
    }
    std::fflush(stdout);
  }
  std::string SnapshotData() override {
    std::lock_guard<std::mutex> lock(mu_);
    return Joined();
  }
  Status Restore(const Snapshot& snap) override {
    std::lock_guard<std::mutex> lock(mu_);
    list_.clear();
    std::stringstream in(snap.data);
    std::string item;
    while (std::getline(in, item, ',')) list_.push_back(item);
    applied_ = snap.meta.index;
    std::printf("restored %llu\n", static_cast<unsigned long long>(snap.meta.index.value()));
    std::fflush(stdout);
    return Status::Ok();
  }
  void OnLeaderChange(NodeId leader, Term term) override {
    std::printf("leader %llu %llu\n", static_cast<unsigned long long>(leader.value()),
                static_cast<unsigned long long>(term.value()));
    std::fflush(stdout);
  }
  std::string Dump() {
    std::lock_guard<std::mutex> lock(mu_);
    return Joined();
  }

 private:
  std::string Joined() const {
    std::string out;
    for (const auto& s : list_) out += (out.empty() ? "" : ",") + s;
    return out;
  }
  std::mutex mu_;
  std::vector<std::string> list_;
  Index applied_;
};

int Main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: raft_node ID DATA_DIR PEERS [TICK_MS SNAPSHOT_COUNT CATCH_UP]\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  DriverOptions o;
  o.id = NodeId(std::stoull(argv[1]));
  o.cluster_id = 0xe7cf5;
  o.wal_metadata = "raft_node " + std::to_string(o.id.value());
  o.data_dir = argv[2];
  std::stringstream peers(argv[3]);
  std::string item;
  while (std::getline(peers, item, ',')) {
    const auto eq = item.find('=');
    const NodeId id(std::stoull(item.substr(0, eq)));
    o.peers[id] = item.substr(eq + 1);
    o.initial_members.push_back(id);
  }
  if (argc > 4) o.tick = std::chrono::milliseconds(std::stoi(argv[4]));
  if (argc > 5) o.snapshot_count = std::stoull(argv[5]);
  if (argc > 6) o.catch_up_entries = std::stoull(argv[6]);
  ListStateMachine sm;
  auto driver = Driver::Open(o, &sm);
  if (!driver.ok()) {
    std::fprintf(stderr, "raft_node: %s\n", driver.status().ToString().c_str());
    return 1;
  }
  (*driver)->Start();
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.rfind("propose ", 0) == 0) {
      (*driver)->Propose(line.substr(8));
    } else if (line == "campaign") {
      (*driver)->Campaign();
    } else if (line == "dump") {
      std::printf("state %s\n", sm.Dump().c_str());
      std::fflush(stdout);
    } else if (line == "quit") {
      break;
    }
  }
  (*driver)->Stop();
  return 0;
}

}  // namespace
}  // namespace etcfs::consensus

int main(int argc, char** argv) { return etcfs::consensus::Main(argc, argv); }
