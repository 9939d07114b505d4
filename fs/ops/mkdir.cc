#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

void Mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  Filesystem::Node n;
  if (int err = Fs(req).MakeDirectory(req, parent, name, mode, &n)) {
    fuse_reply_err(req, err);
    return;
  }
  ReplyEntry(req, n);
}

}  // namespace etcfs::fs::ops
