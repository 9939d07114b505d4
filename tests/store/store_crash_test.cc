// The crash test: a child process applying batches is killed with SIGKILL at
// random moments, many times. After each reopen the store must sit at some
// batch's applied index, and its contents and HashKV must equal those of a
// reference store that applied exactly the batches up to that index.
// ETCFS_CRASH_KILLS scales the number of kills.
#include <cstdio>
#include <set>

#include "tests/store/crash_workload.h"
#include "tests/support/child_process.h"
#include "tests/store/store_fixture.h"

namespace etcfs::store {
namespace {

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

class StoreCrash : public StoreTest {};

TEST_F(StoreCrash, KilledWriterReopensAtABatchBoundaryEqualToTheReference) {
  const uint64_t seed = 4242;
  const int kills = EnvInt("ETCFS_CRASH_KILLS", 40);
  const std::string crash_dir = dir_.Sub("crashing");
  std::mt19937_64 rng(seed);

  // The reference: this fixture's store_, fed the same batches, never killed.
  CrashWorkload reference(seed);
  std::set<uint64_t> boundaries = {0};
  auto advance_reference_to = [&](uint64_t index) {
    while (reference.index() < index) {
      reference.NextBatch([&](const std::vector<RandomOp>& ops, uint64_t end) {
        auto batch = store_->BeginBatch();
        for (const auto& op : ops) ApplyToStore(*batch, op);
        batch->SetApplied(RaftIndex(end), RaftTerm(1));
        ASSERT_TRUE(batch->Commit().ok());
        boundaries.insert(end);
      });
    }
  };

  uint64_t last_index = 0;
  int kills_mid_batch_stream = 0;
  for (int round = 0; round < kills; ++round) {
    SCOPED_TRACE("round " + std::to_string(round) + ", seed " + std::to_string(seed));
    {
      testing::ChildProcess child({CRASH_CHILD_PATH, crash_dir, std::to_string(seed), "100000000"});
      // Let it commit a random number of batches, then kill it; it is usually
      // in the middle of the next one, or of a compaction step or a flush.
      const int batches = static_cast<int>(rng() % 40);
      for (int i = 0; i < batches; ++i) {
        if (child.ReadLine().empty()) break;
      }
      child.Kill();
      ++kills_mid_batch_stream;
    }
    StoreOptions o = Options();
    o.dir = crash_dir;
    auto crashed = Store::Open(o);
    ASSERT_TRUE(crashed.ok()) << crashed.status().ToString();
    const uint64_t index = (*crashed)->AppliedIndex().value();
    ASSERT_GE(index, last_index) << "a committed batch was lost";
    last_index = index;
    advance_reference_to(index);
    ASSERT_TRUE(boundaries.count(index)) << "store reopened mid-batch at index " << index;
    ASSERT_EQ(index, reference.index());

    const ReferenceModel& model = reference.model();
    EXPECT_EQ(model.revision(), (*crashed)->CurrentRevision());
    EXPECT_EQ(model.compact_revision(), (*crashed)->CompactedRevision());
    EXPECT_EQ(model.key_count(), (*crashed)->KeyCount());
    kv::RangeRequest all;
    all.key = std::string(1, '\0');
    all.range_end = std::string(1, '\0');
    auto got = (*crashed)->Range(all);
    ASSERT_TRUE(got.ok());
    auto want = model.Range(all.key, all.range_end, model.revision());
    ASSERT_EQ(want.size(), got->kvs.size());
    for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(want[i], got->kvs[i]);
    auto h1 = (*crashed)->HashKV(0);
    auto h2 = store_->HashKV(0);
    ASSERT_TRUE(h1.ok() && h2.ok()) << h1.status().ToString() << h2.status().ToString();
    EXPECT_EQ(h2->hash, h1->hash) << "history differs at index " << index;
    EXPECT_EQ(h2->compact_revision, h1->compact_revision);
  }
  std::printf("crash test: %d kills, store reached applied index %llu\n", kills_mid_batch_stream,
              static_cast<unsigned long long>(last_index));
  EXPECT_GT(last_index, 0u);
}

}  // namespace
}  // namespace etcfs::store
