#include <sys/stat.h>

#include "fs/errno_of.h"
#include "fs/ops/changes.h"
#include "fs/ops/ops.h"
#include "fs/tree_paths.h"

namespace etcfs::fs::ops {

namespace {

// A named pipe, socket or device: a key with an empty value, its kind and
// device number in its attributes. The kernel serves what is opened (a pipe
// between two processes of one node, a socket, a device on a mount without
// nodev); the key only names it, on every node.
int MknodSpecial(Filesystem& fs, const Caller& c, Ino parent, const char* name, kv::FileKind kind, mode_t mode,
                 dev_t rdev, Entry* out) {
  TreeView& tree = fs.tree();
  std::string path;
  bool self_value = false;
  if (c.echo) {  // shows one made elsewhere: the committed kind, mode and number
    if (int err = tree.Resolve(parent, name, false, &path, &self_value)) return err;
    if (int err = fs.echo_state()->Reveal(path)) return err;
  } else {
    if (int err = tree.Resolve(parent, name, true, &path, &self_value)) return err;
    if (IsDirPath(path)) return EINVAL;
    Node existing;
    if (tree.Child(parent, name, &existing) == 0) return EEXIST;
    if (self_value && !tree.DirectoryExists(path + "/")) return EINVAL;
    const std::string key = fs.options().prefix + path;
    kv::FileAttr attr = NewAttr(c, mode, kind);
    attr.rdev = rdev;
    kv::TxnRequest txn;
    txn.compare.push_back(Absent(key));
    txn.success.emplace_back(PutOf(key, "", attr));
    auto r = fs.CommitTxn(c, txn, {key});
    if (!r.ok()) return ErrnoOf(r.status(), "mknod", key);
    if (!r->succeeded) return EEXIST;
  }
  if (int err = tree.At(path, &out->node)) return err;
  Reference(fs, &out->node);
  return 0;
}

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
  if (auto kind = SpecialKindOf(mode)) return MknodSpecial(fs, c, parent, name, *kind, mode, rdev, out);
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
