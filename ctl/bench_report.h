// BenchReport: what etcfsctl bench measured, summarized as etcd's benchmark
// tool prints it (total time, slowest, fastest, average, stddev, requests/s,
// a response-time histogram and the latency distribution), or as JSON.
//
// Threads: one recorder per client thread; Merge them into one report.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace etcfs::ctl {

class BenchReport {
 public:
  // One request: how long it took, or how it failed.
  void Add(double seconds) { latencies_.push_back(seconds); }
  void AddError(const std::string& message) { ++errors_[message]; }
  void Merge(BenchReport&& other);

  struct Percentile {
    double percent;
    double seconds;
  };
  struct Bucket {
    double upper_seconds;  // the bucket holds latencies up to this
    uint64_t count;
  };
  struct Summary {
    double total_seconds = 0;
    uint64_t requests = 0;  // succeeded
    uint64_t errors = 0;
    double fastest = 0, slowest = 0, average = 0, stddev = 0;
    double requests_per_second = 0;
    std::vector<Percentile> percentiles;  // 10, 25, 50, 75, 90, 95, 99, 99.9
    // The latency distribution finely, for plotting its CDF: every whole
    // percent 1..99, then 99.5, 99.9, 99.95, 99.99 and 100 (the slowest).
    std::vector<Percentile> distribution;
    std::vector<Bucket> histogram;        // 10 equal-width buckets, fastest to slowest
    std::map<std::string, uint64_t> error_counts;
  };
  // `elapsed`: the wall-clock time of the whole run. Sorts the latencies.
  Summary Summarize(double elapsed);

  // etcd's benchmark report; `unit` names what was counted ("Requests").
  static std::string Text(const Summary& s, const std::string& unit = "Requests");
  static std::string Json(const Summary& s, const std::string& unit = "Requests");

 private:
  std::vector<double> latencies_;
  std::map<std::string, uint64_t> errors_;
};

}  // namespace etcfs::ctl
