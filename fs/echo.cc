#include "fs/echo.h"

#include <pthread.h>
#include <sys/stat.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace etcfs::fs {

Echo::Echo(std::function<void()> before_replay,
           std::function<std::optional<std::string>(const std::string&)> visible,
           std::function<void(const std::string&)> failed)
    : before_replay_(std::move(before_replay)), visible_(std::move(visible)), failed_(std::move(failed)) {}

Echo::~Echo() { Stop(); }

void Echo::Start(EchoTarget* target, bool own_thread) {
  target_ = target;
  own_thread_ = own_thread;
  if (own_thread_) thread_ = std::thread([this] { Run(); });
}

void Echo::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  drained_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Echo::Drain(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = queued_total_;
  if (!own_thread_) return done_total_ >= target;
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

std::pair<std::string, Echo::Pending> Echo::Next() {
  std::string path = std::move(order_.front());
  order_.pop_front();
  auto it = what_.find(path);
  Pending p = std::move(it->second);
  what_.erase(it);
  return {std::move(path), std::move(p)};
}

size_t Echo::ReplayQueued() {
  size_t n = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_ && !order_.empty()) {
    auto [path, p] = Next();
    lock.unlock();
    ReplayOne(path, p);
    ++n;
    lock.lock();
  }
  return n;
}

void Echo::Run() {
  pthread_setname_np(pthread_self(), "fs-echo");
  tid_ = gettid();
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !order_.empty(); });
    if (stop_) break;
    auto [path, p] = Next();
    lock.unlock();
    ReplayOne(path, p);
    lock.lock();
  }
  tid_ = -1;
  drained_cv_.notify_all();
}

void Echo::ReplayOne(const std::string& path, const Pending& p) {
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
  std::lock_guard<std::mutex> lock(mu_);
  ++done_total_;
  drained_cv_.notify_all();
}

// The operations are the cheapest that raise the events of the change: an
// unlink IN_DELETE; rmdir IN_DELETE_SELF and IN_DELETE|IN_ISDIR; rename
// IN_MOVED_FROM and IN_MOVED_TO with one cookie; mkdir IN_CREATE|IN_ISDIR;
// symlink and an exclusive create IN_CREATE; a truncate to the file's own
// size (no data crosses; the handler answers with the committed value)
// IN_MODIFY, closing the writable descriptor IN_CLOSE_WRITE; a chmod to the
// current mode IN_ATTRIB. The handlers ignore the modes and the target
// given: they answer with the committed state.
bool Echo::Replay(const std::string& path, const Pending& p) {
  unsigned what = p.what;
  const auto name = visible_(path);
  if (!name) return false;
  auto done = [&](int err, const char* op) {
    // ENOENT: changed again since (deleted or renamed); its own echo follows.
    if (err != 0 && err != ENOENT) spdlog::debug("fs: echo of {}: {} failed: {}", path, op, std::strerror(err));
    return err == 0;
  };
  if ((what & kDelete) && !done(target_->Unlink(*name), "unlink")) return false;
  if ((what & kRmdir) && !done(target_->Rmdir(*name), "rmdir")) return false;
  if (what & kMove) {
    const auto to = visible_(p.to);
    if (!to) return false;
    if (!done(target_->Rename(*name, *to), "rename")) return false;
  }
  if ((what & kMkdir) && !done(target_->Mkdir(*name), "mkdir")) return false;
  if ((what & kSymlink) && !done(target_->Symlink(*name), "symlink")) return false;
  if (what & kSpecialNodes) {
    const mode_t type = (what & kFifo) ? S_IFIFO : (what & kSocket) ? S_IFSOCK : (what & kCharDevice) ? S_IFCHR : S_IFBLK;
    if (!done(target_->Mknod(*name, type), "mknod")) return false;
  }
  if (what & (kMkdir | kSymlink | kSpecialNodes)) what &= ~kAttributes;  // they came with it
  if (what & (kCreate | kContent)) {
    // Created with its value, as `echo x > new` does: CREATE, MODIFY (none
    // for an empty file), CLOSE_WRITE; its attributes came with it.
    const bool create = what & kCreate;
    if (!done(target_->Rewrite(*name, create), create ? "create" : "rewrite")) return false;
    if (create) what &= ~kAttributes;
  }
  if ((what & kAttributes) && !done(target_->Touch(*name), "chmod")) return false;
  return true;
}

}  // namespace etcfs::fs
