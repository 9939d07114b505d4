#include "ctl/bench_watch.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "ctl/progress_bar.h"

namespace etcfs::ctl {
namespace {

using Clock = std::chrono::steady_clock;

struct Stream {
  grpc::ClientContext ctx;
  std::unique_ptr<grpc::ClientReaderWriter<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>> rw;
  uint64_t watchers = 0;
  std::atomic<uint64_t> got{0};  // events so far
  BenchReport report;            // the reader's own until it is joined
  int64_t last_event_ns = 0;     // likewise
  std::thread reader;
};

// Opens the stream's watchers and waits until each is created.
void OpenWatchers(Stream& s, Connection& conn, int watchers, const std::string& endpoints) {
  s.rw = conn.watch().Watch(&s.ctx);
  const std::string prefix = kWatchBenchPrefix;
  std::string end = prefix;
  end.back() = static_cast<char>(end.back() + 1);
  for (int w = 0; w < watchers; ++w) {
    etcdserverpb::WatchRequest req;
    req.mutable_create_request()->set_key(prefix);
    req.mutable_create_request()->set_range_end(end);
    if (!s.rw->Write(req)) FailCall(s.rw->Finish(), endpoints);
  }
  etcdserverpb::WatchResponse resp;
  for (int created = 0; created < watchers;) {
    if (!s.rw->Read(&resp)) FailCall(s.rw->Finish(), endpoints);
    if (resp.created()) ++created;
  }
}

}  // namespace

WatchResult RunWatchBench(const std::vector<std::unique_ptr<Connection>>& conns, const BenchLoad& load,
                          const BenchKeys& keys, const WatchLoad& watch) {
  if (watch.streams < 1 || watch.watchers < watch.streams) {
    Fail(kExitBadArgs, "--watchers (" + std::to_string(watch.watchers) + ") must be at least --streams (" +
                           std::to_string(watch.streams) + "), which must be at least 1");
  }
  const std::string prefix = kWatchBenchPrefix;
  const uint64_t puts = watch.put_total;
  const auto sent = std::make_unique<std::atomic<int64_t>[]>(puts);
  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < watch.streams; ++i) {
    auto s = std::make_unique<Stream>();
    const int watchers = watch.watchers / watch.streams + (i < watch.watchers % watch.streams ? 1 : 0);
    Connection& conn = *conns[static_cast<size_t>(i) % conns.size()];
    OpenWatchers(*s, conn, watchers, conn.endpoint_list());
    s->watchers = static_cast<uint64_t>(watchers);
    streams.push_back(std::move(s));
  }

  std::atomic<uint64_t> received{0};
  const auto start = Clock::now();
  auto since_start = [start] { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count(); };
  for (auto& sp : streams) {
    Stream* s = sp.get();
    s->reader = std::thread([&, s] {
      etcdserverpb::WatchResponse resp;
      while (s->rw->Read(&resp)) {  // until canceled
        const int64_t now = since_start();
        for (const auto& ev : resp.events()) {
          const std::string& key = ev.kv().key();
          if (key.size() <= prefix.size()) continue;
          const uint64_t i = std::stoull(key.substr(prefix.size()));
          if (i >= puts) continue;
          s->report.Add(static_cast<double>(now - sent[i].load()) / 1e9);
          ++s->got;
          ++received;
        }
        if (resp.events_size() > 0) s->last_event_ns = now;
      }
    });
  }

  WatchResult result;
  {
    ProgressBar bar("events", static_cast<uint64_t>(watch.watchers) * puts, received);
    BenchLoad put_load = load;
    put_load.total = puts;
    result.puts = RunRequests(conns, put_load, "", [&](Connection& c, grpc::ClientContext* ctx, uint64_t i) {
      etcdserverpb::PutRequest req;
      req.set_key(prefix + keys.Number(i));
      req.set_value(keys.Value());
      sent[i] = since_start();
      etcdserverpb::PutResponse resp;
      return c.kv().Put(ctx, req, &resp);
    });
    // Every watcher sees every put that succeeded; the events still on
    // their way get --command-timeout to arrive.
    const auto deadline = Clock::now() + conns.front()->options().command_timeout;
    for (const auto& s : streams) {
      while (s->got < s->watchers * result.puts.requests && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }
  BenchReport events;
  int64_t last_event_ns = 0;
  for (auto& s : streams) {
    s->ctx.TryCancel();
    s->reader.join();
    last_event_ns = std::max(last_event_ns, s->last_event_ns);
    for (uint64_t i = s->got; i < s->watchers * result.puts.requests; ++i) {
      s->report.AddError("no event within --command-timeout");
    }
    events.Merge(std::move(s->report));
  }
  result.events = events.Summarize(static_cast<double>(last_event_ns) / 1e9);
  return result;
}

}  // namespace etcfs::ctl
