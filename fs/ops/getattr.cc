#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

void Getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  Filesystem::Node n;
  if (int err = Fs(req).GetNode(ino, &n)) {
    fuse_reply_err(req, err);
    return;
  }
  ReplyAttr(req, n);
}

}  // namespace etcfs::fs::ops
