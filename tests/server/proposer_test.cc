// The Proposer's promises to its callers: each request is answered exactly
// once, by the apply path's Resolve or by the proposer's own failure paths
// (too large, refused, no leader, timed out, given up, stopping), and a
// proposal that may be lost is proposed again under the same id.
#include "server/proposer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace etcfs::server {
namespace {

using namespace std::chrono_literals;

// The Raft side of a proposer: records each proposal, and drops them with a
// given status when asked.
struct FakeRaft {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<requestpb::Request> proposed;
  std::optional<Status> drop_with;  // drops every proposal with it when set
  bool has_leader = true;

  ProposerOptions Options() {
    ProposerOptions o;
    o.max_request_bytes = 1024;
    o.request_timeout = 5s;
    o.election_timeout = 60ms;
    o.heartbeat = 10ms;
    o.propose = [this](std::string data, std::function<void(const Status&)> on_drop) {
      std::optional<Status> drop;
      {
        std::lock_guard<std::mutex> lock(mu);
        requestpb::Request r;
        EXPECT_TRUE(r.ParseFromString(data));
        proposed.push_back(std::move(r));
        drop = drop_with;
      }
      cv.notify_all();
      if (drop) on_drop(*drop);
    };
    o.has_leader = [this] {
      std::lock_guard<std::mutex> lock(mu);
      return has_leader;
    };
    return o;
  }

  // Waits (bounded) until `n` proposals were made; returns the first n.
  std::vector<requestpb::Request> AwaitProposals(size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, 10s, [&] { return proposed.size() >= n; });
    return proposed;
  }
};

// A request's outcome, and how many times it was given.
struct Outcome {
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  std::optional<Result<WriteResponse>> result;

  Proposer::Done Callback() {
    return [this](Result<WriteResponse> r) {
      {
        std::lock_guard<std::mutex> lock(mu);
        ++calls;
        result = std::move(r);
      }
      cv.notify_all();
    };
  }
  // Waits (bounded) for the outcome; nullopt if none came.
  std::optional<Result<WriteResponse>> Await() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, 10s, [&] { return calls > 0; });
    return result;
  }
  int Calls() {
    std::lock_guard<std::mutex> lock(mu);
    return calls;
  }
};

// What the apply path reports for a put applied at `revision`.
Result<WriteResponse> AppliedPut(int64_t revision) {
  kv::PutResponse put;
  put.revision = revision;
  return WriteResponse(put);
}

requestpb::Request SmallPut() {
  requestpb::Request r;
  r.mutable_put()->set_key("k");
  r.mutable_put()->set_value("v");
  return r;
}

TEST(Proposer, AnAppliedRequestIsAnsweredOnceWithItsResult) {
  FakeRaft raft;
  NodeMetrics metrics;
  Proposer proposer(raft.Options(), &metrics);
  Outcome outcome;
  proposer.Submit(SmallPut(), {}, outcome.Callback());
  auto proposed = raft.AwaitProposals(1);
  ASSERT_EQ(proposed.size(), 1u);
  EXPECT_EQ(proposed[0].session(), proposer.session());
  EXPECT_EQ(metrics.proposals_pending.load(), 1);

  proposer.Resolve(proposed[0].id(), AppliedPut(7));
  proposer.Resolve(proposed[0].id(), AppliedPut(7));  // a duplicate apply is not answered twice
  auto r = outcome.Await();
  ASSERT_TRUE(r && r->ok());
  EXPECT_EQ(std::get<kv::PutResponse>(**r).revision, 7);
  EXPECT_EQ(outcome.Calls(), 1);
  EXPECT_EQ(metrics.proposals_pending.load(), 0);
}

TEST(Proposer, ATooLargeRequestIsRefusedAtOnceWithoutAProposal) {
  FakeRaft raft;
  NodeMetrics metrics;
  Proposer proposer(raft.Options(), &metrics);
  Outcome outcome;
  auto big = SmallPut();
  big.mutable_put()->set_value(std::string(4096, 'x'));
  proposer.Submit(big, {}, outcome.Callback());
  ASSERT_EQ(outcome.Calls(), 1);  // on the caller's thread, before Submit returns
  EXPECT_EQ(outcome.result->status().code(), StatusCode::kResourceExhausted);
  std::lock_guard<std::mutex> lock(raft.mu);
  EXPECT_TRUE(raft.proposed.empty());
}

