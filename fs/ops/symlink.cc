#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

void Symlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name) {
  Filesystem& fs = Fs(req);
  Filesystem::Node n;
  // The echo's symlink shows one made elsewhere; its target is the committed one.
  if (int err = fs.IsEcho(req) ? fs.EchoReveal(parent, name, false, &n) : fs.MakeSymlink(req, parent, name, link, &n)) {
    fuse_reply_err(req, err);
    return;
  }
  ReplyEntry(req, n);
}

}  // namespace etcfs::fs::ops
