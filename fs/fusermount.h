// An ordinary user's mount, made by fusermount3 (the setuid helper of the
// fuse3 package) and started with posix_spawn.
//
// libfuse 3.14 starts fusermount3 with fork() from this multi-threaded
// process, and its child calls setenv before exec: a lock another thread held
// at the fork (the allocator's, under the sanitizers) is never released in
// the child, which then spins forever, and the mount with it. posix_spawn
// runs none of our code in the child. libfuse then serves the /dev/fuse
// descriptor fusermount3 sends back, given as the mount point /dev/fd/N.
#pragma once

#include <string>

#include "base/result.h"

namespace etcfs::fs::fusermount {

// Mounts a FUSE filesystem on `dir` with fusermount3's `options` ("-o");
// returns the /dev/fuse descriptor to serve it on (close-on-exec).
Result<int> Mount(const std::string& dir, const std::string& options);

// Detaches the mount on `dir` (fusermount3 -u -z: lazily, if files are open).
Status Unmount(const std::string& dir);

}  // namespace etcfs::fs::fusermount
