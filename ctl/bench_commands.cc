#include "ctl/bench_commands.h"

#include <cstdio>
#include <memory>

#include "ctl/bench_keys.h"
#include "ctl/bench_report.h"
#include "ctl/bench_runner.h"
#include "ctl/bench_watch.h"
#include "ctl/output.h"

namespace etcfs::ctl {
namespace {

struct BenchFlags {
  BenchLoad load;
  BenchKeys keys;
  // range
  std::string key, range_end, consistency = "l";
  // txn-put
  int txn_ops = 1;
  // watch
  WatchLoad watch;
};

void Print(const GlobalOptions& g, const BenchReport::Summary& s) {
  const Format format = ParseFormat(g.write_out);
  if (format == Format::kTable) NoTable("bench");
  std::fputs((format == Format::kJson ? BenchReport::Json(s) : BenchReport::Text(s)).c_str(), stdout);
}

void AddPut(CLI::App* bench, const GlobalOptions* g, std::shared_ptr<BenchFlags> f) {
  CLI::App* put = bench->add_subcommand("put", "Puts keys of --key-size and values of --val-size");
  put->callback([g, f] {
    f->keys.Check();
    auto conns = OpenBenchConnections(*g, f->load);
    const std::string value = f->keys.Value();
    Print(*g, RunRequests(conns, f->load, "puts", [&](Connection& c, grpc::ClientContext* ctx, uint64_t i) {
      etcdserverpb::PutRequest req;
      req.set_key(f->keys.KeyOf(i));
      req.set_value(value);
      etcdserverpb::PutResponse resp;
      return c.kv().Put(ctx, req, &resp);
    }));
  });
}

void AddRange(CLI::App* bench, const GlobalOptions* g, std::shared_ptr<BenchFlags> f) {
  CLI::App* range = bench->add_subcommand("range", "Reads KEY (or [KEY, END)) --total times");
  range->add_option("key", f->key, "The key read")->required();
  range->add_option("end", f->range_end, "The end of the range read (exclusive)");
  range->add_option("--consistency", f->consistency, "l (linearizable) or s (serializable)")
      ->check(CLI::IsMember({"l", "s"}))
      ->capture_default_str();
  range->callback([g, f] {
    auto conns = OpenBenchConnections(*g, f->load);
    Print(*g, RunRequests(conns, f->load, "ranges", [&](Connection& c, grpc::ClientContext* ctx, uint64_t) {
      etcdserverpb::RangeRequest req;
      req.set_key(f->key);
      req.set_range_end(f->range_end);
      req.set_serializable(f->consistency == "s");
      etcdserverpb::RangeResponse resp;
      return c.kv().Range(ctx, req, &resp);
    }));
  });
}

void AddTxnPut(CLI::App* bench, const GlobalOptions* g, std::shared_ptr<BenchFlags> f) {
  CLI::App* txn = bench->add_subcommand("txn-put", "Puts --txn-ops keys per transaction");
  txn->add_option("--txn-ops", f->txn_ops, "Puts in each transaction")->capture_default_str();
  txn->callback([g, f] {
    f->keys.Check();
    if (f->txn_ops < 1) Fail(kExitBadArgs, "--txn-ops must be at least 1");
    if (static_cast<uint64_t>(f->txn_ops) > f->keys.key_space_size) {
      Fail(kExitBadArgs, "--txn-ops " + std::to_string(f->txn_ops) + " needs as many distinct keys; raise --key-space-size");
    }
    auto conns = OpenBenchConnections(*g, f->load);
    const std::string value = f->keys.Value();
    Print(*g, RunRequests(conns, f->load, "txns", [&](Connection& c, grpc::ClientContext* ctx, uint64_t i) {
      etcdserverpb::TxnRequest req;
      for (int op = 0; op < f->txn_ops; ++op) {
        auto* put = req.add_success()->mutable_request_put();
        // Sequential: transaction i writes keys i*ops .. i*ops+ops-1, so a run
        // of total*ops keys loads that many distinct keys.
        const uint64_t ops = static_cast<uint64_t>(f->txn_ops);
        put->set_key(f->keys.sequential ? f->keys.KeyOf(i * ops + static_cast<uint64_t>(op))
                                        : f->keys.KeyOf(i, static_cast<uint64_t>(op)));
        put->set_value(value);
      }
      etcdserverpb::TxnResponse resp;
      return c.kv().Txn(ctx, req, &resp);
    }));
  });
}

void AddWatchBench(CLI::App* bench, const GlobalOptions* g, std::shared_ptr<BenchFlags> f) {
  CLI::App* watch = bench->add_subcommand(
      "watch", "Opens --watchers watchers on --streams streams, puts --put-total keys, times the events");
  watch->add_option("--watchers", f->watch.watchers, "Watchers, all on the bench's key prefix")->capture_default_str();
  watch->add_option("--streams", f->watch.streams, "Watch streams the watchers share")->capture_default_str();
  watch->add_option("--put-total", f->watch.put_total, "Keys put once the watchers are set")->capture_default_str();
  watch->callback([g, f] {
    f->keys.key_space_size = std::max<uint64_t>(f->watch.put_total, 1);
    f->keys.Check();
    auto conns = OpenBenchConnections(*g, f->load);
    const WatchResult r = RunWatchBench(conns, f->load, f->keys, f->watch);
    const Format format = ParseFormat(g->write_out);
    if (format == Format::kTable) NoTable("bench");
    if (format == Format::kJson) {
      std::string puts = BenchReport::Json(r.puts), events = BenchReport::Json(r.events, "Events");
      puts.pop_back();  // the newlines
      events.pop_back();
      std::printf("{\"puts\":%s,\"events\":%s}\n", puts.c_str(), events.c_str());
    } else {
      std::printf("Puts:%s\nWatch events (from each put's sending to its event at each watcher):%s",
                  BenchReport::Text(r.puts).c_str(), BenchReport::Text(r.events, "Events").c_str());
    }
  });
}

}  // namespace

void AddBenchCommands(CLI::App* app, const GlobalOptions* global) {
  auto f = std::make_shared<BenchFlags>();
  CLI::App* bench = app->add_subcommand("bench", "Load generator, like etcd's benchmark tool: put, range, txn-put, watch");
  bench->require_subcommand(1);
  bench->add_option("--conns", f->load.conns, "Connections (each to the next endpoint)")->capture_default_str();
  bench->add_option("--clients", f->load.clients, "Concurrent clients, one request in flight each")->capture_default_str();
  bench->add_option("--total", f->load.total, "Requests in all (watch: the puts' clients share --put-total)")
      ->capture_default_str();
  bench->add_option("--rate", f->load.rate, "Requests per second (0: as fast as they go)")->capture_default_str();
  bench->add_flag("--target-leader", f->load.target_leader, "All connections to the leader");
  bench->add_option("--key-size", f->keys.key_size, "Key size in bytes")->capture_default_str();
  bench->add_option("--val-size", f->keys.val_size, "Value size in bytes")->capture_default_str();
  bench->add_flag("--sequential-keys", f->keys.sequential, "Keys in turn instead of spread at random");
  bench->add_option("--key-space-size", f->keys.key_space_size, "Distinct keys written")->capture_default_str();
  AddPut(bench, global, f);
  AddRange(bench, global, f);
  AddTxnPut(bench, global, f);
  AddWatchBench(bench, global, f);
}

}  // namespace etcfs::ctl
