#include <cstring>
#include <string>

#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

namespace {

// The key's metadata, read-only: user.etcfs.revision (mod_revision),
// .create_revision, .version and .lease, as decimal numbers.
constexpr const char* kNames[] = {"user.etcfs.revision", "user.etcfs.create_revision", "user.etcfs.version",
                                  "user.etcfs.lease"};

bool ValueOf(const store::KeyValue& kv, std::string_view name, std::string* out) {
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

void ReplySized(fuse_req_t req, const std::string& value, size_t size) {
  if (size == 0) {
    fuse_reply_xattr(req, value.size());
  } else if (size < value.size()) {
    fuse_reply_err(req, ERANGE);
  } else {
    fuse_reply_buf(req, value.data(), value.size());
  }
}

}  // namespace

void Getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  if (!Fs(req).options().xattrs) {
    fuse_reply_err(req, ENOSYS);  // the kernel stops asking (ACLs included)
    return;
  }
  Filesystem::Node n;
  if (int err = Fs(req).GetNode(ino, &n)) {
    fuse_reply_err(req, err);
    return;
  }
  std::string value;
  // A file not yet committed, or a directory without a marker, has no key.
  if (!n.kv || !ValueOf(*n.kv, name, &value)) {
    fuse_reply_err(req, ENODATA);
    return;
  }
  ReplySized(req, value, size);
}

void Listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  if (!Fs(req).options().xattrs) {
    fuse_reply_err(req, ENOSYS);
    return;
  }
  Filesystem::Node n;
  if (int err = Fs(req).GetNode(ino, &n)) {
    fuse_reply_err(req, err);
    return;
  }
  std::string list;
  if (n.kv) {
    for (const char* name : kNames) list.append(name, std::strlen(name) + 1);
  }
  ReplySized(req, list, size);
}

void Setxattr(fuse_req_t req, fuse_ino_t, const char*, const char*, size_t, int) {
  fuse_reply_err(req, ENOTSUP);  // the user.etcfs.* names are the key's own metadata
}

void Removexattr(fuse_req_t req, fuse_ino_t, const char*) { fuse_reply_err(req, ENOTSUP); }

}  // namespace etcfs::fs::ops
