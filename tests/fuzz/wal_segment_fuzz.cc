// WAL segments as a crash or a bad disk may leave them: the input frames
// records (types and payloads of its choosing, with valid checksums, so that
// the payload decoders are reached) and raw bytes after a metadata record.
// Wal::Open answers every segment with contents or a clean error, and the
// entries it returns are in order without gaps.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "consensus/wal.h"
#include "consensus/wal_format.h"
#include "tests/support/fault_fs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace etcfs;
  using namespace etcfs::consensus;
  std::string segment;
  AppendWalRecord(0, kMetadata, "fuzz", &segment);
  // Chunks: a kind byte, a length byte, that many bytes; kinds 0-5 are
  // records of that type (0 and unknown types included), 6 raw bytes.
  for (size_t p = 0; p + 2 <= size;) {
    const uint8_t kind = data[p] % 7, len = data[p + 1];
    p += 2;
    const std::string chunk(reinterpret_cast<const char*>(data) + p, std::min<size_t>(len, size - p));
    p += chunk.size();
    if (kind == 6) {
      segment += chunk;
    } else {
      AppendWalRecord(0, kind, chunk, &segment);
    }
  }
  testing::FaultInjectionFileSystem fs(1);
  WalOptions wo;
  wo.dir = "/wal";
  wo.fs = &fs;
  (void)fs.CreateDir(wo.dir);
  auto file = fs.NewWritableFile(wo.dir + "/" + SegmentName(0, Index(0)));
  if (!file.ok() || !(*file)->Append(segment).ok() || !(*file)->Sync().ok()) std::abort();
  (void)fs.SyncDir(wo.dir);
  WalContents contents;
  auto wal = Wal::Open(wo, Index(0), &contents);
  if (!wal.ok()) return 0;
  for (size_t i = 1; i < contents.entries.size(); ++i) {
    if (contents.entries[i].index != contents.entries[i - 1].index + 1) std::abort();
  }
  return 0;
}
