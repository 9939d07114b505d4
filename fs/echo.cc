#include "fs/echo.h"

#include <fcntl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace etcfs::fs {

Echo::Echo(std::function<void()> before_replay,
           std::function<std::optional<std::string>(const std::string&)> visible,
           std::function<void(const std::string&)> failed)
    : before_replay_(std::move(before_replay)), visible_(std::move(visible)), failed_(std::move(failed)) {}

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

bool Echo::Drain(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = queued_total_;
  return drained_cv_.wait_for(lock, timeout, [&] { return done_total_ >= target || stop_ || tid_ < 0; });
}

void Echo::Changed(const std::string& path, unsigned what, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_) return;
  auto [it, inserted] = what_.try_emplace(path);
  it->second.what |= what;
  if (what & kMove) it->second.to = to;
  if (inserted) {
    order_.push_back(path);
    ++queued_total_;
    cv_.notify_one();
  }
}

void Echo::Run() {
  pthread_setname_np(pthread_self(), "fs-echo");
  tid_ = gettid();
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !order_.empty(); });
    if (stop_) break;
    std::string path = std::move(order_.front());
    order_.pop_front();
    const Pending p = std::move(what_[path]);
    what_.erase(path);
    lock.unlock();
    before_replay_();
    if (Replay(path, p)) {
      ++replayed_;
    } else {
      ++failures_;
      if (p.what & ~(kContent | kAttributes)) {
        failed_(path);
        if (p.what & kMove) failed_(p.to);
      }
    }
    lock.lock();
    ++done_total_;
    drained_cv_.notify_all();
  }
  tid_ = -1;
  drained_cv_.notify_all();
}

// The operations are the cheapest that raise the events of the change: an
// unlink IN_DELETE; rmdir IN_DELETE_SELF and IN_DELETE|IN_ISDIR; rename
// IN_MOVED_FROM and IN_MOVED_TO with one cookie; mkdir IN_CREATE|IN_ISDIR;
// symlink and an exclusive create IN_CREATE; a truncate to the new size (no
// data crosses; the handler answers with the committed value) IN_MODIFY,
// closing the writable descriptor IN_CLOSE_WRITE; a chmod to the current mode
// IN_ATTRIB. The handlers ignore the modes and the target given here: they
// answer with the committed state.
bool Echo::Replay(const std::string& path, const Pending& p) {
  unsigned what = p.what;
  auto kernel_name = [&](const std::string& at) -> std::optional<std::string> {
    auto v = visible_(at);
    if (!v) return std::nullopt;
    return mount_dir_ + "/" + *v;
  };
  const auto visible = kernel_name(path);
  if (!visible) return false;
  const std::string& full = *visible;
  auto fail = [&](const char* op) {
    // ENOENT: changed again since (deleted or renamed); its own echo follows.
    if (errno != ENOENT) spdlog::debug("fs: echo of {}: {} failed: {}", path, op, std::strerror(errno));
    return false;
  };
  if ((what & kDelete) && ::unlink(full.c_str()) != 0) return fail("unlink");
  if ((what & kRmdir) && ::rmdir(full.c_str()) != 0) return fail("rmdir");
  if (what & kMove) {
    const auto to = kernel_name(p.to);
    if (!to) return false;
    if (::rename(full.c_str(), to->c_str()) != 0) return fail("rename");
  }
  if ((what & kMkdir) && ::mkdir(full.c_str(), 0700) != 0) return fail("mkdir");
  if ((what & kSymlink) && ::symlink("-", full.c_str()) != 0) return fail("symlink");
  if (what & (kMkdir | kSymlink)) what &= ~kAttributes;  // they came with it
  if (what & (kCreate | kContent)) {
    // Created with its value, as `echo x > new` does: CREATE, MODIFY (none
    // for an empty file), CLOSE_WRITE; its attributes came with it.
    const bool create = what & kCreate;
    int fd = create ? ::open(full.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600)
                    : ::open(full.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 && create && errno == EEXIST) {
      // Shown already (looked up before its echo): its value's events only.
      fd = ::open(full.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    }
    if (fd < 0) return fail(create ? "create" : "open");
    if (create) what &= ~kAttributes;
    struct stat st;
    const bool ok = ::fstat(fd, &st) == 0 && (create && st.st_size == 0 ? true : ::ftruncate(fd, st.st_size) == 0);
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
