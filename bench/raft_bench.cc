// raft_bench: commit throughput and latency of a three-member cluster with
// real WALs and fdatasync, on loopback. Member 1 runs in this process (the
// leader, where the proposers are); members 2 and 3 are raft_node processes.
// For 1, 16 and 256 concurrent proposers of 256-byte entries it prints
// commits/s, latency p50/p90/p99 and fdatasyncs per commit, next to what
// one fdatasync and one loopback round trip cost on this machine.
//
//   raft_bench RAFT_NODE_BINARY [--commits N]
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "consensus/driver.h"
#include "tests/support/child_process.h"
#include "tests/support/free_port.h"
#include "tests/support/temp_dir.h"

namespace etcfs::consensus {
namespace {

using Clock = std::chrono::steady_clock;

// Wakes the proposer whose entry was applied.
class NotifyingStateMachine : public StateMachine {
 public:
  void Apply(const std::vector<Entry>& entries) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : entries) {
      if (e.type != EntryType::kNormal || e.data.size() < 8) continue;
      uint64_t id;
      std::memcpy(&id, e.data.data(), 8);
      done_.insert(id);
      ++applied_;
    }
    cv_.notify_all();
  }
  std::string SnapshotData() override { return ""; }
  Status Restore(const Snapshot&) override { return Status::Ok(); }
  bool Wait(uint64_t id, std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    bool ok = cv_.wait_for(lock, timeout, [&] { return done_.count(id) > 0; });
    done_.erase(id);
    return ok;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<uint64_t> done_;
  uint64_t applied_ = 0;
};

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

// The cost of one 256-byte append and fdatasync on the disk under `dir`.
double FdatasyncSeconds(const std::string& dir) {
  const std::string path = dir + "/fsync-probe";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::string block(256, 'x');
  std::vector<double> t;
  for (int i = 0; i < 200; ++i) {
    auto start = Clock::now();
    if (::write(fd, block.data(), block.size()) < 0 || ::fdatasync(fd) != 0) break;
    t.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  ::close(fd);
  ::unlink(path.c_str());
  return Percentile(t, 0.5);
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: raft_bench RAFT_NODE_BINARY [--commits N]\n");
    return 2;
  }
  const std::string node_binary = argv[1];
  int total = 20000;
  for (int i = 2; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--commits") total = std::atoi(argv[i + 1]);
  }
  spdlog::set_level(spdlog::level::warn);
  testing::TempDir dir;
  std::string peers;
  std::map<NodeId, std::string> peer_map;
  for (int id = 1; id <= 3; ++id) {
    const std::string addr = "127.0.0.1:" + std::to_string(testing::FreePort());
    peer_map[NodeId(id)] = addr;
    peers += (peers.empty() ? "" : ",") + std::to_string(id) + "=" + addr;
  }
  // Followers with a long election timeout, so that member 1 leads.
  std::vector<std::unique_ptr<testing::ChildProcess>> followers;
  for (int id = 2; id <= 3; ++id) {
    followers.push_back(std::make_unique<testing::ChildProcess>(std::vector<std::string>{
        node_binary, std::to_string(id), dir.Sub("node" + std::to_string(id)), peers, "100",
        "1000000", "5000"}));
  }
  NotifyingStateMachine sm;
  DriverOptions o;
  o.id = NodeId(1);
  o.cluster_id = 0xe7cf5;
  o.data_dir = dir.Sub("node1");
  o.peers = peer_map;
  o.initial_members = {NodeId(1), NodeId(2), NodeId(3)};
  o.tick = std::chrono::milliseconds(100);
  o.snapshot_count = 1000000;
  auto driver = Driver::Open(o, &sm);
  if (!driver.ok()) {
    std::fprintf(stderr, "raft_bench: %s\n", driver.status().ToString().c_str());
    return 1;
  }
  (*driver)->Start();
  for (int i = 0; i < 100 && (*driver)->State().state != StateType::kLeader; ++i) {
    if (i % 20 == 0) (*driver)->Campaign();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if ((*driver)->State().state != StateType::kLeader) {
    std::fprintf(stderr, "raft_bench: member 1 did not become leader\n");
    return 1;
  }
  // Let the followers' connections settle before measuring.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  const double fsync = FdatasyncSeconds(dir.path());
  const double rtt = (*driver)->transport().Stats(NodeId(2)).rtt_seconds;
  std::printf("machine: fdatasync p50 %.3f ms, loopback round trip %.3f ms; "
              "floor for one commit (2 fdatasyncs + 1 round trip) %.3f ms\n",
              fsync * 1e3, rtt * 1e3, (2 * fsync + rtt) * 1e3);
  std::printf("%-10s %10s %10s %10s %10s %10s %14s\n", "proposers", "commits", "commits/s", "p50 ms",
              "p90 ms", "p99 ms", "fsyncs/commit");
  const std::string payload(256 - 8, 'p');
  std::atomic<uint64_t> next_id{1};
  for (int proposers : {1, 16, 256}) {
    const int commits = proposers == 1 ? std::min(total, 2000) : total;
    std::atomic<int> remaining{commits};
    std::vector<std::vector<double>> latencies(proposers);
    const uint64_t syncs_before = (*driver)->State().wal_syncs;
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int p = 0; p < proposers; ++p) {
      threads.emplace_back([&, p] {
        while (remaining.fetch_sub(1) > 0) {
          const uint64_t id = next_id++;
          std::string data(8, '\0');
          std::memcpy(data.data(), &id, 8);
          data += payload;
          const auto t0 = Clock::now();
          (*driver)->Propose(std::move(data));
          if (!sm.Wait(id, std::chrono::seconds(10))) {
            ++failures;
            continue;
          }
          latencies[p].push_back(std::chrono::duration<double>(Clock::now() - t0).count());
        }
      });
    }
    for (auto& t : threads) t.join();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::vector<double> all;
    for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    const uint64_t syncs = (*driver)->State().wal_syncs - syncs_before;
    std::printf("%-10d %10zu %10.0f %10.3f %10.3f %10.3f %14.3f%s\n", proposers, all.size(),
                all.size() / secs, Percentile(all, 0.5) * 1e3, Percentile(all, 0.9) * 1e3,
                Percentile(all, 0.99) * 1e3, static_cast<double>(syncs) / std::max<size_t>(1, all.size()),
                failures ? "  (some proposals timed out)" : "");
    std::fflush(stdout);
  }
  (*driver)->Stop();
  return 0;
}

}  // namespace
}  // namespace etcfs::consensus

int main(int argc, char** argv) { return etcfs::consensus::Main(argc, argv); }
