#include "client/endpoints.h"

#include <gtest/gtest.h>

namespace etcfs::client {
namespace {

TEST(DialEndpoints, ResolvesEveryEndpointOrSaysWhichCannotBe) {
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
}  // namespace etcfs::client
