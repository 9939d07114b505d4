// Snapshot files: round trip, newest wins, a damaged one is skipped, purge.
#include <gtest/gtest.h>

#include "consensus/snapshotter.h"
#include "tests/support/temp_dir.h"

namespace etcfs::consensus {
namespace {

Snapshot Snap(uint64_t term, uint64_t index, std::string data) {
  Snapshot s;
  s.meta.term = Term(term);
  s.meta.index = Index(index);
  s.meta.conf.voters = {NodeId(1), NodeId(2)};
  s.meta.conf.learners = {NodeId(9)};
  s.data = std::move(data);
  return s;
}

TEST(Snapshotter, SavesAndLoadsTheNewest) {
  testing::TempDir dir;
  Snapshotter snap(dir.Sub("snap"));
  EXPECT_EQ(StatusCode::kNotFound, snap.LoadNewest().status().code());
  ASSERT_TRUE(snap.Save(Snap(1, 10, "old")).ok());
  ASSERT_TRUE(snap.Save(Snap(2, 20, std::string("new\0data", 8))).ok());
  auto got = snap.LoadNewest();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(Snap(2, 20, std::string("new\0data", 8)), *got);
}

TEST(Snapshotter, ADamagedSnapshotIsSetAsideForAnOlderOne) {
  testing::TempDir dir;
  Snapshotter snap(dir.Sub("snap"));
  ASSERT_TRUE(snap.Save(Snap(1, 10, "good")).ok());
  ASSERT_TRUE(snap.Save(Snap(1, 20, "bad")).ok());
  const std::string bad = dir.Sub("snap") + "/0000000000000001-0000000000000014.snap";
  std::string data = *PosixFileSystem()->ReadFile(bad);
  data.back() ^= 1;
  auto f = PosixFileSystem()->NewWritableFile(bad);
  ASSERT_TRUE((*f)->Append(data).ok());
  f->reset();
  auto got = snap.LoadNewest();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ("good", got->data);
  EXPECT_TRUE(PosixFileSystem()->Exists(bad + ".broken"));
}

TEST(Snapshotter, PurgeKeepsTheNewest) {
  testing::TempDir dir;
  Snapshotter snap(dir.Sub("snap"));
  for (uint64_t i = 1; i <= 7; ++i) ASSERT_TRUE(snap.Save(Snap(1, i * 10, "d")).ok());
  auto removed = snap.Purge(5);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(2, *removed);
  EXPECT_EQ(Index(70), snap.LoadNewest()->meta.index);
  EXPECT_EQ(5u, PosixFileSystem()->List(dir.Sub("snap"))->size());
}

}  // namespace
}  // namespace etcfs::consensus
