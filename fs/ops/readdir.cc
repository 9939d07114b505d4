#include <sys/stat.h>

#include <vector>

#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

namespace {

Filesystem::DirSnapshot& SnapshotOf(fuse_file_info* fi) {
  return *reinterpret_cast<Filesystem::DirSnapshot*>(fi->fh);
}

// Fills up to `size` bytes of entries from index `off`; entry i's offset is
// i + 1, the index to go on from.
void ReplyListing(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi, bool plus) {
  Filesystem& fs = Fs(req);
  Filesystem::DirSnapshot& snapshot = SnapshotOf(fi);
  if (!snapshot.taken) {
    if (int err = fs.ListDirectory(ino, &snapshot)) {
      fuse_reply_err(req, err);
      return;
    }
    snapshot.taken = true;
  }
  const auto& entries = snapshot.entries;
  std::vector<char> buf(size);
  size_t used = 0;
  for (size_t i = static_cast<size_t>(off); i < entries.size(); ++i) {
    const auto& entry = entries[i];
    size_t n;
    if (plus) {
      fuse_entry_param e;
      FillEntry(fs, entry.node, &e);
      n = fuse_add_direntry_plus(req, buf.data() + used, size - used, entry.name.c_str(), &e,
                                 static_cast<off_t>(i + 1));
    } else {
      struct stat st {};
      fs.FillStat(entry.node, &st);
      n = fuse_add_direntry(req, buf.data() + used, size - used, entry.name.c_str(), &st,
                            static_cast<off_t>(i + 1));
    }
    if (n > size - used) break;  // does not fit: the next call goes on from here
    used += n;
  }
  fuse_reply_buf(req, buf.data(), used);
}

}  // namespace

void Readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  ReplyListing(req, ino, size, off, fi, false);
}

void Readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  ReplyListing(req, ino, size, off, fi, true);
}

void Releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  delete &SnapshotOf(fi);
  fuse_reply_err(req, 0);
}

void Fsyncdir(fuse_req_t req, fuse_ino_t, int, fuse_file_info*) {
  fuse_reply_err(req, 0);  // every directory change was committed when it returned
}

}  // namespace etcfs::fs::ops
