#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

int Readlink(Filesystem& fs, const Caller&, Ino ino, std::string* target) {
  Node n;
  if (int err = fs.tree().Get(ino, &n)) return err;
  if (n.kind != Kind::kSymlink) return EINVAL;
  *target = n.kv->value;
  return 0;
}

}  // namespace etcfs::fs::ops
