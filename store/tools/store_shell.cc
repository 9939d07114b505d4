// etcfs-store: a line-oriented shell over one store directory, for trying the
// MVCC store by hand and inspecting a member's data offline. Each write is
// applied as its own batch, like a committed Raft entry.
#include <chrono>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "base/executor.h"
#include "store/apply_batch.h"
#include "store/key_codec.h"
#include "store/store.h"

namespace etcfs::store {
namespace {

constexpr const char* kHelp = R"(commands:
  put KEY VALUE           write a key
  get KEY [REV]           read a key, now or at revision REV
  range KEY [END|prefix]  list keys in [KEY, END), or every key under prefix KEY
  del KEY [END]           delete a key or [KEY, END)
  compact REV             drop history below REV
  hash                    hash of the key space (hash-kv)
  status                  revision, applied index, keys, backend size
  help, quit)";

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

void Print(const kv::KeyValue& kv) {
  std::cout << kv.key << " = " << kv.value << "  (create " << kv.create_revision << ", mod "
            << kv.mod_revision << ", version " << kv.version << ")\n";
}

int Main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: etcfs-store DATA_DIR\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  WorkerThread background("store-bg");
  StoreOptions options;
  options.dir = argv[1];
  options.background = &background;
  auto opened = Store::Open(options);
  if (!opened.ok()) {
    std::cerr << "etcfs-store: " << opened.status().message() << "\n";
    return 1;
  }
  Store& store = **opened;
  uint64_t index = store.AppliedIndex().value();
  auto apply = [&](auto&& fn) {
    auto batch = store.BeginBatch();
    auto result = fn(*batch);
    batch->SetApplied(RaftIndex(++index), store.AppliedTerm());
    Status s = batch->Commit();
    if (!s.ok()) std::cout << "error: " << s.message() << "\n";
    return result;
  };
  std::cout << "store at revision " << store.CurrentRevision() << "; " << kHelp << "\n";
  std::string line;
  while (std::cout << "> " << std::flush, std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd, a, b;
    in >> cmd >> a >> b;
    if (cmd.empty()) continue;
    if (cmd == "quit" || cmd == "exit") break;
    if (cmd == "put" && !a.empty()) {
      kv::PutRequest req;
      req.key = a;
      req.value = b;
      auto r = apply([&](ApplyBatch& batch) { return batch.Put(req, kv::ApplyContext{NowNs()}); });
      if (r.ok()) std::cout << "OK, revision " << r->revision << "\n";
      else std::cout << "error: " << r.status().message() << "\n";
    } else if ((cmd == "get" || cmd == "range") && !a.empty()) {
      kv::RangeRequest req;
      req.key = a;
      if (cmd == "get" && !b.empty()) req.revision = std::stoll(b);
      if (cmd == "range") req.range_end = (b.empty() || b == "prefix") ? PrefixEnd(a) : b;
      auto r = store.Range(req);
      if (!r.ok()) {
        std::cout << "error: " << r.status().message() << "\n";
        continue;
      }
      for (const auto& kv : r->kvs) Print(kv);
      std::cout << r->count << " key(s) at revision " << r->revision << "\n";
    } else if (cmd == "del" && !a.empty()) {
      kv::DeleteRangeRequest req{a, b, false};
      auto r = apply([&](ApplyBatch& batch) { return batch.DeleteRange(req, kv::ApplyContext{NowNs()}); });
      if (r.ok()) std::cout << "deleted " << r->deleted << "\n";
      else std::cout << "error: " << r.status().message() << "\n";
    } else if (cmd == "compact" && !a.empty()) {
      Status s = apply([&](ApplyBatch& batch) { return batch.Compact(std::stoll(a)); });
      std::cout << (s.ok() ? "OK" : "error: " + s.message()) << "\n";
    } else if (cmd == "hash") {
      auto h = store.HashKV(0);
      if (h.ok()) std::cout << std::hex << h->hash << std::dec << " at revision " << h->revision << "\n";
      else std::cout << "error: " << h.status().message() << "\n";
    } else if (cmd == "status") {
      std::cout << "revision " << store.CurrentRevision() << ", compacted "
                << store.CompactedRevision() << ", applied index " << store.AppliedIndex().value()
                << ", " << store.KeyCount() << " keys, backend " << store.BackendSizeBytes()
                << " bytes\n";
    } else {
      std::cout << kHelp << "\n";
    }
  }
  return 0;
}

}  // namespace
}  // namespace etcfs::store

int main(int argc, char** argv) { return etcfs::store::Main(argc, argv); }
