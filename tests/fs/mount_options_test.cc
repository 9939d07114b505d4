#include "fs/mount_options.h"

#include <gtest/gtest.h>

namespace etcfs::fs {
namespace {

TEST(MountOptions, ParsesEveryOption) {
  MountOptions o;
  ASSERT_TRUE(o.Parse("prefix=/app/,consistency=linearizable,uid=1000,gid=100,mode=0640,commit_timeout=1.5s,ro,allow_other,xattr=off").ok());
  EXPECT_EQ(o.prefix, "/app/");
  EXPECT_EQ(o.consistency, Consistency::kLinearizable);
  EXPECT_EQ(o.uid, 1000u);
  EXPECT_EQ(o.gid, 100u);
  EXPECT_EQ(o.mode, 0640u);
  EXPECT_EQ(o.DirMode(), 0750u);
  EXPECT_EQ(o.commit_timeout, std::chrono::milliseconds(1500));
  EXPECT_TRUE(o.read_only);
  EXPECT_TRUE(o.AllowOther(1000));
  EXPECT_FALSE(o.xattrs);
  ASSERT_TRUE(o.Parse("commit_timeout=250ms,rw").ok());
  EXPECT_EQ(o.commit_timeout, std::chrono::milliseconds(250));
  EXPECT_FALSE(o.read_only);
}

TEST(MountOptions, OtherUsersByDefaultOnlyOnRootsMounts) {
  MountOptions o;
  EXPECT_TRUE(o.AllowOther(0));
  EXPECT_FALSE(o.AllowOther(1000));
  ASSERT_TRUE(o.Parse("noallow_other").ok());
  EXPECT_FALSE(o.AllowOther(0));
  ASSERT_TRUE(o.Parse("allow_other").ok());
  EXPECT_TRUE(o.AllowOther(1000));
}

TEST(MountOptions, AnOrdinaryUsersMountShowsKeysAsItsOwnUnlessToldOtherwise) {
  MountOptions roots;
  roots.DefaultOwner(0, 0);
  EXPECT_EQ(roots.uid, 0u);
  MountOptions users;
  users.DefaultOwner(1000, 100);
  EXPECT_EQ(users.uid, 1000u);
  EXPECT_EQ(users.gid, 100u);
  MountOptions told;
  ASSERT_TRUE(told.Parse("uid=0").ok());
  told.DefaultOwner(1000, 100);
  EXPECT_EQ(told.uid, 0u);  // given explicitly, even as root's number
  EXPECT_EQ(told.gid, 100u);
}

TEST(MountOptions, RefusesWhatItDoesNotKnowWithAReason) {
  for (const char* bad : {"prefix=/app", "consistency=strong", "uid=me", "mode=999", "commit_timeout=soon",
                          "commit_timeout=0", "writeback", "ro=1", "xattr=maybe", "noallow_other=1"}) {
    MountOptions o;
    Status s = o.Parse(bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find("mount option"), std::string::npos) << s.message();
  }
}

}  // namespace
}  // namespace etcfs::fs
