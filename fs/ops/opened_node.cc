#include "fs/errno_of.h"
#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// A read-only descriptor reads one value from its first read to its last:
// were it to follow the key, a reader that read the start of a file before
// another writer renamed a longer one over it would read the rest from the
// newer file, a value nobody wrote (the fault harness's file clients did).
// A local filesystem keeps the replaced file for its descriptors; here the
// key's history does.
int OpenedNode(Filesystem& fs, Ino ino, uint64_t fh, Node* out) {
  if (int err = fs.tree().Opened(ino, file_handle::CreateRevision(fh), out)) return err;
  const int64_t pinned = file_handle::PinnedRevision(fh);
  if (pinned == 0 || !out->kv || out->kv->mod_revision == pinned) return 0;
  // Written here meanwhile: every descriptor reads the buffer, as on a
  // local filesystem.
  if (out->buffered_size) return 0;
  kv::RangeRequest req;
  req.key = out->orphan ? out->kv->key : fs.tree().KeyOf(*out);  // an orphan has no path
  req.revision = pinned;
  auto then = fs.backend().Range(req);
  if (!then.ok()) {
    if (then.status().code() == StatusCode::kCompacted) return ESTALE;
    return ErrnoOf(then.status(), "reading the opened version of", req.key);
  }
  // The number names another key now (renamed elsewhere), or that key held
  // another value then: the opened file cannot be found.
  if (then->kvs.size() != 1 || then->kvs.front().mod_revision != pinned) return ESTALE;
  out->kv = std::move(then->kvs.front());
  return 0;
}

}  // namespace etcfs::fs::ops
