#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// Into the file's buffer; committed by close or fsync. A value that would
// outgrow the cluster's request limit fails here with EFBIG.
void Write(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size, off_t off, fuse_file_info*) {
  Filesystem& fs = Fs(req);
  Filesystem::Node n;
  int err = fs.GetNode(ino, &n);
  if (err == 0 && !n.buffered_size) err = fs.ConfirmWritable(req);  // a write session starts
  if (err == 0) err = fs.Write(n, off, buf, size);
  if (err != 0) {
    fuse_reply_err(req, err);
    return;
  }
  fuse_reply_write(req, size);
}

}  // namespace etcfs::fs::ops
