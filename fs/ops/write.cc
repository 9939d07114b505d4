#include <spdlog/spdlog.h>

#include <cstring>

#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

namespace {

// The buffer of `n`, made from its value as committed now (a commit may
// have landed since `n` was read).
std::shared_ptr<WriteBuffers::Buffer> BufferOf(Filesystem& fs, const Node& n, std::unique_lock<std::mutex>* lock) {
  const std::string key = fs.tree().KeyOf(n);
  return fs.buffers().Open(
      n.ino,
      [&] {
        auto kv = fs.mirror().Get(key);
        return kv ? std::move(kv->value) : std::string();
      },
      lock);
}

}  // namespace

// Into the file's buffer; committed by close or fsync. A value that would
// outgrow the cluster's request limit fails here with EFBIG.
int Write(Filesystem& fs, const Caller& c, Ino ino, uint64_t fh, const char* data, size_t size, off_t offset) {
  Node n;
  if (int err = fs.tree().Opened(ino, file_handle::CreateRevision(fh), &n)) return err;
  // The file the descriptor opened carries another number now (the echo's
  // ghost took this one, or a rename from elsewhere replaced it): the buffer
  // and the commit at close follow the number, so the write would be lost.
  if (n.ino != ino) return ESTALE;
  if (n.orphan) {  // unlinked while open: accepted, and gone with the file
    fs.orphans().Update(ino, [&](kv::KeyValue& kv) {
      const size_t end = static_cast<size_t>(offset) + size;
      if (kv.value.size() < end) kv.value.resize(end);
      std::memcpy(kv.value.data() + offset, data, size);
    });
    return 0;
  }
  if (!n.buffered_size) {  // a write session starts
    if (int err = fs.ConfirmWritable(c)) return err;
  }
  if (n.kind != Kind::kFile) return EISDIR;
  const size_t limit = fs.ValueLimit(fs.tree().KeyOf(n));
  if (offset < 0 || static_cast<size_t>(offset) + size > limit) {
    spdlog::info("fs: write to {} refused: the value would exceed {} bytes, the cluster's request "
                 "limit (--max-request-bytes)", fs.tree().KeyOf(n), limit);
    return EFBIG;
  }
  std::unique_lock<std::mutex> lock;
  auto b = BufferOf(fs, n, &lock);
  const size_t end = static_cast<size_t>(offset) + size;
  if (b->data.size() < end) b->data.resize(end);
  std::memcpy(b->data.data() + offset, data, size);
  b->dirty = true;
  return 0;
}

int Truncate(Filesystem& fs, const Node& n, off_t size) {
  if (n.kind != Kind::kFile) return n.kind == Kind::kDirectory ? EISDIR : EINVAL;
  if (size < 0) return EINVAL;
  if (n.orphan) {
    fs.orphans().Update(n.ino, [&](kv::KeyValue& kv) { kv.value.resize(static_cast<size_t>(size)); });
    return 0;
  }
  if (static_cast<size_t>(size) > fs.ValueLimit(fs.tree().KeyOf(n))) return EFBIG;
  std::unique_lock<std::mutex> lock;
  auto b = BufferOf(fs, n, &lock);
  b->data.resize(static_cast<size_t>(size));
  b->dirty = true;
  return 0;
}

}  // namespace etcfs::fs::ops
