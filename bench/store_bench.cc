// Micro-benchmarks of the MVCC store (make bench). Each works on a real
// RocksDB directory under $TMPDIR. Targets on a 2-core machine (issue #2):
// >= 150,000 puts/s in batches of 1024; >= 300,000 point gets/s; reopen of
// 1M keys under 1 s.
#include <benchmark/benchmark.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "base/executor.h"
#include "store/apply_batch.h"
#include "store/key_codec.h"
#include "store/store.h"
#include "store/watch_hub.h"
#include "tests/support/temp_dir.h"

namespace etcfs::store {
namespace {

const std::string kValue(256, 'v');

std::string KeyOf(int64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "/bench/key%012lld", static_cast<long long>(i));
  return buf;
}

struct BenchStore {
  explicit BenchStore(const std::string& dir) {
    StoreOptions o;
    o.dir = dir;
    o.background = &background;
    o.quota_bytes = int64_t{64} << 30;
    auto s = Store::Open(o);
    if (!s.ok()) {
      std::fprintf(stderr, "open: %s\n", s.status().ToString().c_str());
      std::abort();
    }
    store = std::move(s).value();
    index = store->AppliedIndex().value();
  }
  // Puts keys [first, first+n) in batches of `batch`.
  void Fill(int64_t first, int64_t n, int batch) {
    for (int64_t i = first; i < first + n;) {
      auto b = store->BeginBatch();
      for (int j = 0; j < batch && i < first + n; ++j, ++i) {
        kv::PutRequest p;
        p.key = KeyOf(i);
        p.value = kValue;
        if (!b->Put(p, kv::ApplyContext{i}).ok()) std::abort();
      }
      b->SetApplied(RaftIndex(++index), RaftTerm(1));
      if (!b->Commit().ok()) std::abort();
    }
  }
  WorkerThread background{"bench-bg"};
  std::unique_ptr<Store> store;
  uint64_t index = 0;
};

// Batched puts of 256-byte values over a growing key space (new keys, as a
// loading cluster sees them, then overwrites).
void BM_PutBatched(benchmark::State& state) {
  testing::TempDir dir;
  BenchStore bs(dir.Sub("db"));
  const int batch = static_cast<int>(state.range(0));
  int64_t i = 0;
  for (auto _ : state) {
    auto b = bs.store->BeginBatch();
    for (int j = 0; j < batch; ++j, ++i) {
      kv::PutRequest p;
      p.key = KeyOf(i % 1'000'000);
      p.value = kValue;
      if (!b->Put(p, kv::ApplyContext{i}).ok()) std::abort();
    }
    b->SetApplied(RaftIndex(++bs.index), RaftTerm(1));
    if (!b->Commit().ok()) std::abort();
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.SetBytesProcessed(state.iterations() * batch * (kValue.size() + 24));
}
BENCHMARK(BM_PutBatched)->Arg(1)->Arg(64)->Arg(1024)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Point gets at the latest revision over 100,000 keys, from one thread.
void BM_PointGet(benchmark::State& state) {
  static testing::TempDir* dir = new testing::TempDir();
  static BenchStore* bs = [] {
    auto* b = new BenchStore(dir->Sub("db"));
    b->Fill(0, 100'000, 1024);
    return b;
  }();
  uint64_t x = 88172645463325252ULL;
  kv::RangeRequest req;
  for (auto _ : state) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    req.key = KeyOf(static_cast<int64_t>(x % 100'000));
    auto r = bs->store->Range(req);
    if (!r.ok() || r->kvs.size() != 1) std::abort();
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PointGet)->Threads(1)->Threads(2)->UseRealTime();

// A range of 1,000 consecutive keys at the latest revision.
void BM_Range1000(benchmark::State& state) {
  testing::TempDir dir;
  BenchStore bs(dir.Sub("db"));
  bs.Fill(0, 100'000, 1024);
  int64_t start = 0;
  for (auto _ : state) {
    kv::RangeRequest req;
    req.key = KeyOf(start);
    req.range_end = KeyOf(start + 1000);
    auto r = bs.store->Range(req);
    if (!r.ok() || r->kvs.size() != 1000) std::abort();
    start = (start + 7919) % 99'000;
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_Range1000)->Unit(benchmark::kMicrosecond)->UseRealTime();

// One delete of a 60,000-key prefix (as `etcdctl check perf --load=m`
// cleans up): it is one Raft entry, applied in one batch.
void BM_DeletePrefix60k(benchmark::State& state) {
  testing::TempDir dir;
  BenchStore bs(dir.Sub("db"));
  int64_t first = 0;
  for (auto _ : state) {
    state.PauseTiming();
    bs.Fill(first, 60'000, 1024);
    state.ResumeTiming();
    auto b = bs.store->BeginBatch();
    kv::DeleteRangeRequest req{"/bench/", "/bench0", false};
    auto r = b->DeleteRange(req, kv::ApplyContext{first});
    if (!r.ok() || r->deleted != 60'000) std::abort();
    b->SetApplied(RaftIndex(++bs.index), RaftTerm(1));
    if (!b->Commit().ok()) std::abort();
    first += 60'000;
  }
  state.SetItemsProcessed(state.iterations() * 60'000);
}
BENCHMARK(BM_DeletePrefix60k)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// A sink that counts what it is given, like a watch stream's queue would.
class CountingSink : public WatchSink {
 public:
  bool Deliver(WatchUpdate&& u) override {
    events.fetch_add(u.events.size(), std::memory_order_relaxed);
    return true;
  }
  std::atomic<int64_t> events{0};
};

// One put fanned out to 1,000 watchers of its key (batches of 16 puts).
void BM_WatchFanout1000(benchmark::State& state) {
  testing::TempDir dir;
  BenchStore bs(dir.Sub("db"));
  std::vector<std::unique_ptr<CountingSink>> sinks;
  for (int w = 0; w < 1000; ++w) {
    sinks.push_back(std::make_unique<CountingSink>());
    WatchRequest req;
    req.key = "/bench/watched";
    bs.store->watch_hub().Watch(req, sinks.back().get());
  }
  int64_t i = 0;
  for (auto _ : state) {
    auto b = bs.store->BeginBatch();
    for (int j = 0; j < 16; ++j) {
      kv::PutRequest p;
      p.key = "/bench/watched";
      p.value = kValue;
      if (!b->Put(p, kv::ApplyContext{++i}).ok()) std::abort();
    }
    b->SetApplied(RaftIndex(++bs.index), RaftTerm(1));
    if (!b->Commit().ok()) std::abort();
  }
  int64_t delivered = 0;
  for (auto& s : sinks) delivered += s->events.load();
  if (delivered != state.iterations() * 16 * 1000) std::abort();
  state.SetItemsProcessed(delivered);  // events delivered per second
  state.counters["puts/s"] = benchmark::Counter(static_cast<double>(state.iterations() * 16),
                                                benchmark::Counter::kIsRate);
}
BENCHMARK(BM_WatchFanout1000)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The directory of a store holding 1,000,000 keys of 256 bytes, made once.
const std::string& MillionKeys() {
  static testing::TempDir* dir = new testing::TempDir();
  static const std::string db = [] {
    BenchStore bs(dir->Sub("db"));
    bs.Fill(0, 1'000'000, 1024);
    return dir->Sub("db");
  }();
  return db;
}

// Open (and close) a store holding 1,000,000 keys of 256 bytes.
void BM_Reopen1M(benchmark::State& state) {
  const std::string& db = MillionKeys();
  for (auto _ : state) {
    BenchStore bs(db);
    if (bs.store->KeyCount() != 1'000'000) std::abort();
    state.PauseTiming();
    bs.store.reset();  // closing is not part of the start-up time
    state.ResumeTiming();
  }
}
BENCHMARK(BM_Reopen1M)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

// A keys-only range of all 1,000,000 keys, the first after opening (as
// `etcdctl get "" --from-key --keys-only` after a restart).
void BM_KeysOnlyRange1M(benchmark::State& state) {
  const std::string& db = MillionKeys();
  for (auto _ : state) {
    state.PauseTiming();
    BenchStore bs(db);
    state.ResumeTiming();
    kv::RangeRequest req;
    req.key = std::string(1, '\0');
    req.range_end = std::string(1, '\0');
    req.keys_only = true;
    auto r = bs.store->Range(req);
    if (!r.ok() || r->kvs.size() != 1'000'000) std::abort();
    state.PauseTiming();
    bs.store.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * 1'000'000);
}
BENCHMARK(BM_KeysOnlyRange1M)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace
}  // namespace etcfs::store

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
