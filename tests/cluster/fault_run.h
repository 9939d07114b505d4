// FaultRun: one run of the fault harness (fault_harness_main.cc): a fresh
// cluster of etcfsd members started, loaded by recording clients while
// faults are injected, healed, and checked (linearizable history, equal
// hashes, identical mounts).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "tests/cluster/member_process.h"
#include "tests/cluster/network.h"
#include "tests/cluster/small_disk.h"

namespace etcfs::testing {

struct HarnessOptions {
  std::string etcfsd;
  int members = 3;
  int runs = 1;
  int seconds = 20;
  int duration_seconds = 0;  // > 0: as many runs as fit
  uint64_t seed = 0;
  int clients = 8;
  int keys = 8;
  int file_clients = 0;
  bool full_disk = false;
  bool replace_members = false;
  std::string report;
  std::string network = "loopback";  // or netns
  size_t state_budget = 500'000;
};

struct Totals {
  int runs = 0;
  uint64_t ops_checked = 0, ops_unknown = 0, file_ops = 0, trees_compared = 0;
  std::map<std::string, int> faults;
  int violations = 0;
  size_t inconclusive_keys = 0;
  int failures = 0;  // runs that could not finish (a cluster that did not start or heal)
  std::vector<std::string> notes;
};

class FaultRun {
 public:
  using Clock = std::chrono::steady_clock;

  FaultRun(const HarnessOptions& o, uint64_t seed, Totals* totals);
  ~FaultRun();
  // Returns whether the run found no violation.
  bool Go();

 private:
  static std::string Took(Clock::time_point since);
  bool Fail(const std::string& why);
  bool WaitServing(Clock::time_point deadline);
  int Leader();
  int Pick(const std::string& what);
  void Sleep(int lo_ms, int hi_ms);
  // Members that ended by themselves: noted (a failure of the run), restarted.
  void ReapExits();
  // The last member's disk fills up for a while. It may go on (its WAL
  // segment is preallocated) or stop with exit status 1 and a message that
  // says the disk is full; either way, once space is back it must catch up.
  void FillDisk();
  std::unique_ptr<etcdserverpb::Cluster::Stub> ClusterStub(const MemberProcess& m);
  // Kill -9 a member, remove it from the cluster, wipe its data and add it
  // back as a new member: it starts empty and installs the leader's snapshot.
  void ReplaceMember();
  void InjectFaults(Clock::time_point until);
  void Heal();
  // Every member's mount shows the tree of the first's. A mount catches up
  // with its member's applied changes through its watch, so allow it time.
  bool SameTrees(std::string* why);
  // Every member at the same revision and applied index, with equal hashes.
  bool SameHashes(std::string* why);

  const HarnessOptions& o_;
  std::mt19937_64 rng_;
  uint64_t seed_;
  Totals* totals_;
  std::string dir_;
  bool failed_ = false;
  std::string setup_error_;
  std::string exits_;  // members that exited by themselves, or could not rejoin
  std::unique_ptr<NamespaceNetwork> net_;  // declared before the members: they go first
  std::unique_ptr<SmallDisk> disk_;        // likewise
  std::vector<std::unique_ptr<MemberProcess>> members_;
};

}  // namespace etcfs::testing
