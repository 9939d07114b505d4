#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// The last descriptor went away. Its close already committed (FLUSH); this
// catches a buffer changed after that (a write through mmap).
void Release(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) { fuse_reply_err(req, Fs(req).Commit(req, ino)); }

}  // namespace etcfs::fs::ops
