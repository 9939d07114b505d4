#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// A key has one name: hard links are refused (cp -a and tar then copy).
void Link(fuse_req_t req, fuse_ino_t, fuse_ino_t, const char*) { fuse_reply_err(req, EPERM); }

}  // namespace etcfs::fs::ops
