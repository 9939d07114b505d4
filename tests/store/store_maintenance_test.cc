// Quota and alarms, hash-kv, snapshots, defragmentation.
#include "tests/store/store_fixture.h"

#include <filesystem>

namespace etcfs::store {
namespace {

using StoreMaintenance = StoreTest;

TEST_F(StoreMaintenance, QuotaIsCheckedAgainstTheBackendSize) {
  quota_ = 64 * 1024;
  Reopen();
  EXPECT_TRUE(store_->QuotaAvailable(100));
  const std::string big(4096, 'x');
  for (int i = 0; i < 64 && store_->QuotaAvailable(big.size()); ++i) {
    ASSERT_TRUE(Put("k" + std::to_string(i), big).ok());
  }
  EXPECT_FALSE(store_->QuotaAvailable(big.size()));
  EXPECT_GT(store_->BackendSizeBytes(), 60 * 1024);
}

TEST_F(StoreMaintenance, NoSpaceAlarmRefusesWritesButNotReadsDeletesOrCompaction) {
  ASSERT_TRUE(Put("a", "1").ok());
  ASSERT_TRUE(Put("b", "1").ok());
  auto alarms = Apply([](ApplyBatch& b) { return b.ActivateAlarm({7, kv::AlarmType::kNoSpace}); });
  EXPECT_EQ(1u, alarms.size());
  auto put = Put("c", "1");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ("etcdserver: mvcc: database space exceeded", put.status().message());
  auto grant = Apply([](ApplyBatch& b) { return b.LeaseGrant({.ttl = 5}); });
  EXPECT_EQ(StatusCode::kNoSpace, grant.status().code());
  kv::TxnRequest txn;
  kv::PutRequest p;
  p.key = "d";
  txn.failure = {p};
  EXPECT_EQ(StatusCode::kNoSpace, Txn(txn).status().code());

  EXPECT_EQ("1", Get("a"));
  EXPECT_TRUE(Delete("a").ok());
  kv::TxnRequest del;
  del.success = {kv::DeleteRangeRequest{"b", "", false}};
  EXPECT_TRUE(Txn(del).ok());
  EXPECT_TRUE(Compact(store_->CurrentRevision()).ok());

  // The alarm is replicated state: it survives a reopen, and disarming it
  // lets writes through again.
  Reopen();
  EXPECT_EQ((std::vector<kv::AlarmMember>{{7, kv::AlarmType::kNoSpace}}), store_->Alarms());
  // As etcd's, the answers name the alarm raised or cleared, not all alarms.
  auto again = Apply([](ApplyBatch& b) { return b.ActivateAlarm({9, kv::AlarmType::kNoSpace}); });
  EXPECT_EQ((std::vector<kv::AlarmMember>{{9, kv::AlarmType::kNoSpace}}), again);
  auto cleared = Apply([](ApplyBatch& b) { return b.DeactivateAlarm({7, kv::AlarmType::kNoSpace}); });
  EXPECT_EQ((std::vector<kv::AlarmMember>{{7, kv::AlarmType::kNoSpace}}), cleared);
  auto none = Apply([](ApplyBatch& b) { return b.DeactivateAlarm({7, kv::AlarmType::kNoSpace}); });
  EXPECT_TRUE(none.empty());
  Apply([](ApplyBatch& b) { return b.DeactivateAlarm({9, kv::AlarmType::kNoSpace}); });
  EXPECT_TRUE(store_->Alarms().empty());
  EXPECT_TRUE(Put("c", "1").ok());
}

TEST_F(StoreMaintenance, HashKVIsEqualOnStoresThatAppliedTheSameEntries) {
  testing::TempDir other_dir;
  StoreOptions o = Options();
  o.dir = other_dir.Sub("db");
  auto other = Store::Open(o);
  ASSERT_TRUE(other.ok());
  // The same 200 requests, in batches of different sizes on each store.
  auto run = [&](Store& s, int max_batch) {
    uint64_t index = 0;
    int i = 0;
    for (int batch_no = 0; i < 200; ++batch_no) {
      auto b = s.BeginBatch();
      for (int n = 0; n <= batch_no % max_batch && i < 200; ++n, ++i) {
        if (i == 120) {
          ASSERT_TRUE(b->Compact(50).ok());
          continue;
        }
        kv::PutRequest p;
        p.key = "k" + std::to_string(i % 17);
        p.value = std::to_string(i);
        ASSERT_TRUE(b->Put(p, kv::ApplyContext{i}).ok());
      }
      b->SetApplied(RaftIndex(++index), RaftTerm(1));
      ASSERT_TRUE(b->Commit().ok());
    }
  };
  run(*store_, 1);
  run(**other, 3);
  auto h1 = store_->HashKV(0), h2 = (*other)->HashKV(0);
  ASSERT_TRUE(h1.ok() && h2.ok());
  EXPECT_EQ(h1->hash, h2->hash);
  EXPECT_EQ(h1->revision, h2->revision);
  // At an older revision too; and the hash changes with the data.
  EXPECT_EQ(store_->HashKV(100)->hash, (*other)->HashKV(100)->hash);
  EXPECT_NE(store_->HashKV(100)->hash, h1->hash);
  EXPECT_EQ(StatusCode::kCompacted, store_->HashKV(10).status().code());
}

TEST_F(StoreMaintenance, HashCoversTheWholeBackendButNotTheRaftPositionAndSurvivesAReopen) {
  ASSERT_TRUE(Put("a", "1").ok());
  ASSERT_TRUE(Put("b", "1").ok());
  auto first = store_->Hash();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(3, first->revision);
  EXPECT_EQ(first->hash, store_->Hash()->hash);
  // An entry that changes no data moves only the applied index.
  Apply([](ApplyBatch&) { return 0; });
  EXPECT_EQ(first->hash, store_->Hash()->hash);
  Reopen();
  EXPECT_EQ(first->hash, store_->Hash()->hash);
  // History, leases and metadata are all in it, not only the live keys.
  ASSERT_TRUE(Put("a", "2").ok());
  const uint32_t after_put = store_->Hash()->hash;
  EXPECT_NE(first->hash, after_put);
  ASSERT_TRUE(Apply([](ApplyBatch& b) { return b.LeaseGrant(kv::LeaseGrantRequest{.ttl = 60, .id = 7}); }).ok());
  const uint32_t after_lease = store_->Hash()->hash;
  EXPECT_NE(after_put, after_lease);
  Apply([](ApplyBatch& b) {
    b.PutMetadata("app/x", "y");
    return 0;
  });
  EXPECT_NE(after_lease, store_->Hash()->hash);
  EXPECT_EQ(4, store_->Hash()->revision);  // leases and metadata move no revision
}

TEST_F(StoreMaintenance, SnapshotRestoresIntoAnEmptyDirectory) {
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(Put("k" + std::to_string(i), std::to_string(i)).ok());
  ASSERT_TRUE(Compact(50).ok());
  const std::string snap = dir_.Sub("snap");
  ASSERT_TRUE(store_->CreateSnapshot(snap).ok());
  ASSERT_TRUE(Put("after", "snapshot").ok());  // not in the snapshot

  const std::string restored = dir_.Sub("restored");
  ASSERT_TRUE(Store::RestoreSnapshot(snap, restored).ok());
  StoreOptions o = Options();
  o.dir = restored;
  auto copy = Store::Open(o);
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  EXPECT_EQ(101, (*copy)->CurrentRevision());
  EXPECT_EQ(50, (*copy)->CompactedRevision());
  EXPECT_EQ(RaftIndex(101), (*copy)->AppliedIndex());
  EXPECT_EQ(100, (*copy)->KeyCount());
  EXPECT_EQ(store_->HashKV(101)->hash, (*copy)->HashKV(101)->hash);

  // Restoring over data is refused.
  Status again = Store::RestoreSnapshot(snap, restored);
  EXPECT_EQ(StatusCode::kFailedPrecondition, again.code());
}

TEST_F(StoreMaintenance, SnapshotWhileWritesGoOn) {
  std::atomic<bool> done{false};
  const std::string snap = dir_.Sub("snap");
  std::thread snapshotter([&] {
    EXPECT_TRUE(store_->CreateSnapshot(snap).ok());
    done = true;
  });
  int writes = 0;
  while (!done || writes < 10) ASSERT_TRUE(Put("k" + std::to_string(writes++ % 50), "v").ok());
  snapshotter.join();
  const std::string restored = dir_.Sub("restored");
  ASSERT_TRUE(Store::RestoreSnapshot(snap, restored).ok());
  StoreOptions o = Options();
  o.dir = restored;
  auto copy = Store::Open(o);
  ASSERT_TRUE(copy.ok());
  // A consistent cut: the revision and applied index agree.
  EXPECT_EQ((*copy)->CurrentRevision(), static_cast<int64_t>((*copy)->AppliedIndex().value()) + 1);
}

TEST_F(StoreMaintenance, DefragmentReclaimsSpaceWhileServing) {
  const std::string big(2048, 'x');
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(Put("k" + std::to_string(i % 20), big).ok());
  ASSERT_TRUE(Compact(store_->CurrentRevision()).ok());
  ASSERT_TRUE(store_->WaitForCompaction().ok());
  std::thread defrag([&] { EXPECT_TRUE(store_->Defragment().ok()); });
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Put("w" + std::to_string(i), "v").ok());
  defrag.join();
  ASSERT_TRUE(store_->Defragment().ok());
  // 20 live keys of 2 KiB and a few small ones: far below the 4 MB written.
  EXPECT_LT(store_->BackendSizeBytes(), 1 << 20);
  EXPECT_EQ(big, Get("k7"));
}

TEST_F(StoreMaintenance, SecondOpenOfADirectoryInUseIsRefusedClearly) {
  auto second = Store::Open(Options());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(StatusCode::kUnavailable, second.status().code());
  EXPECT_NE(std::string::npos, second.status().message().find("in use by another process"));
}

}  // namespace
}  // namespace etcfs::store

namespace etcfs::store {
namespace {

TEST_F(StoreMaintenance, MetadataIsReplicatedStateApartFromTheKeySpace) {
  Apply([](ApplyBatch& b) {
    b.PutMetadata("members/1", "alpha");
    b.PutMetadata("members/2", "beta");
    b.PutMetadata("other", "x");
    return 0;
  });
  Reopen();
  auto m = store_->ListMetadata("members/");
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(2u, m->size());
  EXPECT_EQ("members/1", (*m)[0].first);
  EXPECT_EQ("beta", (*m)[1].second);
  EXPECT_EQ("", Keys(std::string(1, '\0'), std::string(1, '\0')));
  EXPECT_EQ(1, store_->CurrentRevision());
}

}  // namespace
}  // namespace etcfs::store
