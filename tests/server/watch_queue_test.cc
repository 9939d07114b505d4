// How a watch stream's queue joins a watch's updates while the stream drains.
#include "server/watch_queue.h"

#include <gtest/gtest.h>

namespace etcfs::server {
namespace {

store::WatchUpdate Update(int64_t tag, int64_t revision, std::vector<std::string> keys) {
  store::WatchUpdate u;
  u.id = static_cast<store::WatchId>(tag);
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

std::vector<std::string> Keys(const WatchQueue::Item& item) {
  std::vector<std::string> keys;
  if (!item.update) return {"<response>"};
  for (const auto& ev : item.update->events) keys.push_back(ev->kv.key);
  return keys;
}

std::vector<std::vector<std::string>> Drain(WatchQueue& q) {
  std::vector<std::vector<std::string>> out;
  for (auto& item : q.Take()) out.push_back(Keys(item));
  return out;
}

using Shape = std::vector<std::vector<std::string>>;

TEST(WatchQueue, AWatchsLaterUpdatesJoinItsQueuedOneInOrder) {
  WatchQueue q(1 << 20, 100, 100);
  ASSERT_TRUE(q.PushUpdate(Update(1, 5, {"a"})));
  ASSERT_TRUE(q.PushUpdate(Update(2, 5, {"a"})));
  q.PushResponse(etcdserverpb::WatchResponse());
  ASSERT_TRUE(q.PushUpdate(Update(1, 6, {"b"})));
  ASSERT_TRUE(q.PushUpdate(Update(1, 8, {"c", "d"})));
  auto items = q.Take();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(Keys(items[0]), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(items[0].update->revision, 8);  // the watch has seen everything up to the last joined update
  EXPECT_EQ(Keys(items[1]), (std::vector<std::string>{"a"}));
  EXPECT_FALSE(items[2].update.has_value());
  EXPECT_TRUE(q.empty());
  // Once taken, nothing joins what was taken.
  ASSERT_TRUE(q.PushUpdate(Update(1, 9, {"e"})));
  EXPECT_EQ(Drain(q), (Shape{{"e"}}));
}

TEST(WatchQueue, NothingJoinsAcrossACancelOrAProgressMark) {
  WatchQueue q(1 << 20, 100, 100);
  auto canceled = Update(1, 9, {});
  canceled.canceled = true;
  for (auto u : {Update(1, 5, {"a"}), Update(1, 6, {}), Update(1, 7, {"b"}), Update(1, 8, {"c"}), canceled,
                 Update(1, 10, {"d"})}) {
    ASSERT_TRUE(q.PushUpdate(std::move(u)));
  }
  EXPECT_EQ(Drain(q), (Shape{{"a"}, {}, {"b", "c"}, {}, {"d"}}));
}

TEST(WatchQueue, AnUpdateOfANewerWatchUnderTheSameTagDoesNotJoin) {
  WatchQueue q(1 << 20, 100, 100);
  ASSERT_TRUE(q.PushUpdate(Update(1, 5, {"a"})));
  auto newer = Update(1, 6, {"b"});
  newer.id = 7;
  ASSERT_TRUE(q.PushUpdate(std::move(newer)));
  EXPECT_EQ(Drain(q), (Shape{{"a"}, {"b"}}));
}

TEST(WatchQueue, AJoinedUpdateStaysUnderTheByteLimit) {
  // Each event counts key + value + 64 = 66 bytes; two fit in 140, three do not.
  WatchQueue q(140, 100, 100);
  for (auto k : {"a", "b", "c", "d"}) ASSERT_TRUE(q.PushUpdate(Update(1, 5, {k})));
  EXPECT_EQ(Drain(q), (Shape{{"a", "b"}, {"c", "d"}}));
}

TEST(WatchQueue, AFullQueueRefusesEventsButTakesACancel) {
  WatchQueue q(1 << 20, 100, 3);
  ASSERT_TRUE(q.PushUpdate(Update(1, 5, {"a", "b"})));
  EXPECT_FALSE(q.PushUpdate(Update(2, 6, {"c", "d"})));  // four events would pass three
  ASSERT_TRUE(q.PushUpdate(Update(2, 6, {"c"})));
  auto canceled = Update(2, 7, {});
  canceled.canceled = true;
  ASSERT_TRUE(q.PushUpdate(std::move(canceled)));
  EXPECT_EQ(Drain(q), (Shape{{"a", "b"}, {"c"}, {}}));
  // Taking frees the room.
  EXPECT_TRUE(q.PushUpdate(Update(2, 8, {"c", "d"})));
}

}  // namespace
}  // namespace etcfs::server
