#include "server/linearizable_reads.h"

#include <pthread.h>

namespace etcfs::server {

LinearizableReads::LinearizableReads(LinearizableReadsOptions options, uint64_t applied)
    : options_(std::move(options)), next_(std::make_shared<Round>()), applied_(applied) {
  loop_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "read-index");
    Loop();
  });
}

LinearizableReads::~LinearizableReads() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  loop_.join();
  std::unique_lock<std::mutex> lock(mu_);
  left_cv_.wait(lock, [&] { return inside_ == 0; });
}

Status LinearizableReads::Wait(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return Status::Unavailable("etcdserver: server stopped");
  std::shared_ptr<Round> round = next_;
  ++round->readers;
  if (!round->started) {
    round->started = true;
    loop_cv_.notify_all();
  }
  ++inside_;
  const bool done = round->cv.wait_until(lock, deadline, [&] { return round->done; });
  if (--inside_ == 0 && stopping_) left_cv_.notify_all();
  if (!done) return Status::Timeout("etcdserver: request timed out");
  return round->result;
}

void LinearizableReads::Await(std::function<void(Status)> done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      std::shared_ptr<Round> round = next_;
      ++round->readers;
      round->callbacks.push_back(std::move(done));
      if (!round->started) {
        round->started = true;
        loop_cv_.notify_all();
      }
      return;
    }
  }
  done(Status::Unavailable("etcdserver: server stopped"));
}

void LinearizableReads::OnReadState(std::string_view ctx, uint64_t index) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ctx != ctx_ || read_index_) return;  // an earlier round's, or a second answer
    read_index_ = index;
  }
  loop_cv_.notify_all();
}

void LinearizableReads::OnApplied(uint64_t index) {
  bool caught_up = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (index <= applied_) return;
    applied_ = index;
    caught_up = read_index_ && applied_ >= *read_index_;
  }
  if (caught_up) loop_cv_.notify_all();
}

uint64_t LinearizableReads::rounds() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rounds_;
}

int LinearizableReads::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_->readers;
}

void LinearizableReads::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    loop_cv_.wait(lock, [&] { return stopping_ || next_->started; });
    if (stopping_) break;
    // Readers arriving from here on wait for the next round: this one's
    // ReadIndex is asked after all of its readers arrived.
    std::shared_ptr<Round> round = std::move(next_);
    next_ = std::make_shared<Round>();
    ctx_ = options_.ctx_prefix + std::to_string(++rounds_);
    read_index_.reset();
    round->result = RunRound(lock);
    round->done = true;
    ctx_.clear();
    round->cv.notify_all();
    lock.unlock();
    for (auto& done : round->callbacks) done(round->result);
    lock.lock();
  }
  next_->done = true;
  next_->result = Status::Unavailable("etcdserver: server stopped");
  next_->cv.notify_all();
  auto callbacks = std::move(next_->callbacks);
  lock.unlock();
  for (auto& done : callbacks) done(next_->result);
}

Status LinearizableReads::RunRound(std::unique_lock<std::mutex>& lock) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + options_.round_timeout;
  while (!read_index_) {
    const std::string ctx = ctx_;
    lock.unlock();
    options_.read_index(ctx);
    lock.lock();
    const auto until = std::min(deadline, Clock::now() + options_.retry);
    loop_cv_.wait_until(lock, until, [&] { return stopping_ || read_index_.has_value(); });
    if (stopping_) return Status::Unavailable("etcdserver: server stopped");
    if (!read_index_ && Clock::now() >= deadline) return Status::Timeout("etcdserver: request timed out");
  }
  if (!loop_cv_.wait_until(lock, deadline, [&] { return stopping_ || applied_ >= *read_index_; })) {
    return Status::Timeout("etcdserver: request timed out");
  }
  if (stopping_) return Status::Unavailable("etcdserver: server stopped");
  return Status::Ok();
}

}  // namespace etcfs::server
