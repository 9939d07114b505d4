#include <cstring>
#include <string>

#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

namespace {

// The key's metadata, read-only: user.etcfs.revision (mod_revision),
// .create_revision, .version and .lease, as decimal numbers.
constexpr const char* kNames[] = {"user.etcfs.revision", "user.etcfs.create_revision", "user.etcfs.version",
                                  "user.etcfs.lease"};

bool ValueOf(const kv::KeyValue& kv, std::string_view name, std::string* out) {
  if (name == kNames[0]) {
    *out = std::to_string(kv.mod_revision);
  } else if (name == kNames[1]) {
    *out = std::to_string(kv.create_revision);
  } else if (name == kNames[2]) {
    *out = std::to_string(kv.version);
  } else if (name == kNames[3]) {
    *out = std::to_string(kv.lease);
  } else {
    return false;
  }
  return true;
}

}  // namespace

int Getxattr(Filesystem& fs, const Caller&, Ino ino, const char* name, std::string* value) {
  if (!fs.options().xattrs) return ENOSYS;
  Node n;
  if (int err = fs.tree().Get(ino, &n)) return err;
  // A file not yet committed, or a directory without a marker, has no key.
  if (!n.kv || !ValueOf(*n.kv, name, value)) return ENODATA;
  return 0;
}

int Listxattr(Filesystem& fs, const Caller&, Ino ino, std::string* names) {
  if (!fs.options().xattrs) return ENOSYS;
  Node n;
  if (int err = fs.tree().Get(ino, &n)) return err;
  names->clear();
  if (n.kv) {
    for (const char* name : kNames) names->append(name, std::strlen(name) + 1);
  }
  return 0;
}

}  // namespace etcfs::fs::ops
