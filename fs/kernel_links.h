// What the filesystem reaches of the kernel once it is mounted, each behind
// a small interface so that the rules run without one: the FUSE bridge
// (fs/fuse_bridge.cc) and the echo's mount directory (fs/echo_target.cc)
// implement them for a real mount, tests for their stand-in.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "fs/inode_table.h"

namespace etcfs::fs {

// How invalidations reach the kernel's caches (sent from the Invalidator's
// thread, never from a request handler).
class CacheNotifier {
 public:
  virtual ~CacheNotifier() = default;
  // The name `name` in directory `parent` may now mean something else.
  virtual void InvalidateEntry(Ino parent, std::string_view name) = 0;
  // The inode's attributes and content (a directory's: its listing) changed.
  virtual void InvalidateInode(Ino ino) = 0;
};

// The operations the echo (fs/echo.h) performs on its own mount, each one
// system call's worth on a path as the kernel names it (relative to the
// mount). Each answers 0 or an errno.
class EchoTarget {
 public:
  virtual ~EchoTarget() = default;
  virtual int Unlink(const std::string& path) = 0;
  virtual int Rmdir(const std::string& path) = 0;
  virtual int Rename(const std::string& from, const std::string& to) = 0;
  virtual int Mkdir(const std::string& path) = 0;
  virtual int Symlink(const std::string& path) = 0;
  // mknod of `type` (S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK): IN_CREATE.
  virtual int Mknod(const std::string& path, mode_t type) = 0;
  // Opens `path` for writing (created exclusively when `create`; opened as
  // it is when it exists already), truncates it to its own size and closes
  // it: IN_CREATE, IN_MODIFY, IN_CLOSE_WRITE, and no data crosses.
  virtual int Rewrite(const std::string& path, bool create) = 0;
  // Sets its mode to the mode it has: IN_ATTRIB.
  virtual int Touch(const std::string& path) = 0;
};

// What the filesystem asks about the process behind a request, beyond the
// request itself.
class ProcessProbe {
 public:
  virtual ~ProcessProbe() = default;
  // Whether thread `tid` is inside open(2): the kernel sends open(O_TRUNC)'s
  // truncate exactly as truncate(2)'s, but the first is followed by writes
  // and a close, the second by nothing.
  virtual bool InOpen(pid_t tid) = 0;
  // Whether the process of thread `tid` still holds a descriptor on inode
  // `ino` of this mount (the descriptor being closed is gone by FLUSH).
  virtual bool HoldsInode(pid_t tid, Ino ino) = 0;
};

}  // namespace etcfs::fs
