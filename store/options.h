// StoreOptions: how a Store is opened. Validate() reports problems and changes nothing.
#pragma once

#include <cstdint>
#include <string>

#include "base/executor.h"
#include "base/status.h"

namespace etcfs::store {

struct StoreOptions {
  // Directory of the RocksDB database. Created when missing.
  // Default: none (required).
  std::string dir;

  // Backend size above which writes are refused with NOSPACE once the alarm
  // is raised (etcd's --quota-backend-bytes). Default: 2 GiB, etcd's default.
  int64_t quota_bytes = int64_t{2} << 30;

  // RocksDB block cache shared by all column families. Default: 128 MiB.
  int64_t block_cache_bytes = int64_t{128} << 20;

  // Records physically removed per compaction step, each step one write
  // batch (etcd's --experimental-compaction-batch-limit). Default: 1000.
  int compaction_batch_limit = 1000;

  // Runs physical compaction and the catch-up of watchers that are behind.
  // Must outlive the store. Default: none (required).
  Executor* background = nullptr;

  Status Validate() const;
};

}  // namespace etcfs::store
