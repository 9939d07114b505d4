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
  } else if (fs.IsEcho(req)) {
    // What the echo finds may be a ghost (deleted elsewhere, kept for its
    // unlink or rename): the kernel must not hand that name to anyone else
    // from its cache, so the entry is not cached at all.
    fuse_entry_param e;
    FillEntry(fs, n, &e);
    e.entry_timeout = 0;
    e.attr_timeout = 0;
    fuse_reply_entry(req, &e);
  } else {
    ReplyEntry(req, n);
  }
}

}  // namespace etcfs::fs::ops
