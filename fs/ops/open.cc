#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// Serializable mounts answer ENOSYS once, and the kernel then opens files
// without asking (keeping their cached pages): a cached open+read+close
// never leaves the kernel. Writes still reach the buffer, and close still
// sends FLUSH, which commits. Linearizable mounts confirm with the leader on
// every open and let the kernel keep nothing.
void Open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Filesystem& fs = Fs(req);
  if (fs.options().consistency == Consistency::kSerializable) {
    fuse_reply_err(req, ENOSYS);
    return;
  }
  if (fs.IsEcho(req)) {  // replaying committed state: nothing to confirm
    fi->fh = kEchoHandle;
    fuse_reply_open(req, fi);
    return;
  }
  if (int err = fs.ConfirmRead(req)) {
    fuse_reply_err(req, err);
    return;
  }
  Filesystem::Node n;
  if (int err = fs.NodeToOpen(ino, &n)) {
    fuse_reply_err(req, err);
    return;
  }
  fi->keep_cache = 0;
  fi->fh = OpenedHandle(n);
  fuse_reply_open(req, fi);
}

}  // namespace etcfs::fs::ops
