// LinearizableReads: one ReadIndex round serves every reader that arrived
// while the previous round was in flight, a round waits for the apply to
// catch up, unanswered rounds ask again and then time out, and stopping
// releases every reader.
#include "server/linearizable_reads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

namespace etcfs::server {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Stands in for Raft: records each ReadIndex request's tag and lets the test
// answer them when it chooses.
class FakeRaft {
 public:
  void Ask(std::string ctx) {
    std::lock_guard<std::mutex> lock(mu_);
    asked_.push_back(std::move(ctx));
    cv_.notify_all();
  }
  // Blocks until at least `n` requests were made; returns the n-th tag.
  std::string WaitAsked(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return asked_.size() >= n; });
    return asked_[n - 1];
  }
  size_t asked() {
    std::lock_guard<std::mutex> lock(mu_);
    return asked_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> asked_;
};

LinearizableReadsOptions OptionsFor(FakeRaft& raft, std::chrono::milliseconds retry = 10s,
                                    std::chrono::milliseconds timeout = 60s) {
  LinearizableReadsOptions options;
  options.read_index = [&raft](std::string ctx) { raft.Ask(std::move(ctx)); };
  options.ctx_prefix = "m1/";
  options.retry = retry;
  options.round_timeout = timeout;
  return options;
}

void WaitQueued(const LinearizableReads& reads, int n) {
  while (reads.queued() < n) std::this_thread::sleep_for(1ms);
}

TEST(LinearizableReads, ReadIsServedOnceRaftAnswersAndTheStoreHasApplied) {
  FakeRaft raft;
  LinearizableReads reads(OptionsFor(raft), /*applied=*/5);
  auto reader = std::async(std::launch::async, [&] { return reads.Wait(Clock::now() + 60s); });
  const std::string ctx = raft.WaitAsked(1);
  EXPECT_EQ(ctx.rfind("m1/", 0), 0u) << ctx;
  reads.OnReadState(ctx, 9);
  reads.OnApplied(8);
  EXPECT_EQ(reader.wait_for(50ms), std::future_status::timeout) << "served before applying index 9";
  reads.OnApplied(9);
  EXPECT_TRUE(reader.get().ok());
  EXPECT_EQ(reads.rounds(), 1u);
}

TEST(LinearizableReads, AnswerForAnotherTagIsIgnored) {
  FakeRaft raft;
  LinearizableReads reads(OptionsFor(raft), /*applied=*/5);
  auto reader = std::async(std::launch::async, [&] { return reads.Wait(Clock::now() + 60s); });
  const std::string ctx = raft.WaitAsked(1);
  reads.OnReadState("m1/0", 1);          // an earlier round's answer
  reads.OnReadState("m2/" + ctx, 1);     // another member's
  EXPECT_EQ(reader.wait_for(50ms), std::future_status::timeout);
  reads.OnReadState(ctx, 5);
  EXPECT_TRUE(reader.get().ok());
}

TEST(LinearizableReads, ReadersArrivingDuringARoundShareTheNextOne) {
  FakeRaft raft;
  LinearizableReads reads(OptionsFor(raft), /*applied=*/100);
  auto first = std::async(std::launch::async, [&] { return reads.Wait(Clock::now() + 60s); });
  const std::string round1 = raft.WaitAsked(1);

  // These arrive after round 1 asked, so its index may predate their writes:
  // they must not be served by it.
  constexpr int kLate = 49;
  std::vector<std::future<Status>> late;
  for (int i = 0; i < kLate; ++i) {
    late.push_back(std::async(std::launch::async, [&] { return reads.Wait(Clock::now() + 60s); }));
  }
  WaitQueued(reads, kLate);
  reads.OnReadState(round1, 100);
  EXPECT_TRUE(first.get().ok());

  const std::string round2 = raft.WaitAsked(2);
  EXPECT_NE(round2, round1);
  for (auto& f : late) EXPECT_EQ(f.wait_for(20ms), std::future_status::timeout);
  reads.OnReadState(round2, 100);
  for (auto& f : late) EXPECT_TRUE(f.get().ok());
  EXPECT_EQ(reads.rounds(), 2u) << "one round for the first reader, one for all " << kLate << " late ones";
  EXPECT_EQ(raft.asked(), 2u);
}

TEST(LinearizableReads, UnansweredRoundAsksAgainThenTimesOut) {
  FakeRaft raft;
  LinearizableReads reads(OptionsFor(raft, /*retry=*/10ms, /*timeout=*/200ms), /*applied=*/1);
  const Status status = reads.Wait(Clock::now() + 60s);
  EXPECT_EQ(status.code(), StatusCode::kTimeout) << status.ToString();
  EXPECT_GE(raft.asked(), 3u) << "a dropped ReadIndex (no leader) must be asked again";
  EXPECT_EQ(raft.WaitAsked(1), raft.WaitAsked(2)) << "a retry keeps the round's tag";

  // The next reader gets a fresh round that can succeed.
  auto reader = std::async(std::launch::async, [&] { return reads.Wait(Clock::now() + 60s); });
  while (reads.rounds() < 2) std::this_thread::sleep_for(1ms);
  const std::string ctx = raft.WaitAsked(raft.asked());
  reads.OnReadState(ctx, 1);
  EXPECT_TRUE(reader.get().ok());
}

TEST(LinearizableReads, AnsweredRoundThatCannotCatchUpTimesOut) {
  FakeRaft raft;
  LinearizableReads reads(OptionsFor(raft, 10s, /*timeout=*/100ms), /*applied=*/1);
  auto reader = std::async(std::launch::async, [&] { return reads.Wait(Clock::now() + 60s); });
  reads.OnReadState(raft.WaitAsked(1), 50);
  EXPECT_EQ(reader.get().code(), StatusCode::kTimeout);
}

TEST(LinearizableReads, CallerDeadlineIsHonoured) {
  FakeRaft raft;
  LinearizableReads reads(OptionsFor(raft), /*applied=*/1);
  EXPECT_EQ(reads.Wait(Clock::now() + 20ms).code(), StatusCode::kTimeout);
}

TEST(LinearizableReads, StoppingReleasesWaitingReaders) {
  FakeRaft raft;
  auto reads = std::make_unique<LinearizableReads>(OptionsFor(raft), /*applied=*/1);
  auto in_flight = std::async(std::launch::async, [&] { return reads->Wait(Clock::now() + 60s); });
  raft.WaitAsked(1);
  auto queued = std::async(std::launch::async, [&] { return reads->Wait(Clock::now() + 60s); });
  WaitQueued(*reads, 1);
  reads.reset();
  EXPECT_EQ(in_flight.get().code(), StatusCode::kUnavailable);
  EXPECT_EQ(queued.get().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace etcfs::server
