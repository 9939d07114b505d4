#include "ctl/bench_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace etcfs::ctl {

void BenchReport::Merge(BenchReport&& other) {
  latencies_.insert(latencies_.end(), other.latencies_.begin(), other.latencies_.end());
  for (const auto& [message, n] : other.errors_) errors_[message] += n;
  other.latencies_.clear();
  other.errors_.clear();
}

BenchReport::Summary BenchReport::Summarize(double elapsed) {
  Summary s;
  s.total_seconds = elapsed;
  s.requests = latencies_.size();
  s.error_counts = errors_;
  for (const auto& [message, n] : errors_) s.errors += n;
  if (elapsed > 0) s.requests_per_second = static_cast<double>(s.requests) / elapsed;
  if (latencies_.empty()) return s;
  std::sort(latencies_.begin(), latencies_.end());
  const double n = static_cast<double>(latencies_.size());
  s.fastest = latencies_.front();
  s.slowest = latencies_.back();
  s.average = std::accumulate(latencies_.begin(), latencies_.end(), 0.0) / n;
  double squares = 0;
  for (double l : latencies_) squares += (l - s.average) * (l - s.average);
  s.stddev = std::sqrt(squares / n);
  // Nearest rank: the smallest latency with at least p% of requests at or below it.
  auto percentile = [&](double p) -> Percentile {
    const size_t rank = static_cast<size_t>(std::ceil(p * n / 100.0 - 1e-9));  // 99.9% of 1000 is 999
    return {p, latencies_[std::max<size_t>(rank, 1) - 1]};
  };
  for (double p : {10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9}) s.percentiles.push_back(percentile(p));
  for (int p = 1; p <= 99; ++p) s.distribution.push_back(percentile(p));
  for (double p : {99.5, 99.9, 99.95, 99.99, 100.0}) s.distribution.push_back(percentile(p));
  constexpr int kBuckets = 10;
  const double width = (s.slowest - s.fastest) / kBuckets;
  size_t at = 0;
  for (int b = 0; b < kBuckets; ++b) {
    const double upper = b == kBuckets - 1 ? s.slowest : s.fastest + width * (b + 1);
    uint64_t count = 0;
    while (at < latencies_.size() && latencies_[at] <= upper) ++at, ++count;
    s.histogram.push_back({upper, count});
  }
  return s;
}

namespace {

std::string Format(const char* fmt, double a, double b = 0) {
  char buf[128];
  std::snprintf(buf, sizeof buf, fmt, a, b);
  return buf;
}

}  // namespace

std::string BenchReport::Text(const Summary& s, const std::string& unit) {
  std::string out = "\nSummary:\n";
  out += Format("  Total:\t%.4f secs.\n", s.total_seconds);
  if (s.requests > 0) {
    out += Format("  Slowest:\t%.4f secs.\n", s.slowest);
    out += Format("  Fastest:\t%.4f secs.\n", s.fastest);
    out += Format("  Average:\t%.4f secs.\n", s.average);
    out += Format("  Stddev:\t%.4f secs.\n", s.stddev);
  }
  out += "  " + unit + "/sec:\t" + Format("%.4f\n", s.requests_per_second);
  if (s.requests > 0) {
    out += "\nResponse time histogram:\n";
    uint64_t most = 0;
    for (const auto& b : s.histogram) most = std::max(most, b.count);
    for (const auto& b : s.histogram) {
      const size_t bar = most == 0 ? 0 : static_cast<size_t>(b.count * 40 / most);
      std::string marks;
      for (size_t i = 0; i < bar; ++i) marks += "∎";
      out += Format("  %.4f [", b.upper_seconds) + std::to_string(b.count) + "]\t|" + marks + "\n";
    }
    out += "\nLatency distribution:\n";
    for (const auto& p : s.percentiles) {
      out += Format(p.percent == 99.9 ? "  %.1f%% in %.4f secs.\n" : "  %.0f%% in %.4f secs.\n", p.percent, p.seconds);
    }
  }
  if (!s.error_counts.empty()) {
    out += "\nError distribution:\n";
    for (const auto& [message, n] : s.error_counts) out += "  [" + std::to_string(n) + "]\t" + message + "\n";
  }
  return out;
}

std::string BenchReport::Json(const Summary& s, const std::string& unit) {
  auto ms = [](double seconds) { return Format("%.6f", seconds * 1000); };
  std::string lower = unit;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string out = "{\"total_seconds\":" + Format("%.6f", s.total_seconds) + ",\"" + lower + "\":" +
                    std::to_string(s.requests) + ",\"errors\":" + std::to_string(s.errors) + ",\"" + lower +
                    "_per_second\":" + Format("%.3f", s.requests_per_second);
  out += ",\"latency_ms\":{\"fastest\":" + ms(s.fastest) + ",\"slowest\":" + ms(s.slowest) +
         ",\"average\":" + ms(s.average) + ",\"stddev\":" + ms(s.stddev);
  for (const auto& p : s.percentiles) {
    out += ",\"p" + (p.percent == 99.9 ? std::string("99.9") : std::to_string(static_cast<int>(p.percent))) +
           "\":" + ms(p.seconds);
  }
  out += "},\"histogram\":[";
  for (size_t i = 0; i < s.histogram.size(); ++i) {
    out += std::string(i ? "," : "") + "{\"le_ms\":" + ms(s.histogram[i].upper_seconds) +
           ",\"count\":" + std::to_string(s.histogram[i].count) + "}";
  }
  out += "],\"distribution_ms\":[";
  for (size_t i = 0; i < s.distribution.size(); ++i) {
    out += std::string(i ? "," : "") + "[" + Format("%g", s.distribution[i].percent) + "," +
           ms(s.distribution[i].seconds) + "]";
  }
  out += "],\"error_counts\":{";
  bool first = true;
  for (const auto& [message, n] : s.error_counts) {
    std::string escaped;
    for (char c : message) {
      if (c == '"' || c == '\\') escaped += '\\';
      if (static_cast<unsigned char>(c) >= 0x20) escaped += c;
    }
    out += std::string(first ? "" : ",") + "\"" + escaped + "\":" + std::to_string(n);
    first = false;
  }
  return out + "}}\n";
}

}  // namespace etcfs::ctl
