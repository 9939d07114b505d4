// How a stream writer that fell behind joins a watch's queued updates.
#include "server/watch_merge.h"

#include <gtest/gtest.h>

namespace etcfs::server {
namespace {

store::WatchUpdate Update(int64_t tag, int64_t revision, std::vector<std::string> keys) {
  store::WatchUpdate u;
  u.tag = tag;
  u.revision = revision;
  for (auto& k : keys) {
    kv::Event ev;
    ev.kv.key = k;
    ev.kv.value = "v";
    ev.kv.mod_revision = revision;
    u.events.push_back(std::make_shared<const kv::Event>(ev));
  }
  return u;
}

std::vector<std::string> Keys(const store::WatchUpdate& u) {
  std::vector<std::string> keys;
  for (const auto& ev : u.events) keys.push_back(ev->kv.key);
  return keys;
}

TEST(MergeWatchUpdates, AWatchsLaterUpdatesJoinItsFirstInOrder) {
  auto a1 = Update(1, 5, {"a"}), b1 = Update(2, 5, {"a"}), a2 = Update(1, 6, {"b"}), a3 = Update(1, 8, {"c", "d"});
  const auto merged = MergeWatchUpdates({&a1, &b1, nullptr, &a2, &a3}, 1 << 20);
  EXPECT_EQ(merged, (std::vector<bool>{false, false, false, true, true}));
  EXPECT_EQ(Keys(a1), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(a1.revision, 8);  // the watch has seen everything up to the last joined update
  EXPECT_EQ(Keys(b1), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(a2.events.empty());
}

TEST(MergeWatchUpdates, NothingJoinsAcrossACancelOrAProgressMark) {
  auto a1 = Update(1, 5, {"a"}), progress = Update(1, 6, {}), a2 = Update(1, 7, {"b"}), a3 = Update(1, 8, {"c"});
  auto canceled = Update(1, 9, {});
  canceled.canceled = true;
  auto a4 = Update(1, 10, {"d"});
  const auto merged = MergeWatchUpdates({&a1, &progress, &a2, &a3, &canceled, &a4}, 1 << 20);
  EXPECT_EQ(merged, (std::vector<bool>{false, false, false, true, false, false}));
  EXPECT_EQ(Keys(a1), (std::vector<std::string>{"a"}));
  EXPECT_EQ(Keys(a2), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(Keys(a4), (std::vector<std::string>{"d"}));
}

TEST(MergeWatchUpdates, AJoinedUpdateStaysUnderTheByteLimit) {
  // Each event counts key + value + 64 = 66 bytes; two fit in 140, three do not.
  auto a1 = Update(1, 5, {"a"}), a2 = Update(1, 6, {"b"}), a3 = Update(1, 7, {"c"}), a4 = Update(1, 8, {"d"});
  const auto merged = MergeWatchUpdates({&a1, &a2, &a3, &a4}, 140);
  EXPECT_EQ(merged, (std::vector<bool>{false, true, false, true}));
  EXPECT_EQ(Keys(a1), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Keys(a3), (std::vector<std::string>{"c", "d"}));
}

}  // namespace
}  // namespace etcfs::server
