#include "ctl/bench_keys.h"

#include "ctl/connection.h"

namespace etcfs::ctl {
namespace {

// splitmix64: a well-spread number for each request, the same every run.
uint64_t Spread(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

void BenchKeys::Check() const {
  if (key_space_size < 1) Fail(kExitBadArgs, "--key-space-size must be at least 1");
  if (val_size < 0) Fail(kExitBadArgs, "--val-size must not be negative");
  const size_t digits = std::to_string(key_space_size - 1).size();
  if (key_size < 1 || static_cast<size_t>(key_size) < digits) {
    Fail(kExitBadArgs, "--key-size " + std::to_string(key_size) + " cannot hold " + std::to_string(key_space_size) +
                           " distinct keys (--key-space-size); give at least --key-size " + std::to_string(digits));
  }
}

std::string BenchKeys::Number(uint64_t n) const {
  std::string digits = std::to_string(n);
  return std::string(static_cast<size_t>(key_size) - digits.size(), '0') + digits;
}

std::string BenchKeys::KeyOf(uint64_t i, uint64_t offset) const {
  const uint64_t base = sequential ? i : Spread(i);
  return Number((base + offset) % key_space_size);
}

}  // namespace etcfs::ctl
