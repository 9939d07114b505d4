// Db: the store's RocksDB database and its column families. Opening and
// tuning live here; what the families hold is described in key_codec.h.
// Thread-safe as RocksDB is.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <rocksdb/db.h>

#include "base/result.h"
#include "store/options.h"

namespace etcfs::store {

class Db {
 public:
  static Result<std::unique_ptr<Db>> Open(const StoreOptions& options);
  ~Db();

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* meta() const { return cfs_[0]; }        // store metadata
  rocksdb::ColumnFamilyHandle* live() const { return cfs_[1]; }        // key -> record
  rocksdb::ColumnFamilyHandle* revs() const { return cfs_[2]; }        // rev -> key+record
  rocksdb::ColumnFamilyHandle* versions() const { return cfs_[3]; }    // key,~rev -> sub
  rocksdb::ColumnFamilyHandle* leases() const { return cfs_[4]; }      // id -> lease
  rocksdb::ColumnFamilyHandle* lease_keys() const { return cfs_[5]; }  // id,key -> ""
  const std::vector<rocksdb::ColumnFamilyHandle*>& all() const { return cfs_; }

 private:
  Db() = default;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;  // owned; destroyed before db_
};

// Maps a RocksDB error to ours, naming what was being done.
Status FromRocks(const rocksdb::Status& s, std::string_view what);

}  // namespace etcfs::store
