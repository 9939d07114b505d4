#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

int Fsync(Filesystem& fs, const Caller& c, Ino ino) { return fs.Commit(c, ino); }

}  // namespace etcfs::fs::ops
