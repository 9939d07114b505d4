// ReadBarrier: what -o consistency=linearizable adds before a lookup, an
// open or an opendir: the mirror first catches up with every write completed
// before the request (the backend's ReadIndex). A failure is remembered for
// a moment: one path walk asks several times in a row (the kernel
// revalidates, then looks up again), and each must not wait the whole
// commit_timeout again.
//
// Threads: thread-safe (one mutex, never held while waiting).
#pragma once

#include <chrono>
#include <mutex>

#include "fs/caller.h"
#include "fs/kv_backend.h"
#include "fs/mirror.h"
#include "fs/mount_options.h"

namespace etcfs::fs {

class ReadBarrier {
 public:
  ReadBarrier(KvBackend* backend, const Mirror* mirror, const MountOptions& options)
      : backend_(backend), mirror_(mirror), options_(options) {}

  // 0 once the mirror holds every write completed before the call (at once
  // on a serializable mount); else the errno: ETIMEDOUT (no quorum), EINTR.
  int Confirm(const Caller& c);

 private:
  KvBackend* const backend_;
  const Mirror* const mirror_;
  const MountOptions& options_;

  std::mutex mu_;
  std::chrono::steady_clock::time_point failed_at_;  // guarded by mu_
  int failed_errno_ = 0;                            // guarded by mu_
};

}  // namespace etcfs::fs
