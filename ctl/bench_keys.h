// The keys and values etcfsctl bench writes: keys of --key-size characters,
// the key number in decimal, zero-padded (etcd's benchmark writes the number
// in binary), chosen among --key-space-size keys either in turn
// (--sequential-keys) or spread pseudo-randomly; values of --val-size bytes.
#pragma once

#include <cstdint>
#include <string>

namespace etcfs::ctl {

struct BenchKeys {
  int key_size = 8;
  int val_size = 8;
  uint64_t key_space_size = 1;
  bool sequential = false;

  // Fails the command (kExitBadArgs) when the sizes cannot work.
  void Check() const;
  // The key of request `i`; `offset` picks the next keys of one transaction.
  std::string KeyOf(uint64_t i, uint64_t offset = 0) const;
  std::string Number(uint64_t n) const;  // key number n, padded
  std::string Value() const { return std::string(static_cast<size_t>(val_size), 'v'); }
};

}  // namespace etcfs::ctl
