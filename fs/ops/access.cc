#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// Permissions are checked by the kernel (default_permissions) against the
// mode, uid and gid we report; this only says whether the node exists.
void Access(fuse_req_t req, fuse_ino_t ino, int) {
  Filesystem::Node n;
  fuse_reply_err(req, Fs(req).GetNode(ino, &n));
}

}  // namespace etcfs::fs::ops
