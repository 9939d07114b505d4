#include "fs/ops/changes.h"
#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// The target is the key's value. The echo's symlink shows one made
// elsewhere; its target is the committed one.
int Symlink(Filesystem& fs, const Caller& c, const char* target, Ino parent, const char* name, Entry* out) {
  return CreateWhole(fs, c, parent, name, target, NewAttr(c, 0777, kv::FileKind::kSymlink), "symlink", out);
}

}  // namespace etcfs::fs::ops
