// The FUSE low-level operations, one per file in this directory, and the
// table that wires them (table.cc). Each is a thin translation between the
// kernel's request and Filesystem (fs/filesystem.h), which holds the rules.
#pragma once

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include "fs/filesystem.h"

namespace etcfs::fs::ops {

// The operations table of a mount; userdata is the Filesystem.
const fuse_lowlevel_ops& Table();

inline Filesystem& Fs(fuse_req_t req) { return *static_cast<Filesystem*>(fuse_req_userdata(req)); }

// The file handle of the echo's opens (RELEASE carries no thread id).
inline constexpr uint64_t kEchoHandle = 0xEC40;

// The file handle of other opens: the create revision of the key the open
// found (which file of that name it opened), tagged apart from kEchoHandle;
// 0 for a file not yet committed (or a handle made elsewhere).
inline constexpr uint64_t kOpenedTag = uint64_t{1} << 63;
inline uint64_t OpenedHandle(const Filesystem::Node& n) {
  return n.kv && n.kv->create_revision > 0 ? kOpenedTag | static_cast<uint64_t>(n.kv->create_revision) : 0;
}
inline int64_t OpenedCreateRevision(const fuse_file_info* fi) {
  return fi != nullptr && (fi->fh & kOpenedTag) ? static_cast<int64_t>(fi->fh & ~kOpenedTag) : 0;
}

// Replies shared by several operations (reply.cc).
void ReplyEntry(fuse_req_t req, const Filesystem::Node& n);
void ReplyNegativeEntry(fuse_req_t req);
void ReplyAttr(fuse_req_t req, const Filesystem::Node& n);
void FillEntry(const Filesystem& fs, const Filesystem::Node& n, fuse_entry_param* e);

void Init(void* userdata, fuse_conn_info* conn);
void Lookup(fuse_req_t req, fuse_ino_t parent, const char* name);
void Forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void ForgetMulti(fuse_req_t req, size_t count, fuse_forget_data* forgets);
void Getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void Setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi);
void Readlink(fuse_req_t req, fuse_ino_t ino);
void Mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev);
void Mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode);
void Unlink(fuse_req_t req, fuse_ino_t parent, const char* name);
void Rmdir(fuse_req_t req, fuse_ino_t parent, const char* name);
void Symlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name);
void Rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent, const char* newname,
            unsigned int flags);
void Link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char* newname);
void Open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void Read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi);
void Write(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size, off_t off, fuse_file_info* fi);
void Flush(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void Release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void Fsync(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi);
void Opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void Readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi);
void Readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi);
void Releasedir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void Fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi);
void Statfs(fuse_req_t req, fuse_ino_t ino);
void Setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value, size_t size, int flags);
void Getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size);
void Listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void Removexattr(fuse_req_t req, fuse_ino_t ino, const char* name);
void Access(fuse_req_t req, fuse_ino_t ino, int mask);
void Create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi);
void Fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length, fuse_file_info* fi);

}  // namespace etcfs::fs::ops
