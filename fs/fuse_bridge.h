// The FUSE bridge: the only code that speaks libfuse's low-level request
// API. For each kernel request it builds a Caller, runs the operation
// (fs/ops/ops.h) and replies exactly once with its answer; it also sends the
// kernel's cache invalidations on the session. The session's userdata is the
// Filesystem.
#pragma once

#include <string_view>

#include "fs/kernel_links.h"

struct fuse_lowlevel_ops;
struct fuse_session;

namespace etcfs::fs {

// The operations table of a mount.
const fuse_lowlevel_ops& FuseOps();

// Invalidations sent on a session (fuse_lowlevel_notify_inval_*). ENOENT,
// the common answer (the kernel has no such inode or entry cached), is
// harmless and not logged.
class FuseNotifier : public CacheNotifier {
 public:
  explicit FuseNotifier(fuse_session* session) : session_(session) {}
  void InvalidateEntry(Ino parent, std::string_view name) override;
  void InvalidateInode(Ino ino) override;

 private:
  fuse_session* const session_;
};

}  // namespace etcfs::fs
