#include <sys/stat.h>

#include "fs/ops/changes.h"
#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

namespace {

std::optional<kv::FileKind> SpecialKindOf(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFIFO: return kv::FileKind::kFifo;
    case S_IFSOCK: return kv::FileKind::kSocket;
    case S_IFCHR: return kv::FileKind::kCharDevice;
    case S_IFBLK: return kv::FileKind::kBlockDevice;
    default: return std::nullopt;
  }
}

}  // namespace

// A regular file is committed at once (no descriptor will close it).
int Mknod(Filesystem& fs, const Caller& c, Ino parent, const char* name, mode_t mode, dev_t rdev, Entry* out) {
  if (auto kind = SpecialKindOf(mode)) {
    // A named pipe, socket or device: a key with an empty value, its kind
    // and number in its attributes. The kernel serves what is opened (a pipe
    // between two processes of one node, a socket, a device on a mount
    // without nodev); the key only names it, on every node.
    kv::FileAttr attr = NewAttr(c, mode, *kind);
    attr.rdev = rdev;
    return CreateWhole(fs, c, parent, name, "", attr, "mknod", out);
  }
  if (!S_ISREG(mode)) return EINVAL;
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
