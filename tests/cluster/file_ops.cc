#include "tests/cluster/file_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "tests/cluster/command_runner.h"

namespace etcfs::testing {

int OpenMountRoot(const std::string& mount) {
  constexpr long kFuseSuperMagic = 0x65735546;
  const int fd = ::open(mount.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct statfs st;
  if (::fstatfs(fd, &st) != 0 || st.f_type != kFuseSuperMagic) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool MakeDirectory(int root, const std::string& path) {
  return ::mkdirat(root, path.c_str(), 0755) == 0 || errno == EEXIST;
}

FileOutcome ReadKeyFile(int root, const std::string& path, std::optional<std::string>* got) {
  const int fd = ::openat(root, path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) return FileOutcome::kUnknown;
    got->reset();
    return FileOutcome::kDone;
  }
  std::string content;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      ::close(fd);
      return FileOutcome::kUnknown;
    }
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  *got = std::move(content);
  return FileOutcome::kDone;
}

FileOutcome WriteKeyFile(int root, const std::string& path, const std::string& temp, const std::string& value) {
  // Until the rename, nothing happened to the key.
  const int fd = ::openat(root, temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return FileOutcome::kNoEffect;
  const ssize_t n = ::write(fd, value.data(), value.size());
  const bool closed = ::close(fd) == 0;
  if (n != static_cast<ssize_t>(value.size()) || !closed) return FileOutcome::kNoEffect;
  if (::renameat(root, temp.c_str(), root, path.c_str()) != 0) return FileOutcome::kUnknown;
  return FileOutcome::kDone;
}

FileOutcome UnlinkKeyFile(int root, const std::string& path, bool* deleted) {
  if (::unlinkat(root, path.c_str(), 0) == 0) {
    *deleted = true;
    return FileOutcome::kDone;
  }
  if (errno == ENOENT) {
    *deleted = false;
    return FileOutcome::kDone;
  }
  return FileOutcome::kUnknown;
}

std::string DiffTrees(const std::string& a, const std::string& b) {
  std::string out;
  const int rc = RunCommand("diff -r -q '" + a + "' '" + b + "'", &out);
  if (rc != 0 && out.empty()) out = "diff -r exited with status " + std::to_string(rc);
  return out;
}

}  // namespace etcfs::testing
