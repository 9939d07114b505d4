// AppliedRequests: a request applied once however many copies reach the log,
// across a restart of the store, with records dropped after the retention.
#include <gtest/gtest.h>

#include "server/applied_requests.h"
#include "tests/store/store_fixture.h"

namespace etcfs::server {
namespace {

using store::StoreTest;
constexpr int64_t kMinute = int64_t{60} * 1000 * 1000 * 1000;

class AppliedRequestsTest : public StoreTest {
 protected:
  // Whether the request is new, recorded in a committed batch of its own.
  bool Apply(AppliedRequests& a, int64_t time_ns, uint64_t id) {
    return !StoreTest::Apply([&](store::ApplyBatch& b) { return a.CheckAndRecord(b, time_ns, id); });
  }
  size_t Stored() { return store_->ListMetadata("requests/")->size(); }
};

TEST_F(AppliedRequestsTest, ACopyOfAnAppliedRequestIsADuplicate) {
  AppliedRequests a;
  ASSERT_TRUE(a.Load(*store_).ok());
  EXPECT_TRUE(Apply(a, 1000, 7));
  EXPECT_FALSE(Apply(a, 1000, 7));
  EXPECT_TRUE(Apply(a, 1000, 8));   // another request at the same time
  EXPECT_TRUE(Apply(a, 2000, 7));   // the same id from another proposal time
  EXPECT_TRUE(Apply(a, -5000, 9));  // a clock before the epoch still keys uniquely
  EXPECT_FALSE(Apply(a, -5000, 9));
}

TEST_F(AppliedRequestsTest, TwoCopiesInOneBatchApplyOnce) {
  AppliedRequests a;
  ASSERT_TRUE(a.Load(*store_).ok());
  auto [first, second] = StoreTest::Apply([&](store::ApplyBatch& b) {
    return std::pair{a.CheckAndRecord(b, 10, 1), a.CheckAndRecord(b, 10, 1)};
  });
  EXPECT_FALSE(first);
  EXPECT_TRUE(second);
}

TEST_F(AppliedRequestsTest, RecordsSurviveARestartOfTheStore) {
  {
    AppliedRequests a;
    ASSERT_TRUE(a.Load(*store_).ok());
    ASSERT_TRUE(Apply(a, 5 * kMinute, 42));
  }
  Reopen();
  AppliedRequests b;
  ASSERT_TRUE(b.Load(*store_).ok());
  EXPECT_EQ(1u, b.size());
  EXPECT_FALSE(Apply(b, 5 * kMinute, 42));
}

TEST_F(AppliedRequestsTest, RecordsOlderThanTheRetentionAreDropped) {
  AppliedRequests a;
  ASSERT_TRUE(a.Load(*store_).ok());
  for (uint64_t id = 1; id <= 3; ++id) ASSERT_TRUE(Apply(a, 0, id));
  ASSERT_TRUE(Apply(a, 4 * kMinute, 4));
  EXPECT_EQ(4u, Stored());  // all within 5 minutes of the newest
  ASSERT_TRUE(Apply(a, 6 * kMinute, 5));
  EXPECT_EQ(2u, Stored());  // those at time 0 fell out, in the same batch
  EXPECT_EQ(2u, a.size());
  Reopen();
  AppliedRequests b;
  ASSERT_TRUE(b.Load(*store_).ok());
  EXPECT_EQ(2u, b.size());
  EXPECT_FALSE(Apply(b, 4 * kMinute, 4));
}

}  // namespace
}  // namespace etcfs::server
