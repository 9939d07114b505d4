#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

int Readdir(Filesystem& fs, const Caller&, Ino ino, DirSnapshot* listing) {
  if (listing->taken) return 0;
  if (int err = fs.tree().List(ino, listing)) return err;
  listing->taken = true;
  return 0;
}

}  // namespace etcfs::fs::ops
