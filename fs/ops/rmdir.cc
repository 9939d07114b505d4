#include "base/key_range.h"
#include "fs/errno_of.h"
#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// Deletes the directory's marker, if nothing else lies under it when the
// delete applies. The echo's rmdir retires a directory removed elsewhere.
int Rmdir(Filesystem& fs, const Caller& c, Ino parent, const char* name) {
  TreeView& tree = fs.tree();
  if (c.echo) {
    std::string path;
    bool self_value = false;
    if (int err = tree.Resolve(parent, name, false, &path, &self_value)) return err;
    return fs.echo_state()->Retire(path + "/");
  }
  Node n;
  if (int err = tree.Child(parent, name, &n)) return err;
  if (n.kind != Kind::kDirectory) return ENOTDIR;
  const std::string marker = tree.KeyOf(n);
  if (fs.buffers().HasPendingUnder(n.path) || fs.mirror().CountKeysUnder(marker, 2) > (n.kv ? 1u : 0u)) {
    return ENOTEMPTY;
  }
  kv::Compare empty;
  empty.key = marker + std::string(1, '\0');
  empty.range_end = PrefixEnd(marker);
  empty.target = kv::Compare::Target::kVersion;
  empty.number = 0;
  kv::TxnRequest txn;
  txn.compare.push_back(empty);
  txn.success.emplace_back(kv::DeleteRangeRequest{marker, "", false});
  auto r = fs.CommitTxn(c, txn, {marker});
  if (!r.ok()) return ErrnoOf(r.status(), "rmdir", marker);
  if (!r->succeeded) return ENOTEMPTY;
  fs.inodes().Detach(n.path);
  return 0;
}

}  // namespace etcfs::fs::ops