TEST(Proposer, AnUnansweredProposalIsProposedAgainUnderTheSameId) {
  FakeRaft raft;
  NodeMetrics metrics;
  Proposer proposer(raft.Options(), &metrics);
  Outcome first, second;
  proposer.Submit(SmallPut(), {}, first.Callback());
  proposer.Submit(SmallPut(), {}, second.Callback());
  auto proposed = raft.AwaitProposals(4);  // both, then both again after an election timeout
  ASSERT_GE(proposed.size(), 4u);
  EXPECT_NE(proposed[0].id(), proposed[1].id());
  EXPECT_EQ(proposed[2].id(), proposed[0].id());
  EXPECT_EQ(proposed[3].id(), proposed[1].id());
  // Each names the lowest id still awaited, so the apply path can forget older ones.
  EXPECT_EQ(proposed[1].first_outstanding(), proposed[0].id());
  EXPECT_GE(metrics.proposals_retried.load(), 2u);
  proposer.Resolve(proposed[0].id(), AppliedPut(1));
  proposer.Resolve(proposed[1].id(), AppliedPut(1));
  EXPECT_TRUE(first.Await()->ok());
  EXPECT_TRUE(second.Await()->ok());
}

TEST(Proposer, ADropForWantOfALeaderIsRetriedAfterAHeartbeat) {
  FakeRaft raft;
  raft.drop_with = Status::Unavailable("no leader");
  auto options = raft.Options();
  // Retries at election-timeout pace would not come within AwaitProposals' 10 s.
  options.election_timeout = 60s;
  options.request_timeout = 120s;
  NodeMetrics metrics;
  Proposer proposer(options, &metrics);
  Outcome outcome;
  proposer.Submit(SmallPut(), {}, outcome.Callback());
  auto proposed = raft.AwaitProposals(3);
  ASSERT_GE(proposed.size(), 3u);
  EXPECT_EQ(outcome.Calls(), 0);
  {
    std::lock_guard<std::mutex> lock(raft.mu);
    raft.drop_with.reset();  // a leader now
  }
  proposer.Resolve(proposed[0].id(), AppliedPut(1));
  EXPECT_TRUE(outcome.Await()->ok());
}

TEST(Proposer, AnyOtherDropEndsTheRequestWithItsStatus) {
  FakeRaft raft;
  raft.drop_with = Status::FailedPrecondition("proposals are refused while transferring leadership");
  NodeMetrics metrics;
  Proposer proposer(raft.Options(), &metrics);
  Outcome outcome;
  proposer.Submit(SmallPut(), {}, outcome.Callback());
  auto r = outcome.Await();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(metrics.proposals_failed.load(), 1u);
  EXPECT_EQ(metrics.proposals_pending.load(), 0);
}

TEST(Proposer, ATimeoutSaysWhetherALeaderWasKnown) {
  for (bool leader : {true, false}) {
    FakeRaft raft;
    raft.has_leader = leader;
    NodeMetrics metrics;
    Proposer proposer(raft.Options(), &metrics);
    Outcome outcome;
    WriteControl control;
    control.timeout = 100ms;
    proposer.Submit(SmallPut(), control, outcome.Callback());
    auto r = outcome.Await();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status().code(), StatusCode::kTimeout);
    EXPECT_EQ(r->status().message(), leader ? "etcdserver: request timed out" : "etcdserver: no leader");
    // Applied after it timed out: nobody hears it twice.
    auto proposed = raft.AwaitProposals(1);
    proposer.Resolve(proposed[0].id(), AppliedPut(1));
    EXPECT_EQ(outcome.Calls(), 1);
  }
}

TEST(Proposer, ACallerThatGaveUpHearsCancelled) {
  FakeRaft raft;
  NodeMetrics metrics;
  Proposer proposer(raft.Options(), &metrics);
  std::atomic<bool> gave_up{false};
  WriteControl control;
  control.cancelled = [&] { return gave_up.load(); };
  Outcome outcome;
  proposer.Submit(SmallPut(), control, outcome.Callback());
  raft.AwaitProposals(1);
  EXPECT_EQ(outcome.Calls(), 0);
  gave_up = true;
  auto r = outcome.Await();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status().code(), StatusCode::kCancelled);
}

TEST(Proposer, StoppingAnswersWhatIsPendingAsUnavailable) {
  FakeRaft raft;
  NodeMetrics metrics;
  Outcome outcome;
  {
    Proposer proposer(raft.Options(), &metrics);
    proposer.Submit(SmallPut(), {}, outcome.Callback());
    raft.AwaitProposals(1);
  }
  ASSERT_EQ(outcome.Calls(), 1);
  EXPECT_EQ(outcome.result->status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(metrics.proposals_pending.load(), 0);
}

TEST(Proposer, WriteWaitsForTheOutcome) {
  FakeRaft raft;
  NodeMetrics metrics;
  Proposer proposer(raft.Options(), &metrics);
  std::thread applier([&] {
    auto proposed = raft.AwaitProposals(1);
    proposer.Resolve(proposed[0].id(), AppliedPut(3));
  });
  auto r = proposer.Write(SmallPut(), {});
  applier.join();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<kv::PutResponse>(*r).revision, 3);
}

}  // namespace
}  // namespace etcfs::server
