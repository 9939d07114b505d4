// AppliedRequests: a request applied once however many copies reach the log,
// across a restart of the store, holding only what its proposer may still
// send again.
#include <gtest/gtest.h>

#include "server/applied_requests.h"
#include "tests/store/store_fixture.h"

namespace etcfs::server {
namespace {

using store::StoreTest;

class AppliedRequestsTest : public StoreTest {
 protected:
  // Whether request `id` of `session` is new, in a committed batch of its own.
  bool Apply(AppliedRequests& a, uint64_t session, uint64_t id, uint64_t first_outstanding) {
    return StoreTest::Apply([&](store::ApplyBatch& b) {
      const bool duplicate = a.CheckAndRecord(session, id, first_outstanding, ++entry_);
      a.Flush(b);
      return !duplicate;
    });
  }
  size_t Stored() { return store_->ListMetadata("sessions/")->size(); }
  uint64_t entry_ = 0;
};

TEST_F(AppliedRequestsTest, ACopyOfAnAppliedRequestIsADuplicate) {
  AppliedRequests a;
  ASSERT_TRUE(a.Load(*store_).ok());
  EXPECT_TRUE(Apply(a, 1, 7, 1));
  EXPECT_FALSE(Apply(a, 1, 7, 1));
  EXPECT_TRUE(Apply(a, 1, 8, 1));  // the next request
  EXPECT_TRUE(Apply(a, 2, 7, 1));  // the same id in another session
  EXPECT_FALSE(Apply(a, 2, 7, 7));
}

TEST_F(AppliedRequestsTest, RequestsWithoutASessionAreNeverDuplicates) {
  AppliedRequests a;
  ASSERT_TRUE(a.Load(*store_).ok());
  EXPECT_TRUE(Apply(a, 0, 1, 0));
  EXPECT_TRUE(Apply(a, 0, 1, 0));
  EXPECT_EQ(0u, Stored());
}

TEST_F(AppliedRequestsTest, TwoCopiesInOneBatchApplyOnce) {
  AppliedRequests a;
  ASSERT_TRUE(a.Load(*store_).ok());
  auto [first, second] = StoreTest::Apply([&](store::ApplyBatch& b) {
    auto r = std::pair{a.CheckAndRecord(5, 1, 1, 1), a.CheckAndRecord(5, 1, 1, 2)};
    a.Flush(b);
    return r;
  });
  EXPECT_FALSE(first);
  EXPECT_TRUE(second);
}

TEST_F(AppliedRequestsTest, OutOfOrderRequestsAreEachAppliedOnce) {
  AppliedRequests a;
  ASSERT_TRUE(a.Load(*store_).ok());
  // Requests 1..6 of one session reach the log out of order (two proposals
  // in flight at once, one forwarded through another member), then again.
  for (uint64_t id : {2, 1, 4, 6, 3, 5}) EXPECT_TRUE(Apply(a, 9, id, 1)) << id;
  for (uint64_t id : {1, 2, 3, 4, 5, 6}) EXPECT_FALSE(Apply(a, 9, id, 1)) << id;
  EXPECT_TRUE(Apply(a, 9, 7, 1));
}

TEST_F(AppliedRequestsTest, NothingBelowWhatTheProposerAwaitsIsApplied) {
  AppliedRequests a;
  ASSERT_TRUE(a.Load(*store_).ok());
  ASSERT_TRUE(Apply(a, 3, 1, 1));
  ASSERT_TRUE(Apply(a, 3, 3, 1));  // request 2 is still on its way
  // Request 4 says the proposer awaits nothing below 4: it gave up on 2.
  ASSERT_TRUE(Apply(a, 3, 4, 4));
  EXPECT_FALSE(Apply(a, 3, 2, 1));  // a late copy of 2 is not applied
  EXPECT_FALSE(Apply(a, 3, 3, 1));
  EXPECT_EQ(1u, a.held(3));  // only 4 is held
}

TEST_F(AppliedRequestsTest, ASessionHoldsOnlyWhatIsInFlight) {
  AppliedRequests a;
  ASSERT_TRUE(a.Load(*store_).ok());
  // 10,000 requests, with up to 100 in flight: the proposer's floor trails by 100.
  for (uint64_t id = 1; id <= 10000; ++id) {
    ASSERT_FALSE(a.CheckAndRecord(1, id, id > 100 ? id - 100 : 1, id)) << id;  // none is a duplicate
  }
  EXPECT_LE(a.held(1), 101u);
  StoreTest::Apply([&](store::ApplyBatch& b) {
    a.Flush(b);
    return 0;
  });
  auto stored = store_->ListMetadata("sessions/");
  ASSERT_EQ(1u, stored->size());
  EXPECT_LT(stored->front().second.size(), 32u);  // intervals: the held numbers are contiguous
}

TEST_F(AppliedRequestsTest, SessionsSurviveARestartOfTheStore) {
  {
    AppliedRequests a;
    ASSERT_TRUE(a.Load(*store_).ok());
    ASSERT_TRUE(Apply(a, 42, 1, 1));
    ASSERT_TRUE(Apply(a, 42, 3, 1));
  }
  Reopen();
  AppliedRequests b;
  ASSERT_TRUE(b.Load(*store_).ok());
  EXPECT_EQ(1u, b.sessions());
  EXPECT_FALSE(Apply(b, 42, 1, 1));
  EXPECT_FALSE(Apply(b, 42, 3, 1));
  EXPECT_TRUE(Apply(b, 42, 2, 1));
}

TEST_F(AppliedRequestsTest, TheLeastRecentlyUsedSessionsAreEvicted) {
  AppliedRequests a;
  ASSERT_TRUE(a.Load(*store_).ok());
  for (uint64_t s = 1; s <= AppliedRequests::kMaxSessions + 2; ++s) {
    ASSERT_FALSE(a.CheckAndRecord(s, 1, 1, s));
    if (s == 1) {
      ASSERT_FALSE(a.CheckAndRecord(1, 2, 1, 0));  // session 1 stays in use...
    }
  }
  ASSERT_FALSE(a.CheckAndRecord(1, 3, 1, AppliedRequests::kMaxSessions + 3));  // ...and used last
  StoreTest::Apply([&](store::ApplyBatch& b) {
    a.Flush(b);
    return 0;
  });
  EXPECT_EQ(AppliedRequests::kMaxSessions, a.sessions());
  EXPECT_EQ(AppliedRequests::kMaxSessions, Stored());
  EXPECT_EQ(3u, a.held(1));
  EXPECT_EQ(0u, a.held(2));  // sessions 2 and 3 were the least recently used
  EXPECT_EQ(0u, a.held(3));
  EXPECT_EQ(1u, a.held(4));
}

TEST_F(AppliedRequestsTest, ADamagedRecordIsReportedNotIgnored) {
  StoreTest::Apply([&](store::ApplyBatch& b) {
    b.PutMetadata("sessions/00000000000000aa", "\xff");
    return 0;
  });
  AppliedRequests a;
  Status s = a.Load(*store_);
  EXPECT_EQ(StatusCode::kCorruption, s.code());
  EXPECT_NE(std::string::npos, s.message().find("sessions/00000000000000aa"));
}

}  // namespace
}  // namespace etcfs::server
