#include "fs/errno_of.h"
#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// Deletes the file's key. Descriptors still open on it go on with the file
// as it was (Orphans), and nothing they write reaches the key space. The
// echo's unlink retires a file deleted elsewhere (IN_DELETE), kept the
// same way for its descriptors.
int Unlink(Filesystem& fs, const Caller& c, Ino parent, const char* name) {
  TreeView& tree = fs.tree();
  if (c.echo) {
    std::string path;
    bool self_value = false;
    if (int err = tree.Resolve(parent, name, false, &path, &self_value)) return err;
    // Descriptors still open on the file deleted elsewhere keep it, as for
    // an unlink here.
    Node gone;
    std::optional<kv::KeyValue> open_copy;
    if (tree.GhostAt(path, &gone) == 0 && gone.kind != Kind::kDirectory) open_copy = fs.OpenCopyOf(gone);
    if (int err = fs.echo_state()->Retire(path)) return err;
    if (open_copy) {
      fs.buffers().Discard(gone.ino, path);
      fs.orphans().Keep(gone.ino, std::move(*open_copy));
    }
    return 0;
  }
  Node n;
  if (int err = tree.Child(parent, name, &n)) return err;
  if (n.kind == Kind::kDirectory) return EISDIR;
  std::optional<kv::KeyValue> open_copy = fs.OpenCopyOf(n);
  fs.buffers().Discard(n.ino, n.path);
  if (n.kv) {
    const std::string key = tree.KeyOf(n);
    kv::TxnRequest txn;
    txn.success.emplace_back(kv::DeleteRangeRequest{key, "", false});
    auto r = fs.CommitTxn(c, txn, {key});
    if (!r.ok()) return ErrnoOf(r.status(), "unlink", key);
    // Deleted elsewhere between the lookup and the commit: as on a local
    // filesystem, only one of two unlinks of a file succeeds.
    const auto* deleted = r->responses.empty() ? nullptr : std::get_if<kv::DeleteRangeResponse>(&r->responses[0]);
    if (deleted != nullptr && deleted->deleted == 0) {
      fs.inodes().Detach(n.path);
      return ENOENT;
    }
  }
  if (open_copy) fs.orphans().Keep(n.ino, std::move(*open_copy));
  fs.inodes().Detach(n.path);
  return 0;
}

}  // namespace etcfs::fs::ops
