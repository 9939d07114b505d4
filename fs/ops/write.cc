#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// Into the file's buffer; committed by close or fsync. A value that would
// outgrow the cluster's request limit fails here with EFBIG.
void Write(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size, off_t off, fuse_file_info* fi) {
  Filesystem& fs = Fs(req);
  Filesystem::Node n;
  int err = fs.GetOpenedNode(ino, OpenedCreateRevision(fi), &n);
  // The file the descriptor opened carries another number now (the echo's
  // ghost took this one, or a rename from elsewhere replaced it): the buffer
  // and the commit at close follow the number, so the write would be lost.
  if (err == 0 && n.ino != ino) err = ESTALE;
  if (err == 0 && !n.buffered_size) err = fs.ConfirmWritable(req);  // a write session starts
  if (err == 0) err = fs.Write(n, off, buf, size);
  if (err != 0) {
    fuse_reply_err(req, err);
    return;
  }
  fuse_reply_write(req, size);
}

}  // namespace etcfs::fs::ops
