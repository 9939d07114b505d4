#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

void Reference(Filesystem& fs, Node* n) {
  // A ghost that keeps its own number apart (EchoState::Split) is counted as it is.
  const bool held_apart = n->ghost && fs.inodes().Find(n->path) != n->ino;
  n->ino = fs.inodes().Ref(n->ino, n->path, held_apart);
}

// ENOENT is answered as a negative entry, which the kernel caches too (a
// change that creates the name invalidates it: Filesystem::InvalidateNames),
// unless the echo has yet to retire a ghost of that name: the kernel would
// answer the echo's unlink or rename from that cache.
int Lookup(Filesystem& fs, const Caller& c, Ino parent, const char* name, Entry* out) {
  if (int err = fs.ConfirmRead(c)) return err;
  if (int err = fs.tree().Lookup(c, parent, name, &out->node)) {
    if (err == ENOENT) out->cacheable = !fs.tree().AwaitsEcho(parent, name);
    return err;
  }
  out->cacheable = !c.echo;
  Reference(fs, &out->node);
  return 0;
}

}  // namespace etcfs::fs::ops
