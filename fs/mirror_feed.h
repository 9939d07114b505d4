// MirrorFeed: keeps a mount's Mirror current. A range of the prefix fills
// it, and a watch from that revision applies every change made since. A
// watch that fell behind compaction cannot go on; the feed then loads the
// prefix again and watches from there (a resync), from a thread of its own,
// since the watch's thread cannot wait for itself.
//
// Threads: Start and Stop from the owner; the hooks run on the backend's
// watch thread (on_change under the mirror's lock) or on the resync thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "fs/kv_backend.h"
#include "fs/mirror.h"

namespace etcfs::fs {

class MirrorFeed {
 public:
  struct Hooks {
    // Each change applied, under the mirror's lock (Mirror::Apply).
    Mirror::Observer on_change;
    // After the changes of one watch update were applied.
    std::function<void()> after_update;
    // The mirror was loaded again: anything the kernel caches may be stale.
    std::function<void()> after_resync;
  };

  MirrorFeed(KvBackend* backend, Mirror* mirror, std::string prefix, Hooks hooks);
  ~MirrorFeed();

  // Fills the mirror (a range of the prefix) and starts the watch from there.
  Status Start();
  // Ends the watch; no hook runs after it returns.
  void Stop();
  uint64_t resyncs() const { return resyncs_.load(); }

 private:
  void OnUpdate(WatchUpdate update);
  void Resync();

  KvBackend* const backend_;
  Mirror* const mirror_;
  const std::string prefix_;
  const Hooks hooks_;
  std::atomic<uint64_t> resyncs_{0};

  std::mutex mu_;
  std::condition_variable stopped_cv_;
  std::unique_ptr<KvWatch> watch_;  // guarded by mu_
  bool stopping_ = false;           // guarded by mu_
  bool resync_pending_ = false;     // guarded by mu_
  std::thread resync_thread_;       // guarded by mu_
};

}  // namespace etcfs::fs
