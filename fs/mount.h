// Mount: a Filesystem attached to a directory through /dev/fuse, served by
// libfuse's multi-threaded loop until destroyed.
//
// A mount left behind by a daemon that died ("Transport endpoint is not
// connected") is detected and detached before mounting again; a directory
// that a live filesystem is mounted on is refused.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "base/result.h"
#include "base/status.h"
#include "fs/filesystem.h"
#include "fs/fuse_bridge.h"
#include "fs/mount_links.h"

struct fuse_session;

namespace etcfs::fs {

class Mount {
 public:
  // Mounts `fs` (started) on `dir`. The filesystem must outlive the mount.
  // `on_unmounted` runs (on the mount's thread) if the mount goes away on
  // its own, by `umount DIR`, rather than by destroying this object.
  static Result<std::unique_ptr<Mount>> Create(Filesystem* fs, std::string dir,
                                               std::function<void()> on_unmounted = {});
  // Unmounts (lazily, if files are still open) and waits for the workers.
  ~Mount();

  const std::string& dir() const { return dir_; }

 private:
  Mount(Filesystem* fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}

  Filesystem* fs_;
  std::string dir_;
  fuse_session* session_ = nullptr;
  // What the filesystem reaches of the kernel (KernelLinks), once mounted.
  std::unique_ptr<FuseNotifier> notifier_;
  std::unique_ptr<MountDirEchoTarget> echo_target_;
  std::unique_ptr<ProcProbe> processes_;
  bool by_fusermount_ = false;  // an ordinary user's mount (fusermount.h)
  std::atomic<bool> destroying_{false};
  std::thread loop_;
};

// Detaches a dead FUSE mount on `dir`, if there is one. Returns an error for
// a live mount or a directory that cannot be used.
Status ClearStaleMount(const std::string& dir);

}  // namespace etcfs::fs
