#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// close(): commits what was written, and returns once it is applied here;
// unless the closing process still holds the file through another
// descriptor (a shell's `> file` closes a dup first): its last close commits
// then, so that no half-written value (the truncated one) is ever published.
// The echo's close commits nothing: what it replays is committed already
// (and the buffer may hold a local writer's unfinished data).
int Flush(Filesystem& fs, const Caller& c, Ino ino) {
  if (c.echo) return 0;
  if (auto b = fs.buffers().Find(ino)) {
    bool changed;
    {
      std::lock_guard<std::mutex> lock(b->mu);
      changed = b->changed();
    }
    if (changed && fs.processes() != nullptr && fs.processes()->HoldsInode(c.tid, ino)) return 0;
  }
  return fs.Commit(c, ino);
}

}  // namespace etcfs::fs::ops
