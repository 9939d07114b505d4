// bbolt database files as anyone may hand them to etcfsctl snapshot restore,
// bytes and all: the reader answers every input without reading outside it
// or looping, and every bucket it lists it can walk, keys ascending.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "member/bbolt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace etcfs::member::bbolt;
  const std::string file(reinterpret_cast<const char*>(data), size);  // exactly sized, so overreads show
  auto reader = Reader::Open(file);
  if (!reader.ok()) return 0;
  auto names = reader->Buckets();
  if (!names.ok()) return 0;
  for (const auto& name : *names) {
    std::string last;
    bool first = true;
    etcfs::Status s = reader->ForEach(name, [&](std::string_view key, std::string_view) {
      if (!first && key <= last) abort();
      first = false;
      last = key;
      return etcfs::Status::Ok();
    });
    (void)s;
  }
  return 0;
}
