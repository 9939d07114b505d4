#include "mount-tools/endpoints.h"

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
  EXPECT_FALSE(DialEndpoints({"no-port"}).ok());
  EXPECT_FALSE(DialEndpoints({"host.invalid:2379"}).ok());
  EXPECT_TRUE(DialEndpoints({"127.0.0.1:2379", "localhost:2380"}).ok());
}

TEST(FromGrpcTest, EtcdErrorsBecomeTheirKinds) {
  using grpc::StatusCode;
  EXPECT_EQ(FromGrpc({StatusCode::RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded"}, "t").code(),
            etcfs::StatusCode::kNoSpace);
  EXPECT_EQ(FromGrpc({StatusCode::INVALID_ARGUMENT, "etcdserver: request is too large"}, "t").code(),
            etcfs::StatusCode::kResourceExhausted);
  EXPECT_EQ(FromGrpc({StatusCode::UNAVAILABLE, "etcdserver: no leader"}, "t").code(), etcfs::StatusCode::kUnavailable);
  EXPECT_EQ(FromGrpc({StatusCode::DEADLINE_EXCEEDED, "deadline"}, "t").code(), etcfs::StatusCode::kTimeout);
  EXPECT_EQ(FromGrpc({StatusCode::OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted"}, "t").code(),
            etcfs::StatusCode::kCompacted);
  EXPECT_EQ(FromGrpc({StatusCode::CANCELLED, "x"}, "t").code(), etcfs::StatusCode::kCancelled);
  EXPECT_TRUE(FromGrpc(grpc::Status::OK, "t").ok());
}

}  // namespace
}  // namespace etcfs::mount_tools
