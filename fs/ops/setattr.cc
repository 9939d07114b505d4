#include "base/wall_clock.h"
#include "fs/errno_of.h"
#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

namespace {

// chmod, chown, utimens: the key keeps its value and lease; a directory
// without a marker gets one. A file not yet committed keeps them in its buffer.
int SetAttributes(Filesystem& fs, const Caller& c, const Node& n, const kv::FileAttr& attr) {
  if (n.orphan) {  // fchmod of a file unlinked while open: its own copy
    fs.orphans().Update(n.ino, [&](kv::KeyValue& kv) {
      kv.attr = attr;
      if (kv.attr.mtime_ns == 0) kv.attr.mtime_ns = WallClockNs();
      if (kv.attr.atime_ns == kv::kAtimeOfEntry) kv.attr.atime_ns = kv.attr.mtime_ns;
      kv.ctime_ns = WallClockNs();
    });
    return 0;
  }
  if (n.pending_attr) {
    if (auto b = fs.buffers().Find(n.ino)) {
      std::lock_guard<std::mutex> lock(b->mu);
      if (b->pending_attr) {
        b->pending_attr = attr;
        return 0;
      }
    }
  }
  const std::string key = fs.tree().KeyOf(n);
  kv::PutRequest put;
  put.key = key;
  put.attr = attr;
  put.ignore_value = n.kv.has_value();
  put.ignore_lease = n.kv.has_value();
  kv::TxnRequest txn;
  txn.success.emplace_back(std::move(put));
  auto r = fs.CommitTxn(c, txn, {key});
  return r.ok() ? 0 : ErrnoOf(r.status(), "setattr", key);
}

}  // namespace

// chmod, chown, utimens and truncate. A truncate joins the file's buffer like
// a write: ftruncate() and open(O_TRUNC) are committed by the close that
// follows (the kernel sends their time bits with the size); truncate(2) on a
// path has no descriptor to close, so it is committed at once.
int Setattr(Filesystem& fs, const Caller& c, Ino ino, const AttrChange& change, Node* out) {
  Node n;
  if (int err = fs.tree().Get(ino, &n)) return err;
  // The echo's truncate or chmod replays a committed change: the answer is
  // the committed state, whatever it asked.
  if (c.echo) {
    *out = std::move(n);
    return 0;
  }
  AttrChange::Time mtime = change.mtime;
  if (change.size) {
    const bool opening = !change.descriptor && !change.times_sent && fs.processes() != nullptr &&
                         fs.processes()->InOpen(c.tid);
    if (opening && !n.buffered_size) {  // open(O_TRUNC) starts a write session
      if (int err = fs.ConfirmWritable(c)) return err;
    }
    if (int err = Truncate(fs, n, *change.size)) return err;
    if (!change.descriptor && !change.times_sent && !opening) {
      if (int err = fs.Commit(c, ino)) return err;
    }
    mtime = AttrChange::Time::kKeep;  // the truncate's own times: the commit stamps them
  }
  if (change.mode || change.uid || change.gid || mtime != AttrChange::Time::kKeep ||
      change.atime != AttrChange::Time::kKeep) {
    kv::FileAttr a = fs.tree().AttributesOf(n);
    a.explicit_attrs = true;
    if (change.mode) a.mode = *change.mode & 07777;
    if (change.uid) a.uid = *change.uid;
    if (change.gid) a.gid = *change.gid;
    if (mtime == AttrChange::Time::kNow) {
      a.mtime_ns = 0;  // stamped by the entry, the same on every node
    } else if (mtime == AttrChange::Time::kSet) {
      a.mtime_ns = change.mtime_ns == 0 ? 1 : change.mtime_ns;  // 0 would mean "now"
    }
    // Access time is kept only when set explicitly (reads never write it).
    if (change.atime == AttrChange::Time::kNow) {
      a.atime_ns = kv::kAtimeOfEntry;
    } else if (change.atime == AttrChange::Time::kSet) {
      a.atime_ns = change.atime_ns == 0 ? 1 : change.atime_ns;  // 0 would mean "unset"
    }
    if (int err = SetAttributes(fs, c, n, a)) return err;
  }
  return fs.tree().Get(ino, out);
}

}  // namespace etcfs::fs::ops
