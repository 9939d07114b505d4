#include "base/duration.h"

#include <gtest/gtest.h>

namespace etcfs {
namespace {

using std::chrono::milliseconds;

TEST(Duration, ParsesGosGrammar) {
  EXPECT_EQ(*ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(*ParseDuration("5s"), milliseconds(5000));
  EXPECT_EQ(*ParseDuration("1.5s"), milliseconds(1500));
  EXPECT_EQ(*ParseDuration("2m"), milliseconds(120000));
  EXPECT_EQ(*ParseDuration("1h30m"), milliseconds(5400000));
  EXPECT_EQ(*ParseDuration("1h0m10s"), milliseconds(3610000));
  EXPECT_EQ(*ParseDuration("1500us"), milliseconds(2));  // rounded up
  EXPECT_EQ(*ParseDuration("0s"), milliseconds(0));
}

TEST(Duration, RefusesWhatIsNotADurationWithTheGrammar) {
  for (const char* bad : {"", "5", "s", "5x", "-5s", "1h-3m", "5 s", "ms5", "1..5s"}) {
    auto d = ParseDuration(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_NE(d.status().message().find("like 500ms, 5s or 1h30m"), std::string::npos) << d.status().message();
  }
}

}  // namespace
}  // namespace etcfs
