// Metrics in Prometheus' text format, under etcd's names, so that etcd's
// dashboards and alerts work unchanged. Counters and histograms are updated
// where things happen; gauges are read from the node when scraped.
//
// Threads: everything here is thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace etcfs::server {

class Node;

// A Prometheus histogram with fixed upper bounds.
class Histogram {
 public:
  // Bounds start, start*factor, ... (count of them), as Prometheus'
  // ExponentialBuckets.
  Histogram(double start, double factor, int count);
  void Observe(double value);
  // Appends the _bucket, _sum and _count lines; `labels` like `To="a1"` or "".
  void Render(std::string* out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<uint64_t> counts_;  // per bound, not cumulative; guarded by mu_
  uint64_t count_ = 0;            // guarded by mu_
  double sum_ = 0;                // guarded by mu_
};

struct NodeMetrics {
  std::atomic<uint64_t> leader_changes{0};
  std::atomic<uint64_t> proposals_failed{0};
  std::atomic<int64_t> proposals_pending{0};
  // Requests proposed again (no answer within an election timeout), and
  // copies of a request found applied already.
  std::atomic<uint64_t> proposals_retried{0};
  std::atomic<uint64_t> duplicates_skipped{0};
  // etcd's buckets: 1 ms doubling to 8 s.
  Histogram wal_fsync{0.001, 2, 14};
  Histogram backend_commit{0.001, 2, 14};
  Histogram apply{0.0001, 2, 20};

  void ObservePeerRtt(uint64_t peer, double seconds);
  void RenderPeerRtt(std::string* out) const;

 private:
  mutable std::mutex peers_mu_;
  std::map<uint64_t, Histogram> peer_rtt_;  // guarded by peers_mu_; 100 µs doubling, as etcd
};

// The whole /metrics page for `node`.
std::string RenderMetrics(Node& node);

}  // namespace etcfs::server
