#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// One transaction; RENAME_NOREPLACE is honoured, RENAME_EXCHANGE answered
// EINVAL. The echo's rename shows one made elsewhere (IN_MOVED_FROM/TO).
void Rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent, const char* newname,
            unsigned int flags) {
  Filesystem& fs = Fs(req);
  fuse_reply_err(req, fs.IsEcho(req) ? fs.EchoRename(parent, name, newparent, newname)
                                     : fs.Rename(req, parent, name, newparent, newname, flags));
}

}  // namespace etcfs::fs::ops
