// Lessor: lease expiry, decided by the leader's clock and carried out through
// Raft. On the leader it tracks when each lease runs out (a new leader starts
// every lease afresh from its checkpointed remainder, or its full TTL), and
// proposes a revoke for each lease that expired; it also checkpoints the
// remaining TTLs periodically, so they survive a leader change. Keep-alives
// renew a lease on the leader only. Followers track nothing.
//
// Threads: Run() is its loop, on a thread the node owns; the other methods
// are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>

#include "etcfs/request.pb.h"

#include "base/executor.h"
#include "base/result.h"

namespace etcfs::server {

class Node;

class Lessor {
 public:
  using Clock = std::chrono::steady_clock;
  Lessor(Node* node, std::chrono::milliseconds checkpoint_interval)
      : node_(node), checkpoint_interval_(checkpoint_interval) {}

  // Checks expiries every `tick` until Stop().
  void Run(std::chrono::milliseconds tick);
  void Stop();

  // Renews a lease to its full TTL. Returns the TTL, 0 for an unknown lease.
  // Errors: FailedPrecondition ("etcdserver: not leader") on a follower.
  Result<int64_t> Renew(int64_t id);
  // Seconds left, as this node knows it (on the leader: until expiry).
  int64_t Remaining(int64_t id, int64_t granted_ttl, int64_t checkpointed);

 private:
  void Step();
  // Proposes `req` on the lessor's own thread, unless stopping.
  void Propose(requestpb::Request req);

  Node* node_;
  std::chrono::milliseconds checkpoint_interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                       // guarded by mu_
  bool leading_ = false;                        // guarded by mu_
  std::map<int64_t, Clock::time_point> expiry_;  // guarded by mu_
  std::map<int64_t, Clock::time_point> revoking_;  // proposed, not yet applied; guarded by mu_
  Clock::time_point last_checkpoint_;            // guarded by mu_
  // Last member: its thread finishes (skipping what is queued once
  // stopping) before the rest goes.
  WorkerThread proposer_{"lessor"};
};

}  // namespace etcfs::server
