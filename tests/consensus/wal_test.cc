// The WAL: round trips, suffix replacement, segments and purging, torn-tail
// repair, refusal on damage before the tail, and power cuts that drop every
// byte not yet fdatasync'ed (FaultInjectionFileSystem).
#include <gtest/gtest.h>

#include <random>

#include "consensus/wal.h"
#include "tests/support/fault_fs.h"
#include "tests/support/temp_dir.h"

namespace etcfs::consensus {
namespace {

Entry E(uint64_t term, uint64_t index, std::string data = "") {
  if (data.empty()) data = "data-" + std::to_string(index) + "-" + std::to_string(term);
  return Entry{Term(term), Index(index), EntryType::kNormal, data};
}

class WalTest : public ::testing::Test {
 protected:
  WalOptions Options() {
    WalOptions o;
    o.dir = dir_.Sub("wal");
    return o;
  }
  WalContents Reopen(const WalOptions& o, Index from = Index(0)) {
    WalContents c;
    auto w = Wal::Open(o, from, &c);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return c;
  }
  testing::TempDir dir_;
};

TEST_F(WalTest, SavedEntriesAndHardStateSurviveReopen) {
  auto o = Options();
  auto w = Wal::Create(o, "member-1");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_TRUE((*w)->Save(HardState{Term(1), NodeId(1), Index(0)}, {E(1, 1), E(1, 2)}, true).ok());
  ASSERT_TRUE((*w)->Save(HardState{Term(2), NodeId(3), Index(2)}, {E(2, 3, std::string("nul\0", 4))}, true).ok());
  w->reset();
  WalContents c = Reopen(o);
  EXPECT_EQ("member-1", c.metadata);
  EXPECT_EQ((HardState{Term(2), NodeId(3), Index(2)}), c.hard_state);
  ASSERT_EQ(3u, c.entries.size());
  EXPECT_EQ(E(2, 3, std::string("nul\0", 4)), c.entries[2]);
  EXPECT_EQ(0u, c.torn_bytes_dropped);
}

TEST_F(WalTest, MetadataIsReadWithoutOpeningTheWal) {
  auto o = Options();
  EXPECT_EQ(StatusCode::kNotFound, Wal::ReadMetadata(o).status().code());
  auto w = Wal::Create(o, "member 7 of cluster 9");
  ASSERT_TRUE(w.ok());
  auto meta = Wal::ReadMetadata(o);
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ("member 7 of cluster 9", *meta);
  // A damaged first record is reported, not guessed at.
  w->reset();
  auto names = PosixFileSystem()->List(o.dir);
  const std::string seg = o.dir + "/" + names->front();
  std::string bad = *PosixFileSystem()->ReadFile(seg);
  bad[10] ^= 1;
  auto f = PosixFileSystem()->NewWritableFile(seg);
  ASSERT_TRUE((*f)->Append(bad).ok());
  f->reset();
  EXPECT_EQ(StatusCode::kCorruption, Wal::ReadMetadata(o).status().code());
}

TEST_F(WalTest, CreatingOverAnExistingWalIsRefused) {
  auto o = Options();
  ASSERT_TRUE(Wal::Create(o, "").ok());
  EXPECT_EQ(StatusCode::kFailedPrecondition, Wal::Create(o, "").status().code());
}

TEST_F(WalTest, LaterEntriesReplaceAConflictingSuffix) {
  auto o = Options();
  auto w = Wal::Create(o, "");
  ASSERT_TRUE((*w)->Save({}, {E(1, 1), E(1, 2), E(1, 3)}, true).ok());
  ASSERT_TRUE((*w)->Save({}, {E(2, 2), E(2, 3), E(2, 4)}, true).ok());
  w->reset();
  WalContents c = Reopen(o);
  ASSERT_EQ(4u, c.entries.size());
  EXPECT_EQ(Term(1), c.entries[0].term);
  EXPECT_EQ(Term(2), c.entries[1].term);
  EXPECT_EQ(Index(4), c.entries[3].index);
}

TEST_F(WalTest, ReadingStartsAfterTheSnapshot) {
  auto o = Options();
  auto w = Wal::Create(o, "");
  ASSERT_TRUE((*w)->Save({}, {E(1, 1), E(1, 2), E(1, 3)}, true).ok());
  ASSERT_TRUE((*w)->SaveSnapshotMarker(Index(2), Term(1)).ok());
  w->reset();
  WalContents c = Reopen(o, Index(2));
  ASSERT_EQ(1u, c.entries.size());
  EXPECT_EQ(Index(3), c.entries[0].index);
  EXPECT_EQ(Index(2), c.snapshot_index);
}

TEST_F(WalTest, SegmentsAreCutAndOldOnesPurged) {
  auto o = Options();
  o.segment_bytes = 4096;
  auto w = Wal::Create(o, "meta");
  for (uint64_t i = 1; i <= 200; ++i) {
    ASSERT_TRUE((*w)->Save(HardState{Term(1), NodeId(1), Index(i)}, {E(1, i, std::string(100, 'x'))}, i % 7 == 0).ok());
  }
  EXPECT_GT((*w)->segments(), 4u);
  const size_t before = (*w)->segments();
  auto removed = (*w)->Purge(Index(150), 2);
  ASSERT_TRUE(removed.ok());
  EXPECT_GT(*removed, 0);
  EXPECT_EQ(before - *removed, (*w)->segments());
  w->reset();
  WalContents c = Reopen(o, Index(150));
  EXPECT_EQ("meta", c.metadata);
  // Every segment opens with the metadata: it outlives purging.
  auto meta = Wal::ReadMetadata(o);
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ("meta", *meta);
  ASSERT_EQ(50u, c.entries.size());
  EXPECT_EQ(Index(151), c.entries.front().index);
  EXPECT_EQ(Index(200), c.hard_state.commit);
}

TEST_F(WalTest, ATornTailIsCutWithoutLosingSyncedEntries) {
  auto o = Options();
  auto w = Wal::Create(o, "");
  ASSERT_TRUE((*w)->Save(HardState{Term(1), NodeId(1), Index(2)}, {E(1, 1), E(1, 2)}, true).ok());
  w->reset();
  // A write that was cut short: half a record.
  auto names = PosixFileSystem()->List(o.dir);
  const std::string seg = o.dir + "/" + names->back();
  auto f = PosixFileSystem()->ReopenWritableFile(seg);
  ASSERT_TRUE((*f)->Append(std::string("\x40\x00\x00\x00\x12\x34", 6)).ok());
  f->reset();
  WalContents c = Reopen(o);
  EXPECT_EQ(2u, c.entries.size());
  EXPECT_EQ(6u, c.torn_bytes_dropped);
  // And the repaired WAL takes new entries.
  w = Wal::Open(o, Index(0), &c);
  ASSERT_TRUE((*w)->Save({}, {E(1, 3)}, true).ok());
  w->reset();
  EXPECT_EQ(3u, Reopen(o).entries.size());
}

TEST_F(WalTest, DamageBeforeTheTailRefusesToStart) {
  auto o = Options();
  auto w = Wal::Create(o, "");
  for (uint64_t i = 1; i <= 10; ++i) ASSERT_TRUE((*w)->Save({}, {E(1, i)}, true).ok());
  w->reset();
  auto names = PosixFileSystem()->List(o.dir);
  const std::string seg = o.dir + "/" + names->back();
  std::string data = *PosixFileSystem()->ReadFile(seg);
  data[data.size() / 2] ^= 0x01;  // bit rot in the middle
  auto f = PosixFileSystem()->NewWritableFile(seg);
  ASSERT_TRUE((*f)->Append(data).ok());
  f->reset();
  WalContents c;
  auto opened = Wal::Open(o, Index(0), &c);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(StatusCode::kCorruption, opened.status().code());
  EXPECT_NE(std::string::npos, opened.status().message().find("in data that was synced"));
  EXPECT_NE(std::string::npos, opened.status().message().find(seg));
}

TEST_F(WalTest, DamageInAnOlderSegmentRefusesToStart) {
  auto o = Options();
  o.segment_bytes = 1024;
  auto w = Wal::Create(o, "");
  for (uint64_t i = 1; i <= 100; ++i) ASSERT_TRUE((*w)->Save({}, {E(1, i, std::string(50, 'y'))}, true).ok());
  w->reset();
  auto names = PosixFileSystem()->List(o.dir);
  ASSERT_GT(names->size(), 2u);
  const std::string seg = o.dir + "/" + names->front();
  std::string data = *PosixFileSystem()->ReadFile(seg);
  data.resize(data.size() - 3);  // an old segment cut short
  auto f = PosixFileSystem()->NewWritableFile(seg);
  ASSERT_TRUE((*f)->Append(data).ok());
  f->reset();
  WalContents c;
  auto opened = Wal::Open(o, Index(0), &c);
  EXPECT_EQ(StatusCode::kCorruption, opened.status().code());
}

// As etcd, a restart reads only the segments that can hold entries after the
// snapshot: damage in an older one (whose entries the snapshot holds) is
// never read, while a restart from the start still refuses it.
TEST_F(WalTest, SegmentsWhollyBeforeTheSnapshotAreNotRead) {
  auto o = Options();
  o.segment_bytes = 1024;
  auto w = Wal::Create(o, "meta");
  for (uint64_t i = 1; i <= 100; ++i) {
    ASSERT_TRUE((*w)->Save(HardState{Term(2), NodeId(1), Index(i)}, {E(2, i, std::string(50, 'y'))}, true).ok());
  }
  ASSERT_TRUE((*w)->SaveSnapshotMarker(Index(80), Term(2)).ok());
  w->reset();
  auto names = PosixFileSystem()->List(o.dir);
  ASSERT_GT(names->size(), 3u);
  const std::string oldest = o.dir + "/" + names->front();
  std::string data = *PosixFileSystem()->ReadFile(oldest);
  data.resize(data.size() - 3);
  auto f = PosixFileSystem()->NewWritableFile(oldest);
  ASSERT_TRUE((*f)->Append(data).ok());
  f->reset();
  WalContents c;
  EXPECT_EQ(StatusCode::kCorruption, Wal::Open(o, Index(0), &c).status().code());

  w = Wal::Open(o, Index(80), &c);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ("meta", c.metadata);
  EXPECT_EQ(Index(80), c.snapshot_index);
  EXPECT_EQ(Index(100), c.hard_state.commit);
  ASSERT_EQ(20u, c.entries.size());
  EXPECT_EQ(Index(81), c.entries.front().index);
  // It goes on where it stopped, across new segments.
  for (uint64_t i = 101; i <= 150; ++i) ASSERT_TRUE((*w)->Save({}, {E(2, i, std::string(50, 'z'))}, true).ok());
  w->reset();
  c = Reopen(o, Index(120));
  ASSERT_EQ(30u, c.entries.size());
  EXPECT_EQ(Index(121), c.entries.front().index);
  EXPECT_EQ(Index(150), c.entries.back().index);
}

TEST_F(WalTest, SyncDurationsAreReported) {
  auto o = Options();
  int reported = 0;
  o.on_sync = [&](std::chrono::duration<double> d) {
    EXPECT_GE(d.count(), 0.0);
    ++reported;
  };
  auto w = Wal::Create(o, "");
  const int base = reported;
  ASSERT_TRUE((*w)->Save({}, {E(1, 1)}, true).ok());
  ASSERT_TRUE((*w)->Save({}, {E(1, 2)}, false).ok());  // no sync asked
  ASSERT_TRUE((*w)->Save({}, {E(1, 3)}, true).ok());
  EXPECT_EQ(2, reported - base);
}

// Power cuts at random moments, with torn writes: every entry whose Save
// returned after a sync is there, in order, and nothing else is accepted
// but what was actually written.
TEST(WalPowerCut, NoSyncedEntryIsLostAndNoGarbageIsAccepted) {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    testing::FaultInjectionFileSystem fs(seed);
    std::mt19937_64 rng(seed);
    WalOptions o;
    o.dir = "/wal";
    o.fs = &fs;
    o.segment_bytes = 512 + rng() % 4096;
    auto w = Wal::Create(o, "m");
    ASSERT_TRUE(w.ok());
    std::map<uint64_t, std::vector<Entry>> versions;  // every entry ever written, per index
    std::map<uint64_t, Entry> current;                // the log as last written
    std::map<uint64_t, Entry> durable;                // the log as of the last sync
    uint64_t last = 0;
    uint64_t term = 1;
    for (int round = 0; round < 5; ++round) {
      const int batches = 1 + static_cast<int>(rng() % 30);
      for (int b = 0; b < batches; ++b) {
        std::vector<Entry> ents;
        // Sometimes a new leader overwrites an uncommitted suffix.
        uint64_t start = last + 1;
        if (rng() % 10 == 0 && last > durable.size()) {
          start = durable.size() + 1 + rng() % (last - durable.size());
          ++term;
        }
        const int n = 1 + static_cast<int>(rng() % 5);
        for (int i = 0; i < n; ++i) {
          ents.push_back(E(term, start + i, std::string(rng() % 200, static_cast<char>('a' + rng() % 26))));
        }
        const bool sync = rng() % 3 != 0;
        ASSERT_TRUE((*w)->Save(HardState{Term(term), NodeId(1), Index(0)}, ents, sync).ok());
        for (auto it = current.lower_bound(start); it != current.end();) it = current.erase(it);
        for (const auto& e : ents) {
          current[e.index.value()] = e;
          versions[e.index.value()].push_back(e);
        }
        last = start + n - 1;
        if (sync) durable = current;
      }
      w->reset();
      fs.PowerCut();
      WalContents c;
      auto reopened = Wal::Open(o, Index(0), &c);
      ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
      ASSERT_GE(c.entries.size(), durable.size()) << "synced entries lost";
      for (size_t i = 0; i < c.entries.size(); ++i) {
        const Entry& got = c.entries[i];
        ASSERT_EQ(i + 1, got.index.value());
        if (i < durable.size()) {
          ASSERT_EQ(durable[i + 1], got) << "a synced entry changed at index " << i + 1;
        } else {
          const auto& vs = versions[got.index.value()];
          ASSERT_TRUE(std::find(vs.begin(), vs.end(), got) != vs.end())
              << "garbage accepted at index " << got.index.value();
        }
      }
      current.clear();
      for (const auto& e : c.entries) current[e.index.value()] = e;
      durable = current;
      last = c.entries.size();
      w = std::move(reopened);
    }
  }
}

}  // namespace
}  // namespace etcfs::consensus
