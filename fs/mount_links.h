// The kernel links of a real mount (fs/kernel_links.h) that are not the
// FUSE session's: the echo's operations on the mounted directory, and what
// /proc says about the process behind a request.
#pragma once

#include <sys/types.h>

#include <string>

#include "fs/kernel_links.h"

namespace etcfs::fs {

// The echo's operations as system calls on the mounted directory `dir`. The
// modes and the symlink target given are placeholders: the handlers answer
// the echo with the committed state.
class MountDirEchoTarget : public EchoTarget {
 public:
  explicit MountDirEchoTarget(std::string dir) : dir_(std::move(dir)) {}
  int Unlink(const std::string& path) override;
  int Rmdir(const std::string& path) override;
  int Rename(const std::string& from, const std::string& to) override;
  int Mkdir(const std::string& path) override;
  int Symlink(const std::string& path) override;
  int Mknod(const std::string& path, mode_t type) override;
  int Rewrite(const std::string& path, bool create) override;
  int Touch(const std::string& path) override;

 private:
  std::string Full(const std::string& path) const { return dir_ + "/" + path; }
  const std::string dir_;
};

// Answers from /proc: the calling thread's system call (/proc/TID/syscall)
// and its process's descriptors (/proc/TID/fd) on the mount's device.
class ProcProbe : public ProcessProbe {
 public:
  // `mount_dev`: the mount's st_dev.
  explicit ProcProbe(dev_t mount_dev) : mount_dev_(mount_dev) {}
  bool InOpen(pid_t tid) override;
  bool HoldsInode(pid_t tid, Ino ino) override;

 private:
  const dev_t mount_dev_;
};

}  // namespace etcfs::fs
