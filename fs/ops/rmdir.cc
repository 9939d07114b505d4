#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

void Rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  fuse_reply_err(req, Fs(req).RemoveDirectory(req, parent, name));
}

}  // namespace etcfs::fs::ops
