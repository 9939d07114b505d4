// KvReader: one consistent view of the store's column families to read from.
// SnapshotReader reads a published RocksDB snapshot (any thread); BatchReader
// reads the database with the apply thread's uncommitted batch laid over it,
// so that a transaction sees its own earlier writes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/db.h>

#include "base/result.h"
#include "store/batch_overlay.h"
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
  virtual Result<std::optional<Record>> GetLive(std::string_view key);
  // The version of `key` visible at main revision `rev`: the newest change at
  // or below `rev`, unless that change was a delete.
  Result<std::optional<Record>> GetAt(std::string_view key, int64_t rev);
  // The record stored at exactly `rev` in the revs family.
  Result<Record> GetRevision(Rev rev);

  // History written by an uncommitted batch, in revision order; the
  // versions and revs families seen through NewIterator/Get lack it.
  virtual const std::vector<Record>* pending_history() const { return nullptr; }
  // The newest pending version of `key` at or below `rev`, if any.
  const Record* PendingAt(std::string_view key, int64_t rev) const;

 private:
  const Db* db_;
};

class SnapshotReader final : public KvReader {
 public:
  // `snapshot` may be null (read the latest state).
  SnapshotReader(const Db* db, const rocksdb::Snapshot* snapshot) : KvReader(db), snapshot_(snapshot) {}
  Result<std::optional<Record>> GetLive(std::string_view key) override;
  std::unique_ptr<rocksdb::Iterator> NewIterator(rocksdb::ColumnFamilyHandle* cf) override;
  Status Get(rocksdb::ColumnFamilyHandle* cf, std::string_view key, std::string* value,
             bool* found) override;

 private:
  const rocksdb::Snapshot* snapshot_;
};

// Reads the database with an apply batch's writes laid over it: the live,
// leases and lease_keys families through its overlay; its history (revs and
// versions, read back only by reads of revisions written in this same batch)
// through `pending`.
class BatchReader final : public KvReader {
 public:
  BatchReader(const Db* db, const BatchOverlay* overlay, const std::vector<Record>* pending)
      : KvReader(db), overlay_(overlay), pending_(pending) {}
  const std::vector<Record>* pending_history() const override { return pending_; }
  std::unique_ptr<rocksdb::Iterator> NewIterator(rocksdb::ColumnFamilyHandle* cf) override;
  Status Get(rocksdb::ColumnFamilyHandle* cf, std::string_view key, std::string* value,
             bool* found) override;

 private:
  const BatchOverlay* overlay_;
  const std::vector<Record>* pending_;
};

}  // namespace etcfs::store
