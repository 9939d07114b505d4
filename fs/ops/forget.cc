#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// Inode numbers live as long as the mount (fs/inode_table.h): nothing to free.
void Forget(fuse_req_t req, fuse_ino_t, uint64_t) { fuse_reply_none(req); }

void ForgetMulti(fuse_req_t req, size_t, fuse_forget_data*) { fuse_reply_none(req); }

}  // namespace etcfs::fs::ops
