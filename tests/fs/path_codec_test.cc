// Names: every key component round-trips through its file name, and only the
// spellings the encoder produces are accepted back.
#include <gtest/gtest.h>

#include <vector>

#include "fs/path_codec.h"

namespace etcfs::fs {
namespace {

TEST(PathCodec, PlainNamesAreThemselves) {
  EXPECT_EQ("nginx.conf", EncodeName("nginx.conf"));
  EXPECT_EQ("with space", EncodeName("with space"));
  EXPECT_EQ(".hidden", EncodeName(".hidden"));
  EXPECT_EQ("...", EncodeName("..."));
}

TEST(PathCodec, NamesThatCannotBeFileNamesArePercentEncoded) {
  EXPECT_EQ("50%25", EncodeName("50%"));
  EXPECT_EQ("a%00b", EncodeName(std::string_view("a\0b", 3)));
  EXPECT_EQ("%", EncodeName(""));
  EXPECT_EQ("%2E", EncodeName("."));
  EXPECT_EQ("%2E%2E", EncodeName(".."));
}

TEST(PathCodec, EveryComponentRoundTrips) {
  for (std::string c : std::vector<std::string>{"a", "", ".", "..", "%", "%%", "%25", "%2E", "a%b", "x%", "...", "a b",
                        std::string("\0", 1), std::string("%\0%", 3)}) {
    auto name = EncodeName(c);
    ASSERT_TRUE(name.has_value()) << c;
    auto back = DecodeName(*name);
    ASSERT_TRUE(back.has_value()) << *name;
    EXPECT_EQ(c, back->component) << *name;
    EXPECT_FALSE(back->self_value) << *name;
  }
}

TEST(PathCodec, AKeyThatIsAlsoADirectoryHasItsValueBesideIt) {
  EXPECT_EQ("app%", SelfValueName("app"));
  EXPECT_EQ("50%25%", SelfValueName("50%"));
  EXPECT_EQ("%2E%", SelfValueName("."));
  auto d = DecodeName("app%");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ("app", d->component);
  EXPECT_TRUE(d->self_value);
  auto pct = DecodeName("50%25%");
  ASSERT_TRUE(pct.has_value());
  EXPECT_EQ("50%", pct->component);
  EXPECT_TRUE(pct->self_value);
  // An empty component is always a directory (its key is a marker).
  EXPECT_FALSE(SelfValueName("").has_value());
  EXPECT_FALSE(DecodeName("%%").has_value());
}

TEST(PathCodec, OtherUsesOfPercentAreRefused) {
  for (std::string_view bad : {"50%off", "%41", "a%2Eb", "%2", "%2F", "%%%", ".", "..", ""}) {
    EXPECT_FALSE(DecodeName(bad).has_value()) << bad;
  }
}

TEST(PathCodec, NamesLongerThanNameMaxAreNotShown) {
  EXPECT_TRUE(EncodeName(std::string(255, 'a')).has_value());
  EXPECT_FALSE(EncodeName(std::string(256, 'a')).has_value());
  // Encoding can push a component over the limit.
  EXPECT_FALSE(EncodeName(std::string(100, '%')).has_value());
  EXPECT_FALSE(SelfValueName(std::string(255, 'a')).has_value());
  EXPECT_FALSE(DecodeName(std::string(256, 'a')).has_value());
}

}  // namespace
}  // namespace etcfs::fs
