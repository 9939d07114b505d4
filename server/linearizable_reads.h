// LinearizableReads: etcd's batched ReadIndex (its linearizableReadLoop).
// A linearizable read must see every write committed before it began, so it
// asks the leader for the commit index (Raft thesis §6.4) and waits until
// this member has applied that far. Asking once per read costs a heartbeat
// round each; here readers that arrive while a round is in flight wait for
// the next one, and one round — one ReadIndex, one heartbeat round — serves
// them all: it starts after each of its readers arrived, so its index covers
// every write committed before any of them.
//
// Threads: the object runs one loop thread of its own. Wait is thread-safe
// and blocks; Await does not: its callback runs on the loop thread when the
// round ends. OnReadState (the Raft loop) and OnApplied (the apply thread)
// never block beyond a short lock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/result.h"

namespace etcfs::server {

struct LinearizableReadsOptions {
  // Asks Raft for a read index tagged `ctx` (Driver::ReadIndex); its answer
  // comes back through OnReadState. Must not block. Default: none (required).
  std::function<void(std::string ctx)> read_index;
  // Prefix of each round's tag, unique to this member. Default: empty.
  std::string ctx_prefix;
  // A request asked while there is no leader is dropped, so an unanswered
  // round asks again after this (etcd: two heartbeats). Default: 200 ms.
  std::chrono::milliseconds retry{200};
  // A round that found no answer or did not catch up within this fails its
  // readers with Timeout (etcd's request timeout). Default: 7 s.
  std::chrono::milliseconds round_timeout{7000};
};

class LinearizableReads {
 public:
  // `applied`: the index this member's store has applied at start.
  LinearizableReads(LinearizableReadsOptions options, uint64_t applied);
  // Ends the loop; readers still waiting get Unavailable, and it returns
  // once they have left Wait.
  ~LinearizableReads();
  LinearizableReads(const LinearizableReads&) = delete;
  LinearizableReads& operator=(const LinearizableReads&) = delete;

  // Waits until this member has applied every write committed before the
  // call. Errors: Timeout (the round failed, or `deadline` passed first),
  // Unavailable (stopping).
  Status Wait(std::chrono::steady_clock::time_point deadline);
  // Wait without waiting: `done` hears the round's outcome on the loop
  // thread (Unavailable at once when stopping). It must not block; the
  // round's other readers wait for it.
  void Await(std::function<void(Status)> done);

  // Raft's answer to a ReadIndex: `ctx` may be served at `index`.
  void OnReadState(std::string_view ctx, uint64_t index);
  // The store has applied every entry up to `index`.
  void OnApplied(uint64_t index);

  // Rounds run so far (one per batch of readers), for tests and metrics.
  uint64_t rounds() const;
  // Readers waiting for the next round (not the one in flight), for tests.
  int queued() const;

 private:
  struct Round {
    std::condition_variable cv;  // waits on mu_
    bool started = false;        // a reader asked for it
    int readers = 0;
    bool done = false;
    Status result;
    std::vector<std::function<void(Status)>> callbacks;  // Await's readers
  };

  void Loop();
  // One round's ReadIndex and catch-up. REQUIRES: mu_ held (released while asking).
  Status RunRound(std::unique_lock<std::mutex>& lock);

  const LinearizableReadsOptions options_;
  mutable std::mutex mu_;
  std::condition_variable loop_cv_;      // the loop waits on it, with mu_
  std::shared_ptr<Round> next_;          // readers join it; guarded by mu_
  std::string ctx_;                      // the running round's tag; guarded by mu_
  std::optional<uint64_t> read_index_;   // its answer; guarded by mu_
  uint64_t applied_;                     // guarded by mu_
  uint64_t rounds_ = 0;                  // guarded by mu_
  bool stopping_ = false;                // guarded by mu_
  int inside_ = 0;                       // readers in Wait; guarded by mu_
  std::condition_variable left_cv_;      // the destructor waits on it, with mu_
  std::thread loop_;
};

}  // namespace etcfs::server
