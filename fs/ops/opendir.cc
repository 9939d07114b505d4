#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// The listing is taken once per open directory, at its first readdir (an ls
// the kernel answers from its cache never needs it): readdir pages through
// it by index, so offsets stay valid however the directory changes
// meanwhile. The kernel keeps it (cache_readdir) until a change to the
// directory invalidates it.
void Opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Filesystem& fs = Fs(req);
  if (int err = fs.ConfirmRead(req)) {
    fuse_reply_err(req, err);
    return;
  }
  Filesystem::Node n;
  if (int err = fs.GetNode(ino, &n)) {
    fuse_reply_err(req, err);
    return;
  }
  if (n.kind != Filesystem::Kind::kDirectory) {
    fuse_reply_err(req, ENOTDIR);
    return;
  }
  auto snapshot = std::make_unique<Filesystem::DirSnapshot>();
  fi->fh = reinterpret_cast<uint64_t>(snapshot.get());
  const bool cache = fs.options().consistency == Consistency::kSerializable;
  fi->cache_readdir = cache;
  fi->keep_cache = cache;
  if (fuse_reply_open(req, fi) == 0) snapshot.release();  // released by Releasedir
}

}  // namespace etcfs::fs::ops
