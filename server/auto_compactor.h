// AutoCompactor: etcd's --auto-compaction-mode and --auto-compaction-retention.
//
//   periodic: keep `retention` of history. Every retention/10 (at most every
//             6 minutes, as etcd) the leader samples the current revision;
//             once a sample is `retention` old, it compacts to it.
//   revision: keep `retention` revisions. Every 5 minutes the leader compacts
//             to current - retention.
//
//   mounts:   a member that serves a mount, when the operator set neither
//             flag, runs revision mode keeping kMountRetainedRevisions, and
//             guards space: once the backend holds half its quota, it keeps
//             only kRetainedUnderPressure revisions, so that old versions of
//             rewritten files never fill the quota (a filesystem's users do
//             not expect history to pile up).
//
// The policy is a pure function of the samples and the time it is given
// (CompactionPolicy, tested by itself); the runner feeds it the clock and the
// node, and proposes the compaction through Raft when leading.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/result.h"

namespace etcfs::server {

class Node;

enum class AutoCompactionMode { kPeriodic, kRevision };

// Mounts' defaults: enough history for a watcher that fell a little behind
// (one further behind ranges again), and what a full backend still keeps.
inline constexpr int64_t kMountRetainedRevisions = 10000;
inline constexpr int64_t kRetainedUnderPressure = 100;
inline constexpr std::chrono::milliseconds kSpaceCheckInterval{200};

struct AutoCompactionOptions {
  AutoCompactionMode mode = AutoCompactionMode::kPeriodic;
  // periodic: how much time of history to keep; 0 turns compaction off.
  std::chrono::milliseconds period{0};
  // revision: how many revisions to keep; 0 turns compaction off.
  int64_t revisions = 0;

  // Also compact, at once, whatever history pushes the backend past half
  // its quota (ForMounts).
  bool guard_space = false;

  // What a member that serves a mount runs unless the operator chose.
  static AutoCompactionOptions ForMounts();
  bool enabled() const { return mode == AutoCompactionMode::kPeriodic ? period.count() > 0 : revisions > 0; }
  // How often the policy runs.
  std::chrono::milliseconds interval() const;
};

// Parses etcd's flags: mode "periodic" or "revision"; retention "0", a plain
// number (hours for periodic, revisions for revision) or a duration such as
// "30m", "1h30m", "90s". Errors: InvalidArgument, naming the flag.
Result<AutoCompactionOptions> ParseAutoCompaction(const std::string& mode, const std::string& retention);

class CompactionPolicy {
 public:
  using Clock = std::chrono::steady_clock;
  explicit CompactionPolicy(AutoCompactionOptions options) : options_(options) {}

  // Called every interval() with the time and the store's revisions; returns
  // the revision to compact to, if any. `leading` false clears the samples:
  // a member that becomes leader starts its own clock, as in etcd.
  std::optional<int64_t> Step(Clock::time_point now, bool leading, int64_t current, int64_t compacted);
  // The space guard, checked every kSpaceCheckInterval: the revision to
  // compact to when the backend's `size` passes half its `quota`.
  std::optional<int64_t> SpaceStep(bool leading, int64_t current, int64_t compacted, int64_t size,
                                   int64_t quota) const;

 private:
  AutoCompactionOptions options_;
  std::deque<std::pair<Clock::time_point, int64_t>> samples_;  // oldest first
};

class AutoCompactor {
 public:
  AutoCompactor(Node* node, AutoCompactionOptions options);
  ~AutoCompactor();  // stops and joins

 private:
  void Run();

  Node* node_;
  AutoCompactionOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace etcfs::server
