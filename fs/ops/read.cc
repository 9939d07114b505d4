#include <string>

#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

void Read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  Filesystem& fs = Fs(req);
  Filesystem::Node n;
  std::string data;
  int err = fs.GetOpenedNode(ino, OpenedCreateRevision(fi), &n);
  if (err == 0) err = fs.Read(n, off, size, &data);
  if (err != 0) {
    fuse_reply_err(req, err);
    return;
  }
  fuse_reply_buf(req, data.data(), data.size());
}

}  // namespace etcfs::fs::ops
