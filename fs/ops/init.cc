#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// What the mount asks of the kernel (see ../shared/notes/fuse-on-this-kernel.md):
// - no writeback cache: each write() reaches the buffer before it returns,
//   so that close() can commit it and EFBIG is answered at write();
// - no atomic O_TRUNC: open(O_TRUNC) then arrives as a truncate, which the
//   buffer takes like any other write;
// - readdirplus when the kernel finds it useful, symlinks cached;
// - POSIX ACLs checked by the kernel, which then caches that a file has none
//   (ls -l asks for system.posix_acl_access of every file).
void Init(void*, fuse_conn_info* conn) {
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  conn->want &= ~FUSE_CAP_ATOMIC_O_TRUNC;
  if (conn->capable & FUSE_CAP_READDIRPLUS) conn->want |= FUSE_CAP_READDIRPLUS;
  if (conn->capable & FUSE_CAP_READDIRPLUS_AUTO) conn->want |= FUSE_CAP_READDIRPLUS_AUTO;
  if (conn->capable & FUSE_CAP_CACHE_SYMLINKS) conn->want |= FUSE_CAP_CACHE_SYMLINKS;
  if (conn->capable & FUSE_CAP_PARALLEL_DIROPS) conn->want |= FUSE_CAP_PARALLEL_DIROPS;
  if (conn->capable & FUSE_CAP_POSIX_ACL) conn->want |= FUSE_CAP_POSIX_ACL;
}

}  // namespace etcfs::fs::ops
