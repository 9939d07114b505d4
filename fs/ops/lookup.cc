#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

void Lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Filesystem& fs = Fs(req);
  if (int err = fs.ConfirmRead(req)) {
    fuse_reply_err(req, err);
    return;
  }
  Filesystem::Node n;
  int err = fs.LookupFor(req, parent, name, &n);
  if (err == ENOENT) {
    ReplyNegativeEntry(req);
  } else if (err != 0) {
    fuse_reply_err(req, err);
  } else {
    ReplyEntry(req, n);
  }
}

}  // namespace etcfs::fs::ops
