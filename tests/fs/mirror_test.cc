// The mount's copy of the key space: directories derived from key prefixes,
// kept current by watch events.
#include <gtest/gtest.h>

#include <thread>

#include "fs/mirror.h"

namespace etcfs::fs {
namespace {

kv::KeyValue Kv(std::string key, std::string value = "v", int64_t rev = 1) {
  kv::KeyValue kv;
  kv.key = std::move(key);
  kv.value = std::move(value);
  kv.mod_revision = rev;
  return kv;
}

kv::Event Put(std::string key, std::string value, int64_t rev) {
  return kv::Event{kv::Event::Type::kPut, Kv(std::move(key), std::move(value), rev), std::nullopt};
}

kv::Event Delete(std::string key, int64_t rev) {
  return kv::Event{kv::Event::Type::kDelete, Kv(std::move(key), "", rev), std::nullopt};
}

std::vector<std::string> Names(const std::vector<Mirror::Child>& children) {
  std::vector<std::string> out;
  for (const auto& c : children) {
    out.push_back(c.component + (c.directory ? "/" : "") + (c.file ? "=" + c.file->value : ""));
  }
  return out;
}

kv::Event At(kv::Event e, int64_t ns) {
  e.kv.ctime_ns = ns;
  return e;
}

TEST(Mirror, ADirectoryChangesWhenAnEntryIsCreatedRemovedOrRenamedInIt) {
  Mirror m("/");
  m.Reset({}, 1);
  m.Apply({At(Put("/d/a", "1", 2), 100)}, 2);  // d appears in the root, a in d
  EXPECT_EQ(100, m.DirChangedNs("/"));
  EXPECT_EQ(100, m.DirChangedNs("/d/"));
  m.Apply({At(Put("/d/a", "2", 3), 200)}, 3);  // a write is no entry change
  EXPECT_EQ(100, m.DirChangedNs("/d/"));
  m.Apply({At(Put("/d/sub/", "", 4), 300)}, 4);  // mkdir d/sub
  EXPECT_EQ(300, m.DirChangedNs("/d/"));
  EXPECT_EQ(100, m.DirChangedNs("/"));
  m.Apply({At(Delete("/d/a", 5), 400), At(Put("/e/a", "2", 5), 400)}, 5);  // mv d/a e/a
  EXPECT_EQ(400, m.DirChangedNs("/d/"));
  EXPECT_EQ(400, m.DirChangedNs("/e/"));
  EXPECT_EQ(400, m.DirChangedNs("/"));  // e appeared
  m.Apply({At(Delete("/d/sub/", 6), 500)}, 6);  // rmdir d/sub: d is gone too
  EXPECT_EQ(0, m.DirChangedNs("/d/"));
  EXPECT_EQ(500, m.DirChangedNs("/"));
  // A resync keeps what the events told, and the newest entry's time
  // stands in where nothing was known.
  kv::KeyValue late = Kv("/f/x");
  late.ctime_ns = 700;
  kv::KeyValue e = Kv("/e/a");
  e.ctime_ns = 400;
  m.Reset({e, late}, 7);
  EXPECT_EQ(500, m.DirChangedNs("/"));
  EXPECT_EQ(400, m.DirChangedNs("/e/"));
  EXPECT_EQ(700, m.DirChangedNs("/f/"));
}

TEST(Mirror, ListsFilesAndDirectoriesDerivedFromPrefixes) {
  Mirror m;
  m.Reset({Kv("/app/a", "1"), Kv("/app/b/c", "2"), Kv("/app/b/d/e", "3"), Kv("/app/empty/"),
           Kv("/other", "x")},
          5);
  EXPECT_EQ((std::vector<std::string>{"a=1", "b/", "empty/"}), Names(m.List("/app/")));
  EXPECT_EQ((std::vector<std::string>{"c=2", "d/"}), Names(m.List("/app/b/")));
  EXPECT_EQ(std::vector<std::string>{}, Names(m.List("/app/empty/")));  // a marker only
  EXPECT_TRUE(m.HasKeysUnder("/app/empty/"));
  EXPECT_FALSE(m.HasKeysUnder("/app/none/"));
  EXPECT_EQ(5, m.revision());
}

TEST(Mirror, AKeyThatIsAlsoADirectoryIsListedOnceAsBoth) {
  Mirror m;
  // "a!" sorts between "a" and "a/x": the pairing must not rely on adjacency.
  m.Reset({Kv("/a", "self"), Kv("/a!", "bang"), Kv("/a/x", "1"), Kv("/b/", "")}, 3);
  EXPECT_EQ((std::vector<std::string>{"a/=self", "a!=bang", "b/"}), Names(m.List("/")));
}

TEST(Mirror, WatchEventsKeepItCurrent) {
  Mirror m;
  m.Reset({Kv("/d/a", "1")}, 2);
  m.Apply({Put("/d/b", "2", 3), Put("/d/a", "1b", 3)}, 3);
  EXPECT_EQ("1b", m.Get("/d/a")->value);
  EXPECT_EQ((std::vector<std::string>{"a=1b", "b=2"}), Names(m.List("/d/")));
  m.Apply({Delete("/d/a", 4), Delete("/d/b", 4)}, 4);
  EXPECT_FALSE(m.HasKeysUnder("/d/"));  // the directory went with its last key
  EXPECT_FALSE(m.Get("/d/a").has_value());
  EXPECT_EQ(4, m.revision());
}

TEST(Mirror, WaitForReturnsOnceTheRevisionIsApplied) {
  Mirror m;
  m.Reset({}, 1);
  EXPECT_FALSE(m.WaitFor(2, std::chrono::milliseconds(10)));
  std::thread t([&] { m.Apply({Put("/k", "v", 2)}, 2); });
  EXPECT_TRUE(m.WaitFor(2, std::chrono::seconds(10)));
  t.join();
  EXPECT_TRUE(m.WaitFor(1, std::chrono::milliseconds(0)));
}

TEST(Mirror, CountsKeysUnderADirectoryUpToALimit) {
  Mirror m;
  m.Reset({Kv("/d/"), Kv("/d/a"), Kv("/d/b/c"), Kv("/e")}, 1);
  EXPECT_EQ(3u, m.CountKeysUnder("/d/", 10));
  EXPECT_EQ(2u, m.CountKeysUnder("/d/", 2));
  EXPECT_EQ(3u, m.KeysUnder("/d/").size());
}

TEST(Mirror, ReportsWhichDirectoriesEachEventMadeAppearOrVanish) {
  Mirror m("/p/");
  m.Reset({Kv("/p/keep/x")}, 1);
  std::vector<std::pair<std::string, Mirror::Change>> seen;
  auto observe = [&](const kv::Event& e, const Mirror::Change& c) { seen.emplace_back(e.kv.key, c); };
  // One batch creating two keys in a new directory: only the first makes it appear.
  m.Apply({Put("/p/new/sub/a", "1", 2), Put("/p/new/sub/b", "2", 2), Put("/p/keep/y", "3", 2)}, 2, observe);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_TRUE(seen[0].second.created);
  EXPECT_EQ(seen[0].second.dirs_created, (std::vector<std::string>{"/p/new/sub/", "/p/new/"}));
  EXPECT_TRUE(seen[1].second.dirs_created.empty());
  EXPECT_TRUE(seen[2].second.dirs_created.empty());  // /p/keep/ existed; the root always does
  seen.clear();
  m.Apply({Put("/p/keep/y", "4", 3), Delete("/p/new/sub/a", 4), Delete("/p/new/sub/b", 4), Delete("/p/gone", 4)}, 4,
          observe);
  ASSERT_EQ(seen.size(), 3u);  // deleting an absent key changes nothing
  EXPECT_FALSE(seen[0].second.created);
  EXPECT_TRUE(seen[1].second.deleted);
  EXPECT_TRUE(seen[1].second.dirs_removed.empty());
  EXPECT_EQ(seen[2].second.dirs_removed, (std::vector<std::string>{"/p/new/sub/", "/p/new/"}));
}

}  // namespace
}  // namespace etcfs::fs
