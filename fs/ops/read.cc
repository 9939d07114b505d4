#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// From the file's buffer while it is written here, else its committed value.
int Read(Filesystem& fs, const Caller&, Ino ino, uint64_t fh, off_t offset, size_t size, std::string* out) {
  Node n;
  if (int err = OpenedNode(fs, ino, fh, &n)) return err;
  if (n.kind == Kind::kDirectory) return EISDIR;
  auto read = [&](const std::string& data) {
    if (offset >= static_cast<off_t>(data.size())) {
      out->clear();
    } else {
      out->assign(data, static_cast<size_t>(offset), size);
    }
  };
  if (n.orphan) {
    read(n.kv->value);
    return 0;
  }
  if (auto b = fs.buffers().Find(n.ino)) {
    std::lock_guard<std::mutex> lock(b->mu);
    read(b->data);
    return 0;
  }
  read(n.kv ? n.kv->value : std::string());
  return 0;
}

}  // namespace etcfs::fs::ops
