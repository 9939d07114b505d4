#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

void Readlink(fuse_req_t req, fuse_ino_t ino) {
  Filesystem::Node n;
  if (int err = Fs(req).GetNode(ino, &n)) {
    fuse_reply_err(req, err);
    return;
  }
  if (n.kind != Filesystem::Kind::kSymlink) {
    fuse_reply_err(req, EINVAL);
    return;
  }
  fuse_reply_readlink(req, n.kv->value.c_str());
}

}  // namespace etcfs::fs::ops
