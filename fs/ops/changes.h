// Pieces of the transactions that change the tree (mkdir, symlink, unlink,
// rmdir, rename, mknod), shared by their operations.
#pragma once

#include <string>

#include "fs/caller.h"
#include "fs/filesystem.h"
#include "fs/ops/ops.h"
#include "kv/types.h"

namespace etcfs::fs::ops {

inline kv::PutRequest PutOf(std::string key, std::string value, std::optional<kv::FileAttr> attr) {
  kv::PutRequest p;
  p.key = std::move(key);
  p.value = std::move(value);
  p.attr = std::move(attr);
  return p;
}

// A compare that holds while `key` does not exist.
inline kv::Compare Absent(const std::string& key) {
  kv::Compare c;
  c.result = kv::Compare::Result::kEqual;
  c.target = kv::Compare::Target::kVersion;
  c.key = key;
  c.number = 0;
  return c;
}

// A new key that is the whole file at once (a symlink, a pipe, a device),
// committed with its value and attributes; EEXIST when the name is taken.
// The echo's call shows one made elsewhere. `what` names it in the log.
int CreateWhole(Filesystem& fs, const Caller& c, Ino parent, const char* name, const std::string& value,
                const kv::FileAttr& attr, const char* what, Entry* out);

// The attributes of something `c` creates: its owner, and `mode`'s permission bits.
inline kv::FileAttr NewAttr(const Caller& c, mode_t mode, kv::FileKind kind) {
  kv::FileAttr attr;
  attr.explicit_attrs = true;
  attr.mode = mode & 07777;
  attr.uid = c.uid;
  attr.gid = c.gid;
  attr.kind = kind;
  return attr;
}

}  // namespace etcfs::fs::ops
