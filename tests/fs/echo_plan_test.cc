#include "fs/echo_plan.h"

#include <gtest/gtest.h>

#include "fs/echo.h"

namespace etcfs::fs {
namespace {

using Step = EchoPlan::Step;

}  // namespace

void PrintTo(const EchoPlan::Step& s, std::ostream* os) { *os << "{" << s.path << " " << s.what << " " << s.to << "}"; }

namespace {

kv::KeyValue File(const std::string& value, int64_t mtime_ns, int64_t lease = 0) {
  kv::KeyValue kv;
  kv.value = value;
  kv.lease = lease;
  kv.attr.explicit_attrs = true;
  kv.attr.mode = 0644;
  kv.attr.mtime_ns = mtime_ns;
  return kv;
}

kv::KeyValue Marker(int64_t mtime_ns) {
  kv::KeyValue kv = File("", mtime_ns);
  kv.attr.kind = kv::FileKind::kDirectory;
  kv.attr.mode = 0755;
  return kv;
}

kv::KeyValue Symlink(const std::string& target, int64_t mtime_ns) {
  kv::KeyValue kv = File(target, mtime_ns);
  kv.attr.kind = kv::FileKind::kSymlink;
  return kv;
}

TEST(EchoPlanTest, EachChangeOfAFileIsItsOwnOperation) {
  EchoPlan plan(true);
  plan.Put(5, "a", File("1", 100), true, false, false);
  plan.Put(6, "a", File("2", 200), false, true, true);
  plan.Put(7, "a", File("2", 300), false, false, true);
  plan.Deleted(8, "a", File("2", 300), true);
  EXPECT_EQ(plan.Take(), (std::vector<Step>{{"a", Echo::kCreate}, {"a", Echo::kContent}, {"a", Echo::kAttributes},
                                           {"a", Echo::kDelete}}));
  EXPECT_TRUE(plan.empty());
}

TEST(EchoPlanTest, ARenameThroughAMountIsOneMove) {
  EchoPlan plan(true);
  plan.Deleted(9, "conf/a.tmp", File("x", 123), true);
  plan.Put(9, "conf/a", File("x", 123), true, false, false);
  EXPECT_EQ(plan.Take(), (std::vector<Step>{{"conf/a.tmp", Echo::kMove, "conf/a"}}));
}

TEST(EchoPlanTest, ARenameOntoAnExistingFileIsOneMove) {
  EchoPlan plan(true);
  plan.Deleted(9, "new", File("v2", 7), true);
  plan.Put(9, "cur", File("v2", 7), false, true, true);
  EXPECT_EQ(plan.Take(), (std::vector<Step>{{"new", Echo::kMove, "cur"}}));
}

TEST(EchoPlanTest, AnApiTxnMovingAValueIsADeleteAndACreate) {
  // etcdctl txn: del a, put b with a's value; b gets its revision's time.
  EchoPlan plan(true);
  plan.Deleted(9, "a", File("x", 123), true);
  plan.Put(9, "b", File("x", 456), true, false, false);
  EXPECT_EQ(plan.Take(), (std::vector<Step>{{"a", Echo::kDelete}, {"b", Echo::kCreate}}));
}

TEST(EchoPlanTest, HalvesInDifferentRevisionsAreNoRename) {
  EchoPlan plan(true);
  plan.Deleted(9, "a", File("x", 123), true);
  plan.Put(10, "b", File("x", 123), true, false, false);
  EXPECT_EQ(plan.Take(), (std::vector<Step>{{"a", Echo::kDelete}, {"b", Echo::kCreate}}));
}

TEST(EchoPlanTest, ALeaseOrValueThatDiffersIsNoRename) {
  EchoPlan plan(true);
  plan.Deleted(9, "a", File("x", 123, 77), true);
  plan.Put(9, "b", File("x", 123, 0), true, false, false);
  plan.Deleted(9, "c", File("x", 124), true);
  plan.Put(9, "d", File("y", 124), true, false, false);
  EXPECT_EQ(plan.Take(), (std::vector<Step>{{"a", Echo::kDelete},
                                           {"b", Echo::kCreate},
                                           {"c", Echo::kDelete},
                                           {"d", Echo::kCreate}}));
}

TEST(EchoPlanTest, AFileNeverShownMovesAsACreate) {
  EchoPlan plan(true);
  plan.Deleted(9, "a", File("x", 1), false);
  plan.Put(9, "b", File("x", 1), true, false, false);
  EXPECT_EQ(plan.Take(), (std::vector<Step>{{"b", Echo::kCreate}}));
}

TEST(EchoPlanTest, ADirectoryRenamedIsOneMove) {
  EchoPlan plan(true);
  // mv conf etc: the txn deletes conf/ and below, then puts them below etc/.
  plan.Deleted(12, "conf/", Marker(5), true);
  plan.Deleted(12, "conf/a", File("1", 6), true);
  plan.Deleted(12, "conf/sub/b", File("2", 7), true);
  plan.DirRemoved(12, "conf/sub/", true);
  plan.DirRemoved(12, "conf/", true);
  plan.DirCreated(12, "etc/");
  plan.Put(12, "etc/", Marker(5), true, false, false);
  plan.Put(12, "etc/a", File("1", 6), true, false, false);
  plan.DirCreated(12, "etc/sub/");
  plan.Put(12, "etc/sub/b", File("2", 7), true, false, false);
  EXPECT_EQ(plan.Take(), (std::vector<Step>{{"conf/", Echo::kMove, "etc/"}}));
}

TEST(EchoPlanTest, ADirectoryRenamedOntoAnEmptyOneIsOneMove) {
  // mv -T src dst, dst empty with a marker that src's marker overwrites.
  EchoPlan plan(true);
  plan.Deleted(12, "src/", Marker(5), true);
  plan.Deleted(12, "src/f", File("1", 6), true);
  plan.DirRemoved(12, "src/", true);
  plan.Put(12, "dst/", Marker(5), false, false, true);
  plan.Put(12, "dst/f", File("1", 6), true, false, false);
  EXPECT_EQ(plan.Take(), (std::vector<Step>{{"src/", Echo::kMove, "dst/"}}));
}

TEST(EchoPlanTest, AFileMovedOutOfAnImplicitDirectoryLeavesItAfterTheMove) {
  EchoPlan plan(true);
  plan.Deleted(4, "p/a", File("1", 6), true);
  plan.DirRemoved(4, "p/", true);
  plan.Put(4, "q/a", File("1", 6), true, false, false);
  EXPECT_EQ(plan.Take(), (std::vector<Step>{{"p/a", Echo::kMove, "q/a"}, {"p/", Echo::kRmdir}}));
}

TEST(EchoPlanTest, DirectoriesComeAndGoAroundTheirKeys) {
  EchoPlan plan(true);
  // etcdctl put app/new/x; then etcdctl del --prefix app/new/.
  plan.DirCreated(3, "new/");
  plan.Put(3, "new/x", File("1", 1), true, false, false);
  plan.Deleted(4, "new/x", File("1", 1), true);
  plan.DirRemoved(4, "new/", true);
  // mkdir d elsewhere (a marker), then a marker on an implicit directory;
  // rmdir d.
  plan.DirCreated(5, "d/");
  plan.Put(5, "d/", Marker(9), true, false, false);
  plan.Put(6, "implicit/", Marker(9), true, false, false);
  plan.Deleted(7, "d/", Marker(9), true);
  plan.DirRemoved(7, "d/", true);
  EXPECT_EQ(plan.Take(), (std::vector<Step>{{"new/", Echo::kMkdir},
                                           {"new/x", Echo::kCreate},
                                           {"new/x", Echo::kDelete},
                                           {"new/", Echo::kRmdir},
                                           {"d/", Echo::kMkdir},
                                           {"implicit/", Echo::kAttributes},
                                           {"d/", Echo::kRmdir}}));
}

TEST(EchoPlanTest, SymlinksAreCreatedAndRenamedOver) {
  EchoPlan plan(true);
  plan.Put(3, "link", Symlink("a", 1), true, false, false);
  // ln -sfn b link: a temporary symlink renamed over it.
  plan.Put(4, "link.tmp", Symlink("b", 2), true, false, false);
  plan.Deleted(5, "link.tmp", Symlink("b", 2), true);
  plan.Put(5, "link", Symlink("b", 2), false, true, true);
  EXPECT_EQ(plan.Take(), (std::vector<Step>{{"link", Echo::kSymlink},
                                           {"link.tmp", Echo::kSymlink},
                                           {"link.tmp", Echo::kMove, "link"}}));
}

TEST(EchoPlanTest, ALinearizableMountShowsCreatesAtOnce) {
  EchoPlan plan(false);
  plan.DirCreated(3, "d/");
  plan.Put(3, "d/f", File("1", 1), true, false, false);
  plan.Put(3, "l", Symlink("x", 1), true, false, false);
  EXPECT_EQ(plan.Take(), (std::vector<Step>{{"d/f", Echo::kContent}}));
}

}  // namespace
}  // namespace etcfs::fs
