#include <linux/fs.h>
#include <spdlog/spdlog.h>

#include "base/key_range.h"
#include "fs/errno_of.h"
#include "fs/ops/changes.h"
#include "fs/ops/ops.h"
#include "fs/tree_paths.h"

namespace etcfs::fs::ops {

namespace {

// A rename whose compare failed because the mirror lagged is tried again.
constexpr int kRenameAttempts = 5;

// One rename as a transaction, and the keys it touches.
struct Plan {
  kv::TxnRequest txn;
  std::vector<std::string> keys;
  std::string dst_path;
};

// A directory and every key below it move in one transaction, which holds
// only if nothing below changed since the mirror's revision.
int PlanDirectory(Filesystem& fs, const Caller& c, const Node& src, const std::string& base, bool self_value,
                  bool exists, const Node& dst, Plan* plan) {
  if (self_value) return EINVAL;
  plan->dst_path = base + "/";
  if (plan->dst_path.compare(0, src.path.size(), src.path) == 0) return EINVAL;  // into itself
  if (exists) {
    if (dst.kind != Kind::kDirectory) return ENOTDIR;
    if (fs.buffers().HasPendingUnder(dst.path) ||
        fs.mirror().CountKeysUnder(fs.tree().KeyOf(dst), 2) > (dst.kv ? 1u : 0u)) {
      return ENOTEMPTY;
    }
  }
  // Files still being written below move with their numbers; commit them
  // first so the keys move together.
  for (Ino ino : fs.buffers().PendingUnder(src.path)) {
    if (int err = fs.Commit(c, ino)) return err;
  }
  const std::string from = fs.tree().KeyOf(src);
  const std::vector<kv::KeyValue> kvs = fs.mirror().KeysUnder(from);
  const size_t ops = kvs.size() + 1 + (exists && dst.kv ? 1 : 0);
  const int max_ops = fs.backend().limits().max_txn_ops;
  if (ops > static_cast<size_t>(max_ops)) {
    spdlog::info("fs: rename of {} ({} keys) needs {} operations, more than --max-txn-ops {}; "
                 "answering EXDEV so that mv copies instead", from, kvs.size(), ops, max_ops);
    return EXDEV;
  }
  kv::Compare unchanged;
  unchanged.result = kv::Compare::Result::kLess;
  unchanged.target = kv::Compare::Target::kMod;
  unchanged.key = from;
  unchanged.range_end = PrefixEnd(from);
  unchanged.number = fs.mirror().revision() + 1;
  plan->txn.compare.push_back(unchanged);
  plan->txn.success.emplace_back(kv::DeleteRangeRequest{from, PrefixEnd(from), false});
  const std::string to = fs.options().prefix + plan->dst_path;
  // The empty directory replaced goes, unless the source's own marker lands
  // on its key (a txn may not put a key it deletes).
  const bool source_marker = !kvs.empty() && kvs.front().key == from;
  if (exists && dst.kv && !source_marker) {
    plan->txn.success.emplace_back(kv::DeleteRangeRequest{fs.tree().KeyOf(dst), "", false});
    plan->keys.push_back(fs.tree().KeyOf(dst));
  }
  for (const kv::KeyValue& kv : kvs) {
    kv::PutRequest put = PutOf(to + kv.key.substr(from.size()), kv.value, kv.attr);
    put.lease = kv.lease;
    plan->keys.push_back(kv.key);
    plan->keys.push_back(put.key);
    plan->txn.success.emplace_back(std::move(put));
  }
  return 0;
}

// A file's key moves (value, lease and attributes), if it did not change
// since it was looked up.
int PlanFile(Filesystem& fs, const Caller& c, Node src, const std::string& base, bool self_value, bool exists,
             const Node& dst, Plan* plan) {
  TreeView& tree = fs.tree();
  if (IsDirPath(base)) return EINVAL;
  if (exists && dst.kind == Kind::kDirectory) return EISDIR;
  if (!self_value && tree.DirectoryExists(base + "/")) return EISDIR;
  if (self_value && !tree.DirectoryExists(base + "/")) return EINVAL;
  plan->dst_path = base;
  if (src.buffered_size || src.pending_attr) {
    // Written and not yet closed (or never committed): commit first.
    if (int err = fs.Commit(c, src.ino)) return err;
    if (int err = tree.At(src.path, &src)) return err;
  }
  const std::string from = tree.KeyOf(src);
  const std::string to = fs.options().prefix + plan->dst_path;
  kv::Compare unchanged;
  unchanged.target = kv::Compare::Target::kMod;
  unchanged.key = from;
  unchanged.number = src.kv->mod_revision;
  plan->txn.compare.push_back(unchanged);
  plan->txn.success.emplace_back(kv::DeleteRangeRequest{from, "", false});
  kv::PutRequest put = PutOf(to, src.kv->value, src.kv->attr);
  put.lease = src.kv->lease;
  plan->txn.success.emplace_back(std::move(put));
  plan->keys = {from, to};
  return 0;
}

}  // namespace

// One transaction; renaming onto an existing file replaces it atomically.
// The echo's rename shows one made elsewhere (IN_MOVED_FROM/IN_MOVED_TO).
int Rename(Filesystem& fs, const Caller& c, Ino parent, const char* name, Ino new_parent, const char* new_name,
           unsigned int flags) {
  TreeView& tree = fs.tree();
  if (c.echo) {
    std::string from, to;
    bool self_value = false;
    if (int err = tree.Resolve(parent, name, false, &from, &self_value)) return err;
    if (int err = tree.Resolve(new_parent, new_name, false, &to, &self_value)) return err;
    return fs.echo_state()->Move(from, to);
  }
  if (flags & ~static_cast<unsigned int>(RENAME_NOREPLACE)) return EINVAL;  // RENAME_EXCHANGE, WHITEOUT
  for (int attempt = 1;; ++attempt) {
    Node src;
    if (int err = tree.Child(parent, name, &src)) return err;
    std::string base;
    bool self_value = false;
    if (int err = tree.Resolve(new_parent, new_name, true, &base, &self_value)) return err;
    Node dst;
    const bool exists = tree.Child(new_parent, new_name, &dst) == 0;
    if (exists && (flags & RENAME_NOREPLACE)) return EEXIST;
    if (exists && dst.ino == src.ino) return 0;

    // A file renamed over stays with the descriptors open on it.
    std::optional<kv::KeyValue> replaced;
    if (exists && dst.kind != Kind::kDirectory && src.kind != Kind::kDirectory) replaced = fs.OpenCopyOf(dst);
    Plan plan;
    const int err = src.kind == Kind::kDirectory ? PlanDirectory(fs, c, src, base, self_value, exists, dst, &plan)
                                                 : PlanFile(fs, c, src, base, self_value, exists, dst, &plan);
    if (err != 0) return err;
    auto r = fs.CommitTxn(c, plan.txn, plan.keys);
    if (!r.ok() && r.status().code() == StatusCode::kResourceExhausted) {
      // Too many bytes for one request (the cluster refused it before
      // proposing): mv copies instead, file by file.
      spdlog::info("fs: rename of {} is larger than one request may be (--max-request-bytes); answering EXDEV "
                   "so that mv copies instead", tree.KeyOf(src));
      return EXDEV;
    }
    if (!r.ok()) return ErrnoOf(r.status(), "rename", tree.KeyOf(src));
    if (r->succeeded) {
      if (replaced) {
        fs.orphans().Keep(dst.ino, std::move(*replaced));
        fs.buffers().Discard(dst.ino, dst.path);
      }
      if (fs.echo_state() != nullptr) fs.echo_state()->Split(plan.dst_path);
      fs.inodes().Rename(src.path, plan.dst_path);
      fs.buffers().MovePending(src.path, plan.dst_path);
      return 0;
    }
    // Someone changed the source meanwhile, or the mirror lagged: look again.
    if (attempt == kRenameAttempts) {
      spdlog::warn("fs: rename of {} kept racing with other writers; giving up with EBUSY", tree.KeyOf(src));
      return EBUSY;
    }
    fs.mirror().WaitFor(r->revision, fs.options().commit_timeout);
  }
}

}  // namespace etcfs::fs::ops
