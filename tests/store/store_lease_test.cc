// Leases: grant, attach, revoke (one revision for all keys), time-to-live,
// checkpoints, list.
#include "tests/store/store_fixture.h"

namespace etcfs::store {
namespace {

using StoreLease = StoreTest;

TEST_F(StoreLease, GrantWithGivenOrAssignedId) {
  auto given = Apply([](ApplyBatch& b) { return b.LeaseGrant({.ttl = 10, .id = 77}); });
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(77, given->id);
  auto assigned = Apply([](ApplyBatch& b) { return b.LeaseGrant({.ttl = 5}); });
  ASSERT_TRUE(assigned.ok());
  EXPECT_GT(assigned->id, 0);
  EXPECT_NE(77, assigned->id);
  auto again = Apply([](ApplyBatch& b) { return b.LeaseGrant({.ttl = 10, .id = 77}); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ("etcdserver: lease already exists", again.status().message());
  auto leases = store_->Leases();
  ASSERT_TRUE(leases.ok());
  EXPECT_EQ(2u, leases->size());
}

TEST_F(StoreLease, PutWithUnknownLeaseFails) {
  auto r = Put("k", "v", 999);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ("etcdserver: requested lease not found", r.status().message());
}

TEST_F(StoreLease, RevokeDeletesAttachedKeysInOneRevision) {
  ASSERT_TRUE(Apply([](ApplyBatch& b) { return b.LeaseGrant({.ttl = 10, .id = 1}); }).ok());
  ASSERT_TRUE(Put("a", "v", 1).ok());  // 2
  ASSERT_TRUE(Put("b", "v", 1).ok());  // 3
  ASSERT_TRUE(Put("c", "v").ok());     // 4
  auto r = Apply([&](ApplyBatch& b) { return b.LeaseRevoke(1, Ctx()); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(5, r->revision);
  EXPECT_EQ("c", Keys("a", "z"));
  EXPECT_EQ(5, store_->CurrentRevision());
  EXPECT_EQ(StatusCode::kNotFound, store_->LeaseTimeToLive(1, false).status().code());
  auto again = Apply([&](ApplyBatch& b) { return b.LeaseRevoke(1, Ctx()); });
  EXPECT_EQ("etcdserver: requested lease not found", again.status().message());
}

TEST_F(StoreLease, RevokeOfALeaseWithoutKeysKeepsTheRevision) {
  ASSERT_TRUE(Apply([](ApplyBatch& b) { return b.LeaseGrant({.ttl = 10, .id = 1}); }).ok());
  ASSERT_TRUE(Apply([&](ApplyBatch& b) { return b.LeaseRevoke(1, Ctx()); }).ok());
  EXPECT_EQ(1, store_->CurrentRevision());
}

TEST_F(StoreLease, OverwriteMovesOrDetachesTheKey) {
  ASSERT_TRUE(Apply([](ApplyBatch& b) { return b.LeaseGrant({.ttl = 10, .id = 1}); }).ok());
  ASSERT_TRUE(Apply([](ApplyBatch& b) { return b.LeaseGrant({.ttl = 10, .id = 2}); }).ok());
  ASSERT_TRUE(Put("a", "v", 1).ok());
  ASSERT_TRUE(Put("b", "v", 1).ok());
  ASSERT_TRUE(Put("a", "v", 2).ok());  // moves a to lease 2
  ASSERT_TRUE(Put("b", "v").ok());     // detaches b
  EXPECT_TRUE(store_->LeaseTimeToLive(1, true)->keys.empty());
  EXPECT_EQ(std::vector<std::string>{"a"}, store_->LeaseTimeToLive(2, true)->keys);
  ASSERT_TRUE(Apply([&](ApplyBatch& b) { return b.LeaseRevoke(1, Ctx()); }).ok());
  EXPECT_EQ("a,b", Keys("a", "z"));
}

TEST_F(StoreLease, IgnoreLeaseKeepsTheAttachment) {
  ASSERT_TRUE(Apply([](ApplyBatch& b) { return b.LeaseGrant({.ttl = 10, .id = 1}); }).ok());
  ASSERT_TRUE(Put("a", "v", 1).ok());
  kv::PutRequest p;
  p.key = "a";
  p.value = "w";
  p.ignore_lease = true;
  ASSERT_TRUE(Apply([&](ApplyBatch& b) { return b.Put(p, Ctx()); }).ok());
  EXPECT_EQ(1, GetKv("a")->lease);
}

TEST_F(StoreLease, DeleteDetaches) {
  ASSERT_TRUE(Apply([](ApplyBatch& b) { return b.LeaseGrant({.ttl = 10, .id = 1}); }).ok());
  ASSERT_TRUE(Put("a", "v", 1).ok());
  ASSERT_TRUE(Delete("a").ok());
  EXPECT_TRUE(store_->LeaseTimeToLive(1, true)->keys.empty());
}

TEST_F(StoreLease, TimeToLiveAndCheckpointSurviveReopen) {
  ASSERT_TRUE(Apply([](ApplyBatch& b) { return b.LeaseGrant({.ttl = 60, .id = 5}); }).ok());
  ASSERT_TRUE(Put("x", "v", 5).ok());
  ASSERT_TRUE(Apply([](ApplyBatch& b) { return b.LeaseCheckpoint(5, 42); }).ok());
  Reopen();
  auto ttl = store_->LeaseTimeToLive(5, true);
  ASSERT_TRUE(ttl.ok());
  EXPECT_EQ(60, ttl->lease.ttl);
  EXPECT_EQ(42, ttl->lease.remaining_ttl);
  EXPECT_EQ(std::vector<std::string>{"x"}, ttl->keys);
}

TEST_F(StoreLease, GrantAndAttachInOneBatch) {
  auto batch = store_->BeginBatch();
  ASSERT_TRUE(batch->LeaseGrant({.ttl = 10, .id = 3}).ok());
  kv::PutRequest p;
  p.key = "k";
  p.lease = 3;
  ASSERT_TRUE(batch->Put(p, Ctx()).ok());
  ASSERT_TRUE(batch->LeaseRevoke(3, Ctx()).ok());
  ASSERT_TRUE(batch->Commit().ok());
  batch.reset();
  EXPECT_EQ("<none>", Get("k"));
  EXPECT_EQ(3, store_->CurrentRevision());
}

TEST_F(StoreLease, TooLargeTtlIsRefused) {
  auto r = Apply([](ApplyBatch& b) { return b.LeaseGrant({.ttl = 9000000001}); });
  EXPECT_EQ("etcdserver: too large lease TTL", r.status().message());
}

}  // namespace
}  // namespace etcfs::store
