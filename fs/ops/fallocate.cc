#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// A value has no blocks to reserve or punch.
void Fallocate(fuse_req_t req, fuse_ino_t, int, off_t, off_t, fuse_file_info*) { fuse_reply_err(req, EOPNOTSUPP); }

}  // namespace etcfs::fs::ops
