#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// One transaction; RENAME_NOREPLACE is honoured, RENAME_EXCHANGE answered EINVAL.
void Rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent, const char* newname,
            unsigned int flags) {
  fuse_reply_err(req, Fs(req).Rename(req, parent, name, newparent, newname, flags));
}

}  // namespace etcfs::fs::ops
