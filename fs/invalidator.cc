#include "fs/invalidator.h"

#include <cstdlib>

namespace etcfs::fs {

namespace {

std::chrono::milliseconds TestDelay() {
  const char* v = std::getenv("ETCFS_TEST_INVALIDATION_DELAY_MS");
  return std::chrono::milliseconds(v != nullptr ? std::atoi(v) : 0);
}

}  // namespace

Invalidator::Invalidator() : test_delay_(TestDelay()), thread_([this] { Run(); }) {}

Invalidator::~Invalidator() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  thread_.join();
}

void Invalidator::SetNotifier(CacheNotifier* notifier) {
  std::unique_lock<std::mutex> lock(mu_);
  // The one being replaced may be destroyed once this returns.
  drained_cv_.wait(lock, [&] { return !sending_; });
  notifier_ = notifier;
}

void Invalidator::Entry(uint64_t parent, std::string name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (notifier_ == nullptr || name.empty()) return;
  if (!queued_.emplace(parent, name).second) return;
  queue_.emplace_back(parent, std::move(name));
  ++queued_total_;
  cv_.notify_one();
}

void Invalidator::Inode(uint64_t ino) {
  std::lock_guard<std::mutex> lock(mu_);
  if (notifier_ == nullptr) return;
  if (!queued_.emplace(ino, std::string()).second) return;
  queue_.emplace_back(ino, std::string());
  ++queued_total_;
  cv_.notify_one();
}

bool Invalidator::Drain(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = queued_total_;
  return drained_cv_.wait_for(lock, timeout, [&] { return done_total_ >= target || stop_; });
}

uint64_t Invalidator::sent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sent_;
}

void Invalidator::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    auto item = std::move(queue_.front());
    queue_.pop_front();
    queued_.erase(item);
    CacheNotifier* notifier = notifier_;
    sending_ = true;
    lock.unlock();
    if (notifier != nullptr) {
      if (test_delay_.count() > 0) std::this_thread::sleep_for(test_delay_);
      if (item.second.empty()) {
        notifier->InvalidateInode(item.first);
      } else {
        notifier->InvalidateEntry(item.first, item.second);
      }
    }
    lock.lock();
    sending_ = false;
    ++sent_;
    ++done_total_;
    drained_cv_.notify_all();
  }
}

}  // namespace etcfs::fs
