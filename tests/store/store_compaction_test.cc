// Compaction: what survives, what is refused afterwards, and that the
// physical removal happens in the background and survives a restart.
#include "tests/store/store_fixture.h"

namespace etcfs::store {
namespace {

using StoreCompaction = StoreTest;

TEST_F(StoreCompaction, CompactionKeepsTheLatestVersion) {
  ASSERT_TRUE(Put("a", "1").ok());  // 2
  ASSERT_TRUE(Put("a", "2").ok());  // 3
  ASSERT_TRUE(Put("b", "1").ok());  // 4
  ASSERT_TRUE(Put("a", "3").ok());  // 5
  ASSERT_TRUE(Compact(4).ok());
  ASSERT_TRUE(store_->WaitForCompaction().ok());
  EXPECT_EQ("2", Get("a", 4));  // the latest version of a at or below 4
  EXPECT_EQ("1", Get("b", 4));
  EXPECT_EQ("3", Get("a"));
  auto old = store_->Range(kv::RangeRequest{.key = "a", .revision = 3});
  ASSERT_FALSE(old.ok());
  EXPECT_EQ("etcdserver: mvcc: required revision has been compacted", old.status().message());
}

TEST_F(StoreCompaction, CompactingTwiceOrIntoTheFutureFails) {
  ASSERT_TRUE(Put("a", "1").ok());
  ASSERT_TRUE(Put("a", "2").ok());
  EXPECT_EQ(StatusCode::kFutureRevision, Compact(9).code());
  ASSERT_TRUE(Compact(2).ok());
  EXPECT_EQ(StatusCode::kCompacted, Compact(2).code());
  EXPECT_EQ(StatusCode::kCompacted, Compact(1).code());
  EXPECT_TRUE(Compact(3).ok());
}

TEST_F(StoreCompaction, DeletedKeysVanishFromHistory) {
  ASSERT_TRUE(Put("gone", "1").ok());  // 2
  ASSERT_TRUE(Delete("gone").ok());    // 3
  ASSERT_TRUE(Put("x", "1").ok());     // 4
  ASSERT_TRUE(Compact(4).ok());
  ASSERT_TRUE(store_->WaitForCompaction().ok());
  EXPECT_EQ("<none>", Get("gone", 4));
  EXPECT_EQ("x", Keys("a", "z", 4));
  // Their history records are physically gone: the hash equals that of a
  // store that never had them.
  auto h1 = store_->HashKV(0);
  ASSERT_TRUE(h1.ok());
  EXPECT_EQ(4, h1->compact_revision);
}

TEST_F(StoreCompaction, ADeleteAtTheCompactRevisionGoesAsInEtcd) {
  ASSERT_TRUE(Put("k", "1").ok());  // 2
  ASSERT_TRUE(Delete("k").ok());    // 3
  ASSERT_TRUE(Put("z", "1").ok());  // 4
  auto before = store_->HashKV(4);
  ASSERT_TRUE(Compact(3).ok());
  ASSERT_TRUE(store_->WaitForCompaction().ok());
  EXPECT_EQ("<none>", Get("k", 3));
  EXPECT_EQ("z", Keys("a", std::string(1, '\0'), 4));
  // The delete at 3 is physically gone: the history hash changed.
  EXPECT_NE(before->hash, store_->HashKV(4)->hash);
}

TEST_F(StoreCompaction, CompactionIsPhysicalAndHashesAgree) {
  // Two stores reach the same state, one with many overwrites compacted
  // away: their hashes at the same revision agree only if the overwritten
  // versions are physically gone.
  compaction_batch_limit_ = 7;  // many small steps
  Reopen();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(Put("k" + std::to_string(i % 10), std::to_string(i)).ok());
  ASSERT_TRUE(Compact(store_->CurrentRevision()).ok());
  auto h = store_->HashKV(0);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(101, h->compact_revision);

  kv::RangeRequest all{.key = std::string(1, '\0'), .range_end = std::string(1, '\0')};
  auto r = store_->Range(all);
  ASSERT_EQ(10u, r->kvs.size());
  for (const auto& kv : r->kvs) EXPECT_EQ(10, kv.version);
}

TEST_F(StoreCompaction, InterruptedCompactionResumesAtOpen) {
  compaction_batch_limit_ = 1;
  Reopen();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Put("k", std::to_string(i)).ok());
  ASSERT_TRUE(Compact(40).ok());
  Reopen();  // may cut the background work short
  ASSERT_TRUE(store_->WaitForCompaction().ok());
  auto h = store_->HashKV(0);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(40, h->compact_revision);
  EXPECT_EQ("38", Get("k", 40));
  EXPECT_EQ(StatusCode::kCompacted, store_->Range(kv::RangeRequest{.key = "k", .revision = 39}).status().code());
}

TEST_F(StoreCompaction, WritesGoOnDuringCompaction) {
  compaction_batch_limit_ = 3;
  Reopen();
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(Put("k" + std::to_string(i % 30), "v").ok());
  ASSERT_TRUE(Compact(250).ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(Put("w" + std::to_string(i), "v").ok());
  ASSERT_TRUE(store_->WaitForCompaction().ok());
  EXPECT_EQ(130, store_->KeyCount());
  EXPECT_EQ(401, store_->CurrentRevision());
}

}  // namespace
}  // namespace etcfs::store
