// The filesystem's operations, one per file in this directory. Each computes
// the answer to one kernel request from a Caller and plain values, and
// returns 0 or the errno to answer; the FUSE bridge (fs/fuse_bridge.cc)
// builds the Caller and replies exactly once. Nothing here includes libfuse,
// so tests drive every rule without a kernel (tests/fs/kernel_sim.h).
#pragma once

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cstdint>
#include <optional>
#include <string>

#include "fs/caller.h"
#include "fs/filesystem.h"
#include "fs/node.h"

namespace etcfs::fs::ops {

// An entry answer (lookup, create, mkdir, mknod, symlink). The node's number
// carries one kernel reference, taken by the operation (InodeTable::Ref);
// the bridge gives it back if the reply cannot be sent.
struct Entry {
  Node node;
  // Whether the kernel may cache the name (for ENOENT: its absence). The
  // echo's lookups are not cached: what it finds may be a ghost, which no
  // one else may reach; nor is the absence of a ghost's name.
  bool cacheable = true;
};

// An open's answer.
struct Opened {
  uint64_t fh = 0;
  bool keep_cache = false;     // the kernel keeps the file's cached pages
  bool cache_readdir = false;  // the kernel keeps the directory's listing
};

// What a setattr asks to change.
struct AttrChange {
  std::optional<mode_t> mode;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::optional<off_t> size;
  enum class Time { kKeep, kNow, kSet };
  Time mtime = Time::kKeep;
  int64_t mtime_ns = 0;  // with kSet
  Time atime = Time::kKeep;
  int64_t atime_ns = 0;  // with kSet
  // The kernel sent time bits (mtime or ctime): it does for ftruncate,
  // open(O_TRUNC) and utimensat, not for truncate(2) on a path.
  bool times_sent = false;
  // It came through a descriptor (ftruncate).
  bool descriptor = false;
};

// The node a descriptor with handle `fh` reads (read, fstat). A read-only
// descriptor reads the file as it was opened, also after the key changed
// (renamed over, written, deleted elsewhere): from the key's history at the
// revision it opened; ESTALE once that was compacted away.
int OpenedNode(Filesystem& fs, Ino ino, uint64_t fh, Node* out);

int Lookup(Filesystem& fs, const Caller& c, Ino parent, const char* name, Entry* out);
void Forget(Filesystem& fs, Ino ino, uint64_t nlookup);
// `fh`: the descriptor's handle, 0 for a path.
int Getattr(Filesystem& fs, const Caller& c, Ino ino, uint64_t fh, Node* out);
int Setattr(Filesystem& fs, const Caller& c, Ino ino, const AttrChange& change, Node* out);
int Readlink(Filesystem& fs, const Caller& c, Ino ino, std::string* target);
int Mknod(Filesystem& fs, const Caller& c, Ino parent, const char* name, mode_t mode, dev_t rdev, Entry* out);
int Mkdir(Filesystem& fs, const Caller& c, Ino parent, const char* name, mode_t mode, Entry* out);
int Unlink(Filesystem& fs, const Caller& c, Ino parent, const char* name);
int Rmdir(Filesystem& fs, const Caller& c, Ino parent, const char* name);
int Symlink(Filesystem& fs, const Caller& c, const char* target, Ino parent, const char* name, Entry* out);
// `flags`: RENAME_NOREPLACE honoured, RENAME_EXCHANGE and others EINVAL.
int Rename(Filesystem& fs, const Caller& c, Ino parent, const char* name, Ino new_parent, const char* new_name,
           unsigned int flags);
// ENOSYS on a serializable mount: the kernel then opens files without asking.
// `flags`: open(2)'s; a read-only descriptor reads the value it opened.
int Open(Filesystem& fs, const Caller& c, Ino ino, int flags, Opened* out);
int Create(Filesystem& fs, const Caller& c, Ino parent, const char* name, mode_t mode, Entry* entry, Opened* out);
int Read(Filesystem& fs, const Caller& c, Ino ino, uint64_t fh, off_t offset, size_t size, std::string* out);
int Write(Filesystem& fs, const Caller& c, Ino ino, uint64_t fh, const char* data, size_t size, off_t offset);
int Flush(Filesystem& fs, const Caller& c, Ino ino);
int Release(Filesystem& fs, const Caller& c, Ino ino, uint64_t fh);
int Fsync(Filesystem& fs, const Caller& c, Ino ino);
int Opendir(Filesystem& fs, const Caller& c, Ino ino, Opened* out);
// Takes the listing at the first call on an open directory.
int Readdir(Filesystem& fs, const Caller& c, Ino ino, DirSnapshot* listing);
void Statfs(Filesystem& fs, struct statvfs* out);
// ENOSYS with -o xattr=off (the kernel stops asking, ACLs included).
int Getxattr(Filesystem& fs, const Caller& c, Ino ino, const char* name, std::string* value);
int Listxattr(Filesystem& fs, const Caller& c, Ino ino, std::string* names);
int Access(Filesystem& fs, const Caller& c, Ino ino);

// --- shared by the operations above ---
// The kernel holds `n` once the entry is answered: takes its reference.
void Reference(Filesystem& fs, Node* n);
// A file that exists only in this mount until its first commit.
int CreatePending(Filesystem& fs, const Caller& c, Ino parent, const char* name, mode_t mode, Node* out);
// Sets the buffered size of file `n` (committed by the close that follows).
int Truncate(Filesystem& fs, const Node& n, off_t size);

}  // namespace etcfs::fs::ops
