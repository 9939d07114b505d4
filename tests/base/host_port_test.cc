#include "base/host_port.h"

#include <gtest/gtest.h>

namespace etcfs {
namespace {

TEST(HostPort, ParsesNamesV4AndBracketedV6) {
  EXPECT_EQ(*ParseHostPort("127.0.0.1:2379"), (HostPort{"127.0.0.1", 2379}));
  EXPECT_EQ(*ParseHostPort("localhost:2380"), (HostPort{"localhost", 2380}));
  EXPECT_EQ(*ParseHostPort("[::1]:2379"), (HostPort{"::1", 2379}));
  EXPECT_EQ(ParseHostPort("[::1]:2379")->ToString(), "[::1]:2379");
  EXPECT_EQ(ParseHostPort("etcd-0:0")->port, 0);
}

TEST(HostPort, RefusesWhatIsNotAnAddressAndSaysWhy) {
  EXPECT_NE(ParseHostPort("127.0.0.1").status().message().find("has no port"), std::string::npos);
  EXPECT_NE(ParseHostPort("127.0.0.1:").status().message().find("has no port"), std::string::npos);
  EXPECT_NE(ParseHostPort(":2379").status().message().find("has no host"), std::string::npos);
  EXPECT_NE(ParseHostPort("h:65536").status().message().find("bad port"), std::string::npos);
  EXPECT_NE(ParseHostPort("h:23x").status().message().find("bad port"), std::string::npos);
  EXPECT_NE(ParseHostPort("::1:2379").status().message().find("needs brackets"), std::string::npos);
}

TEST(HostPort, TakesTheAddressOutOfAUrl) {
  std::string scheme;
  EXPECT_EQ(*ParseUrlAddress("http://10.0.0.1:2379", &scheme), (HostPort{"10.0.0.1", 2379}));
  EXPECT_EQ(scheme, "http");
  EXPECT_EQ(*ParseUrlAddress("https://[::1]:2380/", &scheme), (HostPort{"::1", 2380}));
  EXPECT_EQ(scheme, "https");
  EXPECT_EQ(*ParseUrlAddress("10.0.0.1:2379", &scheme), (HostPort{"10.0.0.1", 2379}));
  EXPECT_EQ(scheme, "");
  auto bad = ParseUrlAddress("http://10.0.0.1");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("needs a host and a port"), std::string::npos);
}

}  // namespace
}  // namespace etcfs
