#include "ctl/bench_runner.h"

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "ctl/progress_bar.h"

namespace etcfs::ctl {
namespace {

// The endpoint whose member leads, asking each in turn.
std::string LeaderEndpoint(const GlobalOptions& g) {
  for (const auto& ep : g.endpoints) {
    Connection c(g.Only(ep));
    etcdserverpb::StatusResponse status;
    auto ctx = c.Context();
    if (c.maintenance().Status(ctx.get(), {}, &status).ok() && status.leader() == status.header().member_id()) {
      return ep;
    }
  }
  Fail(kExitError, "no endpoint of " + Connection(g).endpoint_list() +
                       " is the leader; give the leader's client URL in --endpoints (endpoint status shows it)");
}

}  // namespace

std::vector<std::unique_ptr<Connection>> OpenBenchConnections(const GlobalOptions& g, const BenchLoad& load) {
  if (load.conns < 1) Fail(kExitBadArgs, "--conns must be at least 1");
  if (load.clients < 1) Fail(kExitBadArgs, "--clients must be at least 1");
  const std::string leader = load.target_leader ? LeaderEndpoint(g) : "";
  std::vector<std::unique_ptr<Connection>> conns;
  for (int i = 0; i < load.conns; ++i) {
    const std::string& ep = load.target_leader ? leader : g.endpoints[static_cast<size_t>(i) % g.endpoints.size()];
    conns.push_back(std::make_unique<Connection>(g.Only(ep)));
  }
  return conns;
}

BenchReport::Summary RunRequests(const std::vector<std::unique_ptr<Connection>>& conns, const BenchLoad& load,
                                 const std::string& what, const BenchRequest& request) {
  using Clock = std::chrono::steady_clock;
  std::atomic<uint64_t> next{0}, done{0};
  std::vector<BenchReport> reports(static_cast<size_t>(load.clients));
  const auto start = Clock::now();
  {
    std::optional<ProgressBar> bar;
    if (!what.empty()) bar.emplace(what, load.total, done);
    std::vector<std::thread> clients;
    for (int c = 0; c < load.clients; ++c) {
      clients.emplace_back([&, c] {
        Connection& conn = *conns[static_cast<size_t>(c) % conns.size()];
        BenchReport& report = reports[static_cast<size_t>(c)];
        for (uint64_t i = next++; i < load.total; i = next++) {
          // Request i is due i/rate seconds after the start: a steady rate,
          // however the requests are spread over clients.
          if (load.rate > 0) {
            std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                      std::chrono::duration<double>(i / load.rate)));
          }
          auto ctx = conn.Context();
          const auto sent = Clock::now();
          const grpc::Status st = request(conn, ctx.get(), i);
          if (st.ok()) {
            report.Add(std::chrono::duration<double>(Clock::now() - sent).count());
          } else {
            report.AddError(st.error_message());
          }
          ++done;
        }
      });
    }
    for (auto& t : clients) t.join();
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  BenchReport all;
  for (auto& r : reports) all.Merge(std::move(r));
  return all.Summarize(elapsed);
}

}  // namespace etcfs::ctl
