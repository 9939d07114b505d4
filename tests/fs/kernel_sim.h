// KernelSim: a stand-in for the kernel in front of one Filesystem, so that
// the filesystem's rules are tested without a mount. Test "processes" act on
// it by path, as with system calls, and it drives the operations of
// fs/ops/ops.h the way the kernel's VFS and FUSE client do:
// - paths are walked through a dentry cache: a name the filesystem let it
//   cache is used until invalidated; one it may not cache (the echo's, or
//   any on a linearizable mount) is looked up again at the next walk;
// - every entry answered adds a lookup reference to its number, and
//   DropCaches forgets the numbers no open file holds (FORGET);
// - after an open answered ENOSYS, files are opened without asking; an open
//   answered ESTALE is retried once with every name looked up again
//   (LOOKUP_REVAL); open(O_TRUNC) sends the open, then a size-only setattr
//   while the caller is "inside open";
// - close sends FLUSH after the descriptor left the table, then RELEASE
//   once no descriptor refers to the open file.
// It is also the filesystem's CacheNotifier (invalidations drop entries),
// EchoTarget (the echo's operations come back as requests of the echo) and
// ProcessProbe.
//
// Threads: thread-safe (one mutex, never held while calling an operation).
#pragma once

#include <sys/stat.h>

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "fs/caller.h"
#include "fs/filesystem.h"
#include "fs/kernel_links.h"
#include "fs/ops/ops.h"

namespace etcfs::fs::testing {

class KernelSim : public CacheNotifier, public EchoTarget, public ProcessProbe {
 public:
  // The thread id the echo's requests carry.
  static constexpr pid_t kEchoTid = 999;

  // Attaches itself to `fs` (KernelLinks, without an echo thread: the test
  // replays the echo with ReplayEcho).
  explicit KernelSim(Filesystem* fs);
  ~KernelSim() override;

  // A process: uid, gid and thread id of its requests.
  static Caller Process(pid_t tid, uid_t uid = 0, gid_t gid = 0);

  // --- system calls; each answers 0 or an errno ---
  int Stat(const Caller& c, const std::string& path, struct stat* st);
  // O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC.
  int Open(const Caller& c, const std::string& path, int flags, int* fd, mode_t mode = 0644);
  // O_PATH: holds the inode, opens nothing.
  int OpenPath(const Caller& c, const std::string& path, int* fd);
  // open("/proc/self/fd/N") of an O_PATH descriptor: the inode opened again,
  // without a path walk.
  int Reopen(const Caller& c, int path_fd, int flags, int* fd);
  // Another descriptor of the same open file (RELEASE waits for both).
  int Dup(int fd, int* out);
  int Read(int fd, std::string* out, off_t offset = 0, size_t size = 1 << 20);
  int Write(int fd, const std::string& data, off_t offset);
  int Fstat(int fd, struct stat* st);
  int Ftruncate(int fd, off_t size);
  int Fsync(int fd);
  int Close(int fd);
  int Truncate(const Caller& c, const std::string& path, off_t size);
  int Chmod(const Caller& c, const std::string& path, mode_t mode);
  // utimensat: times[0] atime, times[1] mtime; UTIME_NOW and UTIME_OMIT as there.
  int Utimens(const Caller& c, const std::string& path, const timespec times[2]);
  int Mkdir(const Caller& c, const std::string& path, mode_t mode = 0755);
  int Rmdir(const Caller& c, const std::string& path);
  int Unlink(const Caller& c, const std::string& path);
  int Rename(const Caller& c, const std::string& from, const std::string& to, unsigned int flags = 0);
  int Symlink(const Caller& c, const std::string& target, const std::string& path);
  int Mknod(const Caller& c, const std::string& path, mode_t mode, dev_t rdev = 0);
  int Readlink(const Caller& c, const std::string& path, std::string* target);
  // The names in a directory, "." and ".." left out, in the order listed.
  int List(const Caller& c, const std::string& path, std::vector<std::string>* names);

