// fault_harness: a real etcfsd cluster under faults, checked. Starts N
// members on loopback, runs recording clients (kv_workload.h) while a fault
// thread kills -9 and restarts members (the leader among them) and pauses
// them with SIGSTOP/SIGCONT, then heals the cluster and checks: the history
// is linearizable (which includes: no acknowledged write lost, as the final
// reads through every member must see it), every member ends at the same
// revision with the same hash of its key-value history, and, with file
// clients, every member's mount shows the same tree (diff -r).
//
//   fault_harness --etcfsd PATH [--members 3] [--runs 1] [--seconds 20] [--seed N]
//                 [--clients 8] [--keys 8] [--duration 30m] [--network loopback|netns]
//                 [--file-clients 0] [--full-disk] [--replace-members] [--report FILE]
// With --network netns (root) the faults also include partitions (the leader
// or any member cut off) and 30% packet loss between members (network.h).
// With --file-clients N each member mounts its replica (consistency=
// linearizable) and N of the clients get, put and delete through files.
// With --full-disk (root) the last member's data directory is a small tmpfs
// that the faults fill up; the member must stop with a clear error, and it
// is restarted once space is back. With --replace-members a member is
// killed, removed from the cluster, its data wiped, and added back as a new
// member that catches up from the leader's snapshot (members snapshot every
// 200 entries, keeping 50). A member that exits by itself otherwise fails
// the run.
// Prints its figures (runs, operations checked, faults injected, violations);
// exits 1 on a violation, with the history of the key that has no order.
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>
#include <grpcpp/grpcpp.h>

#include "base/duration.h"
#include "tests/cluster/command_runner.h"
#include "tests/cluster/fault_run.h"
#include "tests/cluster/member_process.h"
#include "tests/cluster/network.h"
#include "tests/cluster/small_disk.h"

namespace etcfs::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string Summary(const Totals& t, double seconds) {
  std::ostringstream out;
  int faults = 0;
  for (const auto& [kind, n] : t.faults) faults += n;
  out << "fault profile: " << t.runs << " runs in " << static_cast<int>(seconds) << " s, " << t.ops_checked
      << " operations checked (" << t.ops_unknown << " with unknown outcome";
  if (t.file_ops > 0) out << ", " << t.file_ops << " through files of the mounts";
  out << "), " << faults
      << " faults injected, violations: " << t.violations;
  if (t.inconclusive_keys > 0) out << ", keys too tangled to check: " << t.inconclusive_keys;
  if (t.failures > 0) out << ", runs that could not finish: " << t.failures;
  if (t.trees_compared > 0) out << ", mount trees compared (diff -r): " << t.trees_compared;
  if (MemberProcess::stuck_kills() > 0) {
    out << ", kills after which the process could not exit until its FUSE connection was aborted: "
        << MemberProcess::stuck_kills();
  }
  out << "\n";
  for (const auto& [kind, n] : t.faults) out << "  " << kind << ": " << n << "\n";
  for (const auto& note : t.notes) out << "  " << note << "\n";
  return out.str();
}

int Main(int argc, char** argv) {
  CLI::App app{"fault_harness: an etcfsd cluster under faults, its history checked for linearizability"};
  HarnessOptions o;
  app.add_option("--etcfsd", o.etcfsd, "The etcfsd binary")->required()->check(CLI::ExistingFile);
  app.add_option("--members", o.members, "Members")->capture_default_str();
  app.add_option("--runs", o.runs, "Runs, each a fresh cluster")->capture_default_str();
  app.add_option("--seconds", o.seconds, "Seconds of load and faults per run")->capture_default_str();
  std::string duration;
  app.add_option("--duration", duration, "Keep starting runs for this long (30m, 2h, 600s); overrides --runs");
  app.add_option("--seed", o.seed, "Seed of the first run (default: from the clock)");
  app.add_option("--clients", o.clients, "Concurrent clients")->capture_default_str();
  app.add_option("--keys", o.keys, "Keys the clients share at a time (fresh ones every second)")->capture_default_str();
  app.add_option("--file-clients", o.file_clients,
                 "Clients that work through files of the members' mounts (each member mounts its replica)")
      ->capture_default_str();
  app.add_flag("--full-disk", o.full_disk, "The last member's data directory on a small tmpfs that faults fill (root)");
  app.add_flag("--replace-members", o.replace_members,
               "Faults also replace a member: removed, wiped, added back, caught up from a snapshot");
  app.add_option("--report", o.report, "Also write the figures to this file");
  app.add_option("--state-budget", o.state_budget,
                 "Search states the checker may remember per key before it calls the key unchecked")
      ->capture_default_str();
  app.add_option("--network", o.network,
                 "loopback, or netns: members in network namespaces, with partitions and packet loss (root)")
      ->check(CLI::IsMember({"loopback", "netns"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (!duration.empty()) {
    auto d = ParseDuration(duration);
    if (!d.ok() || d->count() <= 0) {
      std::fprintf(stderr, "fault_harness: --duration: %s\n", d.ok() ? "must be positive" : d.status().message().c_str());
      return 2;
    }
    o.duration_seconds = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(*d).count());
    o.runs = 0;
  }
  if (o.seed == 0) o.seed = static_cast<uint64_t>(Clock::now().time_since_epoch().count()) % 1000000;
  signal(SIGPIPE, SIG_IGN);
  // Interrupted (Ctrl-C, a CI timeout's SIGTERM): no member, namespace or
  // veth may outlive the harness. Every thread inherits this mask, so the
  // signals reach the waiting thread only.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  std::thread([stop] {
    int sig = 0;
    sigwait(&stop, &sig);
    std::fprintf(stderr, "fault_harness: signal %d: killing the members and removing the networks\n", sig);
    KillAllMembers();
    RemoveAllNetworks();
    RemoveAllSmallDisks();
    _exit(128 + sig);
  }).detach();
  Totals totals;
  const auto start = Clock::now();
  auto more = [&](int r) {
    if (o.duration_seconds == 0) return r < o.runs;
    return Clock::now() + std::chrono::seconds(o.seconds) < start + std::chrono::seconds(o.duration_seconds);
  };
  for (int r = 0; more(r); ++r) {
    const uint64_t seed = o.seed + static_cast<uint64_t>(r);
    std::fprintf(stderr, "run %d, seed %llu (replay it with --seed %llu --runs 1)\n", r + 1,
                 static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
    ++totals.runs;
    FaultRun run(o, seed, &totals);
    if (!run.Go()) {
      if (totals.violations > 0) break;  // the history to look at is printed
      ++totals.failures;
      if (o.duration_seconds == 0) break;  // a soak goes on and reports it
    }
  }
  const std::string summary = Summary(totals, std::chrono::duration<double>(Clock::now() - start).count());
  std::fputs(summary.c_str(), stdout);
  if (!o.report.empty()) std::ofstream(o.report) << summary;
  const bool all_ran = o.duration_seconds > 0 || totals.runs == o.runs;
  return totals.violations == 0 && all_ran && totals.failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace etcfs::testing

int main(int argc, char** argv) {
  etcfs::testing::StartCommandRunner();  // before any thread or mount descriptor
  return etcfs::testing::Main(argc, argv);
}
