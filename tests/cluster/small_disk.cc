#include "tests/cluster/small_disk.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <vector>

namespace etcfs::testing {
namespace {

std::mutex disks_mu;
std::set<std::string> disks;  // mounted; guarded by disks_mu

constexpr const char* kFiller = "/.harness-filler";

}  // namespace

void RemoveAllSmallDisks() {
  std::lock_guard<std::mutex> lock(disks_mu);
  for (const auto& d : disks) ::umount2(d.c_str(), MNT_DETACH);
}

Result<std::unique_ptr<SmallDisk>> SmallDisk::Create(const std::string& dir, int megabytes) {
  if (::geteuid() != 0) return Status::FailedPrecondition("a full-disk fault mounts a tmpfs: run as root");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string options = "size=" + std::to_string(megabytes) + "m,mode=0700";
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) != 0) {
    return Status::IOError("mount -t tmpfs on " + dir + ": " + std::strerror(errno));
  }
  std::lock_guard<std::mutex> lock(disks_mu);
  disks.insert(dir);
  return std::unique_ptr<SmallDisk>(new SmallDisk(dir));
}

SmallDisk::~SmallDisk() {
  ::umount2(dir_.c_str(), MNT_DETACH);
  std::lock_guard<std::mutex> lock(disks_mu);
  disks.erase(dir_);
}

uint64_t SmallDisk::Fill() {
  const std::string path = dir_ + kFiller;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return 0;
  uint64_t taken = 0;
  struct statvfs st;
  if (::statvfs(dir_.c_str(), &st) == 0) {
    const off_t free_bytes = static_cast<off_t>(st.f_bavail * st.f_frsize);
    if (free_bytes > 0 && ::fallocate(fd, 0, 0, free_bytes) == 0) taken += static_cast<uint64_t>(free_bytes);
  }
  // Whatever fallocate left (pages freed meanwhile): written until ENOSPC.
  std::vector<char> chunk(64 << 10, 'f');
  for (ssize_t n; (n = ::write(fd, chunk.data(), chunk.size())) > 0;) taken += static_cast<uint64_t>(n);
  ::close(fd);
  return taken;
}

void SmallDisk::Free() { ::unlink((dir_ + kFiller).c_str()); }

}  // namespace etcfs::testing
