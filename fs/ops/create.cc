#include "base/wall_clock.h"
#include "fs/ops/ops.h"
#include "fs/tree_paths.h"

namespace etcfs::fs::ops {

int CreatePending(Filesystem& fs, const Caller& c, Ino parent, const char* name, mode_t mode, Node* out) {
  TreeView& tree = fs.tree();
  std::string path;
  bool self_value = false;
  if (int err = tree.Resolve(parent, name, true, &path, &self_value)) return err;
  if (IsDirPath(path)) return EINVAL;  // "%" can only be a directory
  Node existing;
  if (tree.Child(parent, name, &existing) == 0) return EEXIST;
  if (self_value && !tree.DirectoryExists(path + "/")) return EINVAL;  // "a%" names the value of directory a
  kv::FileAttr attr;
  attr.explicit_attrs = true;
  attr.mode = mode & 07777;
  attr.uid = c.uid;
  attr.gid = c.gid;
  attr.mtime_ns = WallClockNs();
  attr.kind = kv::FileKind::kFile;
  if (fs.echo_state() != nullptr) fs.echo_state()->Split(path);
  fs.buffers().AddPending(path, fs.inodes().Assign(path), attr);
  return tree.At(path, out);
}

// open(O_CREAT) of a new name. The file exists only in this mount until its
// first close or fsync commits it, value and attributes in one revision.
// The echo's create shows a file created elsewhere.
int Create(Filesystem& fs, const Caller& c, Ino parent, const char* name, mode_t mode, Entry* entry, Opened* out) {
  const bool cache = fs.options().consistency == Consistency::kSerializable;
  if (c.echo) {
    std::string path;
    bool self_value = false;
    if (int err = fs.tree().Resolve(parent, name, false, &path, &self_value)) return err;
    if (int err = fs.echo_state()->Reveal(path)) return err;
    if (int err = fs.tree().At(path, &entry->node)) return err;
    out->fh = file_handle::kEcho;
  } else {
    if (int err = fs.ConfirmWritable(c)) return err;
    if (int err = CreatePending(fs, c, parent, name, mode, &entry->node)) return err;
  }
  out->keep_cache = cache;
  Reference(fs, &entry->node);
  return 0;
}

}  // namespace etcfs::fs::ops
