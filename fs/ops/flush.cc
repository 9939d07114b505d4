#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// close(): commits what was written, and returns once it is applied here.
// The echo's close commits nothing: what it replays is committed already
// (and the buffer may hold a local writer's unfinished data).
void Flush(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  Filesystem& fs = Fs(req);
  fuse_reply_err(req, fs.IsEcho(req) ? 0 : fs.Flush(req, ino));
}

}  // namespace etcfs::fs::ops
