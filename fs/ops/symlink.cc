#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

void Symlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name) {
  Filesystem::Node n;
  if (int err = Fs(req).MakeSymlink(req, parent, name, link, &n)) {
    fuse_reply_err(req, err);
    return;
  }
  ReplyEntry(req, n);
}

}  // namespace etcfs::fs::ops
