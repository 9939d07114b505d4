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

}  // namespace
}  // namespace etcfs::fs
