#include "server/proposer.h"

#include <random>

namespace etcfs::server {

namespace {

uint64_t NewSession() {
  uint64_t s = 0;
  while (s == 0) s = std::random_device()() ^ (uint64_t{std::random_device()()} << 32);
  return s;
}

}  // namespace

Proposer::Proposer(ProposerOptions options, NodeMetrics* metrics)
    : options_(std::move(options)), metrics_(metrics), session_(NewSession()) {}

Result<WriteResponse> Proposer::Write(requestpb::Request req, const WriteControl& control) {
  if (req.ByteSizeLong() > options_.max_request_bytes) {
    return Status::ResourceExhausted("etcdserver: request is too large");
  }
  req.set_time_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
  req.set_session(session_);
  auto waiter = std::make_shared<Waiter>();
  {
    std::lock_guard<std::mutex> lock(mu_);
    req.set_id(next_id_++);
    waiters_[req.id()] = waiter;
    req.set_first_outstanding(waiters_.begin()->first);
  }
  const uint64_t id = req.id();
  ++metrics_->proposals_pending;
  struct Pending {
    Proposer* proposer;
    uint64_t id;
    ~Pending() {
      --proposer->metrics_->proposals_pending;
      std::lock_guard<std::mutex> lock(proposer->mu_);
      proposer->waiters_.erase(id);
    }
  } pending{this, id};
  auto on_drop = [waiter](const Status& s) {
    std::lock_guard<std::mutex> lock(waiter->mu);
    waiter->dropped = s;
    waiter->cv.notify_all();
  };

  const std::string data = req.SerializeAsString();
  const auto timeout = control.timeout.count() > 0 ? control.timeout : options_.request_timeout;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Waits until `until`, an answer, a drop (if `on_drop`) or the caller's cancel.
  auto wait = [&](std::unique_lock<std::mutex>& lock, std::chrono::steady_clock::time_point until, bool on_drop) {
    for (;;) {
      auto slice = until;
      if (control.cancelled) slice = std::min(until, std::chrono::steady_clock::now() + std::chrono::milliseconds(20));
      if (waiter->cv.wait_until(lock, slice, [&] { return waiter->done || (on_drop && waiter->dropped.has_value()); })) {
        return;
      }
      if (slice == until || control.cancelled()) return;
    }
  };
  std::unique_lock<std::mutex> lock(waiter->mu);
  for (;;) {
    waiter->dropped.reset();
    lock.unlock();
    options_.propose(data, on_drop);
    lock.lock();
    wait(lock, std::min(deadline, std::chrono::steady_clock::now() + options_.election_timeout), true);
    if (waiter->done) return std::move(waiter->result);
    if (waiter->dropped && waiter->dropped->code() != StatusCode::kUnavailable) {
      ++metrics_->proposals_failed;
      return *waiter->dropped;
    }
    if (waiter->dropped) {
      wait(lock, std::min(deadline, std::chrono::steady_clock::now() + options_.heartbeat), false);
      if (waiter->done) return std::move(waiter->result);
    }
    if (control.cancelled && control.cancelled()) {
      ++metrics_->proposals_failed;
      return Status::Cancelled("the caller gave up waiting; the request may still be applied");
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    ++metrics_->proposals_retried;
  }
  ++metrics_->proposals_failed;
  return Status::Timeout(options_.has_leader() ? "etcdserver: request timed out" : "etcdserver: no leader");
}

void Proposer::Resolve(uint64_t id, Result<WriteResponse> result) {
  std::shared_ptr<Waiter> w;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = waiters_.find(id);
    if (it == waiters_.end()) return;  // gave up
    w = it->second;
    waiters_.erase(it);
  }
  std::lock_guard<std::mutex> lock(w->mu);
  w->result = std::move(result);
  w->done = true;
  w->cv.notify_all();
}

}  // namespace etcfs::server
