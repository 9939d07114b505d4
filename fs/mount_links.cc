#include "fs/mount_links.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace etcfs::fs {

namespace {

int Errno(int rc) { return rc == 0 ? 0 : errno; }

}  // namespace

int MountDirEchoTarget::Unlink(const std::string& path) { return Errno(::unlink(Full(path).c_str())); }

int MountDirEchoTarget::Rmdir(const std::string& path) { return Errno(::rmdir(Full(path).c_str())); }

int MountDirEchoTarget::Rename(const std::string& from, const std::string& to) {
  return Errno(::rename(Full(from).c_str(), Full(to).c_str()));
}

int MountDirEchoTarget::Mkdir(const std::string& path) { return Errno(::mkdir(Full(path).c_str(), 0700)); }

int MountDirEchoTarget::Symlink(const std::string& path) { return Errno(::symlink("-", Full(path).c_str())); }

int MountDirEchoTarget::Mknod(const std::string& path, mode_t type) {
  return Errno(::mknod(Full(path).c_str(), type | 0600, 0));
}

int MountDirEchoTarget::Rewrite(const std::string& path, bool create) {
  const std::string full = Full(path);
  constexpr int kFlags = O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
  int fd = create ? ::open(full.c_str(), kFlags | O_CREAT | O_EXCL, 0600) : ::open(full.c_str(), kFlags);
  if (fd < 0 && create && errno == EEXIST) fd = ::open(full.c_str(), kFlags);  // shown already
  if (fd < 0) return errno;
  struct stat st;
  int err = ::fstat(fd, &st) == 0 ? 0 : errno;
  // A new empty file needs no truncate: its create raised the events.
  if (err == 0 && !(create && st.st_size == 0) && ::ftruncate(fd, st.st_size) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  return err;
}

int MountDirEchoTarget::Touch(const std::string& path) {
  const std::string full = Full(path);
  struct stat st;
  if (::lstat(full.c_str(), &st) != 0) return errno;
  if (S_ISLNK(st.st_mode)) return 0;  // a symlink's mode cannot change
  return Errno(::chmod(full.c_str(), st.st_mode & 07777));
}

bool ProcProbe::InOpen(pid_t tid) {
  if (tid <= 0) return false;
  const std::string file = "/proc/" + std::to_string(tid) + "/syscall";
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[32] = {};
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return false;
  const long nr = std::strtol(buf, nullptr, 10);
  return nr == SYS_openat || nr == SYS_open || nr == SYS_creat
#ifdef SYS_openat2
         || nr == SYS_openat2
#endif
      ;
}

bool ProcProbe::HoldsInode(pid_t tid, Ino ino) {
  if (tid <= 0 || mount_dev_ == 0) return false;
  const std::string dir = "/proc/" + std::to_string(tid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return false;  // exiting: this close is the last
  bool held = false;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    struct stat st;
    // stat follows the descriptor's link to the open file itself.
    if (::fstatat(dirfd(d), e->d_name, &st, 0) == 0 && st.st_dev == mount_dev_ && st.st_ino == ino) {
      held = true;
      break;
    }
  }
  ::closedir(d);
  return held;
}

}  // namespace etcfs::fs
