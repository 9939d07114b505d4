#include <gtest/gtest.h>

#include "base/coding.h"

namespace etcfs {
namespace {

TEST(FixedCoding, BigEndian32RoundTripsAndSortsLikeTheNumbers) {
  std::string a, b;
  PutFixed32BE(&a, 0x01020304);
  EXPECT_EQ(a, std::string("\x01\x02\x03\x04", 4));
  EXPECT_EQ(DecodeFixed32BE(a.data()), 0x01020304u);
  PutFixed32BE(&b, 0xfffffffe);
  EXPECT_LT(a, b);
  EXPECT_EQ(DecodeFixed32BE(b.data()), 0xfffffffeu);
}

}  // namespace
}  // namespace etcfs
