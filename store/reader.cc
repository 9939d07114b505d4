#include "store/reader.h"

#include "store/key_codec.h"

namespace etcfs::store {
namespace {

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

Status CorruptRecord(std::string_view family, std::string_view key) {
  return Status::Corruption("undecodable record in the " + std::string(family) +
                            " family for key '" + std::string(key) +
                            "'; the store is damaged: restore this member from a snapshot");
}

}  // namespace

Result<std::optional<Record>> KvReader::GetLive(std::string_view key) {
  std::string value;
  bool found = false;
  ETCFS_RETURN_IF_ERROR(Get(db_->live(), key, &value, &found));
  if (!found) return std::optional<Record>();
  Record r;
  if (!DecodeRecord(value, key, &r)) return CorruptRecord("live", key);
  return std::optional<Record>(std::move(r));
}

Result<std::optional<Record>> SnapshotReader::GetLive(std::string_view key) {
  // The hot path of point reads: decode straight from RocksDB's pinned block.
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  rocksdb::PinnableSlice value;
  rocksdb::Status s = db().db()->Get(ro, db().live(), ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<Record>();
  ETCFS_RETURN_IF_ERROR(FromRocks(s, "reading the store"));
  Record r;
  if (!DecodeRecord(ToView(value), key, &r)) return CorruptRecord("live", key);
  return std::optional<Record>(std::move(r));
}

const Record* KvReader::PendingAt(std::string_view key, int64_t rev) const {
  const std::vector<Record>* pending = pending_history();
  if (pending == nullptr) return nullptr;
  for (auto it = pending->rbegin(); it != pending->rend(); ++it) {
    if (it->kv.mod_revision <= rev && it->kv.key == key) return &*it;
  }
  return nullptr;
}

Result<std::optional<Record>> KvReader::GetAt(std::string_view key, int64_t rev) {
  if (const Record* p = PendingAt(key, rev)) {
    if (p->tombstone) return std::optional<Record>();
    return std::optional<Record>(*p);
  }
  auto it = NewIterator(db_->versions());
  std::string prefix = VersionKeyPrefix(key);
  it->Seek(ToSlice(VersionKey(key, rev)));
  if (!it->Valid()) {
    ETCFS_RETURN_IF_ERROR(FromRocks(it->status(), "reading key versions"));
    return std::optional<Record>();
  }
  std::string_view found_prefix;
  int64_t main;
  if (!SplitVersionKey(ToView(it->key()), &found_prefix, &main)) {
    return CorruptRecord("versions", key);
  }
  if (found_prefix != prefix) return std::optional<Record>();
  int64_t sub;
  bool tombstone;
  if (!DecodeVersionValue(ToView(it->value()), &sub, &tombstone)) {
    return CorruptRecord("versions", key);
  }
  if (tombstone) return std::optional<Record>();
  ETCFS_ASSIGN_OR_RETURN(Record r, GetRevision(Rev{main, sub}));
  return std::optional<Record>(std::move(r));
}

Result<Record> KvReader::GetRevision(Rev rev) {
  std::string value;
  bool found = false;
  std::string k = RevKey(rev);
  ETCFS_RETURN_IF_ERROR(Get(db_->revs(), k, &value, &found));
  if (!found) {
    return Status::Corruption("revision " + std::to_string(rev.main) + "." +
                              std::to_string(rev.sub) +
                              " is indexed but missing; restore this member from a snapshot");
  }
  Record r;
  if (!DecodeKeyedRecord(value, &r)) return CorruptRecord("revs", std::to_string(rev.main));
  return r;
}

std::unique_ptr<rocksdb::Iterator> SnapshotReader::NewIterator(rocksdb::ColumnFamilyHandle* cf) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  return std::unique_ptr<rocksdb::Iterator>(db().db()->NewIterator(ro, cf));
}

Status SnapshotReader::Get(rocksdb::ColumnFamilyHandle* cf, std::string_view key,
                           std::string* value, bool* found) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  rocksdb::Status s = db().db()->Get(ro, cf, ToSlice(key), value);
  *found = s.ok();
  if (s.IsNotFound()) return Status::Ok();
  return FromRocks(s, "reading the store");
}

std::unique_ptr<rocksdb::Iterator> BatchReader::NewIterator(rocksdb::ColumnFamilyHandle* cf) {
  rocksdb::ReadOptions ro;
  return overlay_->NewMergedIterator(cf->GetID(), db().db()->NewIterator(ro, cf));
}

Status BatchReader::Get(rocksdb::ColumnFamilyHandle* cf, std::string_view key,
                        std::string* value, bool* found) {
  if (const std::optional<std::string>* v = overlay_->Find(cf->GetID(), key)) {
    *found = v->has_value();
    if (*found) *value = **v;
    return Status::Ok();
  }
  rocksdb::ReadOptions ro;
  rocksdb::Status s = db().db()->Get(ro, cf, ToSlice(key), value);
  *found = s.ok();
  if (s.IsNotFound()) return Status::Ok();
  return FromRocks(s, "reading the store");
}

}  // namespace etcfs::store
