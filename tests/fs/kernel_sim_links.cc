// KernelSim's side of the links the filesystem reaches (fs/kernel_links.h):
// the cache invalidations it receives, the echo's operations it performs as
// the echo's thread, and what it says of its processes.
#include <fcntl.h>

#include <cerrno>

#include "tests/fs/kernel_sim.h"

namespace etcfs::fs::testing {

void KernelSim::InvalidateEntry(Ino parent, std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  dentries_.erase({parent, std::string(name)});
  negative_.erase({parent, std::string(name)});
}

int KernelSim::Rewrite(const std::string& path, bool create) {
  const Caller c = Echo();
  int fd = -1;
  bool created = false;
  if (create) {
    Ino parent, ino;
    std::string name;
    if (int err = WalkParent(c, path, false, &parent, &name)) return err;
    const int err = LookupName(c, parent, name, false, &ino);
    if (err == ENOENT) {
      ops::Entry e;
      ops::Opened o;
      if (int cerr = ops::Create(*fs_, c, parent, name.c_str(), 0600, &e, &o)) return cerr;
      Took(parent, name, e);
      fd = AddFile(File{e.node.ino, o.fh, c.tid, false});
      created = true;
    } else if (err != 0) {
      return err;
    }
  }
  if (fd < 0) {
    if (int err = Open(c, path, O_WRONLY, &fd)) return err;
  }
  struct stat st;
  int err = Fstat(fd, &st);
  if (err == 0 && !(created && st.st_size == 0)) err = Ftruncate(fd, st.st_size);
  const int cerr = Close(fd);
  return err != 0 ? err : cerr;
}

int KernelSim::Touch(const std::string& path) {
  const Caller c = Echo();
  struct stat st;
  if (int err = Stat(c, path, &st)) return err;
  if (S_ISLNK(st.st_mode)) return 0;
  return Chmod(c, path, st.st_mode & 07777);
}

bool KernelSim::InOpen(pid_t tid) {
  std::lock_guard<std::mutex> lock(mu_);
  return opening_.count(tid) > 0;
}

bool KernelSim::HoldsInode(pid_t tid, Ino ino) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [fd, f] : files_) {
    if (f.tid == tid && f.ino == ino) return true;
  }
  return false;
}

}  // namespace etcfs::fs::testing