  // --- conveniences ---
  // The whole content of a file (open, read, close).
  int ReadFile(const Caller& c, const std::string& path, std::string* out);
  // `echo data > path`: open(O_WRONLY|O_CREAT|O_TRUNC), write, close.
  int WriteFile(const Caller& c, const std::string& path, const std::string& data);
  // The number `path` resolves to now (0 on error).
  Ino InoOf(const Caller& c, const std::string& path);

  // Forgets every cached name, and every number no open file holds (FORGET).
  void DropCaches();
  // Replays what the echo has queued, as the echo's requests.
  size_t ReplayEcho();
  // The lookups the kernel holds on `ino`.
  uint64_t lookups(Ino ino) const;

  // --- CacheNotifier ---
  void InvalidateEntry(Ino parent, std::string_view name) override;
  void InvalidateInode(Ino) override {}
  // --- EchoTarget (the echo's operations, relative to the mount) ---
  int Unlink(const std::string& path) override { return Unlink(Echo(), path); }
  int Rmdir(const std::string& path) override { return Rmdir(Echo(), path); }
  int Rename(const std::string& from, const std::string& to) override { return Rename(Echo(), from, to); }
  int Mkdir(const std::string& path) override { return Mkdir(Echo(), path, 0700); }
  int Symlink(const std::string& path) override { return Symlink(Echo(), "-", path); }
  int Mknod(const std::string& path, mode_t type) override { return Mknod(Echo(), path, type | 0600); }
  int Rewrite(const std::string& path, bool create) override;
  int Touch(const std::string& path) override;
  // --- ProcessProbe ---
  bool InOpen(pid_t tid) override;
  bool HoldsInode(pid_t tid, Ino ino) override;

 private:
  // What mkdir, mknod and symlink share: EEXIST when the name is there, else
  // `make` in the parent, and the entry cached.
  int MakeNew(const Caller& c, const std::string& path,
              const std::function<int(Ino parent, const char* name, ops::Entry*)>& make);
  struct Dentry {
    Ino ino = 0;
    bool cached = false;  // false: looked up again at the next walk
  };
  struct File {
    Ino ino = 0;
    uint64_t fh = 0;
    pid_t tid = 0;
    bool path_only = false;  // O_PATH
    int description = 0;     // the open file it refers to
  };
  using Name = std::pair<Ino, std::string>;

  static Caller Echo() { return Process(kEchoTid); }
  // Walks `path` to its parent's number and last name. `reval`: every name
  // is looked up again (LOOKUP_REVAL).
  int WalkParent(const Caller& c, const std::string& path, bool reval, Ino* parent, std::string* name);
  // The number of `name` in `parent`: cached, or looked up.
  int LookupName(const Caller& c, Ino parent, const std::string& name, bool reval, Ino* ino);
  int Walk(const Caller& c, const std::string& path, bool reval, Ino* ino);
  // Notes an entry answer: the kernel holds one more lookup on its number.
  void Took(Ino parent, const std::string& name, const ops::Entry& e);
  void DropName(Ino parent, const std::string& name);
  int AddFile(const File& f);
  // The open file `fd` refers to (`opened`: not an O_PATH one); EBADF.
  int FileOf(int fd, bool opened, File* out) const;
  int OpenOnce(const Caller& c, const std::string& path, int flags, mode_t mode, bool reval, int* fd);

  Filesystem* const fs_;
  mutable std::mutex mu_;
  std::map<Name, Dentry> dentries_;    // guarded by mu_
  std::set<Name> negative_;            // guarded by mu_
  std::map<Ino, uint64_t> lookups_;    // guarded by mu_
  std::map<int, File> files_;          // guarded by mu_
  std::map<int, int> descriptions_;    // descriptors per open file; guarded by mu_
  int next_fd_ = 3;                    // guarded by mu_
  bool no_open_ = false;               // guarded by mu_ (an OPEN answered ENOSYS)
  std::set<pid_t> opening_;            // guarded by mu_ (threads inside open)
};

}  // namespace etcfs::fs::testing
