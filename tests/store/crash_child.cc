// The process the crash test kills: opens the store in argv[1], skips the
// workload's batches it already applied, then applies batches until killed,
// printing each batch's end index after its commit returns.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <spdlog/spdlog.h>

#include "base/executor.h"
#include "store/apply_batch.h"
#include "store/store.h"
#include "tests/store/crash_workload.h"

int main(int argc, char** argv) {
  using namespace etcfs;
  using namespace etcfs::store;
  if (argc != 4) {
    std::fprintf(stderr, "usage: store_crash_child DIR SEED MAX_INDEX\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  WorkerThread background("store-bg");
  StoreOptions options;
  options.dir = argv[1];
  options.background = &background;
  options.compaction_batch_limit = 4;  // small steps: more moments to die in
  auto store = Store::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    return 1;
  }
  const uint64_t applied = (*store)->AppliedIndex().value();
  const uint64_t max_index = std::strtoull(argv[3], nullptr, 10);
  CrashWorkload workload(std::strtoull(argv[2], nullptr, 10));
  while (workload.index() < max_index) {
    workload.NextBatch([&](const std::vector<RandomOp>& ops, uint64_t end) {
      if (end <= applied) return;  // applied before the last crash
      auto batch = (*store)->BeginBatch();
      for (const auto& op : ops) ApplyToStore(*batch, op);
      batch->SetApplied(RaftIndex(end), RaftTerm(1));
      Status s = batch->Commit();
      if (!s.ok()) {
        std::fprintf(stderr, "commit: %s\n", s.ToString().c_str());
        std::exit(1);
      }
      std::printf("%llu\n", static_cast<unsigned long long>(end));
      std::fflush(stdout);
    });
  }
  return 0;
}
