#include "fs/inode_table.h"

#include <gtest/gtest.h>

namespace etcfs::fs {
namespace {

TEST(InodeTable, NumbersAreStableAndRenamesCarryThem) {
  InodeTable t;
  EXPECT_EQ(t.Find(""), kRootIno);
  const Ino a = t.Assign("a");
  EXPECT_EQ(t.Assign("a"), a);
  const Ino d = t.Assign("d/");
  const Ino f = t.Assign("d/f");
  EXPECT_NE(a, d);
  EXPECT_EQ(*t.Path(f), "d/f");

  t.Rename("d/", "e/");  // a directory moves with everything below it
  EXPECT_EQ(t.Find("d/f"), 0u);
  EXPECT_EQ(t.Find("e/"), d);
  EXPECT_EQ(t.Find("e/f"), f);
  EXPECT_EQ(*t.Path(f), "e/f");

  t.Rename("a", "e/f");  // onto an existing file: its number goes away
  EXPECT_EQ(t.Find("e/f"), a);
  EXPECT_FALSE(t.Path(f).has_value());
  EXPECT_FALSE(t.Path(a + 1000).has_value());
}

TEST(InodeTable, ADetachedPathGetsANewNumber) {
  InodeTable t;
  const Ino a = t.Assign("a");
  t.Detach("a");
  EXPECT_FALSE(t.Path(a).has_value());  // an open descriptor of the old file: ESTALE
  EXPECT_NE(t.Assign("a"), a);
  t.Detach("");  // the root stays
  EXPECT_EQ(t.Find(""), kRootIno);
}

TEST(InodeTable, AReleasedNumberBindsToAnotherPath) {
  InodeTable t;
  const Ino old = t.Assign("tmp");
  EXPECT_EQ(t.Release("tmp"), old);
  EXPECT_EQ(t.Release("tmp"), 0u);
  const Ino fresh = t.Assign("tmp");  // a new file under the old name
  EXPECT_NE(fresh, old);
  const Ino dst = t.Assign("conf");
  t.Bind("conf", old);  // the old file renamed onto conf
  EXPECT_EQ(t.Find("conf"), old);
  EXPECT_EQ(*t.Path(old), "conf");
  EXPECT_FALSE(t.Path(dst).has_value());
  EXPECT_EQ(*t.Path(fresh), "tmp");
}

TEST(InodeTable, AnAliasStandsForItsPathUntilThePathGoes) {
  InodeTable t;
  const Ino conf = t.Assign("conf");
  t.Assign("tmp");
  const Ino moved = t.Release("tmp");  // the echo's ghost of tmp (SplitGhost)
  t.Bind("conf", moved);  // the echo's rename of tmp onto conf
  EXPECT_FALSE(t.Path(conf).has_value());
  t.Alias(conf, "conf");  // a reader opened conf before that rename
  EXPECT_EQ(*t.Path(conf), "conf");
  EXPECT_EQ(t.Find("conf"), moved);  // new lookups find the renamed file
  t.Alias(moved, "elsewhere");       // a number a path carries is no alias
  EXPECT_EQ(*t.Path(moved), "conf");
  t.Detach("conf");  // the key deleted: the old descriptor is stale again
  EXPECT_FALSE(t.Path(conf).has_value());

  const Ino b = t.Assign("d/b");
  t.Detach("d/b");
  t.Alias(b, "d/b");
  t.Rename("d/", "e/");  // its directory renamed away
  EXPECT_FALSE(t.Path(b).has_value());
}

TEST(InodeTable, ANumberTheKernelForgetsLeavesWithItsPath) {
  InodeTable t;
  const size_t empty = t.size();
  const Ino a = t.Assign("a");
  EXPECT_EQ(t.Ref(a, "a"), a);  // a lookup
  EXPECT_EQ(t.Ref(a, "a"), a);  // and another
  t.Forget(a, 1);
  EXPECT_EQ(t.Find("a"), a);  // the kernel still holds it once
  t.Forget(a, 1);
  EXPECT_EQ(t.Find("a"), 0u);
  EXPECT_FALSE(t.Path(a).has_value());
  EXPECT_EQ(t.size(), empty);
  EXPECT_GT(t.Assign("a"), a);  // numbers are never reused
  t.Forget(kRootIno, 100);      // the root is never forgotten
  EXPECT_EQ(t.Find(""), kRootIno);
}

TEST(InodeTable, AReferenceRacingAForgetTakesThePathsNumber) {
  InodeTable t;
  const Ino a = t.Assign("a");
  t.Ref(a, "a");
  t.Forget(a, 1);  // forgotten after a lookup resolved it, before its reply
  EXPECT_EQ(t.Ref(a, "a"), a);  // the path had no number since: it gets this one back
  EXPECT_EQ(t.Find("a"), a);
  EXPECT_EQ(t.lookups(a), 1u);

  const Ino b = t.Assign("b");
  t.Ref(b, "b");
  t.Forget(b, 1);
  const Ino b2 = t.Assign("b");  // another lookup numbered the path meanwhile
  EXPECT_EQ(t.Ref(b, "b"), b2);  // the reply carries the path's number now
  EXPECT_EQ(t.lookups(b2), 1u);
  EXPECT_FALSE(t.Path(b).has_value());
}

TEST(InodeTable, ADeletedFileTheKernelHoldsKeepsItsNumberUntilForgotten) {
  InodeTable t;
  const size_t empty = t.size();
  const Ino a = t.Assign("a");
  t.Ref(a, "a");
  t.Detach("a");
  EXPECT_FALSE(t.Path(a).has_value());  // ESTALE for the old descriptor
  EXPECT_EQ(t.size(), empty + 1);
  t.Forget(a, 1);
  EXPECT_EQ(t.size(), empty);

  const Ino held = t.Assign("g");
  EXPECT_EQ(t.Release("g"), held);  // a ghost keeps it apart
  EXPECT_EQ(t.Ref(held, "g", /*held_apart=*/true), held);
  t.Retire(held);  // the ghost gave it up: the kernel still holds it
  EXPECT_EQ(t.lookups(held), 1u);
  t.Forget(held, 1);
  EXPECT_EQ(t.size(), empty);
}

}  // namespace
}  // namespace etcfs::fs
