// KvReader: one consistent view of the store's column families to read from.
// SnapshotReader reads a published RocksDB snapshot (any thread); BatchReader
// reads the database with the apply thread's uncommitted batch laid over it,
// so that a transaction sees its own earlier writes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include "base/result.h"
#include "store/db.h"
#include "store/key_codec.h"
#include "store/record_codec.h"

namespace etcfs::store {

class KvReader {
 public:
  explicit KvReader(const Db* db) : db_(db) {}
  virtual ~KvReader() = default;

  const Db& db() const { return *db_; }
  virtual std::unique_ptr<rocksdb::Iterator> NewIterator(rocksdb::ColumnFamilyHandle* cf) = 0;
  // NotFound is reported as ok() with *found = false.
  virtual Status Get(rocksdb::ColumnFamilyHandle* cf, std::string_view key, std::string* value,
                     bool* found) = 0;

  // The live record of `key`, if the key exists now.
  Result<std::optional<Record>> GetLive(std::string_view key);
  // The version of `key` visible at main revision `rev`: the newest change at
  // or below `rev`, unless that change was a delete.
  Result<std::optional<Record>> GetAt(std::string_view key, int64_t rev);
  // The record stored at exactly `rev` in the revs family.
  Result<Record> GetRevision(Rev rev);

 private:
  const Db* db_;
};

class SnapshotReader final : public KvReader {
 public:
  // `snapshot` may be null (read the latest state).
  SnapshotReader(const Db* db, const rocksdb::Snapshot* snapshot) : KvReader(db), snapshot_(snapshot) {}
  std::unique_ptr<rocksdb::Iterator> NewIterator(rocksdb::ColumnFamilyHandle* cf) override;
  Status Get(rocksdb::ColumnFamilyHandle* cf, std::string_view key, std::string* value,
             bool* found) override;

 private:
  const rocksdb::Snapshot* snapshot_;
};

class BatchReader final : public KvReader {
 public:
  BatchReader(const Db* db, rocksdb::WriteBatchWithIndex* batch) : KvReader(db), batch_(batch) {}
  std::unique_ptr<rocksdb::Iterator> NewIterator(rocksdb::ColumnFamilyHandle* cf) override;
  Status Get(rocksdb::ColumnFamilyHandle* cf, std::string_view key, std::string* value,
             bool* found) override;

 private:
  rocksdb::WriteBatchWithIndex* batch_;
};

}  // namespace etcfs::store
