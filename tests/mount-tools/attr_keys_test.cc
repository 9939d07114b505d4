#include "mount-tools/attr_keys.h"

#include <gtest/gtest.h>

namespace etcfs::mount_tools {
namespace {

TEST(AttrKeysTest, CompanionsSortInsideThePrefixAndMapBack) {
  AttrKeys keys("/app/");
  const std::string c = keys.AttrKeyOf("/app/conf/web.conf");
  EXPECT_EQ(c, std::string("/app/\0etcfs.attr/conf/web.conf", 30));
  EXPECT_TRUE(c.starts_with("/app/"));
  EXPECT_TRUE(keys.IsAttrKey(c));
  EXPECT_FALSE(keys.Covers(c));
  EXPECT_EQ(keys.KeyOf(c), "/app/conf/web.conf");
  EXPECT_TRUE(keys.Covers("/app/x"));
  EXPECT_FALSE(keys.Covers("/other/x"));
  EXPECT_FALSE(keys.IsAttrKey("/app/x"));
}

TEST(AttrKeysTest, EncodingRoundTripsEveryKind) {
  for (auto kind : {kv::FileKind::kFile, kv::FileKind::kDirectory, kv::FileKind::kSymlink, kv::FileKind::kFifo,
                    kv::FileKind::kSocket, kv::FileKind::kCharDevice, kv::FileKind::kBlockDevice}) {
    kv::FileAttr a;
    a.explicit_attrs = true;
    a.mode = 02751;
    a.uid = 4294967294u;
    a.gid = 1000;
    a.mtime_ns = 1700000000123456789;
    a.atime_ns = -5;
    a.rdev = 0x801;
    a.kind = kind;
    auto back = DecodeAttr(EncodeAttr(a));
    ASSERT_TRUE(back.has_value()) << EncodeAttr(a);
    EXPECT_EQ(*back, a);
  }
  kv::FileAttr a;
  a.mode = 0644;
  EXPECT_EQ(EncodeAttr(a), "etcfs.attr/v1 file 0644 0:0 0 0 0");
}

TEST(AttrKeysTest, AnythingElseIsRefused) {
  for (const char* bad : {"", "etcfs.attr/v2 file 0644 0:0 0", "etcfs.attr/v1 pipe 0644 0:0 0",
                          "etcfs.attr/v1 file 0999 0:0 0", "etcfs.attr/v1 file 0644 0 0",
                          "etcfs.attr/v1 file 0644 0:0", "etcfs.attr/v1 file 0644 0:0 x", "etcfs.attr/v1 file 0644 0:0 5 x",
                          "hello"}) {
    EXPECT_FALSE(DecodeAttr(bad).has_value()) << bad;
  }
  // What older mounts wrote (no atime, no rdev) is read; fields a later
  // version adds are skipped.
  EXPECT_TRUE(DecodeAttr("etcfs.attr/v1 file 0644 0:0 5").has_value());
  EXPECT_TRUE(DecodeAttr("etcfs.attr/v1 file 0644 0:0 5 6 7 more").has_value());
}

TEST(AttrKeysTest, ACompanionCountsOnlyFromItsKeysCreation) {
  kv::KeyValue kv;
  kv.key = "/app/f";
  kv.create_revision = 10;
  kv.mod_revision = 12;
  Companion c;
  c.attr.explicit_attrs = true;
  c.attr.mode = 0600;
  c.attr.mtime_ns = 111;
  c.mod_revision = 12;
  EXPECT_EQ(AttrFor(kv, &c, 999).mode, 0600u);
  EXPECT_EQ(AttrFor(kv, &c, 999).mtime_ns, 111);
  // The value changed later through the API: attributes kept, mtime is when seen.
  kv.mod_revision = 13;
  EXPECT_EQ(AttrFor(kv, &c, 999).mode, 0600u);
  EXPECT_EQ(AttrFor(kv, &c, 999).mtime_ns, 999);
  // Left behind by an earlier key of that name: defaults.
  c.mod_revision = 9;
  EXPECT_FALSE(AttrFor(kv, &c, 999).explicit_attrs);
  EXPECT_FALSE(AttrFor(kv, nullptr, 999).explicit_attrs);
  kv.key = "/app/d/";
  EXPECT_EQ(AttrFor(kv, nullptr, 999).kind, kv::FileKind::kDirectory);
}

}  // namespace
}  // namespace etcfs::mount_tools
