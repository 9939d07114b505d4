#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

void Fsync(fuse_req_t req, fuse_ino_t ino, int, fuse_file_info*) { fuse_reply_err(req, Fs(req).Commit(req, ino)); }

}  // namespace etcfs::fs::ops
