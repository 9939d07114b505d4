#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// Permissions are checked by the kernel (default_permissions) against the
// mode, uid and gid we report; this only says whether the node exists.
int Access(Filesystem& fs, const Caller&, Ino ino) {
  Node n;
  return fs.tree().Get(ino, &n);
}

}  // namespace etcfs::fs::ops
