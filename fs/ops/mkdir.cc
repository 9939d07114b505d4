#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

void Mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  Filesystem& fs = Fs(req);
  Filesystem::Node n;
  // The echo's mkdir shows a directory made elsewhere (IN_CREATE|IN_ISDIR).
  if (int err = fs.IsEcho(req) ? fs.EchoReveal(parent, name, true, &n) : fs.MakeDirectory(req, parent, name, mode, &n)) {
    fuse_reply_err(req, err);
    return;
  }
  ReplyEntry(req, n);
}

}  // namespace etcfs::fs::ops
