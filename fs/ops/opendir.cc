#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// The listing is taken once per open directory, at its first readdir (an ls
// the kernel answers from its cache never needs it): readdir pages through
// it by index, so offsets stay valid however the directory changes
// meanwhile. The kernel keeps it (cache_readdir) until a change to the
// directory invalidates it.
int Opendir(Filesystem& fs, const Caller& c, Ino ino, Opened* out) {
  if (int err = fs.ConfirmRead(c)) return err;
  Node n;
  if (int err = fs.tree().Get(ino, &n)) return err;
  if (n.kind != Kind::kDirectory) return ENOTDIR;
  const bool cache = fs.options().consistency == Consistency::kSerializable;
  out->cache_readdir = cache;
  out->keep_cache = cache;
  return 0;
}

}  // namespace etcfs::fs::ops
