// Caller: who makes one request of the filesystem. The FUSE bridge
// (fs/fuse_bridge.cc) builds one per kernel request; tests build their own.
// The filesystem's rules read nothing else about a request, so every rule
// runs, and is tested, without a kernel.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>

#include "fs/kv_backend.h"

namespace etcfs::fs {

struct Caller {
  uid_t uid = 0;
  gid_t gid = 0;
  // The calling thread (what FUSE calls the request's pid); 0 when the
  // kernel does not say (RELEASE, FORGET).
  pid_t tid = 0;
  // The mount's own echo (fs/echo.h), replaying a change already committed:
  // its operations reveal, retire or move what the change made, and propose
  // nothing.
  bool echo = false;
  // Whether the kernel gave up on the request (FUSE_INTERRUPT); polled while
  // a commit waits. Empty: never.
  std::function<bool()> interrupted;
};

// How long a backend call made for `c` may wait, and when it gives up.
inline CallOptions CallOf(const Caller& c, std::chrono::milliseconds timeout) {
  return CallOptions{timeout, c.interrupted};
}

}  // namespace etcfs::fs
