#include "fs/echo.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace etcfs::fs {

Echo::Echo(std::function<void()> before_replay,
           std::function<std::optional<std::string>(const std::string&)> visible)
    : before_replay_(std::move(before_replay)), visible_(std::move(visible)) {}

Echo::~Echo() { Stop(); }

void Echo::Start(std::string mount_dir) {
  mount_dir_ = std::move(mount_dir);
  thread_ = std::thread([this] { Run(); });
}

void Echo::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Echo::Changed(const std::string& path, What what) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_) return;
  auto [it, inserted] = what_.try_emplace(path, 0u);
  it->second |= what;
  if (inserted) {
    order_.push_back(path);
    cv_.notify_one();
  }
}

void Echo::Run() {
  tid_ = gettid();
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !order_.empty(); });
    if (stop_) break;
    std::string path = std::move(order_.front());
    order_.pop_front();
    const unsigned what = what_[path];
    what_.erase(path);
    lock.unlock();
    before_replay_();
    const auto visible = visible_(path);
    if (visible && Replay(*visible, what)) {
      ++replayed_;
    } else {
      ++failed_;
    }
    lock.lock();
  }
  tid_ = -1;
}

// The operations are the cheapest that raise the events of the change: a
// truncate to the new size (no data crosses; the handler answers with the
// committed value) raises IN_MODIFY, closing the writable descriptor
// IN_CLOSE_WRITE; a chmod to the current mode raises IN_ATTRIB.
bool Echo::Replay(const std::string& path, unsigned what) {
  const std::string full = mount_dir_ + "/" + path;
  auto fail = [&](const char* op) {
    // ENOENT: changed again since (deleted or renamed); its own echo follows.
    if (errno != ENOENT) spdlog::debug("fs: echo of {}: {} failed: {}", path, op, std::strerror(errno));
    return false;
  };
  if (what & kContent) {
    const int fd = ::open(full.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return fail("open");
    struct stat st;
    const bool ok = ::fstat(fd, &st) == 0 && ::ftruncate(fd, st.st_size) == 0;
    if (!ok) {
      const int err = errno;
      ::close(fd);
      errno = err;
      return fail("truncate");
    }
    if (::close(fd) != 0) return fail("close");
  }
  if (what & kAttributes) {
    struct stat st;
    if (::lstat(full.c_str(), &st) != 0) return fail("stat");
    if (!S_ISLNK(st.st_mode) && ::chmod(full.c_str(), st.st_mode & 07777) != 0) return fail("chmod");
  }
  return true;
}

}  // namespace etcfs::fs
