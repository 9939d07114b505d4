#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

void Rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Filesystem& fs = Fs(req);
  fuse_reply_err(req, fs.IsEcho(req) ? fs.EchoRetire(parent, name, true) : fs.RemoveDirectory(req, parent, name));
}

}  // namespace etcfs::fs::ops
