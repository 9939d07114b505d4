#include <algorithm>
#include <cstring>

#include "fs/ops/ops.h"
#include "fs/path_codec.h"

namespace etcfs::fs::ops {

// Blocks from the cluster's quota (--quota-backend-bytes) and the space the
// store takes; files from the keys under the prefix.
void Statfs(Filesystem& fs, struct statvfs* st) {
  std::memset(st, 0, sizeof(*st));
  constexpr uint64_t kBlock = 4096;
  st->f_bsize = kBlock;
  st->f_frsize = kBlock;
  st->f_namemax = kMaxNameBytes;
  const BackendUsage usage = fs.Usage();
  const uint64_t quota = static_cast<uint64_t>(std::max<int64_t>(usage.quota_bytes, 0));
  const uint64_t used = std::min(quota, static_cast<uint64_t>(std::max<int64_t>(usage.used_bytes, 0)));
  st->f_blocks = quota / kBlock;
  st->f_bfree = (quota - used) / kBlock;
  st->f_bavail = st->f_bfree;
  st->f_ffree = st->f_bfree;  // a key takes at least a block's worth, counted generously
  st->f_files = fs.mirror().size() + st->f_ffree;
  st->f_favail = st->f_ffree;
}

}  // namespace etcfs::fs::ops
