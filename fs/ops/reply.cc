#include <cstring>

#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

void FillEntry(const Filesystem& fs, const Filesystem::Node& n, fuse_entry_param* e) {
  std::memset(e, 0, sizeof(*e));
  e->ino = n.ino;
  e->attr_timeout = fs.entry_timeout();
  e->entry_timeout = fs.entry_timeout();
  fs.FillStat(n, &e->attr);
}

void ReplyEntry(fuse_req_t req, const Filesystem::Node& n) {
  fuse_entry_param e;
  FillEntry(Fs(req), n, &e);
  fuse_reply_entry(req, &e);
}

void ReplyNegativeEntry(fuse_req_t req) {
  // Inode 0 with a timeout: the kernel caches the absence too; a change that
  // creates the name invalidates it (Filesystem::InvalidateNames).
  const double timeout = Fs(req).entry_timeout();
  if (timeout == 0) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  fuse_entry_param e;
  std::memset(&e, 0, sizeof(e));
  e.entry_timeout = timeout;
  fuse_reply_entry(req, &e);
}

void ReplyAttr(fuse_req_t req, const Filesystem::Node& n) {
  struct stat st;
  Fs(req).FillStat(n, &st);
  fuse_reply_attr(req, &st, Fs(req).entry_timeout());
}

}  // namespace etcfs::fs::ops
