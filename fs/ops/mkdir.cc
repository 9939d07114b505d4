#include "fs/errno_of.h"
#include "fs/ops/changes.h"
#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// A marker key holds the new directory (etcfs(5)). The echo's mkdir shows a
// directory made elsewhere (IN_CREATE|IN_ISDIR).
int Mkdir(Filesystem& fs, const Caller& c, Ino parent, const char* name, mode_t mode, Entry* out) {
  TreeView& tree = fs.tree();
  std::string path;
  bool self_value = false;
  if (c.echo) {
    if (int err = tree.Resolve(parent, name, false, &path, &self_value)) return err;
    if (int err = fs.echo_state()->Reveal(path + "/")) return err;
  } else {
    if (int err = tree.Resolve(parent, name, true, &path, &self_value)) return err;
    if (self_value) return EINVAL;  // "a%" is a file name (the value of a)
    Node existing;
    if (tree.Child(parent, name, &existing) == 0) return EEXIST;
    Node p;
    if (int err = tree.Get(parent, &p)) return err;
    kv::FileAttr attr = NewAttr(c, mode, kv::FileKind::kDirectory);
    const kv::FileAttr parent_attr = tree.AttributesOf(p);
    if (parent_attr.mode & S_ISGID) {  // as on a local filesystem: the group and the bit carry down
      attr.gid = parent_attr.gid;
      attr.mode |= S_ISGID;
    }
    const std::string marker = fs.options().prefix + path + "/";
    kv::TxnRequest txn;
    txn.compare.push_back(Absent(marker));
    txn.success.emplace_back(PutOf(marker, "", attr));
    auto r = fs.CommitTxn(c, txn, {marker});
    if (!r.ok()) return ErrnoOf(r.status(), "mkdir", marker);
    if (!r->succeeded) return EEXIST;
  }
  if (int err = tree.At(path + "/", &out->node)) return err;
  Reference(fs, &out->node);
  return 0;
}

}  // namespace etcfs::fs::ops
