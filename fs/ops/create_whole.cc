#include "fs/errno_of.h"
#include "fs/ops/changes.h"
#include "fs/ops/ops.h"
#include "fs/tree_paths.h"

namespace etcfs::fs::ops {

int CreateWhole(Filesystem& fs, const Caller& c, Ino parent, const char* name, const std::string& value,
                const kv::FileAttr& attr, const char* what, Entry* out) {
  TreeView& tree = fs.tree();
  std::string path;
  bool self_value = false;
  if (c.echo) {  // shows one made elsewhere, as committed
    if (int err = tree.Resolve(parent, name, false, &path, &self_value)) return err;
    if (int err = fs.echo_state()->Reveal(path)) return err;
  } else {
    if (int err = tree.Resolve(parent, name, true, &path, &self_value)) return err;
    if (IsDirPath(path)) return EINVAL;
    Node existing;
    if (tree.Child(parent, name, &existing) == 0) return EEXIST;
    if (self_value && !tree.DirectoryExists(path + "/")) return EINVAL;
    const std::string key = fs.options().prefix + path;
    kv::TxnRequest txn;
    txn.compare.push_back(Absent(key));
    txn.success.emplace_back(PutOf(key, value, attr));
    auto r = fs.CommitTxn(c, txn, {key});
    if (!r.ok()) return ErrnoOf(r.status(), what, key);
    if (!r->succeeded) return EEXIST;
  }
  if (int err = tree.At(path, &out->node)) return err;
  Reference(fs, &out->node);
  return 0;
}

}  // namespace etcfs::fs::ops
