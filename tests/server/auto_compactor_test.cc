// Auto-compaction: etcd's flag forms, and the policy's decisions over time.
#include <gtest/gtest.h>

#include "server/auto_compactor.h"

namespace etcfs::server {
namespace {

using namespace std::chrono_literals;

TEST(AutoCompaction, ParsesEtcdsFlagForms) {
  auto hours = ParseAutoCompaction("periodic", "72");
  ASSERT_TRUE(hours.ok());
  EXPECT_EQ(std::chrono::milliseconds(72h), hours->period);
  EXPECT_EQ(std::chrono::milliseconds(6min), hours->interval());  // at most an hour / 10
  auto mixed = ParseAutoCompaction("periodic", "1h30m");
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(std::chrono::milliseconds(90min), mixed->period);
  auto short_period = ParseAutoCompaction("periodic", "30s");
  ASSERT_TRUE(short_period.ok());
  EXPECT_EQ(std::chrono::milliseconds(3s), short_period->interval());
  auto revs = ParseAutoCompaction("revision", "1000");
  ASSERT_TRUE(revs.ok());
  EXPECT_EQ(1000, revs->revisions);
  EXPECT_EQ(std::chrono::milliseconds(5min), revs->interval());
  EXPECT_FALSE(ParseAutoCompaction("periodic", "0")->enabled());

  for (auto [mode, retention] : std::vector<std::pair<std::string, std::string>>{
           {"hourly", "1"}, {"periodic", "1x"}, {"periodic", "h"}, {"periodic", "-1"}, {"revision", "10m"}, {"periodic", ""}}) {
    auto r = ParseAutoCompaction(mode, retention);
    EXPECT_EQ(StatusCode::kInvalidArgument, r.status().code()) << mode << " " << retention;
    EXPECT_NE(std::string::npos, r.status().message().find("--auto-compaction")) << r.status().ToString();
  }
}

TEST(AutoCompaction, PeriodicKeepsTheRetentionOfHistory) {
  CompactionPolicy p(*ParseAutoCompaction("periodic", "10s"));
  const auto t0 = CompactionPolicy::Clock::time_point{};
  // Samples every second (interval = 1 s); the revision grows by 100 a second.
  for (int s = 0; s < 10; ++s) {
    EXPECT_EQ(std::nullopt, p.Step(t0 + std::chrono::seconds(s), true, 100 * s + 1, 0)) << s;
  }
  // At 10 s the sample from 0 s is 10 s old: compact to its revision.
  EXPECT_EQ(1, p.Step(t0 + 10s, true, 1001, 0));
  EXPECT_EQ(101, p.Step(t0 + 11s, true, 1101, 1));
  // Already compacted that far: nothing to do.
  EXPECT_EQ(std::nullopt, p.Step(t0 + 12s, true, 1201, 500));
}

TEST(AutoCompaction, OnlyALeaderCompactsAndANewLeaderStartsItsOwnClock) {
  CompactionPolicy p(*ParseAutoCompaction("periodic", "2s"));
  const auto t0 = CompactionPolicy::Clock::time_point{};
  EXPECT_EQ(std::nullopt, p.Step(t0, true, 10, 0));
  EXPECT_EQ(std::nullopt, p.Step(t0 + 1s, false, 20, 0));  // lost leadership: samples dropped
  EXPECT_EQ(std::nullopt, p.Step(t0 + 3s, true, 30, 0));   // leads again from here
  EXPECT_EQ(std::nullopt, p.Step(t0 + 4s, true, 40, 0));
  EXPECT_EQ(30, p.Step(t0 + 5s, true, 50, 0));
}

TEST(AutoCompaction, RevisionModeKeepsTheLastNRevisions) {
  CompactionPolicy p(*ParseAutoCompaction("revision", "100"));
  const auto t0 = CompactionPolicy::Clock::time_point{};
  EXPECT_EQ(std::nullopt, p.Step(t0, true, 50, 0));
  EXPECT_EQ(400, p.Step(t0 + 5min, true, 500, 0));
  EXPECT_EQ(std::nullopt, p.Step(t0 + 10min, true, 500, 400));
  EXPECT_EQ(std::nullopt, p.Step(t0 + 15min, false, 900, 400));
}

TEST(AutoCompaction, MountsKeepRecentHistoryAndCompactPastHalfTheQuota) {
  const AutoCompactionOptions o = AutoCompactionOptions::ForMounts();
  EXPECT_EQ(AutoCompactionMode::kRevision, o.mode);
  EXPECT_EQ(kMountRetainedRevisions, o.revisions);
  CompactionPolicy p(o);
  constexpr int64_t kQuota = 1000;
  EXPECT_EQ(std::nullopt, p.SpaceStep(true, 5000, 0, kQuota / 2, kQuota));  // half: not yet
  EXPECT_EQ(5000 - kRetainedUnderPressure, p.SpaceStep(true, 5000, 0, kQuota / 2 + 1, kQuota));
  EXPECT_EQ(std::nullopt, p.SpaceStep(true, 5000, 5000 - kRetainedUnderPressure, kQuota, kQuota));  // done
  EXPECT_EQ(std::nullopt, p.SpaceStep(false, 9000, 0, kQuota, kQuota));  // only a leader compacts
  EXPECT_EQ(std::nullopt, p.SpaceStep(true, 50, 0, kQuota, kQuota));    // not that much history yet
  // An operator's revision mode does not guard space.
  CompactionPolicy chosen(*ParseAutoCompaction("revision", "100"));
  EXPECT_EQ(std::nullopt, chosen.SpaceStep(true, 5000, 0, kQuota, kQuota));
}

}  // namespace
}  // namespace etcfs::server
