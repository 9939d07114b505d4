#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// The listing is taken here, once: readdir pages through it by index, so
// offsets stay valid however the directory changes meanwhile. The kernel may
// keep it (cache_readdir) until a change to the directory invalidates it.
void Opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Filesystem& fs = Fs(req);
  if (int err = fs.ConfirmRead(req)) {
    fuse_reply_err(req, err);
    return;
  }
  auto snapshot = std::make_unique<Filesystem::DirSnapshot>();
  if (int err = fs.ListDirectory(ino, snapshot.get())) {
    fuse_reply_err(req, err);
    return;
  }
  fi->fh = reinterpret_cast<uint64_t>(snapshot.get());
  const bool cache = fs.options().consistency == Consistency::kSerializable;
  fi->cache_readdir = cache;
  fi->keep_cache = cache;
  if (fuse_reply_open(req, fi) == 0) snapshot.release();  // released by Releasedir
}

}  // namespace etcfs::fs::ops
