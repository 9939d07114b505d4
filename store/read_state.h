// ReadState: one committed state of the store as readers see it, a RocksDB
// snapshot together with the metadata committed with it. The apply thread
// publishes a new one after each batch; readers hold it by shared_ptr and so
// never see half a batch. Immutable once published. A ReadState must not
// outlive its Store (its snapshot belongs to the store's database).
#pragma once

#include <memory>

#include <rocksdb/db.h>

#include "store/meta.h"

namespace etcfs::store {

struct ReadState {
  std::shared_ptr<const rocksdb::Snapshot> snapshot;  // released with the last reader
  StoreMeta meta;
};

}  // namespace etcfs::store
