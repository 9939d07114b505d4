// The path codec both ways: a name it accepts encodes back to itself, and a
// key component encodes to a name that decodes back to it (fs/path_codec.h:
// every name has one meaning and the name created is the name listed).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fs/path_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  using etcfs::fs::DecodeName;
  using etcfs::fs::EncodeName;
  using etcfs::fs::SelfValueName;
  if (auto decoded = DecodeName(input)) {
    auto again = decoded->self_value ? SelfValueName(decoded->component) : EncodeName(decoded->component);
    if (!again || *again != input) std::abort();  // two spellings of one name
  }
  if (input.find('/') == std::string::npos) {  // a key component has no '/'
    if (auto name = EncodeName(input)) {
      auto back = DecodeName(*name);
      if (!back || back->self_value || back->component != input) std::abort();
      if (name->size() > etcfs::fs::kMaxNameBytes || name->find('/') != std::string::npos) std::abort();
    }
  }
  return 0;
}
