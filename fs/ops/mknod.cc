#include <spdlog/spdlog.h>

#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// Regular files only: a key cannot be a device, a FIFO or a socket. The file
// is committed at once (no descriptor will close it).
int Mknod(Filesystem& fs, const Caller& c, Ino parent, const char* name, mode_t mode, dev_t, Entry* out) {
  if (!S_ISREG(mode)) {
    spdlog::info("fs: mknod of {} refused: only regular files, directories and symlinks can be keys", name);
    return EPERM;
  }
  Node n;
  if (int err = CreatePending(fs, c, parent, name, mode, &n)) return err;
  if (int err = fs.Commit(c, n.ino)) {
    fs.buffers().Discard(n.ino, n.path);
    return err;
  }
  if (int err = fs.tree().At(n.path, &out->node)) return err;
  Reference(fs, &out->node);
  return 0;
}

}  // namespace etcfs::fs::ops
