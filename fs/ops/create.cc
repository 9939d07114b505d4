#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// open(O_CREAT) of a new name. The file exists only in this mount until its
// first close or fsync commits it, value and attributes in one revision.
void Create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
  Filesystem& fs = Fs(req);
  const fuse_ctx* ctx = fuse_req_ctx(req);
  Filesystem::Node n;
  if (fs.IsEcho(req)) {  // a file created elsewhere, shown now
    if (int err = fs.EchoReveal(parent, name, false, &n)) {
      fuse_reply_err(req, err);
      return;
    }
    fuse_entry_param e;
    FillEntry(fs, n, &e);
    fi->fh = kEchoHandle;
    fi->keep_cache = fs.options().consistency == Consistency::kSerializable;
    fuse_reply_create(req, &e, fi);
    return;
  }
  int err = fs.ConfirmWritable(req);
  if (err == 0) err = fs.CreatePending(parent, name, mode, ctx->uid, ctx->gid, &n);
  if (err != 0) {
    fuse_reply_err(req, err);
    return;
  }
  fuse_entry_param e;
  FillEntry(fs, n, &e);
  fi->keep_cache = fs.options().consistency == Consistency::kSerializable;
  fuse_reply_create(req, &e, fi);
}

}  // namespace etcfs::fs::ops
