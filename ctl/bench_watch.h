// etcfsctl bench watch: --watchers watchers spread over --streams watch
// streams (themselves spread over the connections), all on one key prefix;
// then --put-total puts under it from --clients clients. Each event's latency
// runs from its put's sending to its arrival at a watcher, so one put makes
// --watchers measurements; the events' rate is what the watch path delivers.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ctl/bench_keys.h"
#include "ctl/bench_report.h"
#include "ctl/bench_runner.h"

namespace etcfs::ctl {

struct WatchLoad {
  int watchers = 100;
  int streams = 10;
  uint64_t put_total = 1000;
};

struct WatchResult {
  BenchReport::Summary puts;
  BenchReport::Summary events;
};

// The prefix the watch bench puts under and watches.
inline constexpr char kWatchBenchPrefix[] = "etcfsctl-bench-watch/";

WatchResult RunWatchBench(const std::vector<std::unique_ptr<Connection>>& conns, const BenchLoad& load,
                          const BenchKeys& keys, const WatchLoad& watch);

}  // namespace etcfs::ctl
