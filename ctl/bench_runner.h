// The load loop of etcfsctl bench: --clients threads, each issuing one
// request at a time over one of --conns connections, until --total requests
// were sent, paced at --rate requests per second when given. Each request's
// latency (or its failure) goes to the report; a progress bar shows how far.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "ctl/bench_report.h"
#include "ctl/connection.h"

namespace etcfs::ctl {

struct BenchLoad {
  int conns = 1;
  int clients = 1;
  uint64_t total = 10000;
  double rate = 0;  // requests per second; 0 is as fast as they go
  bool target_leader = false;
};

// --conns connections, each its own TCP connection: the i-th to endpoint
// i % (endpoints), or all to the leader with target_leader (as etcd's
// benchmark). Fails the command when an endpoint does not answer.
std::vector<std::unique_ptr<Connection>> OpenBenchConnections(const GlobalOptions& g, const BenchLoad& load);

// Request `index` (0 .. total-1) on `conn`, with `ctx` carrying the deadline.
using BenchRequest = std::function<grpc::Status(Connection& conn, grpc::ClientContext* ctx, uint64_t index)>;

// Runs the load and summarizes it; `what` labels the progress bar (none when empty).
BenchReport::Summary RunRequests(const std::vector<std::unique_ptr<Connection>>& conns, const BenchLoad& load,
                                 const std::string& what, const BenchRequest& request);

}  // namespace etcfs::ctl
