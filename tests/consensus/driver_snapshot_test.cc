// A member's log stays bounded in bytes: large entries call for a snapshot
// long before --snapshot-count of them, the in-memory log keeps only a
// quarter of that size behind it, and a restart replays only what follows.
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "consensus/driver.h"
#include "tests/support/free_port.h"
#include "tests/support/temp_dir.h"

namespace etcfs::consensus {
namespace {

// Counts what it applies; its snapshot is that count.
class CountingStateMachine : public StateMachine {
 public:
  void Apply(const std::vector<Entry>& entries) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : entries) {
      if (e.index <= applied_) continue;
      applied_ = e.index;
      if (e.type == EntryType::kNormal && !e.data.empty()) ++count_;
    }
  }
  std::string SnapshotData() override {
    std::lock_guard<std::mutex> lock(mu_);
    return std::to_string(count_);
  }
  Status Restore(const Snapshot& snap) override {
    std::lock_guard<std::mutex> lock(mu_);
    count_ = std::stoull(snap.data);
    applied_ = snap.meta.index;
    return Status::Ok();
  }
  uint64_t count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  Index applied_;
  uint64_t count_ = 0;
};

DriverOptions Options(const std::string& dir, uint16_t port) {
  DriverOptions o;
  o.id = NodeId(1);
  o.cluster_id = 7;
  o.data_dir = dir;
  o.peers[NodeId(1)] = "127.0.0.1:" + std::to_string(port);
  o.initial_members = {NodeId(1)};
  o.tick = std::chrono::milliseconds(10);
  o.snapshot_count = 1000000;  // never by count here
  o.snapshot_bytes = 1 << 20;
  return o;
}

bool WaitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

TEST(DriverSnapshots, LargeEntriesCallForASnapshotBySizeAndARestartReplaysOnlyWhatFollows) {
  testing::TempDir dir;
  const uint16_t port = testing::FreePort();
  CountingStateMachine sm;
  {
    auto d = Driver::Open(Options(dir.path(), port), &sm);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    (*d)->Start();
    ASSERT_TRUE(WaitFor([&] { return (*d)->State().leader == NodeId(1); }));
    // 40 entries of 100 KiB: about 4 MiB, past the 1 MiB that calls for a
    // snapshot several times over, and far from a million entries.
    for (int i = 0; i < 40; ++i) {
      (*d)->Propose(std::string(100 << 10, static_cast<char>('a' + i % 26)));
      ASSERT_TRUE(WaitFor([&] { return sm.count() == static_cast<uint64_t>(i + 1); }));
    }
    const auto st = (*d)->State();
    // The last snapshot is at most about 1 MiB (ten entries) behind.
    EXPECT_GE(st.snapshot_index.value() + 12, st.applied.value()) << "applied " << st.applied.value();
    EXPECT_GT(st.snapshot_index.value(), 0u);
    (*d)->Stop();
  }
  // Restarted, the member restores the newest snapshot and replays only the
  // entries after it, ending where it was.
  CountingStateMachine restarted;
  auto d = Driver::Open(Options(dir.path(), port), &restarted);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_GE(restarted.count(), 28u) << "the snapshot restored";
  (*d)->Start();
  ASSERT_TRUE(WaitFor([&] { return restarted.count() == 40; })) << restarted.count();
  (*d)->Stop();
}

TEST(MemoryStorageTail, TheTailStartHoldsAtMostTheBytesAsked) {
  MemoryStorage storage;
  std::vector<Entry> entries;
  for (uint64_t i = 1; i <= 10; ++i) entries.push_back(Entry{Term(1), Index(i), EntryType::kNormal, std::string(100, 'x')});
  ASSERT_TRUE(storage.Append(entries).ok());
  const uint64_t one = entries[0].size();
  EXPECT_EQ(Index(10), storage.TailStart(Index(10), 0));  // the last one at least
  EXPECT_EQ(Index(8), storage.TailStart(Index(10), 3 * one));
  EXPECT_EQ(Index(8), storage.TailStart(Index(10), 4 * one - 1));
  EXPECT_EQ(Index(5), storage.TailStart(Index(7), 3 * one));
  EXPECT_EQ(Index(1), storage.TailStart(Index(10), 100 * one));  // everything fits
  ASSERT_TRUE(storage.Compact(Index(4)).ok());
  EXPECT_EQ(Index(5), storage.TailStart(Index(10), 100 * one));  // the first index held
}

}  // namespace
}  // namespace etcfs::consensus
