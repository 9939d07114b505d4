#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

namespace {

constexpr int kAttrBits = FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID;
constexpr int kTimeBits = FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW;

int64_t ToNs(const timespec& t) { return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec; }

// Whether the caller is inside open(): the kernel sends open(O_TRUNC)'s
// truncate exactly as truncate(2)'s (size only, no descriptor), but the
// first is followed by writes and a close, the second by nothing. The
// calling thread is blocked in its system call, which /proc names.
bool CallerIsOpening(fuse_req_t req) {
  const std::string file = "/proc/" + std::to_string(fuse_req_ctx(req)->pid) + "/syscall";
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[32] = {};
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return false;
  const long nr = std::strtol(buf, nullptr, 10);
  return nr == SYS_openat || nr == SYS_open || nr == SYS_creat
#ifdef SYS_openat2
         || nr == SYS_openat2
#endif
      ;
}

}  // namespace

// chmod, chown, utimens and truncate. A truncate joins the file's buffer like
// a write: ftruncate() and open(O_TRUNC) are committed by the close that
// follows (the kernel sends their time bits with the size); truncate(2) on a
// path has no descriptor to close, so it is committed at once.
void Setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi) {
  Filesystem& fs = Fs(req);
  Filesystem::Node n;
  if (int err = fs.GetNode(ino, &n)) {
    fuse_reply_err(req, err);
    return;
  }
  if (fs.IsEcho(req)) {
    // The echo's truncate or chmod replays a committed change: the answer is
    // the committed state, whatever it asked.
    ReplyAttr(req, n);
    return;
  }
  if (to_set & FUSE_SET_ATTR_SIZE) {
    const bool opening = fi == nullptr && !(to_set & (kTimeBits | FUSE_SET_ATTR_CTIME)) && CallerIsOpening(req);
    if (opening && !n.buffered_size) {  // open(O_TRUNC) starts a write session
      if (int err = fs.ConfirmWritable(req)) {
        fuse_reply_err(req, err);
        return;
      }
    }
    if (int err = fs.Truncate(n, attr->st_size)) {
      fuse_reply_err(req, err);
      return;
    }
    const bool has_descriptor = fi != nullptr || (to_set & (kTimeBits | FUSE_SET_ATTR_CTIME)) || opening;
    if (!has_descriptor) {
      if (int err = fs.Commit(req, ino)) {
        fuse_reply_err(req, err);
        return;
      }
    }
    // The times that came with the size are the truncate's own: the commit stamps them.
    to_set &= ~(kTimeBits | FUSE_SET_ATTR_CTIME);
  }
  if (to_set & (kAttrBits | kTimeBits)) {
    store::FileAttr a = fs.AttributesOf(n);
    a.explicit_attrs = true;
    if (to_set & FUSE_SET_ATTR_MODE) a.mode = attr->st_mode & 07777;
    if (to_set & FUSE_SET_ATTR_UID) a.uid = attr->st_uid;
    if (to_set & FUSE_SET_ATTR_GID) a.gid = attr->st_gid;
    if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
      a.mtime_ns = 0;  // stamped by the entry, the same on every node
    } else if (to_set & FUSE_SET_ATTR_MTIME) {
      a.mtime_ns = ToNs(attr->st_mtim);
      if (a.mtime_ns == 0) a.mtime_ns = 1;  // 0 would mean "now"
    }
    if (int err = fs.SetAttributes(req, n, a)) {
      fuse_reply_err(req, err);
      return;
    }
  }
  // Access time alone is not kept (the mount is noatime in effect): accepted.
  if (int err = fs.GetNode(ino, &n)) {
    fuse_reply_err(req, err);
    return;
  }
  ReplyAttr(req, n);
}

}  // namespace etcfs::fs::ops
