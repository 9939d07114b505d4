// The arithmetic of etcfsctl bench's report and keys, on known inputs.
#include "ctl/bench_report.h"

#include <set>

#include <gtest/gtest.h>

#include "ctl/bench_keys.h"

namespace etcfs::ctl {
namespace {

TEST(BenchReport, PercentilesAreNearestRanks) {
  BenchReport r;
  for (int i = 1000; i >= 1; --i) r.Add(i / 1000.0);  // 1 ms .. 1 s, unsorted
  const auto s = r.Summarize(2.0);
  EXPECT_EQ(s.requests, 1000u);
  EXPECT_DOUBLE_EQ(s.requests_per_second, 500.0);
  EXPECT_DOUBLE_EQ(s.fastest, 0.001);
  EXPECT_DOUBLE_EQ(s.slowest, 1.0);
  EXPECT_NEAR(s.average, 0.5005, 1e-12);
  ASSERT_EQ(s.percentiles.size(), 8u);
  EXPECT_DOUBLE_EQ(s.percentiles[2].percent, 50);
  EXPECT_DOUBLE_EQ(s.percentiles[2].seconds, 0.5);
  EXPECT_DOUBLE_EQ(s.percentiles[4].seconds, 0.9);    // p90
  EXPECT_DOUBLE_EQ(s.percentiles[6].seconds, 0.99);   // p99
  EXPECT_DOUBLE_EQ(s.percentiles[7].seconds, 0.999);  // p99.9
  ASSERT_EQ(s.distribution.size(), 104u);
  EXPECT_DOUBLE_EQ(s.distribution[0].seconds, 0.010);     // p1
  EXPECT_DOUBLE_EQ(s.distribution[98].seconds, 0.990);    // p99
  EXPECT_DOUBLE_EQ(s.distribution[101].percent, 99.95);
  EXPECT_DOUBLE_EQ(s.distribution[101].seconds, 1.0);     // 999.5 rounds up to rank 1000
  EXPECT_DOUBLE_EQ(s.distribution[103].seconds, 1.0);     // p100: the slowest
  const std::string json = BenchReport::Json(s);
  EXPECT_NE(json.find("\"distribution_ms\":[[1,10.000000],[2,20.000000],"), std::string::npos) << json;
  EXPECT_NE(json.find(",[99.9,999.000000],[99.95,1000.000000],"), std::string::npos) << json;
}

TEST(BenchReport, HistogramCountsEveryRequestOnce) {
  BenchReport r;
  for (double l : {0.0, 0.0, 0.05, 0.1, 1.0}) r.Add(l);
  const auto s = r.Summarize(1.0);
  ASSERT_EQ(s.histogram.size(), 10u);
  uint64_t total = 0;
  for (const auto& b : s.histogram) total += b.count;
  EXPECT_EQ(total, 5u);
  EXPECT_EQ(s.histogram[0].count, 4u);  // up to 0.1 s
  EXPECT_EQ(s.histogram[9].count, 1u);
  EXPECT_DOUBLE_EQ(s.histogram[9].upper_seconds, 1.0);
}

TEST(BenchReport, ErrorsAreCountedByMessageAndMerged) {
  BenchReport a, b;
  a.Add(0.001);
  a.AddError("etcdserver: request timed out");
  b.AddError("etcdserver: request timed out");
  b.AddError("etcdserver: too many requests");
  a.Merge(std::move(b));
  const auto s = a.Summarize(1.0);
  EXPECT_EQ(s.requests, 1u);
  EXPECT_EQ(s.errors, 3u);
  EXPECT_EQ(s.error_counts.at("etcdserver: request timed out"), 2u);
  const std::string text = BenchReport::Text(s);
  EXPECT_NE(text.find("  [2]\tetcdserver: request timed out\n"), std::string::npos) << text;
  const std::string json = BenchReport::Json(s);
  EXPECT_NE(json.find("\"requests\":1,\"errors\":3,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"error_counts\":{\"etcdserver: request timed out\":2,"), std::string::npos) << json;
}

TEST(BenchReport, NoRequestsMakeAReportWithoutLatencies) {
  BenchReport r;
  const auto s = r.Summarize(0.5);
  EXPECT_EQ(s.requests, 0u);
  EXPECT_TRUE(s.histogram.empty());
  EXPECT_EQ(BenchReport::Text(s).find("Latency distribution"), std::string::npos);
}

TEST(BenchKeys, KeysArePaddedAndStayInTheKeySpace) {
  BenchKeys k;
  k.key_size = 6;
  k.key_space_size = 100;
  k.sequential = true;
  EXPECT_EQ(k.KeyOf(0), "000000");
  EXPECT_EQ(k.KeyOf(142), "000042");
  EXPECT_EQ(k.KeyOf(99, 1), "000000");  // a transaction's next key wraps around
  k.sequential = false;
  std::set<std::string> seen;
  for (uint64_t i = 0; i < 10000; ++i) {
    const std::string key = k.KeyOf(i);
    ASSERT_EQ(key.size(), 6u);
    ASSERT_LT(std::stoull(key), 100u);
    seen.insert(key);
  }
  EXPECT_EQ(seen.size(), 100u);  // spread over the whole key space
  EXPECT_EQ(k.KeyOf(7), k.KeyOf(7));
}

}  // namespace
}  // namespace etcfs::ctl
