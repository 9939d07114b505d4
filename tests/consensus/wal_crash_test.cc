// kill -9 a process writing the WAL at random moments, many times: every
// entry it reported synced is there after reopening, intact, and nothing
// undecodable or unwritten is accepted. ETCFS_WAL_KILLS scales it.
#include <gtest/gtest.h>

#include <random>

#include "consensus/wal.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace etcfs::consensus {
namespace {

TEST(WalCrash, KilledWriterLosesNoSyncedEntry) {
  const char* env = std::getenv("ETCFS_WAL_KILLS");
  const int kills = env ? std::atoi(env) : 40;
  testing::TempDir dir;
  const std::string wal_dir = dir.Sub("wal");
  std::mt19937_64 rng(99);
  uint64_t reported = 0;
  for (int round = 0; round < kills; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    {
      testing::ChildProcess child({WAL_CRASH_CHILD_PATH, wal_dir, "7"});
      const int batches = static_cast<int>(rng() % 50);
      for (int i = 0; i < batches; ++i) {
        std::string line = child.ReadLine();
        if (line.empty()) break;
        reported = std::max<uint64_t>(reported, std::strtoull(line.c_str(), nullptr, 10));
      }
      child.Kill();
    }
    WalOptions o;
    o.dir = wal_dir;
    WalContents c;
    auto w = Wal::Open(o, Index(0), &c);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_GE(c.entries.size(), reported) << "an entry reported synced was lost";
    for (size_t i = 0; i < c.entries.size(); ++i) {
      ASSERT_EQ(i + 1, c.entries[i].index.value());
      ASSERT_TRUE(c.entries[i].data.starts_with("entry-" + std::to_string(i + 1)))
          << "garbage at index " << i + 1;
    }
    EXPECT_EQ("crash-test", c.metadata);
  }
  std::printf("wal crash test: %d kills, %llu entries synced\n", kills,
              static_cast<unsigned long long>(reported));
}

}  // namespace
}  // namespace etcfs::consensus
