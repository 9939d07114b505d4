#include "server/auto_compactor.h"

#include "base/duration.h"

#include <regex>

#include <spdlog/spdlog.h>

#include "server/node.h"

namespace etcfs::server {

std::chrono::milliseconds AutoCompactionOptions::interval() const {
  if (mode == AutoCompactionMode::kRevision) return std::chrono::minutes(5);
  return std::min<std::chrono::milliseconds>(period, std::chrono::hours(1)) / 10;
}

AutoCompactionOptions AutoCompactionOptions::ForMounts() {
  AutoCompactionOptions o;
  o.mode = AutoCompactionMode::kRevision;
  o.revisions = kMountRetainedRevisions;
  o.guard_space = true;
  return o;
}

Result<AutoCompactionOptions> ParseAutoCompaction(const std::string& mode, const std::string& retention) {
  AutoCompactionOptions o;
  if (mode == "periodic") {
    o.mode = AutoCompactionMode::kPeriodic;
  } else if (mode == "revision") {
    o.mode = AutoCompactionMode::kRevision;
  } else {
    return Status::InvalidArgument("--auto-compaction-mode must be 'periodic' or 'revision', not '" + mode + "'");
  }
  const std::string bad = "--auto-compaction-retention '" + retention +
                          "' is not a number or a duration like 30m, 1h or 90s";
  if (std::regex_match(retention, std::regex("[0-9]+"))) {
    const int64_t n = std::stoll(retention);
    if (o.mode == AutoCompactionMode::kRevision) {
      o.revisions = n;
    } else {
      o.period = std::chrono::hours(n);  // etcd: a bare number is hours
    }
    return o;
  }
  if (o.mode == AutoCompactionMode::kRevision) {
    return Status::InvalidArgument("--auto-compaction-retention for revision mode is a number of revisions, not '" +
                                   retention + "'");
  }
  auto period = ParseDuration(retention);
  if (!period.ok()) return Status::InvalidArgument(bad);
  const std::chrono::milliseconds total = *period;
  o.period = total;
  return o;
}

std::optional<int64_t> CompactionPolicy::Step(Clock::time_point now, bool leading, int64_t current,
                                              int64_t compacted) {
  if (!leading || !options_.enabled()) {
    samples_.clear();
    return std::nullopt;
  }
  if (options_.mode == AutoCompactionMode::kRevision) {
    const int64_t target = current - options_.revisions;
    if (target > compacted && target > 0) return target;
    return std::nullopt;
  }
  samples_.emplace_back(now, current);
  // The newest sample at least `period` old is what may go.
  std::optional<int64_t> target;
  while (!samples_.empty() && now - samples_.front().first >= options_.period) {
    target = samples_.front().second;
    samples_.pop_front();
  }
  if (target && *target > compacted) return target;
  return std::nullopt;
}

std::optional<int64_t> CompactionPolicy::SpaceStep(bool leading, int64_t current, int64_t compacted, int64_t size,
                                                   int64_t quota) const {
  if (!leading || !options_.guard_space || size <= quota / 2) return std::nullopt;
  const int64_t target = current - kRetainedUnderPressure;
  if (target > compacted && target > 0) return target;
  return std::nullopt;
}

AutoCompactor::AutoCompactor(Node* node, AutoCompactionOptions options) : node_(node), options_(options) {
  if (!options_.enabled()) return;
  spdlog::info("etcfsd: auto-compaction {} keeping {}{}",
               options_.mode == AutoCompactionMode::kPeriodic ? "periodic" : "revision",
               options_.mode == AutoCompactionMode::kPeriodic ? std::to_string(options_.period.count()) + " ms of history"
                                                              : std::to_string(options_.revisions) + " revisions",
               options_.guard_space ? fmt::format(", and {} past half the backend quota", kRetainedUnderPressure)
                                    : std::string());
  thread_ = std::thread([this] { Run(); });
}

AutoCompactor::~AutoCompactor() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AutoCompactor::Run() {
  using Clock = CompactionPolicy::Clock;
  CompactionPolicy policy(options_);
  Clock::time_point next_step = Clock::now() + options_.interval();
  for (;;) {
    const Clock::time_point wake =
        options_.guard_space ? std::min(next_step, Clock::now() + kSpaceCheckInterval) : next_step;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_until(lock, wake, [this] { return stopping_; })) return;
    }
    const bool leading = node_->leader() == node_->member_id();
    store::Store& store = node_->store();
    std::optional<int64_t> target;
    if (Clock::now() >= next_step) {
      next_step += options_.interval();
      target = policy.Step(Clock::now(), leading, store.CurrentRevision(), store.CompactedRevision());
    }
    if (!target) {
      const int64_t size = store.BackendSizeBytes();
      target = policy.SpaceStep(leading, store.CurrentRevision(), store.CompactedRevision(), size, store.QuotaBytes());
      if (target) {
        spdlog::info("etcfsd: the backend holds {} bytes, past half its quota of {}: compacting to revision {}",
                     size, store.QuotaBytes(), *target);
      }
    }
    if (!target) continue;
    requestpb::Request req;
    req.mutable_compaction()->set_revision(*target);
    auto r = node_->Write(std::move(req));
    if (r.ok()) {
      spdlog::info("etcfsd: auto-compacted to revision {}", *target);
    } else if (r.status().code() != StatusCode::kCompacted) {
      spdlog::warn("etcfsd: auto-compaction to revision {} failed: {}; retrying next round", *target,
                   r.status().ToString());
    }
  }
}

}  // namespace etcfs::server
