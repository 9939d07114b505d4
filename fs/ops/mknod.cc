#include <spdlog/spdlog.h>

#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// Regular files only: a key cannot be a device, a FIFO or a socket.
void Mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t) {
  if (!S_ISREG(mode)) {
    spdlog::info("fs: mknod of {} refused: only regular files, directories and symlinks can be keys", name);
    fuse_reply_err(req, EPERM);
    return;
  }
  Filesystem::Node n;
  if (int err = Fs(req).MakeFileNow(req, parent, name, mode, &n)) {
    fuse_reply_err(req, err);
    return;
  }
  ReplyEntry(req, n);
}

}  // namespace etcfs::fs::ops
