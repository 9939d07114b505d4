#include "server/proposer.h"

#include <pthread.h>

#include <future>
#include <random>

namespace etcfs::server {

namespace {

uint64_t NewSession() {
  uint64_t s = 0;
  while (s == 0) s = std::random_device()() ^ (uint64_t{std::random_device()()} << 32);
  return s;
}

// How often the timer looks at what is pending: the caller's cancel is
// polled this often.
constexpr std::chrono::milliseconds kTick{20};

}  // namespace

Proposer::Proposer(ProposerOptions options, NodeMetrics* metrics)
    : options_(std::move(options)), metrics_(metrics), session_(NewSession()), timer_([this] { Run(); }) {}

Proposer::~Proposer() {
  std::map<uint64_t, Pending> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    left.swap(pending_);
  }
  cv_.notify_all();
  timer_.join();
  for (auto& [id, p] : left) {
    --metrics_->proposals_pending;
    p.done(Status::Unavailable("etcdserver: server stopped"));
  }
}

void Proposer::Submit(requestpb::Request req, const WriteControl& control, Done done) {
  if (req.ByteSizeLong() > options_.max_request_bytes) {
    done(Status::ResourceExhausted("etcdserver: request is too large"));
    return;
  }
  req.set_time_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
  req.set_session(session_);
  const auto now = Clock::now();
  const auto timeout = control.timeout.count() > 0 ? control.timeout : options_.request_timeout;
  uint64_t id;
  std::string data;
  bool was_idle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      done(Status::Unavailable("etcdserver: server stopped"));
      return;
    }
    id = next_id_++;
    req.set_id(id);
    req.set_first_outstanding(pending_.empty() ? id : pending_.begin()->first);
    data = req.SerializeAsString();
    was_idle = pending_.empty();
    pending_.emplace(id, Pending{data, std::move(done), control.cancelled, now + timeout,
                                 now + options_.election_timeout, std::nullopt});
  }
  ++metrics_->proposals_pending;
  // The timer sleeps without a deadline only while nothing is pending; once
  // it ticks, a wake per request would only cost a context switch.
  if (was_idle) cv_.notify_one();
  Propose(id, data);
}

Result<WriteResponse> Proposer::Write(requestpb::Request req, const WriteControl& control) {
  std::promise<Result<WriteResponse>> outcome;
  auto result = outcome.get_future();
  Submit(std::move(req), control, [&outcome](Result<WriteResponse> r) { outcome.set_value(std::move(r)); });
  return result.get();
}

void Proposer::Propose(uint64_t id, const std::string& data) {
  options_.propose(data, [this, id](const Status& s) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = pending_.find(id);
      if (it == pending_.end()) return;
      it->second.dropped = s;
      // No leader yet: try again after a heartbeat. Any other refusal ends it.
      it->second.repropose_at = Clock::now() + options_.heartbeat;
    }
    cv_.notify_one();
  });
}

void Proposer::Resolve(uint64_t id, Result<WriteResponse> result) {
  Done done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return;  // failed meanwhile (timed out, given up)
    done = std::move(it->second.done);
    pending_.erase(it);
  }
  --metrics_->proposals_pending;
  done(std::move(result));
}

void Proposer::Run() {
  pthread_setname_np(pthread_self(), "proposer");
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
    if (!stopping_) cv_.wait_for(lock, kTick, [&] { return stopping_; });
    if (stopping_) return;
    const auto now = Clock::now();
    std::vector<std::pair<Done, Status>> failed;
    std::vector<std::pair<uint64_t, std::string>> again;
    for (auto it = pending_.begin(); it != pending_.end();) {
      Pending& p = it->second;
      std::optional<Status> outcome;
      if (p.dropped && p.dropped->code() != StatusCode::kUnavailable) {
        outcome = *p.dropped;
      } else if (p.cancelled && p.cancelled()) {
        outcome = Status::Cancelled("the caller gave up waiting; the request may still be applied");
      } else if (now >= p.deadline) {
        outcome = Status::Timeout(options_.has_leader() ? "etcdserver: request timed out" : "etcdserver: no leader");
      } else if (now >= p.repropose_at) {
        p.dropped.reset();
        p.repropose_at = now + options_.election_timeout;
        again.emplace_back(it->first, p.data);
      }
      if (outcome) {
        failed.emplace_back(std::move(p.done), std::move(*outcome));
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
    lock.unlock();
    for (auto& [id, data] : again) {
      ++metrics_->proposals_retried;
      Propose(id, data);
    }
    for (auto& [done, status] : failed) {
      --metrics_->proposals_pending;
      ++metrics_->proposals_failed;
      done(std::move(status));
    }
    lock.lock();
  }
}

}  // namespace etcfs::server
