#include "mount-tools/mount_source.h"

#include <gtest/gtest.h>

namespace etcfs::mount_tools {
namespace {

TEST(MountSourceTest, EndpointsAndPrefix) {
  auto s = ParseMountSource("10.0.0.1:2379,10.0.0.2:2379:/app/");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->endpoints, (std::vector<std::string>{"10.0.0.1:2379", "10.0.0.2:2379"}));
  EXPECT_EQ(s->prefix, "/app/");
}

TEST(MountSourceTest, SchemesAndDefaults) {
  auto s = ParseMountSource("http://etcd-a:2379,http://etcd-b:2379");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->endpoints, (std::vector<std::string>{"etcd-a:2379", "etcd-b:2379"}));
  EXPECT_EQ(s->prefix, "/");
  s = ParseMountSource("http://etcd:2379:/conf");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->endpoints, std::vector<std::string>{"etcd:2379"});
  EXPECT_EQ(s->prefix, "/conf/");  // a prefix always names a directory
  s = ParseMountSource("127.0.0.1:2379:/");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->prefix, "/");
}

TEST(MountSourceTest, BadSourcesSayWhatIsExpected) {
  auto s = ParseMountSource(":/app/");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("ENDPOINT"), std::string::npos);
  s = ParseMountSource("https://etcd:2379");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("TLS"), std::string::npos);
}

}  // namespace
}  // namespace etcfs::mount_tools
