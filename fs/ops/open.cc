#include <fcntl.h>

#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// Serializable mounts answer ENOSYS once, and the kernel then opens files
// without asking (keeping their cached pages): a cached open+read+close
// never leaves the kernel. Writes still reach the buffer, and close still
// sends FLUSH, which commits. Linearizable mounts confirm with the leader on
// every open and let the kernel keep nothing.
int Open(Filesystem& fs, const Caller& c, Ino ino, int flags, Opened* out) {
  if (fs.options().consistency == Consistency::kSerializable) return ENOSYS;
  if (c.echo) {  // replaying committed state: nothing to confirm
    out->fh = file_handle::kEcho;
    return 0;
  }
  if (int err = fs.ConfirmRead(c)) return err;
  Node n;
  if (int err = fs.tree().ToOpen(ino, &n)) return err;
  out->keep_cache = false;
  out->fh = file_handle::Opened(n, (flags & O_ACCMODE) == O_RDONLY);
  return 0;
}

}  // namespace etcfs::fs::ops
