// Invalidator: tells the kernel which cached entries and inodes a change made
// stale (through a CacheNotifier: fs/kernel_links.h), from a thread of its
// own. A notification waits for the kernel's locks on that inode, which a
// FUSE request in flight may hold while it waits for a commit to apply, so
// it is never sent from a handler or from the apply path.
//
// Threads: Entry, Inode and Drain are thread-safe and never block on the
// kernel.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "fs/kernel_links.h"

namespace etcfs::fs {

class Invalidator {
 public:
  Invalidator();
  ~Invalidator();  // drops what is queued

  // Where invalidations go; nullptr (the default) drops them.
  void SetNotifier(CacheNotifier* notifier);
  // The name `name` in directory `parent` may now mean something else.
  void Entry(uint64_t parent, std::string name);
  // The inode's attributes and content (for a directory: its listing) changed.
  void Inode(uint64_t ino);
  // Waits until everything queued before the call was sent, or `timeout`
  // passes; false on timeout. Never call it from a FUSE handler: a queued
  // invalidation may need an inode lock the handler's caller holds.
  bool Drain(std::chrono::milliseconds timeout);
  uint64_t sent() const;

 private:
  void Run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable drained_cv_;
  CacheNotifier* notifier_ = nullptr;                   // guarded by mu_
  std::deque<std::pair<uint64_t, std::string>> queue_;  // guarded by mu_; name empty: inode
  std::set<std::pair<uint64_t, std::string>> queued_;   // guarded by mu_ (dedupes)
  uint64_t queued_total_ = 0;                           // guarded by mu_
  uint64_t done_total_ = 0;                             // guarded by mu_
  uint64_t sent_ = 0;                                   // guarded by mu_
  bool stop_ = false;                                   // guarded by mu_
  bool sending_ = false;  // a notification in flight, outside mu_; guarded by mu_
  // Tests only (ETCFS_TEST_INVALIDATION_DELAY_MS): a kernel slow to take
  // invalidations, to show that nothing answers before they are sent.
  const std::chrono::milliseconds test_delay_;
  std::thread thread_;
};

}  // namespace etcfs::fs
