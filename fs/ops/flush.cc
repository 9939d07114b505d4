#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// close(): commits what was written, and returns once it is applied here.
void Flush(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) { fuse_reply_err(req, Fs(req).Commit(req, ino)); }

}  // namespace etcfs::fs::ops
