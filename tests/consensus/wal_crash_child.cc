// The process the WAL crash test kills: appends batches of deterministic
// entries (entry i holds "entry-i") to the WAL in argv[1], each batch synced,
// and prints the last index after each Save returns.
#include <cstdio>
#include <random>
#include <string>

#include <spdlog/spdlog.h>

#include "consensus/wal.h"

int main(int argc, char** argv) {
  using namespace etcfs;
  using namespace etcfs::consensus;
  if (argc != 3) {
    std::fprintf(stderr, "usage: wal_crash_child DIR SEED\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  WalOptions o;
  o.dir = argv[1];
  o.segment_bytes = 64 << 10;  // many segment cuts to die in
  WalContents c;
  std::unique_ptr<Wal> wal;
  if (Wal::Exists(o)) {
    auto w = Wal::Open(o, Index(0), &c);
    if (!w.ok()) {
      std::fprintf(stderr, "open: %s\n", w.status().ToString().c_str());
      return 1;
    }
    wal = std::move(w).value();
  } else {
    auto w = Wal::Create(o, "crash-test");
    if (!w.ok()) return 1;
    wal = std::move(w).value();
  }
  uint64_t next = c.entries.empty() ? 1 : c.entries.back().index.value() + 1;
  std::mt19937_64 rng(std::strtoull(argv[2], nullptr, 10) + next);
  for (int batch = 0; batch < 100000; ++batch) {
    std::vector<Entry> ents;
    const int n = 1 + static_cast<int>(rng() % 20);
    for (int i = 0; i < n; ++i, ++next) {
      ents.push_back(Entry{Term(1), Index(next), EntryType::kNormal,
                           "entry-" + std::to_string(next) + std::string(rng() % 300, 'p')});
    }
    if (!wal->Save(HardState{Term(1), NodeId(1), Index(next - 1)}, ents, true).ok()) return 1;
    std::printf("%llu\n", static_cast<unsigned long long>(next - 1));
    std::fflush(stdout);
  }
  return 0;
}
