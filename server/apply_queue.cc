#include "server/apply_queue.h"

#include <pthread.h>

namespace etcfs::server {
namespace {

size_t BytesOf(const std::vector<consensus::Entry>& entries) {
  size_t n = 0;
  for (const auto& e : entries) n += e.size();
  return n;
}

}  // namespace

ApplyQueue::ApplyQueue(ApplyFn apply, size_t max_bytes)
    : apply_(std::move(apply)), max_bytes_(max_bytes), thread_([this] { Loop(); }) {
  pthread_setname_np(thread_.native_handle(), "apply");
}

ApplyQueue::~ApplyQueue() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ApplyQueue::Push(std::vector<consensus::Entry> entries) {
  const size_t bytes = BytesOf(entries);
  std::unique_lock<std::mutex> lock(mu_);
  // An empty queue takes any batch, however large.
  cv_.wait(lock, [&] { return batches_.empty() || queued_bytes_ + bytes <= max_bytes_; });
  queued_bytes_ += bytes;
  batches_.push_back(std::move(entries));
  cv_.notify_all();
}

void ApplyQueue::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return batches_.empty() && !busy_; });
}

void ApplyQueue::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !batches_.empty(); });
    if (batches_.empty()) return;  // stopping, and all applied
    auto batch = std::move(batches_.front());
    batches_.pop_front();
    busy_ = true;
    lock.unlock();
    apply_(batch);
    lock.lock();
    busy_ = false;
    queued_bytes_ -= BytesOf(batch);
    cv_.notify_all();
  }
}

}  // namespace etcfs::server
