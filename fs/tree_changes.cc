// Filesystem: changes to the tree committed at once, each one transaction
// that returns once applied here: mkdir, mknod, symlink, unlink, rmdir,
// rename and attribute changes.
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>
#include <linux/fs.h>
#include <spdlog/spdlog.h>

#include <cerrno>

#include "base/key_range.h"
#include "fs/filesystem.h"
#include "fs/tree_paths.h"

namespace etcfs::fs {

namespace {

// A rename whose compare failed because the mirror lagged is tried again.
constexpr int kRenameAttempts = 5;

store::PutRequest PutOf(std::string key, std::string value, std::optional<store::FileAttr> attr) {
  store::PutRequest p;
  p.key = std::move(key);
  p.value = std::move(value);
  p.attr = std::move(attr);
  return p;
}

// A compare that holds while `key` does not exist.
store::Compare Absent(const std::string& key) {
  store::Compare c;
  c.result = store::Compare::Result::kEqual;
  c.target = store::Compare::Target::kVersion;
  c.key = key;
  c.number = 0;
  return c;
}

}  // namespace

int Filesystem::MakeDirectory(fuse_req_t req, Ino parent, const char* name, mode_t mode, Node* out) {
  std::string path;
  bool self_value = false;
  if (int err = ResolveChild(parent, name, true, &path, &self_value)) return err;
  if (self_value) return EINVAL;  // "a%" is a file name (the value of a)
  Node existing;
  if (LookupChild(parent, name, &existing) == 0) return EEXIST;
  Node p;
  if (int err = GetNode(parent, &p)) return err;
  const fuse_ctx* ctx = fuse_req_ctx(req);
  store::FileAttr attr;
  attr.explicit_attrs = true;
  attr.mode = mode & 07777;
  attr.uid = ctx->uid;
  attr.gid = ctx->gid;
  attr.kind = store::FileKind::kDirectory;
  const store::FileAttr parent_attr = AttributesOf(p);
  if (parent_attr.mode & S_ISGID) {  // as on a local filesystem: the group and the bit carry down
    attr.gid = parent_attr.gid;
    attr.mode |= S_ISGID;
  }
  const std::string marker = options_.prefix + path + "/";
  store::TxnRequest txn;
  txn.compare.push_back(Absent(marker));
  txn.success.emplace_back(PutOf(marker, "", attr));
  auto r = CommitTxn(req, txn, {marker});
  if (!r.ok()) return ErrnoOf(r.status(), "mkdir", marker);
  if (!r->succeeded) return EEXIST;
  return NodeAt(path + "/", out);
}

int Filesystem::MakeFileNow(fuse_req_t req, Ino parent, const char* name, mode_t mode, Node* out) {
  Node n;
  const fuse_ctx* ctx = fuse_req_ctx(req);
  if (int err = CreatePending(parent, name, mode, ctx->uid, ctx->gid, &n)) return err;
  if (int err = Commit(req, n.ino)) {
    std::lock_guard<std::mutex> lock(buffers_mu_);
    buffers_.erase(n.ino);
    pending_.erase(n.path);
    return err;
  }
  return NodeAt(n.path, out);
}

int Filesystem::MakeSymlink(fuse_req_t req, Ino parent, const char* name, const char* target, Node* out) {
  std::string path;
  bool self_value = false;
  if (int err = ResolveChild(parent, name, true, &path, &self_value)) return err;
  if (IsDirPath(path)) return EINVAL;
  Node existing;
  if (LookupChild(parent, name, &existing) == 0) return EEXIST;
  if (self_value && !DirectoryExists(path + "/")) return EINVAL;
  const fuse_ctx* ctx = fuse_req_ctx(req);
  store::FileAttr attr;
  attr.explicit_attrs = true;
  attr.mode = 0777;
  attr.uid = ctx->uid;
  attr.gid = ctx->gid;
  attr.kind = store::FileKind::kSymlink;
  const std::string key = options_.prefix + path;
  store::TxnRequest txn;
  txn.compare.push_back(Absent(key));
  txn.success.emplace_back(PutOf(key, target, attr));
  auto r = CommitTxn(req, txn, {key});
  if (!r.ok()) return ErrnoOf(r.status(), "symlink", key);
  if (!r->succeeded) return EEXIST;
  return NodeAt(path, out);
}

int Filesystem::Unlink(fuse_req_t req, Ino parent, const char* name) {
  Node n;
  if (int err = LookupChild(parent, name, &n)) return err;
  if (n.kind == Kind::kDirectory) return EISDIR;
  {
    // A descriptor still open on it writes nowhere from now on.
    std::lock_guard<std::mutex> lock(buffers_mu_);
    if (auto it = buffers_.find(n.ino); it != buffers_.end()) {
      std::lock_guard<std::mutex> block(it->second->mu);
      it->second->detached = true;
      it->second->dirty = false;
      it->second->pending_attr.reset();
      buffers_.erase(it);
    }
    pending_.erase(n.path);
  }
  if (n.kv) {
    store::TxnRequest txn;
    txn.success.emplace_back(store::DeleteRangeRequest{KeyOf(n), "", false});
    auto r = CommitTxn(req, txn, {KeyOf(n)});
    if (!r.ok()) return ErrnoOf(r.status(), "unlink", KeyOf(n));
    // Deleted elsewhere between the lookup and the commit: as on a local
    // filesystem, only one of two unlinks of a file succeeds.
    const auto* deleted = r->responses.empty() ? nullptr : std::get_if<store::DeleteRangeResponse>(&r->responses[0]);
    if (deleted != nullptr && deleted->deleted == 0) {
      inodes_.Detach(n.path);
      return ENOENT;
    }
  }
  inodes_.Detach(n.path);
  return 0;
}

int Filesystem::RemoveDirectory(fuse_req_t req, Ino parent, const char* name) {
  Node n;
  if (int err = LookupChild(parent, name, &n)) return err;
  if (n.kind != Kind::kDirectory) return ENOTDIR;
  const std::string marker = KeyOf(n);
  if (HasPendingUnder(n.path) || mirror_.CountKeysUnder(marker, 2) > (n.kv ? 1u : 0u)) return ENOTEMPTY;
  // Nothing but the marker may lie under it when the delete applies.
  store::Compare empty;
  empty.key = marker + std::string(1, '\0');
  empty.range_end = PrefixEnd(marker);
  empty.target = store::Compare::Target::kVersion;
  empty.number = 0;
  store::TxnRequest txn;
  txn.compare.push_back(empty);
  txn.success.emplace_back(store::DeleteRangeRequest{marker, "", false});
  auto r = CommitTxn(req, txn, {marker});
  if (!r.ok()) return ErrnoOf(r.status(), "rmdir", marker);
  if (!r->succeeded) return ENOTEMPTY;
  inodes_.Detach(n.path);
  return 0;
}

int Filesystem::Rename(fuse_req_t req, Ino parent, const char* name, Ino new_parent, const char* new_name,
                       unsigned int flags) {
  if (flags & ~static_cast<unsigned int>(RENAME_NOREPLACE)) return EINVAL;  // RENAME_EXCHANGE, WHITEOUT
  for (int attempt = 1;; ++attempt) {
    Node src;
    if (int err = LookupChild(parent, name, &src)) return err;
    std::string base;
    bool self_value = false;
    if (int err = ResolveChild(new_parent, new_name, true, &base, &self_value)) return err;
    Node dst;
    const bool exists = LookupChild(new_parent, new_name, &dst) == 0;
    if (exists && (flags & RENAME_NOREPLACE)) return EEXIST;
    if (exists && dst.ino == src.ino) return 0;

    store::TxnRequest txn;
    std::vector<std::string> keys;
    std::string dst_path;
    if (src.kind == Kind::kDirectory) {
      if (self_value) return EINVAL;
      dst_path = base + "/";
      if (dst_path.compare(0, src.path.size(), src.path) == 0) return EINVAL;  // into itself
      if (exists) {
        if (dst.kind != Kind::kDirectory) return ENOTDIR;
        if (HasPendingUnder(dst.path) || mirror_.CountKeysUnder(KeyOf(dst), 2) > (dst.kv ? 1u : 0u)) {
          return ENOTEMPTY;
        }
      }
      if (HasPendingUnder(src.path)) {
        // Files still being written below move with their numbers; commit
        // them first so the keys move together.
        std::vector<Ino> inos;
        {
          std::lock_guard<std::mutex> lock(buffers_mu_);
          for (auto it = pending_.lower_bound(src.path);
               it != pending_.end() && it->first.compare(0, src.path.size(), src.path) == 0; ++it) {
            inos.push_back(it->second);
          }
        }
        for (Ino ino : inos) {
          if (int err = Commit(req, ino)) return err;
        }
      }
      const std::string from = KeyOf(src);
      const std::vector<store::KeyValue> kvs = mirror_.KeysUnder(from);
      const size_t ops = kvs.size() + 1 + (exists && dst.kv ? 1 : 0);
      if (ops > static_cast<size_t>(backend_->limits().max_txn_ops)) {
        spdlog::info("fs: rename of {} ({} keys) needs {} operations, more than --max-txn-ops {}; "
                     "answering EXDEV so that mv copies instead", from, kvs.size(), ops,
                     backend_->limits().max_txn_ops);
        return EXDEV;
      }
      // Nothing under the source changed since the mirror's revision.
      store::Compare unchanged;
      unchanged.result = store::Compare::Result::kLess;
      unchanged.target = store::Compare::Target::kMod;
      unchanged.key = from;
      unchanged.range_end = PrefixEnd(from);
      unchanged.number = mirror_.revision() + 1;
      txn.compare.push_back(unchanged);
      txn.success.emplace_back(store::DeleteRangeRequest{from, PrefixEnd(from), false});
      const std::string to = options_.prefix + dst_path;
      // The empty directory replaced goes, unless the source's own marker
      // lands on its key (a txn may not put a key it deletes).
      const bool source_marker = !kvs.empty() && kvs.front().key == from;
      if (exists && dst.kv && !source_marker) {
        txn.success.emplace_back(store::DeleteRangeRequest{KeyOf(dst), "", false});
        keys.push_back(KeyOf(dst));
      }
      for (const store::KeyValue& kv : kvs) {
        store::PutRequest put = PutOf(to + kv.key.substr(from.size()), kv.value, kv.attr);
        put.lease = kv.lease;
        keys.push_back(kv.key);
        keys.push_back(put.key);
        txn.success.emplace_back(std::move(put));
      }
    } else {
      if (IsDirPath(base)) return EINVAL;
      if (exists && dst.kind == Kind::kDirectory) return EISDIR;
      if (!self_value && DirectoryExists(base + "/")) return EISDIR;
      if (self_value && !DirectoryExists(base + "/")) return EINVAL;
      dst_path = base;
      if (src.buffered_size || src.pending_attr) {
        // Written and not yet closed (or never committed): commit first.
        if (int err = Commit(req, src.ino)) return err;
        if (int err = NodeAt(src.path, &src)) return err;
      }
      const std::string from = KeyOf(src);
      const std::string to = options_.prefix + dst_path;
      store::Compare unchanged;
      unchanged.target = store::Compare::Target::kMod;
      unchanged.key = from;
      unchanged.number = src.kv->mod_revision;
      txn.compare.push_back(unchanged);
      txn.success.emplace_back(store::DeleteRangeRequest{from, "", false});
      store::PutRequest put = PutOf(to, src.kv->value, src.kv->attr);
      put.lease = src.kv->lease;
      txn.success.emplace_back(std::move(put));
      keys = {from, to};
    }
    auto r = CommitTxn(req, txn, keys);
    if (!r.ok()) return ErrnoOf(r.status(), "rename", KeyOf(src));
    if (r->succeeded) {
      SplitGhost(dst_path);
      inodes_.Rename(src.path, dst_path);
      std::lock_guard<std::mutex> lock(buffers_mu_);
      std::vector<std::pair<std::string, Ino>> moved;
      for (auto it = pending_.lower_bound(src.path);
           it != pending_.end() && it->first.compare(0, src.path.size(), src.path) == 0;) {
        moved.emplace_back(dst_path + it->first.substr(src.path.size()), it->second);
        it = pending_.erase(it);
      }
      for (auto& [path, ino] : moved) pending_[path] = ino;
      return 0;
    }
    // Someone changed the source meanwhile, or the mirror lagged: look again.
    if (attempt == kRenameAttempts) {
      spdlog::warn("fs: rename of {} kept racing with other writers; giving up with EBUSY", KeyOf(src));
      return EBUSY;
    }
    mirror_.WaitFor(r->revision, options_.commit_timeout);
  }
}

int Filesystem::SetAttributes(fuse_req_t req, const Node& n, const store::FileAttr& attr) {
  if (n.pending_attr) {
    if (auto b = FindBuffer(n.ino)) {
      std::lock_guard<std::mutex> lock(b->mu);
      if (b->pending_attr) {
        b->pending_attr = attr;
        return 0;
      }
    }
  }
  const std::string key = KeyOf(n);
  // The key keeps its value and lease; a directory without a marker gets one.
  store::PutRequest put = PutOf(key, "", attr);
  put.ignore_value = n.kv.has_value();
  put.ignore_lease = n.kv.has_value();
  store::TxnRequest txn;
  txn.success.emplace_back(std::move(put));
  auto r = CommitTxn(req, txn, {key});
  if (!r.ok()) return ErrnoOf(r.status(), "setattr", key);
  return 0;
}

}  // namespace etcfs::fs
