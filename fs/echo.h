// Echo: replays changes made elsewhere (another node's mount, the etcd API,
// a lease expiring) as real operations on this node's own mount, so that the
// kernel raises the inotify events a local change would: it raises none for
// cache invalidations. The operations go through an EchoTarget
// (fs/kernel_links.h): the mount directory for a real mount. The handlers
// recognise the echo's requests (Caller::echo, from its thread id) and
// answer them from the committed state, proposing nothing.
//
// Per path, changes coalesce while queued (the last state is what is
// replayed); paths are replayed in the order they first changed. Queuing
// never blocks: nothing here stalls the apply path or the FUSE workers.
//
// Threads: one thread of its own, never a FUSE worker (an operation on the
// mount from a handler would wait for itself); or, for tests, none: the
// test replays what is queued when it chooses (ReplayQueued).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "fs/kernel_links.h"

namespace etcfs::fs {

class Echo {
 public:
  // What changed at a path (bits, combined while queued), replayed in this
  // order: what went (kDelete, kRmdir, kMove away), what came (kMkdir,
  // kSymlink, kCreate), then kContent and kAttributes. Directory paths end in '/'.
  enum What : unsigned {
    kContent = 1,
    kAttributes = 2,
    kCreate = 4,
    kDelete = 8,
    kMkdir = 16,
    kRmdir = 32,
    kSymlink = 64,
    kMove = 128,  // renamed to `to`
    // A named pipe, socket or device node created (mknod of that type).
    kFifo = 256,
    kSocket = 512,
    kCharDevice = 1024,
    kBlockDevice = 2048,
  };
  static constexpr unsigned kSpecialNodes = kFifo | kSocket | kCharDevice | kBlockDevice;

  // `before_replay` runs before each replay (the filesystem sends its
  // pending invalidations, so that the kernel fetches the new state);
  // `visible` names a path as the kernel does (nullopt: not shown);
  // `failed` hears of each path whose create, delete or move could not be
  // replayed (the filesystem then shows it as it is, without events).
  Echo(std::function<void()> before_replay,
       std::function<std::optional<std::string>(const std::string&)> visible,
       std::function<void(const std::string&)> failed);
  ~Echo();

  // Replays through `target` from now on, on a thread of its own (or, with
  // `own_thread` false, whenever ReplayQueued is called), until Stop.
  void Start(EchoTarget* target, bool own_thread = true);
  void Stop();

  // `path`: the key's path below the mount prefix; `to`: where kMove took
  // it. Never blocks.
  void Changed(const std::string& path, unsigned what, const std::string& to = "");

  // Whether `tid` is the echo's thread.
  bool IsEcho(pid_t tid) const { return tid == tid_.load(std::memory_order_relaxed); }
  // Waits until every change queued before the call was replayed, or
  // `timeout` passes; false on timeout. Not from a FUSE handler. Without a
  // thread of its own: whether nothing is queued.
  bool Drain(std::chrono::milliseconds timeout);
  // Without a thread of its own: replays everything queued, on the caller's
  // thread; returns how many paths were replayed or given up.
  size_t ReplayQueued();
  uint64_t replayed() const { return replayed_.load(); }
  uint64_t failed() const { return failures_.load(); }

 private:
  struct Pending {
    unsigned what = 0;
    std::string to;  // kMove's destination
  };
  void Run();
  // Takes the next queued path (REQUIRES: mu_ held, the queue not empty).
  std::pair<std::string, Pending> Next();
  // Replays one path and counts it done.
  void ReplayOne(const std::string& path, const Pending& p);
  bool Replay(const std::string& path, const Pending& p);

  const std::function<void()> before_replay_;
  const std::function<std::optional<std::string>(const std::string&)> visible_;
  const std::function<void(const std::string&)> failed_;
  EchoTarget* target_ = nullptr;
  bool own_thread_ = true;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> order_;          // guarded by mu_
  std::map<std::string, Pending> what_;    // guarded by mu_
  bool stop_ = false;                      // guarded by mu_
  uint64_t queued_total_ = 0;              // guarded by mu_ (paths queued)
  uint64_t done_total_ = 0;                // guarded by mu_ (paths replayed or given up)
  std::condition_variable drained_cv_;
  std::thread thread_;

  std::atomic<pid_t> tid_{-1};
  std::atomic<uint64_t> replayed_{0};
  std::atomic<uint64_t> failures_{0};
};

}  // namespace etcfs::fs
