// ApplyQueue: committed entries handed from the Raft loop to a thread of
// their own, so that a long apply (one request deleting 100,000 keys) does
// not hold up heartbeats and elections. Batches are applied in order; the
// Raft loop waits only when more than `max_bytes` are queued, which bounds
// memory and lets a slow store push back on the leader.
//
// Threads: Push, Drain and the destructor from any thread (the Raft loop);
// `apply` runs on the queue's own thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "consensus/types.h"

namespace etcfs::server {

class ApplyQueue {
 public:
  using ApplyFn = std::function<void(const std::vector<consensus::Entry>&)>;
  ApplyQueue(ApplyFn apply, size_t max_bytes);
  // Applies what is queued, then joins.
  ~ApplyQueue();
  ApplyQueue(const ApplyQueue&) = delete;
  ApplyQueue& operator=(const ApplyQueue&) = delete;

  // Queues a batch; waits while the queue is over its limit.
  void Push(std::vector<consensus::Entry> entries);
  // Waits until everything pushed before the call has been applied.
  void Drain();

 private:
  void Loop();

  ApplyFn apply_;
  const size_t max_bytes_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<consensus::Entry>> batches_;  // guarded by mu_
  size_t queued_bytes_ = 0;                            // guarded by mu_
  bool busy_ = false;                                  // applying a batch; guarded by mu_
  bool stopping_ = false;                              // guarded by mu_
  std::thread thread_;
};

}  // namespace etcfs::server
